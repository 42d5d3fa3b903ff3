package proto

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"tgpfs/internal/faultnet"
	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/localdc"
)

// faulty plugs a faultnet.Dialer into the driver: fault f on dial n only.
func faulty(opts Options, n int, f faultnet.Fault) (Options, *faultnet.Dialer) {
	fd := &faultnet.Dialer{Plan: func(i int) faultnet.Fault {
		if i == n {
			return f
		}
		return faultnet.Fault{}
	}}
	opts.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return fd.DialContext(ctx, "tcp", addr) }
	return opts, fd
}

// A byte flipped inside encrypted_answer on the temp key's connection (dial
// 1; dial 0 makes the permanent key) fails the SHA1 verdict: that exchange is
// abandoned with its connection, no key comes out of it, and a fresh
// exchange on a new connection (dial 2) makes the key that is bound.
func TestDriverCorruptedAnswer(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	// Server stream: 4-byte frame length, then resPQ (20 + 64 bytes), then
	// server_DH_params_ok; offset 212 is well inside its encrypted_answer.
	opts, fd := faulty(localOptions(c, 1), 1, faultnet.Fault{Kind: faultnet.CorruptRead, Offset: 212})
	d := NewDriver(opts)
	col := collect(d)
	if err := d.Connect(context.Background()); err != nil {
		t.Fatalf("connect: %v, want a fresh exchange after the corrupted one", err)
	}
	if fd.Injected() != 1 || fd.Dials() != 3 {
		t.Fatalf("%d faults fired in %d dials, want 1 in 3", fd.Injected(), fd.Dials())
	}
	temp, ok := d.TempKey()
	if !ok || !temp.Bound {
		t.Fatal("no bound temp key after the retried exchange")
	}
	_ = d.Close()
	<-col.done
	var failed, made []model.Transcript
	for _, ev := range col.all() {
		if e, ok := ev.(model.HandshakeDone); ok && e.Transcript.Kind == model.Temporary {
			if e.Transcript.Passed() {
				made = append(made, e.Transcript)
			} else {
				failed = append(failed, e.Transcript)
			}
		}
	}
	if len(failed) != 1 || failed[0].KeyID != 0 || !strings.Contains(failed[0].Err, handshake.CheckAnswerSHA1) {
		t.Fatalf("failed temp exchanges %+v, want one that failed %s and made no key", failed, handshake.CheckAnswerSHA1)
	}
	if len(made) != 1 || made[0].KeyID != temp.ID {
		t.Fatalf("temp exchanges that passed: %+v, want the bound key's", made)
	}
}

// A server that fails a check on every exchange ends the step after
// maxExchanges exchanges, each on its own connection, with the check named.
func TestDriverGivesUpOnEveryAnswerBad(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	fd := &faultnet.Dialer{Plan: func(int) faultnet.Fault { return faultnet.Fault{Kind: faultnet.CorruptRead, Offset: 212} }}
	opts := localOptions(c, 1)
	opts.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return fd.DialContext(ctx, "tcp", addr) }
	d := NewDriver(opts)
	defer d.Close()
	err := d.Connect(context.Background())
	var ce *handshake.CheckError
	if !errors.As(err, &ce) || ce.Name != handshake.CheckAnswerSHA1 || !strings.Contains(err.Error(), "8 key exchanges") {
		t.Fatalf("connect: %v, want check %s after %d exchanges", err, handshake.CheckAnswerSHA1, maxExchanges)
	}
	if fd.Dials() != maxExchanges {
		t.Fatalf("%d dials, want %d", fd.Dials(), maxExchanges)
	}
	if d.PermKey().ID != 0 {
		t.Fatal("a permanent key came out of bad answers")
	}
}

// A connection cut under a bound key loses the session, not the key: the
// next call redials with the same temp key.
func TestDriverReconnectsWithSameKey(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	// Dial 1 carries the temp key; cut it after the handshake, the bind and
	// the first getConfig have been read (well past 2000 bytes read).
	opts, _ := faulty(localOptions(c, 1), 1, faultnet.Fault{Kind: faultnet.CutWrite, Offset: 2500})
	d := NewDriver(opts)
	col := collect(d)
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := d.TempKey()
	var err error
	for i := 0; i < 20; i++ {
		if err = d.GetConfig(ctx); err != nil {
			break
		}
	}
	if err == nil {
		t.Fatal("the cut never happened")
	}
	if err := d.GetConfig(ctx); err != nil {
		t.Fatalf("call after the cut: %v", err)
	}
	after, _ := d.TempKey()
	if after.ID != before.ID || after.SessionID == before.SessionID {
		t.Fatalf("key %v -> %v, session %x -> %x", before.ID, after.ID, before.SessionID, after.SessionID)
	}
	_ = d.Close()
	<-col.done
}
