// Package proto is tgpfs's MTProto client: a Driver with one method per user
// action on the key lifecycle (connect, rotate, drop, export, login), each
// reported step by step as model events.
//
// The parts live in subpackages: handshake (the transparent key exchange),
// dh and pq (its arithmetic), session (MTProto 2.0 traffic and the bind),
// tap (the frame ring and the PFS proof) and endpoints (where DCs are).
//
// The driver's files follow its roles: driver.go (the Driver, its events
// and actions), state.go (the state readers take without waiting),
// connect.go (getting connected and staying so), temp.go (temporary keys:
// make, bind, rotate, drop), export.go (export and the test-phone login),
// realdc.go (what real-DC logins need: an invoker, moves, a reset),
// frames.go (the tap and the PFS proof) and renew.go (the renewal policy).
package proto

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/tap"
)

// Target says which DC to talk to and which server keys to trust.
type Target struct {
	Env        string // "local", "test" or "prod"
	DC         int
	Addr       string // host:port
	ProtocolDC int    // dc id for p_q_inner_data: 10000+dc for test DCs
	PublicKeys []*rsa.PublicKey
}

// Options configure a Driver. The driver reads them; it never changes them.
type Options struct {
	Target      Target        // the DC to start on
	TempTTL     time.Duration // lifetime requested for temp keys (expires_in); 0 = 24 h
	RenewBefore float64       // renew when this fraction of the lifetime is left; 0 = 0.25
	PermKey     []byte        // 256-byte permanent key to use; nil = make one
	PermSource  string        // where PermKey came from, for display
	AppID       int
	AppHash     string
	// AppVersion, DeviceModel and SystemVersion are what initConnection
	// tells the DC (and what Telegram lists under Settings > Devices).
	// The caller passes the app's version; "" = the module version Go
	// recorded in the binary, "unknown" without one. DeviceModel "" =
	// "tgpfs"; SystemVersion "" = the OS and architecture.
	AppVersion    string
	DeviceModel   string
	SystemVersion string
	Layer         int              // 0 = gotd's tg.Layer
	Now           func() time.Time // nil = time.Now
	// Dial opens TCP connections; nil = net.Dialer. For fault injection.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Transport is the MTProto transport; "" = intermediate.
	Transport endpoints.Transport
	// Proxy, if set, carries every connection through an MTProxy, which
	// picks its own transport from its secret (gotd's dcs.MTProxy).
	Proxy *endpoints.Proxy
	// Events is the event channel's buffer; 0 = 1024. See Events.
	Events int
	// Frames is the tap ring's size; 0 = 512.
	Frames int
	// Addrs maps DC ids to addresses for Export, overriding help.getConfig.
	Addrs map[int]string
}

// Action names, as reported in ActionStarted/ActionDone.
const (
	ActConnect   = "connect"
	ActRotate    = "rotate"
	ActDrop      = "drop"
	ActExport    = "export"
	ActGetConfig = "getConfig"
	ActLogin     = "login"
	ActRenew     = "renew"
	ActMove      = "move"
	ActReset     = "reset"
)

// Driver runs the key lifecycle against one DC at a time. Its methods are
// safe for concurrent use. Actions run one at a time; the getters (Status,
// PermKey, TempKey, HomeDC, ClockOffset, Frames, OpenFrame, RevealKey)
// never wait for them.
type Driver struct {
	opts Options
	now  func() time.Time
	ring *tap.Ring

	emitMu  sync.Mutex
	events  chan model.Event
	dropped int
	closed  bool

	// act serialises actions. It guards live, and only its holder
	// publishes a new state.
	act   sync.Mutex
	live  *liveTemp // the current temp key's connection; nil = none
	state atomic.Pointer[state]

	renew renewer
}

// NewDriver makes a Driver. Nothing is dialed until Connect.
func NewDriver(opts Options) *Driver {
	if opts.TempTTL <= 0 {
		opts.TempTTL = 24 * time.Hour
	}
	if opts.RenewBefore <= 0 || opts.RenewBefore >= 1 {
		opts.RenewBefore = 0.25
	}
	if opts.Layer == 0 {
		opts.Layer = tg.Layer
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Events <= 0 {
		opts.Events = 1024
	}
	if opts.AppVersion == "" {
		opts.AppVersion = buildVersion()
	}
	if opts.DeviceModel == "" {
		opts.DeviceModel = "tgpfs"
	}
	if opts.SystemVersion == "" {
		opts.SystemVersion = runtime.GOOS + " " + runtime.GOARCH
	}
	if opts.Target.ProtocolDC == 0 {
		opts.Target.ProtocolDC = endpoints.ProtocolDCID(opts.Target.DC, opts.Target.Env == string(endpoints.Test), false)
	}
	d := &Driver{
		opts:   opts,
		now:    opts.Now,
		ring:   tap.NewRing(opts.Frames, opts.Now),
		events: make(chan model.Event, opts.Events),
	}
	first := &state{target: opts.Target, givenPerm: len(opts.PermKey) > 0, addrs: map[int]string{opts.Target.DC: opts.Target.Addr}}
	for id, a := range opts.Addrs {
		first.addrs[id] = a
	}
	d.state.Store(first)
	d.renew.init(d)
	return d
}

// buildVersion is the version Go recorded for the main module: a tag such
// as v0.2.0 for `go install …@v0.2.0`, "(devel)" for a build from a
// checkout.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}

// Events is the stream of everything the driver does. The channel is
// buffered and the driver never blocks on it: when the buffer is full the
// oldest event is discarded to make room (see DroppedEvents), so a UI that
// stalls loses history, never the newest state. It is closed by Close.
func (d *Driver) Events() <-chan model.Event { return d.events }

// DroppedEvents is how many events were discarded because nobody read them.
func (d *Driver) DroppedEvents() int {
	d.emitMu.Lock()
	defer d.emitMu.Unlock()
	return d.dropped
}

func (d *Driver) emit(ev model.Event) {
	d.emitMu.Lock()
	defer d.emitMu.Unlock()
	if d.closed {
		return
	}
	for {
		select {
		case d.events <- ev:
			return
		default:
		}
		select {
		case <-d.events:
			d.dropped++
		default:
		}
	}
}

// action wraps a user action in ActionStarted/ActionDone.
func (d *Driver) action(ctx context.Context, name string, f func(context.Context) error) error {
	d.act.Lock()
	defer d.act.Unlock()
	start := d.now()
	d.emit(model.ActionStarted{At: start, Action: name})
	err := f(ctx)
	done := model.ActionDone{At: d.now(), Action: name, Duration: d.now().Sub(start)}
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
		done.Err = err.Error()
	}
	d.emit(done)
	return err
}

func (d *Driver) modelTarget() model.Target {
	t := d.st().target
	return model.Target{Env: t.Env, DC: t.DC, Addr: t.Addr, Layer: d.opts.Layer}
}

func (d *Driver) connChanged(phase model.ConnPhase, why string) {
	d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: phase, Err: why})
}

// Close stops the renewal policy, closes every connection and the event
// channel. No goroutine of the driver outlives it. An action in flight
// finishes first.
func (d *Driver) Close() error {
	d.renew.stop()
	d.act.Lock()
	if d.live != nil {
		_ = d.live.conn.Close()
		d.live = nil
		d.update(func(s *state) { s.cur = 0 })
	}
	d.act.Unlock()
	d.emitMu.Lock()
	if !d.closed {
		d.closed = true
		close(d.events)
	}
	d.emitMu.Unlock()
	return nil
}
