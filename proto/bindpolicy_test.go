package proto

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/crypto"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

// TestBindPolicyByPermKeyAge checks the ENCRYPTED_MESSAGE_INVALID policy of
// pfs-protocol.md §5.1 with a permanent key the DC does not know: a key
// under 60 s old is retried, an older one is reported as gone at once.
func TestBindPolicyByPermKeyAge(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	var k crypto.Key
	k[0], k[255] = 7, 9
	unknown := k.WithID()
	tests := []struct {
		name     string
		created  time.Duration // age of the perm key
		failures int
		advice   string
	}{
		{"young key is retried", 5 * time.Second, 4, "retrying the bind"},
		{"old key is gone", 5 * time.Minute, 1, "drop both keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDriver(localOptions(c, 1))
			col := collect(d)
			_, err := d.openTemp(context.Background(), 1, c.Addr(1), c.ProtocolDC(1), unknown, time.Now().Add(-tt.created))
			if err == nil || !strings.Contains(err.Error(), "ENCRYPTED_MESSAGE_INVALID") {
				t.Fatalf("openTemp: %v", err)
			}
			_ = d.Close()
			<-col.done
			var fails []model.BindFailed
			for _, ev := range col.all() {
				if e, ok := ev.(model.BindFailed); ok {
					fails = append(fails, e)
				}
			}
			if len(fails) != tt.failures {
				t.Fatalf("%d BindFailed events, want %d", len(fails), tt.failures)
			}
			if !strings.Contains(fails[0].Advice, tt.advice) || fails[0].Type != "ENCRYPTED_MESSAGE_INVALID" || fails[0].Code != 400 {
				t.Fatalf("first failure %+v", fails[0])
			}
			if last := fails[len(fails)-1]; !strings.Contains(last.Advice, "drop both keys") {
				t.Fatalf("last advice %q", last.Advice)
			}
			// Each event carries the verdict it was acted on: retried
			// while the key is young, then both keys must go.
			for i, f := range fails {
				last := i == len(fails)-1
				v := f.Verdict
				if v.Kind != model.EncryptedMessageInvalid || v.Retry == last || v.DropKeys != last || v.Advice != f.Advice {
					t.Fatalf("failure %d: verdict %+v", i, v)
				}
			}
		})
	}
}
