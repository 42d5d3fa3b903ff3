package proto

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/crypto"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

// TestBindPolicyByPermKeyAge checks the ENCRYPTED_MESSAGE_INVALID policy of
// pfs-protocol.md §5.1 with a permanent key the DC does not know: a key
// under 60 s old is retried for as long as it is young (never answered
// within a second of the 60 s line), an older one is reported as gone at
// once.
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
		// Refused at 58 s, 58.25 s and 58.75 s; the next retry would be
		// answered at 59.75 s, so it waits for 61 s, and is refused old.
		{"young key is retried until it is old", 58 * time.Second, 4, "retrying the bind"},
		{"old key is gone", 5 * time.Minute, 1, "drop both keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDriver(localOptions(c, 1))
			col := collect(d)
			created := time.Now().Add(-tt.created)
			_, err := d.openTemp(context.Background(), 1, c.Addr(1), c.ProtocolDC(1), unknown, created)
			var kr *keysRefused
			if !errors.As(err, &kr) || !strings.Contains(err.Error(), "ENCRYPTED_MESSAGE_INVALID") || !kr.verdict.DropKeys {
				t.Fatalf("openTemp: %v, want the keys refused", err)
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
			last := fails[len(fails)-1]
			if !strings.Contains(last.Advice, "drop both keys") {
				t.Fatalf("last advice %q", last.Advice)
			}
			if age := last.At.Sub(created); age < model.PermYoung {
				t.Fatalf("both keys given up at %v: a key under 60 s old is retried", age)
			}
			// Each event carries the verdict it was acted on: retried
			// while the key is young, then both keys must go.
			for i, f := range fails {
				last := i == len(fails)-1
				if age := f.At.Sub(created); age > model.PermYoung-bindAgeMargin && age < model.PermYoung+bindAgeMargin {
					t.Errorf("failure %d answered at %v, within %v of the 60 s line", i, age, bindAgeMargin)
				}
				v := f.Verdict
				if v.Kind != model.EncryptedMessageInvalid || v.Retry == last || v.DropKeys != last || v.Advice != f.Advice {
					t.Fatalf("failure %d: verdict %+v", i, v)
				}
			}
		})
	}
}

// A step that runs out of time while a young key's bind is retried says
// both: the deadline, and the DC's last answer, which callers read by the
// server's rules.
func TestBindRetryUntilDeadline(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	var k crypto.Key
	k[0], k[255] = 8, 9
	d := NewDriver(localOptions(c, 1))
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := d.openTemp(ctx, 1, c.Addr(1), c.ProtocolDC(1), k.WithID(), time.Now())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("openTemp: %v, want the deadline", err)
	}
	if v := model.Classify(err, model.KeyState{}); v.Kind != model.EncryptedMessageInvalid {
		t.Fatalf("openTemp: %v classifies as %v, want ENCRYPTED_MESSAGE_INVALID", err, v.Kind)
	}
}

// The pace of retries: doubling, capped, and moved off the 60 s line.
func TestBindRetryWait(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		retried int
		age     time.Duration
		want    time.Duration
	}{
		{0, 0, 250 * ms},
		{1, time.Second, 500 * ms},
		{3, 5 * time.Second, 2 * time.Second},
		{5, 10 * time.Second, 8 * time.Second},
		{40, 20 * time.Second, 8 * time.Second}, // capped, and no overflow
		{2, 58 * time.Second, time.Second},      // answered at 59 s: young on both sides
		{2, 58500 * ms, 2500 * ms},              // 59.5 s would be on the line: wait for 61 s
		{0, 59800 * ms, 1200 * ms},
		{5, 52 * time.Second, 9 * time.Second}, // 60 s exactly: moved to 61 s
		{4, 50 * time.Second, 4 * time.Second},
		{6, 51500 * ms, 9500 * ms},
	} {
		if got := bindRetryWait(tc.retried, tc.age); got != tc.want {
			t.Errorf("bindRetryWait(%d, %v) = %v, want %v", tc.retried, tc.age, got, tc.want)
		}
	}
}
