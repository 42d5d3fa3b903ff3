package proto

import (
	"context"
	"errors"
	"net"
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
// 1; dial 0 makes the permanent key) fails the SHA1 verdict, and no key is
// made current; the next Connect succeeds on a clean connection.
func TestDriverCorruptedAnswer(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	// Server stream: 4-byte frame length, then resPQ (20 + 64 bytes), then
	// server_DH_params_ok; offset 212 is well inside its encrypted_answer.
	opts, fd := faulty(localOptions(c, 1), 1, faultnet.Fault{Kind: faultnet.CorruptRead, Offset: 212})
	d := NewDriver(opts)
	col := collect(d)
	err := d.Connect(context.Background())
	var ce *handshake.CheckError
	if !errors.As(err, &ce) || ce.Name != handshake.CheckAnswerSHA1 {
		t.Fatalf("connect: %v, want check %s", err, handshake.CheckAnswerSHA1)
	}
	if fd.Injected() != 1 {
		t.Fatalf("%d faults fired", fd.Injected())
	}
	if _, ok := d.TempKey(); ok {
		t.Fatal("a temp key is current after a failed handshake")
	}
	if err := d.Connect(context.Background()); err != nil {
		t.Fatalf("second connect: %v", err)
	}
	_ = d.Close()
	<-col.done
	var failed bool
	for _, ev := range col.all() {
		if e, ok := ev.(model.HandshakeDone); ok && !e.Transcript.Passed() {
			failed = e.Transcript.KeyID == 0 && e.Transcript.Err != ""
		}
	}
	if !failed {
		t.Fatal("no failed transcript reported")
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
