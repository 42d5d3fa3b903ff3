// Package proto is tgpfs's MTProto client: a Driver with one method per user
// action on the key lifecycle (connect, rotate, drop, export, login), each
// reported step by step as model events.
//
// The parts live in subpackages: handshake (the transparent key exchange),
// dh and pq (its arithmetic), session (MTProto 2.0 traffic and the bind),
// tap (the frame ring and the PFS proof) and endpoints (where DCs are).
package proto

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/handshake"
	"tgpfs/proto/session"
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

// Options configure a Driver.
type Options struct {
	Target      Target
	TempTTL     time.Duration // lifetime requested for temp keys (expires_in); 0 = 24 h
	RenewBefore float64       // renew when this fraction of the lifetime is left; 0 = 0.25
	PermKey     []byte        // 256-byte permanent key to use; nil = make one
	PermSource  string        // where PermKey came from, for display
	AppID       int
	AppHash     string
	Layer       int              // 0 = gotd's tg.Layer
	Now         func() time.Time // nil = time.Now
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

// OpenResult is the outcome of trying a captured frame with the keys the
// driver holds: the PFS proof shown in the UI.
type OpenResult struct {
	Frame      tap.Frame
	KeyKind    model.KeyKind // kind of the key the frame was sent under, if known
	WithPerm   bool          // the permanent key opened it
	PermErr    string
	WithOwn    bool // the frame's own temp key opened it
	OwnErr     string
	OwnKnown   bool   // the driver still holds the frame's own key
	Content    string // TL name of the content, when a key opened it
	Conclusion string
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

// heldTemp is a temp key the driver made. Its bytes stay in memory for
// OpenFrame and for probing it after a drop; they are never logged.
type heldTemp struct {
	key  crypto.AuthKey
	salt int64
	info model.TempKey
}

const keepTemps = 16 // earlier temp keys kept for OpenFrame and Drop's proof

// Driver runs the key lifecycle against one DC. Its methods are safe for
// concurrent use; actions run one at a time.
type Driver struct {
	opts Options
	now  func() time.Time
	ring *tap.Ring

	emitMu  sync.Mutex
	events  chan model.Event
	dropped int
	closed  bool

	act      sync.Mutex // serializes actions
	perm     crypto.AuthKey
	permMd   model.PermKey
	offset   time.Duration
	cur      *liveTemp
	temps    []*heldTemp // newest last, bounded by keepTemps
	addrs    map[int]string
	loggedIn bool

	renew renewer
}

// liveTemp is the current temp key's connection and session.
type liveTemp struct {
	held   *heldTemp
	conn   *tap.Conn
	sess   *session.Session
	broken bool // the connection failed; the key is still good
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
	if opts.Target.ProtocolDC == 0 {
		opts.Target.ProtocolDC = opts.Target.DC
	}
	d := &Driver{
		opts:   opts,
		now:    opts.Now,
		ring:   tap.NewRing(opts.Frames, opts.Now),
		events: make(chan model.Event, opts.Events),
		addrs:  map[int]string{opts.Target.DC: opts.Target.Addr},
	}
	for id, a := range opts.Addrs {
		d.addrs[id] = a
	}
	d.renew.init(d)
	return d
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
	t := d.opts.Target
	return model.Target{Env: t.Env, DC: t.DC, Addr: t.Addr, Layer: d.opts.Layer}
}

// Connect makes or loads the permanent key, makes and binds a temp key,
// calls help.getConfig through invokeWithLayer(initConnection(...)), and
// starts the renewal policy.
func (d *Driver) Connect(ctx context.Context) error {
	err := d.action(ctx, ActConnect, func(ctx context.Context) error {
		d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Connecting})
		if err := d.ensurePerm(ctx); err != nil {
			return err
		}
		if err := d.newTemp(ctx); err != nil {
			return err
		}
		if err := d.getConfig(ctx); err != nil {
			return err
		}
		d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Connected})
		return nil
	})
	if err != nil {
		d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Disconnected, Err: err.Error()})
		return err
	}
	d.renew.reschedule()
	return nil
}

// dial opens a transport connection to a DC and puts it behind the tap.
// protocolDC is only needed by an MTProxy, which routes by dc id.
func (d *Driver) dial(ctx context.Context, addr string, protocolDC int, label string) (*tap.Conn, error) {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if d.opts.Dial != nil {
			return d.opts.Dial(ctx, addr)
		}
		var dl net.Dialer
		return dl.DialContext(ctx, network, addr)
	}
	ep := endpoints.Endpoint{Addr: addr, ProtocolDC: protocolDC}
	tc, err := endpoints.Dial(ctx, ep, d.opts.Transport, d.opts.Proxy, dial)
	if err != nil {
		return nil, err
	}
	return d.ring.Wrap(tc, label), nil
}

func (d *Driver) handshake(ctx context.Context, conn transport.Conn, kind model.KeyKind, protocolDC int) (handshake.Result, error) {
	res, err := handshake.Run(ctx, conn, handshake.Config{
		Kind: kind, DC: protocolDC, ExpiresIn: d.opts.TempTTL, Keys: d.opts.Target.PublicKeys, Now: d.now,
	})
	d.emit(model.HandshakeDone{At: d.now(), Transcript: res.Transcript})
	if err != nil {
		return res, fmt.Errorf("%s key exchange: %w", kind, err)
	}
	return res, nil
}

// ensurePerm loads opts.PermKey or makes a permanent key on its own connection.
func (d *Driver) ensurePerm(ctx context.Context) error {
	if !d.perm.Zero() {
		return nil
	}
	if len(d.opts.PermKey) > 0 {
		if len(d.opts.PermKey) != 256 {
			return fmt.Errorf("permanent key is %d bytes, want 256", len(d.opts.PermKey))
		}
		var k crypto.Key
		copy(k[:], d.opts.PermKey)
		d.perm = k.WithID()
		src := d.opts.PermSource
		if src == "" {
			src = "given"
		}
		d.permMd = model.PermKey{ID: model.KeyIDFromWire(d.perm.ID), Fingerprint: fingerprint(d.perm), DC: d.opts.Target.DC, Source: src}
		d.ring.AddKey(d.perm)
		d.emit(model.PermKeyReady{At: d.now(), Key: d.permMd})
		return nil
	}
	conn, err := d.dial(ctx, d.opts.Target.Addr, d.opts.Target.ProtocolDC, fmt.Sprintf("dc%d perm", d.opts.Target.DC))
	if err != nil {
		return err
	}
	defer conn.Close()
	res, err := d.handshake(ctx, conn, model.Permanent, d.opts.Target.ProtocolDC)
	if err != nil {
		return err
	}
	d.perm = res.Key
	d.offset = res.Offset
	d.emit(model.ClockSynced{At: d.now(), Offset: res.Offset})
	d.permMd = model.PermKey{ID: model.KeyIDFromWire(d.perm.ID), Fingerprint: fingerprint(d.perm), DC: d.opts.Target.DC,
		CreatedAt: d.now(), Source: "generated"}
	d.ring.AddKey(d.perm)
	d.emit(model.PermKeyReady{At: d.now(), Key: d.permMd})
	return nil
}

// fingerprint is the non-secret digest humans compare: SHA256(key)[:8], hex.
func fingerprint(k crypto.AuthKey) string {
	sum := sha256.Sum256(k.Value[:])
	return hex.EncodeToString(sum[:8])
}

// newTemp makes a temp key on a new connection, binds it to the permanent
// key, seals the connection and makes it current. The previous current key
// is reported as rotated; it stays valid on the DC until it expires or is
// dropped.
func (d *Driver) newTemp(ctx context.Context) error {
	lt, err := d.openTemp(ctx, d.opts.Target.DC, d.opts.Target.Addr, d.opts.Target.ProtocolDC, d.perm, d.permMd.CreatedAt)
	if err != nil {
		return err
	}
	if old := d.cur; old != nil {
		_ = old.conn.Close()
		old.held.info.End, old.held.info.EndedAt = model.Rotated, d.now()
		d.emit(model.TempKeyEnded{At: d.now(), ID: old.held.info.ID, How: model.Rotated,
			Detail: "replaced by " + lt.held.info.ID.String() + "; still valid on the DC until it expires or is dropped"})
	}
	d.cur = lt
	d.temps = append(d.temps, lt.held)
	if len(d.temps) > keepTemps {
		d.temps = d.temps[len(d.temps)-keepTemps:]
	}
	return nil
}

// openTemp runs the temp-key exchange and the bind on a new connection to addr.
func (d *Driver) openTemp(ctx context.Context, dc int, addr string, protocolDC int, perm crypto.AuthKey, permCreated time.Time) (*liveTemp, error) {
	conn, err := d.dial(ctx, addr, protocolDC, fmt.Sprintf("dc%d temp", dc))
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = conn.Close()
		}
	}()
	res, err := d.handshake(ctx, conn, model.Temporary, protocolDC)
	if err != nil {
		return nil, err
	}
	d.offset = res.Offset
	d.emit(model.ClockSynced{At: d.now(), Offset: res.Offset})
	held := &heldTemp{key: res.Key, salt: res.Salt, info: model.TempKey{
		ID: model.KeyIDFromWire(res.Key.ID), DC: dc, ExpiresIn: d.opts.TempTTL, CreatedAt: d.now(), ExpiresAt: res.ExpiresAt,
	}}
	d.ring.AddKey(res.Key)
	sess, err := session.New(conn, res.Key, res.Salt, session.Options{Now: d.now, Offset: res.Offset, Wrap: d.initConnection})
	if err != nil {
		return nil, err
	}
	held.info.SessionID = sess.ID()
	d.emit(model.TempKeyCreated{At: d.now(), Key: held.info})

	bound, err := d.bind(ctx, sess, held, perm, permCreated)
	if err != nil {
		held.info.End, held.info.EndedAt, held.info.EndDetail = model.Failed, d.now(), err.Error()
		d.emit(model.TempKeyEnded{At: d.now(), ID: held.info.ID, How: model.Failed, Detail: err.Error()})
		return nil, err
	}
	// From here on only encrypted frames may leave: no key exchange can
	// ever run on this connection and quietly replace the bound key.
	conn.Seal()
	held.info.Bound, held.info.BoundAt, held.info.ExpiresAt = true, d.now(), bound.ExpiresAt
	d.emit(model.TempKeyBound{At: d.now(), ID: held.info.ID, PermID: model.KeyIDFromWire(perm.ID), Nonce: bound.Nonce,
		ExpiresAt: bound.ExpiresAt, MsgID: bound.MsgID, SessionID: bound.SessionID})
	ok = true
	return &liveTemp{held: held, conn: conn, sess: sess}, nil
}

// permYoung is how old a permanent key must be before an
// ENCRYPTED_MESSAGE_INVALID is taken to mean it is gone (pfs-protocol.md §5.1).
const permYoung = 60 * time.Second

// bind runs auth.bindTempAuthKey with the ENCRYPTED_MESSAGE_INVALID policy
// of the spec: a permanent key younger than 60 s may not have reached every
// server yet, so the bind is retried; an older one is reported as gone.
func (d *Driver) bind(ctx context.Context, sess *session.Session, held *heldTemp, perm crypto.AuthKey, permCreated time.Time) (session.BindResult, error) {
	const youngRetries = 3
	for attempt := 0; ; attempt++ {
		res, err := sess.Bind(ctx, session.BindRequest{Perm: perm, ExpiresAt: held.info.ExpiresAt})
		if err == nil {
			return res, nil
		}
		fail := model.BindFailed{At: d.now(), ID: held.info.ID, Err: err.Error()}
		var rpcErr *tgerr.Error
		if errors.As(err, &rpcErr) {
			fail.Code, fail.Type = rpcErr.Code, rpcErr.Type
		}
		young := !permCreated.IsZero() && d.now().Sub(permCreated) < permYoung
		switch {
		case fail.Type == "ENCRYPTED_MESSAGE_INVALID" && young && attempt < youngRetries:
			fail.Advice = "the permanent key is under 60 s old and may not have reached every server: retrying the bind"
			d.emit(fail)
			select {
			case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
			case <-ctx.Done():
				return session.BindResult{}, ctx.Err()
			}
			continue
		case fail.Type == "ENCRYPTED_MESSAGE_INVALID" && young:
			fail.Advice = fmt.Sprintf("still invalid after %d retries: the DC does not accept the permanent key; drop both keys, "+
				"make a new permanent key and temp key, bind again", attempt)
		case fail.Type == "ENCRYPTED_MESSAGE_INVALID":
			fail.Advice = "the permanent key is over 60 s old (or of unknown age) and the DC does not accept it: drop both keys, " +
				"make a new permanent key and temp key, bind again; if this was the home DC the user is logged out"
		case fail.Type == "TEMP_AUTH_KEY_ALREADY_BOUND":
			fail.Advice = "this temp key is bound to another permanent key: make a new temp key"
		case fail.Type == "EXPIRES_AT_INVALID":
			fail.Advice = "expires_at is out of range for this key's expires_in: check the server clock offset"
		case session.IsKeyNotFound(err):
			fail.Advice = "the DC forgot the temp key before the bind: make a new one"
		}
		d.emit(fail)
		return session.BindResult{}, err
	}
}

// initConnection wraps the first query of every temp-key session.
func (d *Driver) initConnection(q bin.Object) bin.Object {
	return &tg.InvokeWithLayerRequest{Layer: d.opts.Layer, Query: &tg.InitConnectionRequest{
		APIID: d.opts.AppID, DeviceModel: "tgpfs", SystemVersion: "tgpfs", AppVersion: "tgpfs",
		SystemLangCode: "en", LangCode: "en", Query: q,
	}}
}

// api returns the typed client of the current temp key's session. After a
// network failure it first reconnects with the same temp key: a lost TCP
// connection does not lose the key, only the session (a new one starts,
// with initConnection again).
func (d *Driver) api(ctx context.Context) (*tg.Client, error) {
	if d.cur == nil {
		return nil, errors.New("not connected: no bound temporary key")
	}
	if d.cur.broken {
		if err := d.reconnect(ctx); err != nil {
			return nil, err
		}
	}
	return tg.NewClient(d.cur.sess), nil
}

func (d *Driver) reconnect(ctx context.Context) error {
	h := d.cur.held
	conn, err := d.dial(ctx, d.opts.Target.Addr, d.opts.Target.ProtocolDC, fmt.Sprintf("dc%d temp", d.opts.Target.DC))
	if err != nil {
		return fmt.Errorf("reconnect with temp key %s: %w", h.info.ID, err)
	}
	conn.Seal() // the key is bound: nothing unencrypted may leave
	sess, err := session.New(conn, h.key, h.salt, session.Options{Now: d.now, Offset: d.offset, Wrap: d.initConnection})
	if err != nil {
		_ = conn.Close()
		return err
	}
	_ = d.cur.conn.Close()
	d.cur.conn, d.cur.sess, d.cur.broken = conn, sess, false
	h.info.SessionID = sess.ID()
	d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Connected})
	return nil
}

// onCallErr reports a -404 on the current key: the DC forgot it. The key
// is ended and the renewal policy makes a new one unless paused.
func (d *Driver) onCallErr(err error) error {
	if d.cur != nil && session.IsKeyNotFound(err) {
		h := d.cur.held
		_ = d.cur.conn.Close()
		d.cur = nil
		h.info.End, h.info.EndedAt = model.NotFound, d.now()
		d.emit(model.TempKeyEnded{At: d.now(), ID: h.info.ID, How: model.NotFound,
			Detail: "transport error -404: the DC no longer knows this key"})
		d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Disconnected, Err: "temp key -404"})
		d.renew.kick()
		return err
	}
	var rpcErr *tgerr.Error
	if d.cur != nil && !errors.As(err, &rpcErr) && ctxErr(err) == nil {
		// The connection failed under the call: keep the key, redial on
		// the next call.
		d.cur.broken = true
		d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Disconnected, Err: err.Error()})
	}
	return err
}

func ctxErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// GetConfig calls help.getConfig on the current temp key.
func (d *Driver) GetConfig(ctx context.Context) error {
	return d.action(ctx, ActGetConfig, d.getConfig)
}

func (d *Driver) getConfig(ctx context.Context) error {
	api, err := d.api(ctx)
	if err != nil {
		return err
	}
	cfg, err := api.HelpGetConfig(ctx)
	if err != nil {
		return d.onCallErr(fmt.Errorf("help.getConfig: %w", err))
	}
	ev := model.ConfigFetched{At: d.now(), ThisDC: cfg.ThisDC, TestMode: cfg.TestMode, Expires: time.Unix(int64(cfg.Expires), 0)}
	for _, o := range cfg.DCOptions {
		addr := net.JoinHostPort(o.IPAddress, fmt.Sprint(o.Port))
		ev.DCs = append(ev.DCs, model.DCOption{ID: o.ID, Addr: addr, IPv6: o.Ipv6, MediaOnly: o.MediaOnly})
		if _, set := d.opts.Addrs[o.ID]; set || o.Ipv6 || o.MediaOnly || o.CDN {
			continue
		}
		if _, have := d.addrs[o.ID]; !have || o.ID != d.opts.Target.DC {
			d.addrs[o.ID] = addr
		}
	}
	d.emit(ev)
	return nil
}

// Rotate makes a new temp key and binds it. The old key stays valid on the
// DC until it expires or is dropped.
func (d *Driver) Rotate(ctx context.Context) error {
	err := d.action(ctx, ActRotate, d.rotate)
	d.renew.reschedule()
	return err
}

func (d *Driver) rotate(ctx context.Context) error {
	if d.perm.Zero() {
		return errors.New("not connected")
	}
	if err := d.newTemp(ctx); err != nil {
		return err
	}
	d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Connected})
	return nil
}

// Drop calls auth.dropTempAuthKeys(except the current key), then proves each
// earlier key is gone: a call under it on a fresh connection must get -404.
func (d *Driver) Drop(ctx context.Context) error {
	return d.action(ctx, ActDrop, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		cur := d.cur.held.info.ID
		if _, err := api.AuthDropTempAuthKeys(ctx, []int64{int64(cur)}); err != nil {
			return d.onCallErr(fmt.Errorf("auth.dropTempAuthKeys: %w", err))
		}
		ev := model.KeysDropped{At: d.now(), Except: []model.KeyID{cur}}
		var alive []string
		for _, h := range d.temps {
			if h.info.ID == cur || h.info.End == model.Dropped || h.info.End == model.NotFound || h.info.End == model.Failed {
				continue
			}
			if h.info.DC != d.opts.Target.DC {
				// Made on another DC (an export, or before a move): the
				// drop on this DC does not reach it, and a probe here
				// would "prove" nothing but that this DC never knew it.
				continue
			}
			gone, err := d.probeGone(ctx, h)
			if err != nil {
				return fmt.Errorf("probe %s: %w", h.info.ID, err)
			}
			if !gone {
				alive = append(alive, h.info.ID.String())
				continue
			}
			h.info.End, h.info.EndedAt = model.Dropped, d.now()
			ev.Gone = append(ev.Gone, h.info.ID)
			d.emit(model.TempKeyEnded{At: d.now(), ID: h.info.ID, How: model.Dropped, Detail: "a call under it now gets transport error -404"})
		}
		d.emit(ev)
		if len(alive) > 0 {
			return fmt.Errorf("keys still answer after the drop: %v", alive)
		}
		return nil
	})
}

// probeGone sends help.getConfig under an earlier temp key on a new
// connection and reports whether the DC answered -404.
func (d *Driver) probeGone(ctx context.Context, h *heldTemp) (bool, error) {
	conn, err := d.dial(ctx, d.opts.Target.Addr, d.opts.Target.ProtocolDC, fmt.Sprintf("dc%d probe", d.opts.Target.DC))
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.Seal()
	sess, err := session.New(conn, h.key, h.salt, session.Options{Now: d.now, Offset: d.offset, Timeout: 10 * time.Second})
	if err != nil {
		return false, err
	}
	_, err = tg.NewClient(sess).HelpGetConfig(ctx)
	switch {
	case session.IsKeyNotFound(err):
		return true, nil
	case err == nil:
		return false, nil
	}
	return false, err
}

// Export logs the target DC in: auth.exportAuthorization here, then
// auth.importAuthorization on dc over its own PFS connection (its own
// permanent key, a temp key bound to it).
func (d *Driver) Export(ctx context.Context, dc int) error {
	return d.action(ctx, ActExport, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		addr, ok := d.addrs[dc]
		if !ok || dc == d.opts.Target.DC {
			return fmt.Errorf("no address for DC %d (known: %v)", dc, d.addrs)
		}
		exp, err := api.AuthExportAuthorization(ctx, dc)
		if err != nil {
			return d.onCallErr(fmt.Errorf("auth.exportAuthorization(%d): %w", dc, err))
		}
		protocolDC := dc
		if d.opts.Target.ProtocolDC > 10000 || d.opts.Target.Env == "test" {
			protocolDC = 10000 + dc
		}
		conn, err := d.dial(ctx, addr, protocolDC, fmt.Sprintf("dc%d perm", dc))
		if err != nil {
			return err
		}
		permRes, err := d.handshake(ctx, conn, model.Permanent, protocolDC)
		_ = conn.Close()
		if err != nil {
			return err
		}
		lt, err := d.openTemp(ctx, dc, addr, protocolDC, permRes.Key, d.now())
		if err != nil {
			return err
		}
		defer lt.conn.Close()
		auth, err := tg.NewClient(lt.sess).AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes})
		if err != nil {
			return fmt.Errorf("auth.importAuthorization on DC %d: %w", dc, err)
		}
		a, ok := auth.(*tg.AuthAuthorization)
		if !ok {
			return fmt.Errorf("auth.importAuthorization on DC %d answered %T", dc, auth)
		}
		d.emit(model.Exported{At: d.now(), FromDC: d.opts.Target.DC, ToDC: dc, User: userOf(a.User)})
		return nil
	})
}

func userOf(u tg.UserClass) model.User {
	v, ok := u.(*tg.User)
	if !ok {
		return model.User{}
	}
	return model.User{ID: v.ID, Phone: v.Phone, FirstName: v.FirstName, LastName: v.LastName, Bot: v.Bot}
}

// Login signs the permanent key in with a test phone (99966XYYYY, code X
// five times, X = the DC), signing up when the number is new.
func (d *Driver) Login(ctx context.Context, phone string) error {
	return d.action(ctx, ActLogin, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		code, err := testCode(phone)
		if err != nil {
			return err
		}
		sent, err := api.AuthSendCode(ctx, &tg.AuthSendCodeRequest{PhoneNumber: phone, APIID: d.opts.AppID, APIHash: d.opts.AppHash,
			Settings: tg.CodeSettings{}})
		if err != nil {
			return d.onCallErr(fmt.Errorf("auth.sendCode: %w", err))
		}
		sc, ok := sent.(*tg.AuthSentCode)
		if !ok {
			return fmt.Errorf("auth.sendCode answered %T", sent)
		}
		auth, err := api.AuthSignIn(ctx, &tg.AuthSignInRequest{PhoneNumber: phone, PhoneCodeHash: sc.PhoneCodeHash, PhoneCode: code})
		if err != nil {
			return d.onCallErr(fmt.Errorf("auth.signIn: %w", err))
		}
		if _, signUp := auth.(*tg.AuthAuthorizationSignUpRequired); signUp {
			auth, err = api.AuthSignUp(ctx, &tg.AuthSignUpRequest{PhoneNumber: phone, PhoneCodeHash: sc.PhoneCodeHash,
				FirstName: "Test", LastName: phone[len(phone)-4:]})
			if err != nil {
				return fmt.Errorf("auth.signUp: %w", err)
			}
		}
		a, ok := auth.(*tg.AuthAuthorization)
		if !ok {
			return fmt.Errorf("sign in answered %T", auth)
		}
		d.loggedIn = true
		d.emit(model.LoggedIn{At: d.now(), DC: d.opts.Target.DC, User: userOf(a.User)})
		return nil
	})
}

// testCode is the login code of a test phone 99966XYYYY: X five times.
func testCode(phone string) (string, error) {
	if len(phone) != 10 || phone[:5] != "99966" || phone[5] < '1' || phone[5] > '9' {
		return "", fmt.Errorf("phone %q is not a test phone 99966XYYYY", phone)
	}
	for _, c := range phone {
		if c < '0' || c > '9' {
			return "", fmt.Errorf("phone %q is not a test phone 99966XYYYY", phone)
		}
	}
	b := make([]byte, 5)
	for i := range b {
		b[i] = phone[5]
	}
	return string(b), nil
}

// Frames returns the tap's ring, oldest first.
func (d *Driver) Frames() []tap.Frame { return d.ring.Frames() }

// OpenFrame tries f with the permanent key and with its own temp key.
func (d *Driver) OpenFrame(f tap.Frame) OpenResult {
	d.act.Lock()
	perm := d.perm
	var own *heldTemp
	for _, h := range d.temps {
		if h.info.ID == f.AuthKeyID {
			own = h
		}
	}
	d.act.Unlock()
	r := OpenResult{Frame: f, KeyKind: model.Temporary}
	if !f.Encrypted() {
		r.Conclusion = "unencrypted handshake message: readable by anyone on the wire"
		r.Content = f.Type
		return r
	}
	if f.AuthKeyID == model.KeyIDFromWire(perm.ID) {
		r.KeyKind = model.Permanent
	}
	if !perm.Zero() {
		name, err := tap.CanOpen(f, perm)
		r.WithPerm = err == nil
		if err != nil {
			r.PermErr = err.Error()
		} else {
			r.Content = name
		}
	}
	if own != nil {
		r.OwnKnown = true
		name, err := tap.CanOpen(f, own.key)
		r.WithOwn = err == nil
		if err != nil {
			r.OwnErr = err.Error()
		} else {
			r.Content = name
		}
	}
	switch {
	case r.KeyKind == model.Permanent:
		r.Conclusion = "sent under the permanent key: no forward secrecy for this frame"
	case r.WithOwn && !r.WithPerm:
		r.Conclusion = "opens only with its own temp key; the permanent key cannot read it: once that temp key is gone, so is the frame's content"
	case !r.OwnKnown && !r.WithPerm:
		r.Conclusion = "the temp key is no longer held and the permanent key cannot open it"
	default:
		r.Conclusion = "unexpected: the permanent key opened a temp-key frame"
	}
	return r
}

// RevealKey returns a copy of the key bytes of the permanent key or of the
// current temp key, for an explicit user request only. Nil when there is none.
func (d *Driver) RevealKey(kind model.KeyKind) []byte {
	d.act.Lock()
	defer d.act.Unlock()
	switch {
	case kind == model.Permanent && !d.perm.Zero():
		return append([]byte(nil), d.perm.Value[:]...)
	case kind == model.Temporary && d.cur != nil:
		return append([]byte(nil), d.cur.held.key.Value[:]...)
	}
	return nil
}

// PermKey describes the permanent key in use (zero before Connect).
func (d *Driver) PermKey() model.PermKey {
	d.act.Lock()
	defer d.act.Unlock()
	return d.permMd
}

// TempKey describes the current temp key; ok is false when there is none.
func (d *Driver) TempKey() (model.TempKey, bool) {
	d.act.Lock()
	defer d.act.Unlock()
	if d.cur == nil {
		return model.TempKey{}, false
	}
	return d.cur.held.info, true
}

// Close stops the renewal policy, closes every connection and the event
// channel. No goroutine of the driver outlives it.
func (d *Driver) Close() error {
	d.renew.stop()
	d.act.Lock()
	if d.cur != nil {
		_ = d.cur.conn.Close()
		d.cur = nil
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
