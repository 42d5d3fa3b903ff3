package endpoints

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/gotd/td/crypto"
)

func TestTelegramKeyFingerprints(t *testing.T) {
	for _, tc := range []struct {
		env  Env
		want uint64
	}{
		{Prod, 0xd09d1d85de64fd85},
		{Test, 0xb25898df208d2603},
	} {
		k, err := TelegramKey(tc.env)
		if err != nil {
			t.Fatal(err)
		}
		if got := uint64(crypto.RSAFingerprint(k)); got != tc.want {
			t.Errorf("%s key fingerprint = %016x, want %016x", tc.env, got, tc.want)
		}
		if k.N.BitLen() != 2048 || k.E != 65537 {
			t.Errorf("%s key: %d bits, e=%d", tc.env, k.N.BitLen(), k.E)
		}
	}
	if _, err := TelegramKey(Local); err == nil {
		t.Error("local DCs have no built-in Telegram key")
	}
}

func TestProtocolDCID(t *testing.T) {
	for _, tc := range []struct {
		dc          int
		test, media bool
		want        int
	}{
		{2, false, false, 2},
		{2, true, false, 10002},
		{4, false, true, -4},
		{3, true, true, -10003},
	} {
		if got := ProtocolDCID(tc.dc, tc.test, tc.media); got != tc.want {
			t.Errorf("ProtocolDCID(%d, %v, %v) = %d, want %d", tc.dc, tc.test, tc.media, got, tc.want)
		}
		dc, test, media := SplitProtocolDCID(tc.want)
		if dc != tc.dc || test != tc.test || media != tc.media {
			t.Errorf("SplitProtocolDCID(%d) = %d, %v, %v", tc.want, dc, test, media)
		}
	}
}

// TestMovedProtocolDCID: a move or an export keeps the conventions of the
// DC it leaves (test DCs' 10000+, media DCs' sign).
func TestMovedProtocolDCID(t *testing.T) {
	for _, tc := range []struct{ from, to, want int }{
		{2, 4, 4},
		{10002, 4, 10004},
		{-2, 4, -4},
		{-10002, 1, -10001},
		{10001, 1, 10001},
	} {
		if got := MovedProtocolDCID(tc.from, tc.to); got != tc.want {
			t.Errorf("MovedProtocolDCID(%d, %d) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		env      Env
		dc       int
		opts     ResolveOptions
		addr     string
		protocol int
		fp       uint64
		err      string
	}{
		// gotd's list comes from a help.getConfig snapshot; tdlib/tdesktop bootstrap
		// with 149.154.167.51 (pfs-protocol.md §9.2). We follow gotd, as the issue asks.
		{env: Prod, dc: 2, addr: "149.154.167.41:443", protocol: 2, fp: 0xd09d1d85de64fd85},
		{env: Prod, dc: 4, addr: "149.154.167.91:443", protocol: 4, fp: 0xd09d1d85de64fd85},
		{env: Test, dc: 2, addr: "149.154.167.40:443", protocol: 10002, fp: 0xb25898df208d2603},
		{env: Test, dc: 1, addr: "149.154.175.10:443", protocol: 10001, fp: 0xb25898df208d2603},
		{env: Test, dc: 5, err: "not in the built-in list"},
		{env: Local, dc: 2, opts: ResolveOptions{Addr: "127.0.0.1:4000"}, addr: "127.0.0.1:4000", protocol: 2},
		{env: Local, dc: 2, err: "no address"},
		{env: Prod, dc: 2, opts: ResolveOptions{Addr: "10.0.0.1:443"}, addr: "10.0.0.1:443", protocol: 2, fp: 0xd09d1d85de64fd85},
	} {
		ep, err := Resolve(tc.env, tc.dc, tc.opts)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Resolve(%s, %d) error = %v, want %q", tc.env, tc.dc, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%s, %d): %v", tc.env, tc.dc, err)
			continue
		}
		if ep.Addr != tc.addr || ep.ProtocolDC != tc.protocol || uint64(ep.Fingerprint()) != tc.fp {
			t.Errorf("Resolve(%s, %d) = %s / %d / %016x, want %s / %d / %016x",
				tc.env, tc.dc, ep.Addr, ep.ProtocolDC, uint64(ep.Fingerprint()), tc.addr, tc.protocol, tc.fp)
		}
	}
}

func TestResolveApp(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name   string
		env    Env
		id     int
		hash   string
		vars   map[string]string
		want   App
		errIs  error
		errHas string
	}{
		{name: "flags", env: Prod, id: 5, hash: "h", want: App{5, "h", "flags"}},
		{name: "flag half", env: Prod, id: 5, errHas: "go together"},
		{name: "tg env", env: Test, vars: map[string]string{"TG_APP_ID": "7", "TG_APP_HASH": "x"}, want: App{7, "x", "TG_APP_ID/TG_APP_HASH"}},
		{name: "gotd env", env: Test, vars: map[string]string{"APP_ID": "8", "APP_HASH": "y"}, want: App{8, "y", "APP_ID/APP_HASH"}},
		{name: "tg wins", env: Test, vars: map[string]string{"TG_APP_ID": "7", "TG_APP_HASH": "x", "APP_ID": "8", "APP_HASH": "y"}, want: App{7, "x", "TG_APP_ID/TG_APP_HASH"}},
		{name: "bad id", env: Test, vars: map[string]string{"TG_APP_ID": "seven", "TG_APP_HASH": "x"}, errHas: "not a positive number"},
		{name: "half env", env: Test, vars: map[string]string{"TG_APP_HASH": "x"}, errHas: "go together"},
		{name: "missing prod", env: Prod, errIs: ErrNoApp},
		{name: "local default", env: Local, want: LocalApp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveApp(tc.env, tc.id, tc.hash, env(tc.vars))
			switch {
			case tc.errIs != nil:
				if !errors.Is(err, tc.errIs) {
					t.Fatalf("err = %v, want %v", err, tc.errIs)
				}
			case tc.errHas != "":
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want %q", err, tc.errHas)
				}
			default:
				if err != nil || got != tc.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
				}
			}
		})
	}
}

func TestParseTransportAndProxy(t *testing.T) {
	for in, want := range map[string]Transport{"": Intermediate, "abridged": Abridged, "padded": PaddedIntermediate, "FULL": Full, "secure": PaddedIntermediate} {
		if got, err := ParseTransport(in); err != nil || got != want {
			t.Errorf("ParseTransport(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseTransport("websocket"); err == nil {
		t.Error("websocket is not offered")
	}
	p, err := ParseProxy("proxy.example:443:dd00112233445566778899aabbccddeeff")
	if err != nil || p.Addr != "proxy.example:443" || len(p.Secret) != 17 {
		t.Fatalf("ParseProxy = %+v, %v", p, err)
	}
	p, err = ParseProxy("tg://proxy?server=1.2.3.4&port=8443&secret=00112233445566778899aabbccddeeff")
	if err != nil || p.Addr != "1.2.3.4:8443" {
		t.Fatalf("ParseProxy link = %+v, %v", p, err)
	}
	for _, bad := range []string{"nohost", "h:1:zz", "h:1:0011"} {
		if _, err := ParseProxy(bad); err == nil {
			t.Errorf("ParseProxy(%q) accepted", bad)
		}
	}
}

func TestPlanText(t *testing.T) {
	ep, err := Resolve(Test, 2, ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, appErr := ResolveApp(Test, 0, "", func(string) string { return "" })
	if err := NewPlan(ep, Intermediate, nil, App{}, appErr).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `target           test DC 2
address          149.154.167.40:443
protocol dc id   10002
rsa fingerprint  b25898df208d2603
transport        intermediate
app id           missing
app hash         missing
problem          ` + ErrNoApp.Error() + "\n"
	if b.String() != want {
		t.Errorf("plan text:\n%s\nwant:\n%s", b.String(), want)
	}
}
