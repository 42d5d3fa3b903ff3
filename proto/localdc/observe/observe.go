// Package observe is what a local DC saw of its clients, grouped by client,
// and the verdicts computed from it (model.ConformanceReport). It is pure:
// the DC reports each thing it sees by calling a method of an Observer with
// the time it happened, and asks for a Report when it wants one. Nothing
// here does I/O, starts a goroutine, reads a clock or knows gotd; an
// Observer is not safe for concurrent use (the DC holds a lock around it).
//
// # Clients
//
// The DC sees connections and keys, not programs. A client is what links
// them: a connection belongs to the client of the first key it makes or
// uses, a key to the client of the connection it was made on, and a bind
// joins the temporary key's client to the permanent key's. So an unbound
// temporary key belongs to the client of the connection that made it when
// that connection also used a permanent key, and is a client of its own
// until it is bound otherwise. A connection that touches keys of two
// clients merges them. One more link: a client that the rules expect to
// come back with new keys (after a restart, an ENCRYPTED_MESSAGE_INVALID,
// a forgotten key) and a new client that names itself with the same
// initConnection identity are taken to be one program, so that dropping
// both keys is seen as what it is.
//
// Key exchanges that no key came out of (the hostile-handshake scenario's,
// which a careful client abandons) belong to no client when they happen;
// they are given to the next client that appears, which is right when one
// client runs at a time (as `tgpfs conform` runs them), and are reported as
// client 0 if none does.
//
// # Bounds
//
// At most Config.MaxClients clients are remembered (the least recently
// active is forgotten first, and counted in the report), each with its
// Config.MaxEvents most recent events and Config.MaxKeys most recent keys
// of each kind. Verdicts are kept as facts updated as events arrive, so
// forgetting old events never changes a verdict.
package observe

import (
	"time"

	"tgpfs/model"
)

// Default bounds.
const (
	DefaultMaxClients = 256
	DefaultMaxEvents  = 256
	DefaultMaxKeys    = 64
)

// maxIncidents bounds each verdict's list of open and settled incidents
// per client (recoveries, refused binds, salt probes, hostile answers).
const maxIncidents = 16

// Config bounds an Observer's memory. Zero values take the defaults.
type Config struct {
	MaxClients int // clients remembered
	MaxEvents  int // events per client
	MaxKeys    int // keys of each kind per client
}

// ConnID identifies one connection of the DC.
type ConnID uint64

// Conn is the connection an observation was made on.
type Conn struct {
	ID        ConnID
	DC        int
	Transport string // as the DC detected it
}

// Notice is something an observation changed that the DC puts on its event
// stream: a client seen or named (model.SrvClient), a rule kept or broken
// (model.SrvRule).
type Notice struct {
	Kind   model.ServerEventKind
	At     time.Time
	DC     int
	Client int
	Key    model.KeyID
	Detail string
}

// Observer holds what the DC saw. The zero value is not usable; call New.
type Observer struct {
	cfg       Config
	clients   []*client // oldest first
	nextID    int
	keys      map[model.KeyID]*key
	conns     map[ConnID]*conn
	forgotten int
	// hostileKeys are keys whose dh_gen_ok carried a wrong
	// new_nonce_hash1: the DC never stored them, and a client that uses
	// one failed that check.
	hostileKeys map[model.KeyID]*incident
	// unclaimed are hostile answers sent on connections of no client yet.
	unclaimed []*incident
	notices   []Notice
}

// conn is one open connection.
type conn struct {
	Conn
	c *client
	// probe is the hostile answer the connection's key exchange got and
	// the client has not yet reacted to.
	probe *incident
}

// New makes an empty Observer.
func New(cfg Config) *Observer {
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = DefaultMaxClients
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = DefaultMaxEvents
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	return &Observer{
		cfg: cfg, keys: make(map[model.KeyID]*key), conns: make(map[ConnID]*conn),
		hostileKeys: make(map[model.KeyID]*incident),
	}
}

// DrainNotices appends the notices collected since the last call to dst
// and forgets them.
func (o *Observer) DrainNotices(dst []Notice) []Notice {
	dst = append(dst, o.notices...)
	clear(o.notices)
	o.notices = o.notices[:0]
	return dst
}

func (o *Observer) notice(kind model.ServerEventKind, at time.Time, c *client, k model.KeyID, detail string) {
	n := Notice{Kind: kind, At: at, Key: k, Detail: detail}
	if c != nil {
		n.Client = c.id
		if len(c.dcs) > 0 {
			n.DC = c.dcs[0]
		}
	}
	o.notices = append(o.notices, n)
}

// ClientOf returns the number of the client a connection belongs to, 0 if
// none yet.
func (o *Observer) ClientOf(id ConnID) int {
	if c := o.conns[id]; c != nil && c.c != nil {
		return c.c.id
	}
	return 0
}

// conn returns the record of cn, making it on first sight.
func (o *Observer) conn(cn Conn) *conn {
	c := o.conns[cn.ID]
	if c == nil {
		c = &conn{Conn: cn}
		o.conns[cn.ID] = c
	}
	return c
}

// clientFor returns the client of c, making a new one when it has none.
func (o *Observer) clientFor(at time.Time, c *conn) *client {
	if c.c == nil {
		cl := o.newClient(at)
		o.attach(c, cl)
		o.notice(model.SrvClient, at, cl, 0, "first seen on dc"+itoa(c.DC)+" over "+c.Transport)
	}
	return c.c
}

// ConnClosed forgets a connection. A hostile answer its exchange got is
// settled: the client went no further with it.
func (o *Observer) ConnClosed(at time.Time, id ConnID) {
	c := o.conns[id]
	if c == nil {
		return
	}
	if c.probe != nil {
		o.settleProbe(at, c, model.ResultOK, "closed the connection and went no further")
	}
	if c.c != nil {
		c.c.conns--
	}
	delete(o.conns, id)
}

// KeyMade is a finished key exchange.
type KeyMade struct {
	ID        model.KeyID
	Kind      model.KeyKind
	ExpiresIn time.Duration // asked, for a temporary key
	Exchange  model.KeyExchange
}

// KeyMade records a key made on cn.
func (o *Observer) KeyMade(at time.Time, cn Conn, m KeyMade) {
	c := o.conn(cn)
	cl := o.clientFor(at, c)
	k := &key{id: m.ID, dc: cn.DC, kind: m.Kind, created: at, made: true, exchange: m.Exchange, expiresIn: m.ExpiresIn}
	if m.Kind == model.Temporary {
		k.expiresAt = at.Add(m.ExpiresIn)
	}
	o.addKey(cl, k)
	cl.touch(at)
	cl.event(event{at: at, kind: evKeyMade, key: m.ID, keyKind: m.Kind, d: m.ExpiresIn, text: m.Exchange.Inner})
	if m.Kind == model.Permanent {
		o.permMade(at, cl, k)
	} else {
		cl.f.tempMade(m.ExpiresIn)
	}
}

// KeyUse is a frame under a key the DC holds.
type KeyUse struct {
	ID      model.KeyID
	Kind    model.KeyKind
	Created time.Time // when the DC made or loaded it
	// Temporary keys: what the DC holds about them, for a key the
	// observer did not see being made.
	ExpiresIn time.Duration
	PermID    model.KeyID
}

// KeyUsed records that cn sent a frame under a key: the connection and the
// key belong to one client from now on.
func (o *Observer) KeyUsed(at time.Time, cn Conn, u KeyUse) {
	c := o.conn(cn)
	k := o.keys[u.ID]
	if k == nil {
		cl := o.clientFor(at, c)
		k = &key{id: u.ID, dc: cn.DC, kind: u.Kind, created: u.Created, expiresIn: u.ExpiresIn}
		if u.Kind == model.Temporary {
			k.expiresAt = u.Created.Add(u.ExpiresIn)
			k.bound, k.permID = u.PermID != 0, u.PermID
		}
		o.addKey(cl, k)
	}
	o.attach(c, k.c)
	k.c.touch(at)
}

// UnknownKey records a frame under a key the DC does not hold (-404).
func (o *Observer) UnknownKey(at time.Time, cn Conn, id model.KeyID) {
	c := o.conn(cn)
	if h := o.hostileKeys[id]; h != nil && h.open() {
		o.settle(at, c.c, h, model.ResultFail, "sent a message under key "+id.String()+", whose dh_gen_ok had a wrong new_nonce_hash1")
	}
	k := o.keys[id]
	if k == nil {
		if c.c != nil {
			c.c.counts.NotFound++
			c.c.event(event{at: at, kind: evNotFound, key: id})
		}
		return
	}
	o.attach(c, k.c)
	cl := k.c
	cl.touch(at)
	cl.counts.NotFound++
	cl.event(event{at: at, kind: evNotFound, key: id, keyKind: k.kind})
	if k.kind == model.Temporary {
		if exp := k.declaredExpiry(); !exp.IsZero() && !at.Before(exp) && cl.f.lateSend.at.IsZero() {
			cl.f.lateSend = lateSend{at: at, key: id, expiry: exp}
			o.notice(model.SrvRule, at, cl, id, string(model.VerdictTempTTL)+": fail: "+cl.f.lateSend.String())
		}
		for _, r := range cl.f.recoveries {
			if r.key == id && r.open() && r.seen.IsZero() {
				r.seen = at
			}
		}
	} else if k.ended == "" {
		// The DC lost the permanent key: the client must make a new one.
		k.end(at, "-404")
		cl.rekey = at
	}
}

// Identity records the initConnection a client sent on cn, with the layer
// of the invokeWithLayer around it.
func (o *Observer) Identity(at time.Time, cn Conn, id model.ClientIdentity) {
	c := o.conn(cn)
	cl := o.clientFor(at, c)
	if cl.identity == id {
		return
	}
	first := !cl.identity.Known()
	cl.identity = id
	cl.event(event{at: at, kind: evIdentity, text: id.String()})
	o.notice(model.SrvClient, at, cl, 0, "named itself "+id.String())
	if first {
		o.joinByIdentity(at, cl)
	}
}

// Call is an API call (the bind has Bind).
type Call struct {
	Key    model.KeyID
	Kind   model.KeyKind
	Method string // TL name
	// Unbound: the call came on a temporary key not bound yet; Allowed:
	// the method is one an unbound key may call.
	Unbound, Allowed bool
	Err              string // RPC error type answered, "" for a result
}

// Call records an API call on cn.
func (o *Observer) Call(at time.Time, cn Conn, call Call) {
	cl := o.callClient(at, cn, call.Key)
	cl.counts.Calls++
	if call.Err != "" {
		cl.counts.RPCErrors++
	}
	if call.Method == methodDrop {
		cl.counts.Drops++
	}
	cl.event(event{at: at, kind: evCall, key: call.Key, keyKind: call.Kind, text: call.Method, err: call.Err})
	if call.Kind == model.Permanent {
		o.permCall(at, cl, call)
		return
	}
	f := &cl.f
	f.tempCalls++
	if !call.Unbound {
		return
	}
	if call.Allowed {
		f.allowedBeforeBind = addUnique(f.allowedBeforeBind, call.Method, 8)
		return
	}
	f.refused++
	if f.firstRefused.at.IsZero() {
		f.firstRefused = callAt{at: at, key: call.Key, method: call.Method}
		o.notice(model.SrvRule, at, cl, call.Key, string(model.VerdictNoCallsBeforeBind)+": fail: "+f.firstRefused.method+" on unbound temporary key "+call.Key.String())
	}
}

// methodDrop is the TL name of auth.dropTempAuthKeys.
const methodDrop = "auth.dropTempAuthKeys"

// permCall is a call under a permanent key: fine before the client's first
// bind, a PFS downgrade after it, and the wrong answer to a refused bind or
// a forgotten key.
func (o *Observer) permCall(at time.Time, cl *client, call Call) {
	f := &cl.f
	f.permCalls++
	if f.firstBind.IsZero() {
		f.permBeforeBind++
	}
	if !f.firstBind.IsZero() && f.downgrade.at.IsZero() {
		f.downgrade = downgrade{callAt: callAt{at: at, key: call.Key, method: call.Method}, after: f.lastTempEnd}
		o.notice(model.SrvRule, at, cl, call.Key, string(model.VerdictUsesPFS)+": fail: "+f.downgrade.String())
	}
	for _, r := range f.recoveries {
		if r.open() && r.perm == call.Key {
			o.settle(at, cl, r, model.ResultFail, "fell back to the permanent key ("+call.Method+") "+since(at, r.at)+" after the DC forgot "+r.key.String())
		}
	}
	for _, e := range f.refusals {
		if e.open() && e.perm == call.Key {
			o.settle(at, cl, e, model.ResultFail, "fell back to the permanent key ("+call.Method+") after ENCRYPTED_MESSAGE_INVALID instead of binding again")
		}
	}
}

// KeyEnd is how the DC stopped holding a key.
type KeyEnd string

// The ends, as the report names them.
const (
	Expired   KeyEnd = model.KeyEndExpired
	Dropped   KeyEnd = model.KeyEndDropped
	Forgotten KeyEnd = model.KeyEndForgotten
	Restart   KeyEnd = model.KeyEndRestart
)

// KeyEnded records that the DC no longer holds a key.
func (o *Observer) KeyEnded(at time.Time, id model.KeyID, how KeyEnd) {
	k := o.keys[id]
	if k == nil || k.ended != "" {
		return
	}
	k.end(at, string(how))
	cl := k.c
	cl.event(event{at: at, kind: evKeyEnded, key: id, keyKind: k.kind, text: string(how)})
	if how == Restart {
		cl.rekey = at
	}
	if k.kind != model.Temporary || !k.bound {
		return
	}
	cl.f.lastTempEnd = tempEnd{at: at, key: id, how: how}
	// Early: before the expiry the client declared (a second of slack
	// for the DC's sweep and the bind's whole seconds).
	early := how == Forgotten || (how == Expired && at.Add(time.Second).Before(k.declaredExpiry()))
	if early {
		r := &incident{verdict: model.VerdictRecoversForgottenKey, at: at, key: id, perm: k.permID}
		cl.f.recoveries = addIncident(cl.f.recoveries, r)
	}
}

// BadMsg records a bad_msg_notification or bad_server_salt the DC sent
// under key.
func (o *Observer) BadMsg(at time.Time, key model.KeyID, code int) {
	cl := o.keyClient(key)
	if cl == nil {
		return
	}
	if cl.counts.BadMsgCodes == nil {
		cl.counts.BadMsgCodes = make(map[int]int)
	}
	cl.counts.BadMsgCodes[code]++
	if code >= 16 && code <= 20 {
		cl.counts.MsgIDProblems++
	}
	cl.event(event{at: at, kind: evBadMsg, key: key, code: code})
}

// Replay records a message the DC ignored because its msg_id was seen.
func (o *Observer) Replay(at time.Time, key model.KeyID) {
	if cl := o.keyClient(key); cl != nil {
		cl.counts.MsgIDProblems++
		cl.event(event{at: at, kind: evReplay, key: key})
	}
}

// HandshakeRefused records a key exchange step the DC refused on cn.
func (o *Observer) HandshakeRefused(at time.Time, cn Conn) {
	if c := o.conn(cn); c.c != nil {
		c.c.counts.RefusedHandshakes++
	}
}

// callClient is the client of a call on cn under key: the key's, which the
// connection joins, or the connection's.
func (o *Observer) callClient(at time.Time, cn Conn, key model.KeyID) *client {
	c := o.conn(cn)
	if k := o.keys[key]; k != nil {
		o.attach(c, k.c)
	}
	cl := o.clientFor(at, c)
	cl.touch(at)
	return cl
}

func (o *Observer) keyClient(id model.KeyID) *client {
	if k := o.keys[id]; k != nil {
		return k.c
	}
	return nil
}
