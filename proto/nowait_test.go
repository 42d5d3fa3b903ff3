package proto

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/proto/tap"
)

// gate is a Dial hook that lets dials through until closed, then parks the
// next dial until the test opens it: an action blocked mid-flight on a
// channel the test holds.
type gate struct {
	closed  atomic.Bool
	entered chan struct{} // a dial reached the gate
	open    chan struct{} // let it through
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 1), open: make(chan struct{})} }

func (g *gate) dial(ctx context.Context, addr string) (net.Conn, error) {
	if g.closed.Load() {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		select {
		case <-g.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var dl net.Dialer
	return dl.DialContext(ctx, "tcp", addr)
}

// hangGuard is how long a getter may take before the test calls it stuck.
// It only bounds a hang; no assertion depends on how fast anything is.
const hangGuard = 20 * time.Second

// returns runs f in its own goroutine and reports whether it returned
// before the hang guard ran out.
func returns(f func()) bool {
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
		return true
	case <-time.After(hangGuard):
		return false
	}
}

// TestGettersDoNotWaitForActions blocks an action inside its dial and calls
// every getter meanwhile: each returns while the action is still blocked,
// with the values from before the action. Then the action finishes and the
// getters show its result.
func TestGettersDoNotWaitForActions(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 2})
	for _, tc := range []struct {
		name   string
		action func(context.Context, *Driver) error
		// torn: the action first ends the keys in use (a move or a
		// reset), and the getters show that, as the events did; else
		// they show everything as it was before the action.
		torn   bool
		homeDC int // HomeDC while blocked and after
	}{
		{"rotate", func(ctx context.Context, d *Driver) error { return d.Rotate(ctx) }, false, 1},
		{"move", func(ctx context.Context, d *Driver) error { _, err := d.MoveTo(ctx, 2); return err }, true, 2},
		{"reset", func(ctx context.Context, d *Driver) error { return d.ResetKeys(ctx) }, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGate()
			opts := localOptions(c, 1)
			opts.Addrs = map[int]string{2: c.Addr(2)}
			opts.Dial = g.dial
			d := NewDriver(opts)
			col := collect(d)
			release := sync.OnceFunc(func() { close(g.open) })
			// On a failure the action may still be parked in its dial:
			// let it go first, or Close would wait for it.
			defer func() { release(); _ = d.Close(); <-col.done }()
			ctx := context.Background()
			if err := d.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			before := d.Status()
			permBytes, tempBytes := d.RevealKey(model.Permanent), d.RevealKey(model.Temporary)
			var frame tap.Frame
			for _, f := range d.Frames() {
				if f.Encrypted() && f.Dir == model.Sent && f.AuthKeyID == before.Temp.ID {
					frame = f
				}
			}
			if !before.HasTemp || before.Perm.ID == 0 || frame.Seq == 0 {
				t.Fatalf("after connect: %+v, frame %+v", before, frame)
			}

			g.closed.Store(true)
			actionDone := make(chan error, 1)
			go func() { actionDone <- tc.action(ctx, d) }()
			<-g.entered // the action now waits in its dial, holding the action lock

			wantPerm, wantPermBytes, wantTempBytes, wantPermID := before.Perm, permBytes, tempBytes, before.Perm.ID
			if tc.torn {
				wantPerm, wantPermBytes, wantTempBytes, wantPermID = model.PermKey{}, nil, nil, 0
			}
			getters := []struct {
				name  string
				check func() bool
			}{
				{"Status", func() bool {
					s := d.Status()
					return s.Perm == wantPerm && s.HasTemp == !tc.torn && (tc.torn || s.Temp == before.Temp) &&
						s.Target.DC == tc.homeDC && s.Offset == before.Offset
				}},
				{"PermKey", func() bool { return d.PermKey() == wantPerm }},
				{"TempKey", func() bool { k, ok := d.TempKey(); return ok == !tc.torn && (tc.torn || k == before.Temp) }},
				{"HomeDC", func() bool { return d.HomeDC() == tc.homeDC }},
				{"ClockOffset", func() bool { return d.ClockOffset() == before.Offset }},
				{"RevealKey(perm)", func() bool { return bytes.Equal(d.RevealKey(model.Permanent), wantPermBytes) }},
				{"RevealKey(temp)", func() bool { return bytes.Equal(d.RevealKey(model.Temporary), wantTempBytes) }},
				{"Frames", func() bool { return len(d.Frames()) > 0 }},
				{"OpenFrame", func() bool { r := d.OpenFrame(frame); return r.WithOwn && !r.WithPerm && r.PermID == wantPermID }},
				{"DroppedEvents", func() bool { return d.DroppedEvents() == 0 }},
			}
			for _, gt := range getters {
				var ok bool
				if !returns(func() { ok = gt.check() }) {
					t.Fatalf("%s did not return while %s was blocked", gt.name, tc.name)
				}
				if !ok {
					t.Errorf("%s during %s: not the values from before it", gt.name, tc.name)
				}
			}
			select {
			case err := <-actionDone:
				t.Fatalf("%s finished while its dial was held: %v", tc.name, err)
			default:
			}

			release()
			if err := <-actionDone; err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			after := d.Status()
			if !after.HasTemp || after.Temp.ID == before.Temp.ID || !after.Temp.Bound {
				t.Fatalf("after %s: temp key %+v", tc.name, after.Temp)
			}
			if tc.torn != (after.Perm.ID != before.Perm.ID) {
				t.Fatalf("after %s: perm key %s -> %s", tc.name, before.Perm.ID, after.Perm.ID)
			}
			if after.Target.DC != tc.homeDC || after.Perm.DC != tc.homeDC {
				t.Fatalf("after %s: target %+v, perm key on DC %d", tc.name, after.Target, after.Perm.DC)
			}
		})
	}
}
