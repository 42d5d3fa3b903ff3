package localdc

import (
	"testing"
	"time"

	"tgpfs/model"
)

func TestFormatEvent(t *testing.T) {
	at := time.Date(2026, 1, 2, 12, 0, 1, 250e6, time.UTC)
	exp := time.Date(2026, 1, 2, 13, 0, 1, 0, time.UTC)
	tests := []struct {
		ev   model.ServerEvent
		want string
	}{
		{model.ServerEvent{At: at, DC: 2, Kind: model.SrvKeyCreated, KeyID: 0x1a2b3c4d5e6f7a8b, KeyKind: model.Permanent},
			"12:00:01.250 dc2 key made  perm 1a2b3c4d5e6f7a8b"},
		{model.ServerEvent{At: at, DC: 2, Kind: model.SrvKeyBound, KeyID: 0x1a2b3c4d5e6f7a8b, KeyKind: model.Temporary, PermID: 0x0f0e0d0c0b0a0908, ExpiresAt: exp},
			"12:00:01.250 dc2 bound     temp 1a2b3c4d5e6f7a8b perm 0f0e0d0c0b0a0908 expires 13:00:01"},
		{model.ServerEvent{At: at, DC: 1, Kind: model.SrvKeyNotFound, KeyID: -1},
			"12:00:01.250 dc1 -404      key ffffffffffffffff"},
		{model.ServerEvent{At: at, DC: 3, Kind: model.SrvLogin, KeyID: 1, UserID: 1000001, Detail: "auth.signIn 9996612345"},
			"12:00:01.250 dc3 login     perm 0000000000000001 user 1000001 (auth.signIn 9996612345)"},
		{model.ServerEvent{At: at, DC: 2, Kind: model.SrvKeyCreated, KeyID: 0x1a2b3c4d5e6f7a8b, KeyKind: model.Permanent, Detail: "p_q_inner_data, rsa_sha1, abridged"},
			"12:00:01.250 dc2 key made  perm 1a2b3c4d5e6f7a8b (p_q_inner_data, rsa_sha1, abridged)"},
		{model.ServerEvent{At: at, DC: 1, Kind: model.SrvHandshakeFailed, Detail: "req_DH_params: unknown key fingerprint (0000000000000001, this DC has 1234567890abcdef), answered -404 over full"},
			"12:00:01.250 dc1 refused   (req_DH_params: unknown key fingerprint (0000000000000001, this DC has 1234567890abcdef), answered -404 over full)"},
		{model.ServerEvent{At: at, DC: 1, Kind: model.SrvAcceptFailing, Detail: "accept tcp 127.0.0.1:44001: accept4: too many open files; retrying with backoff 5ms..1s"},
			"12:00:01.250 dc1 accept failing (accept tcp 127.0.0.1:44001: accept4: too many open files; retrying with backoff 5ms..1s)"},
		{model.ServerEvent{At: at, DC: 2, Kind: model.SrvRule, Client: 3, Detail: "uses_pfs: fail: PFS downgrade"},
			"12:00:01.250 dc2 rule      client 3 (uses_pfs: fail: PFS downgrade)"},
	}
	for _, tt := range tests {
		if got := FormatEvent(tt.ev); got != tt.want {
			t.Errorf("FormatEvent:\n got %q\nwant %q", got, tt.want)
		}
	}
}
