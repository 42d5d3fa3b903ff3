package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"tgpfs/internal/app"
	"tgpfs/internal/faultnet"
	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/localdc"
	"tgpfs/proto/tap"
)

// Kinds of faulted run. Every cut, delay and corruption hits exactly one
// connection of a run, chosen by its dial number: 0 is the permanent-key
// connection of Connect, 1 the temp-key connection of Connect (which then
// carries help.getConfig), 2 the temp-key connection of Rotate.
const (
	CutHandshake = "cut-handshake" // cut while keys are exchanged
	CutBind      = "cut-bind"      // cut in auth.bindTempAuthKey or its answer
	CutRPC       = "cut-rpc"       // cut in help.getConfig or its answer, after the bind
	Delay        = "delay"         // every write from a point on waits
	Corrupt      = "corrupt"       // one byte flipped, in any phase, either direction
	Restart      = "restart"       // the DC restarts without StatePath after Connect
)

// Kinds lists the fault kinds in the order a run cycles through them.
var Kinds = []string{CutHandshake, CutBind, CutRPC, Delay, Corrupt, Restart}

// The steps of a faulted run, in order; a run stops at the first error.
// Each temp-key connection carries two help.getConfig calls after its bind
// (Connect's own and one more; two after Rotate), enough traffic that an
// offset planned in the RPC phase is always reached.
var scenario = []string{proto.ActConnect, proto.ActGetConfig, proto.ActRotate, proto.ActGetConfig, proto.ActGetConfig}

// Layout is where the phases of a connection's byte streams begin and end,
// measured from clean runs. Encrypted frames carry 0..240 bytes of random
// padding, so a phase's end is only known within that much: offsets are
// picked where they are certain to fall in the phase they are meant for.
type Layout struct {
	// Handshake bytes written (transport header included) and read, the
	// smallest and largest seen; the DH answer's length varies by a few
	// bytes with the length of g_a.
	PermHSWrite, PermHSRead [2]int64
	TempHSWrite, TempHSRead [2]int64
	// BindWrite and BindRead are the most bytes the bind's frames can
	// take in each direction: for each frame, the smallest size seen plus
	// the most padding it could have had (the smallest size has the
	// least padding, so the bound holds whatever the samples were).
	BindWrite, BindRead int64

	bindOut, bindIn []int64 // smallest size seen of each bind frame
}

// framed is the wire size of a frame of the intermediate transport.
func framed(size int) int64 { return int64(size) + 4 }

// maxPadding is the most random padding gotd's cipher adds to a frame
// beyond the 12..27 bytes of alignment (countPadding: 0..15 blocks).
const maxPadding = 15 * 16

// phaseWindow is how far into a phase an offset is placed: every frame of
// the bind, and the help.getConfig traffic after it, is longer than this.
const phaseWindow = 64

// Calibrate runs n clean runs (the steps of Run, no fault) against target
// and measures the Layout from the tap's frames.
func Calibrate(ctx context.Context, target app.Config, n int, timeout time.Duration) (Layout, error) {
	l := Layout{
		PermHSWrite: [2]int64{1 << 62, 0}, PermHSRead: [2]int64{1 << 62, 0},
		TempHSWrite: [2]int64{1 << 62, 0}, TempHSRead: [2]int64{1 << 62, 0},
	}
	for range n {
		d, err := newDriver(ctx, target)
		if err != nil {
			return Layout{}, err
		}
		go func() {
			for range d.Events() {
			}
		}()
		for _, step := range scenario {
			if err := act(ctx, d, step, timeout); err != nil {
				_ = d.Close()
				return Layout{}, fmt.Errorf("calibration run: %w", err)
			}
		}
		frames := d.Frames()
		_ = d.Close()
		if err := l.add(frames); err != nil {
			return Layout{}, err
		}
	}
	l.BindWrite, l.BindRead = worst(l.bindOut), worst(l.bindIn)
	return l, nil
}

func worst(sizes []int64) int64 {
	var n int64
	for _, s := range sizes {
		n += s + 4 + maxPadding
	}
	return n
}

// add widens l by one clean run's frames.
func (l *Layout) add(frames []tap.Frame) error {
	type stream struct {
		label           string
		hsW, hsR        int64 // handshake bytes; the client's 4-byte transport header counts as written
		bindOut, bindIn []int64
		rpcOut          int
		inBind          bool
	}
	conns := map[int]*stream{}
	var order []int
	for _, f := range frames {
		s := conns[f.Conn]
		if s == nil {
			s = &stream{label: f.Label, hsW: 4}
			conns[f.Conn] = s
			order = append(order, f.Conn)
		}
		out := f.Dir == model.Sent
		switch {
		case !f.Encrypted() && out:
			s.hsW += framed(f.Size)
		case !f.Encrypted():
			s.hsR += framed(f.Size)
		case out && strings.HasPrefix(f.Type, "auth.bindTempAuthKey"):
			s.inBind = true
			s.bindOut = append(s.bindOut, int64(f.Size))
		case out && s.inBind && f.Type == "msgs_ack":
			// The session acks the bind's answers before the call returns:
			// a cut there fails the bind.
			s.bindOut = append(s.bindOut, int64(f.Size))
		case out && s.inBind:
			s.inBind = false // the first request after the bind: RPC from here on
			s.rpcOut++
		case !out && s.inBind:
			s.bindIn = append(s.bindIn, int64(f.Size))
		}
	}
	if len(order) != 3 {
		return fmt.Errorf("calibration run used %d connections, want 3 (perm, temp, rotated temp)", len(order))
	}
	widen := func(r *[2]int64, v int64) { r[0], r[1] = min(r[0], v), max(r[1], v) }
	smallest := func(into *[]int64, sizes []int64) error {
		if *into == nil {
			*into = append([]int64(nil), sizes...)
			return nil
		}
		if len(*into) != len(sizes) {
			return fmt.Errorf("calibration: the bind took %d frames one time and %d another", len(*into), len(sizes))
		}
		for i, s := range sizes {
			(*into)[i] = min((*into)[i], s)
		}
		return nil
	}
	for i, id := range order {
		s := conns[id]
		if i == 0 {
			widen(&l.PermHSWrite, s.hsW)
			widen(&l.PermHSRead, s.hsR)
			continue
		}
		if len(s.bindOut) == 0 || len(s.bindIn) == 0 || s.rpcOut == 0 {
			return fmt.Errorf("calibration: connection %q shows no bind or no call after it", s.label)
		}
		widen(&l.TempHSWrite, s.hsW)
		widen(&l.TempHSRead, s.hsR)
		if err := smallest(&l.bindOut, s.bindOut); err != nil {
			return err
		}
		if err := smallest(&l.bindIn, s.bindIn); err != nil {
			return err
		}
	}
	return nil
}

// Case is one planned faulted run.
type Case struct {
	Kind  string
	Dial  int // which connection of the run the fault hits
	Fault faultnet.Fault
}

func (c Case) String() string {
	if c.Kind == Restart {
		return c.Kind
	}
	return fmt.Sprintf("%s dial %d %s", c.Kind, c.Dial, c.Fault)
}

// Plan picks a case of kind at random within l's phases.
func (l Layout) Plan(kind string, rng *rand.Rand) Case {
	c := Case{Kind: kind, Dial: 1 + rng.IntN(2)} // a temp-key connection
	write := rng.IntN(2) == 0
	hsW, hsR := l.TempHSWrite, l.TempHSRead
	if kind == CutHandshake || kind == Delay || kind == Corrupt {
		c.Dial = rng.IntN(3)
		if c.Dial == 0 {
			hsW, hsR = l.PermHSWrite, l.PermHSRead
		}
	}
	// offset returns a point in the chosen direction's stream: in the
	// handshake, in the bind's first frame, or in the first call after it.
	offset := func(phase string) int64 {
		hs, bind := hsR, l.BindRead
		if write {
			hs, bind = hsW, l.BindWrite
		}
		switch phase {
		case CutBind:
			return hs[1] + rng.Int64N(phaseWindow)
		case CutRPC:
			return hs[1] + bind + rng.Int64N(phaseWindow)
		}
		return rng.Int64N(hs[0])
	}
	pick := func(w, r faultnet.Kind) faultnet.Kind {
		if write {
			return w
		}
		return r
	}
	switch kind {
	case CutHandshake, CutBind, CutRPC:
		c.Fault = faultnet.Fault{Kind: pick(faultnet.CutWrite, faultnet.CutRead), Offset: offset(kind)}
	case Delay:
		write = true
		c.Fault = faultnet.Fault{Kind: faultnet.Delay, Offset: offset(CutHandshake), Delay: time.Duration(5+rng.IntN(96)) * time.Millisecond}
	case Corrupt:
		phase := CutHandshake
		if c.Dial > 0 {
			phase = []string{CutHandshake, CutBind, CutRPC}[rng.IntN(3)]
		}
		c.Fault = faultnet.Fault{Kind: pick(faultnet.CorruptWrite, faultnet.CorruptRead), Offset: offset(phase)}
	}
	return c
}

// Outcome is how one faulted run ended.
type Outcome struct {
	Case Case
	// Fired is whether the fault happened: the network fault was injected,
	// or the DC was restarted (after a Connect that succeeded).
	Fired bool
	// Err is the first failed step's error, "" when the run ended with a
	// bound temp key that answered help.getConfig.
	Err string
	// Step is the step of the run that failed, "" when none did.
	Step string
	// Class is a short name for Err, for counting: the step and its Cause.
	Class string
	// err is the error behind Err, for checks on its chain.
	err error
	// Recovered: after a failure, one more Connect on clean connections
	// ended with a bound key that answered help.getConfig.
	Recovered bool
	// RecoverErr is why not.
	RecoverErr string
	// FramesChecked is how many encrypted frames the driver sent in the
	// run, each checked for the key it went under.
	FramesChecked int
	// Panic is a recovered panic with its stack; it must never happen.
	Panic string
	// Violations are broken invariants: traffic on a key that was never
	// bound, traffic under the permanent key, a current key that is not
	// bound, an error that does not say what failed.
	Violations []string
}

// Bound reports whether the run ended with a working bound temp key.
func (o Outcome) Bound() bool { return o.Err == "" && o.Panic == "" }

// Run runs one case against DC 1 of dc: a new driver does Connect,
// GetConfig, Rotate, GetConfig, GetConfig with the fault on the chosen
// connection and, after a failure, one recovery Connect and GetConfig.
// Each step gets timeout. For Restart, dc is restarted at its
// address without StatePath after Connect and the restarted cluster is
// returned so the caller can close it; other kinds return dc.
func Run(ctx context.Context, dc *localdc.Cluster, c Case, timeout time.Duration, watch *ServerWatch) (out Outcome, live *localdc.Cluster) {
	out.Case, live = c, dc
	fd := &faultnet.Dialer{Plan: func(n int) faultnet.Fault {
		if c.Kind != Restart && n == c.Dial {
			return c.Fault
		}
		return faultnet.Fault{}
	}}
	cfg := Target(dc)
	cfg.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return fd.DialContext(ctx, "tcp", addr) }
	d, err := newDriver(ctx, cfg)
	if err != nil {
		out.Err, out.Class = err.Error(), "harness: "+err.Error()
		return out, live
	}
	bound := map[model.KeyID]bool{}
	var boundMu sync.Mutex
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for ev := range d.Events() {
			if b, ok := ev.(model.TempKeyBound); ok {
				boundMu.Lock()
				bound[b.ID] = true
				boundMu.Unlock()
			}
		}
	}()
	defer func() {
		_ = d.Close()
		<-drained
		if out.Panic == "" {
			boundMu.Lock()
			bad, n := checkFrames(d, bound)
			out.Violations, out.FramesChecked = append(out.Violations, bad...), n
			boundMu.Unlock()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			out.Panic = fmt.Sprintf("%v\n%s", r, debug.Stack())
		}
	}()

	for i, step := range scenario {
		if err = act(ctx, d, step, timeout); err != nil {
			out.Step = step
			break
		}
		if i == 0 && c.Kind == Restart {
			var rerr error
			live, rerr = restart(ctx, dc, watch)
			if rerr != nil {
				out.Err, out.Class = rerr.Error(), "harness: "+rerr.Error()
				return out, live
			}
			out.Fired = true
		}
	}
	out.Fired = out.Fired || fd.Injected() > 0
	if tk, ok := d.TempKey(); ok && !tk.Bound {
		out.Violations = append(out.Violations, "current temp key "+tk.ID.String()+" is not bound")
	}
	if err == nil {
		return out, live
	}
	out.Err, out.Class, out.err = err.Error(), Classify(out.Step, err), err
	if !namesStep(c.Kind, out.Step, err) {
		out.Violations = append(out.Violations, "error does not name the failed step: "+err.Error())
	}
	// One more try, the way a user presses connect again. Faults hit only
	// the chosen dial, so this runs on clean connections.
	rstep := proto.ActConnect
	rerr := act(ctx, d, rstep, timeout)
	if rerr == nil {
		rstep = proto.ActGetConfig
		rerr = act(ctx, d, rstep, timeout)
	}
	if rerr == nil {
		out.Recovered = true
	} else {
		out.RecoverErr = Classify(rstep, rerr)
	}
	if tk, ok := d.TempKey(); ok && !tk.Bound {
		out.Violations = append(out.Violations, "after recovery, current temp key "+tk.ID.String()+" is not bound")
	}
	return out, live
}

// Target is what a soak driver is built from: DC 1 of the running cluster
// c, temporary keys of an hour (nothing expires during a run: rotations are
// ours), the soak's own app id.
func Target(c *localdc.Cluster) app.Config {
	cfg := app.Defaults()
	cfg.Attach, cfg.DC, cfg.TTL = c, 1, time.Hour
	cfg.AppID, cfg.AppHash = 1, "tgpfs-soak"
	cfg.NoLogin = true
	return cfg
}

// newDriver builds a driver for cfg through the composition root. The
// cluster is attached, so closing the driver is all the cleanup there is.
func newDriver(ctx context.Context, cfg app.Config) (*proto.Driver, error) {
	a, err := app.New(cfg)
	if err != nil {
		return nil, err
	}
	s, err := a.Start(ctx)
	if err != nil {
		return nil, err
	}
	return s.Driver, nil
}

// restart closes dc and starts a new cluster on the same address with the
// same key and no StatePath: it forgets every key.
func restart(ctx context.Context, dc *localdc.Cluster, watch *ServerWatch) (*localdc.Cluster, error) {
	cfg := app.Defaults().Cluster
	cfg.DCs, cfg.Listen = 1, dc.Addr(1)
	again, err := app.NewCluster(cfg)
	if err != nil {
		return dc, err
	}
	_ = dc.Close()
	// The port was ours a moment ago; give a closing socket a few tries.
	for try := 0; ; try++ {
		nc, err := again.Start(ctx)
		if err == nil {
			if watch != nil {
				watch.Watch(nc)
			}
			return nc, nil
		}
		if try == 20 {
			return nil, fmt.Errorf("restart local DC at %s: %w", cfg.Listen, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// act runs one step of a run with its own deadline. A flipped byte in an
// encrypted frame makes the DC drop the frame in silence, as Telegram does,
// so some runs end only by this deadline.
func act(ctx context.Context, d *proto.Driver, step string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch step {
	case proto.ActConnect:
		return d.Connect(ctx)
	case proto.ActGetConfig:
		return d.GetConfig(ctx)
	case proto.ActRotate:
		return d.Rotate(ctx)
	}
	return fmt.Errorf("unknown step %q", step)
}

// checkFrames looks at every frame the driver sent and reports traffic that
// PFS forbids: an encrypted frame under the permanent key, and any content
// but the bind (and acks) under a temp key that was never bound.
func checkFrames(d *proto.Driver, bound map[model.KeyID]bool) (bad []string, checked int) {
	perm := d.PermKey().ID
	for _, f := range d.Frames() {
		if f.Dir != model.Sent || !f.Encrypted() {
			continue
		}
		checked++
		if f.AuthKeyID == perm {
			bad = append(bad, fmt.Sprintf("frame %d sent under the permanent key %s", f.Seq, perm))
			continue
		}
		if bound[f.AuthKeyID] {
			continue
		}
		// The tap names frames with every key the driver made, bound or
		// not (OpenFrame knows only the keys that became current).
		switch name := f.Type; name {
		case "auth.bindTempAuthKey", "msgs_ack":
		default:
			bad = append(bad, fmt.Sprintf("frame %d (%s) sent under temp key %s, which was never bound", f.Seq, name, f.AuthKeyID))
		}
	}
	return bad, checked
}
