package localdc

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
	"tgpfs/proto/localdc/observe"
)

// The DC's observation of its clients: the hooks the connection code
// calls, and the recorder that feeds them to an observe.Observer under a
// lock. Every hook is a method that returns at once when observation is
// off (Config.NoObserve); on, a hook takes the recorder's lock for as long
// as the observer needs to update a few fields, and the per-frame hook
// takes no lock at all unless the connection switched keys. The lock order
// is Cluster.mu, then recorder.mu, then the event hub's.

// recorder owns the cluster's Observer.
type recorder struct {
	mu      sync.Mutex
	o       *observe.Observer
	seed    maphash.Seed
	conns   atomic.Uint64
	notices []observe.Notice // reused under mu
}

func newRecorder(cfg Config) *recorder {
	if cfg.NoObserve {
		return nil
	}
	return &recorder{o: observe.New(cfg.Observe), seed: maphash.MakeSeed()}
}

// connObs is what a connection remembers for its hooks.
type connObs struct {
	id       observe.ConnID
	lastKey  model.KeyID // the key of the last frame, reported once per switch
	bound    bool        // lastKey is a temporary key known to be bound
	identity model.ClientIdentity
}

// lock takes the recorder's lock; unlock publishes what the observer
// noticed on the event stream and releases it.
func (c *Cluster) lockObs() *observe.Observer {
	c.obs.mu.Lock()
	return c.obs.o
}

func (c *Cluster) unlockObs() {
	r := c.obs
	r.notices = r.o.DrainNotices(r.notices[:0])
	for _, n := range r.notices {
		c.hub.publish(model.ServerEvent{At: n.At, DC: n.DC, Kind: n.Kind, Client: n.Client, Detail: n.Detail})
	}
	clear(r.notices)
	r.mu.Unlock()
}

// obsConn is the connection as the observer names it.
func (s *serverConn) obsConn() observe.Conn {
	if s.obs.id == 0 {
		s.obs.id = observe.ConnID(s.c.obs.conns.Add(1))
	}
	name := ""
	if s.fc != nil {
		name = s.fc.name
	}
	return observe.Conn{ID: s.obs.id, DC: s.d.id, Transport: name}
}

// Report is what the DC has seen of its clients so far, with their
// verdicts as of now. Safe to call at any time, from any goroutine.
func (c *Cluster) Report() model.ConformanceReport {
	var r model.ConformanceReport
	if c.obs == nil {
		r = model.ConformanceReport{At: c.now(), Clients: []model.ClientReport{}}
	} else {
		o := c.lockObs()
		r = o.Report(c.now())
		c.unlockObs()
	}
	r.Scenarios = make([]string, 0, len(c.cfg.Scenarios))
	for _, s := range c.cfg.Scenarios {
		r.Scenarios = append(r.Scenarios, s.String())
	}
	return r
}

// observeKeyMade: a key exchange on this connection finished.
func (s *serverConn) observeKeyMade(m *madeKey) {
	if s.c.obs == nil {
		return
	}
	id := model.KeyID(m.key.IntID())
	o := s.c.lockObs()
	o.KeyMade(s.c.now(), s.obsConn(), observe.KeyMade{ID: id, Kind: m.kind, ExpiresIn: m.expiresIn,
		Exchange: model.KeyExchange{Inner: m.inner, Scheme: string(m.scheme), Transport: s.fc.name}})
	s.c.unlockObs()
}

// observeKeyUse: a frame under a key the DC holds. Only a switch of key
// is reported.
func (s *serverConn) observeKeyUse(k *authKey) {
	if s.c.obs == nil || s.obs.lastKey == k.id {
		return
	}
	perm := s.c.boundTo(k)
	s.obs.lastKey, s.obs.bound = k.id, perm != 0
	o := s.c.lockObs()
	o.KeyUsed(s.c.now(), s.obsConn(), observe.KeyUse{ID: k.id, Kind: k.kind, Created: k.created, ExpiresIn: k.requested, PermID: perm})
	s.c.unlockObs()
}

// observeUnknownKey: a frame under a key the DC does not hold (-404).
func (s *serverConn) observeUnknownKey(id model.KeyID) {
	if s.c.obs == nil {
		return
	}
	s.obs.lastKey = 0
	o := s.c.lockObs()
	o.UnknownKey(s.c.now(), s.obsConn(), id)
	s.c.unlockObs()
}

// observeInit: initConnection, with the layer of the invokeWithLayer
// around it.
// Each string is clipped (authorizations.go): the report quotes them, and
// one client must not fill it.
func (s *serverConn) observeInit(r *tg.InitConnectionRequest) {
	if s.c.obs == nil {
		return
	}
	id := model.ClientIdentity{APIID: r.APIID, DeviceModel: clip(r.DeviceModel), SystemVersion: clip(r.SystemVersion),
		AppVersion: clip(r.AppVersion), LangCode: clip(r.LangCode), Layer: int(s.layer.Load())}
	if id == s.obs.identity {
		return
	}
	s.obs.identity = id
	o := s.c.lockObs()
	o.Identity(s.c.now(), s.obsConn(), id)
	s.c.unlockObs()
}

// observeCall: an API call and how the DC answered it. full is the call as
// it came, body the method inside its wrappers.
func (s *serverConn) observeCall(m inMsg, id uint32, full, body []byte, rerr *tgerr.Error) {
	if s.c.obs == nil {
		return
	}
	errType := ""
	if rerr != nil {
		errType = rerr.Message
	}
	if id == tg.AuthBindTempAuthKeyRequestTypeID && m.key.kind == model.Temporary {
		var r tg.AuthBindTempAuthKeyRequest
		if err := r.Decode(&bin.Buffer{Buf: body}); err == nil {
			b := s.bindObservation(m, &r, len(body) < len(full))
			if rerr != nil {
				b.Outcome, b.Err = observe.BindRefused, errType
				b.Envelope = s.c.inspectBind(s.d, m, &r)
			}
			s.observeBind(b)
			return
		}
	}
	call := observe.Call{Key: m.key.id, Kind: m.key.kind, Method: tlName(id), Err: errType}
	if m.key.kind == model.Temporary {
		if !s.obs.bound {
			s.obs.bound = s.c.boundTo(m.key) != 0
		}
		if !s.obs.bound {
			meth := s.c.methods[id]
			call.Unbound, call.Allowed = true, meth != nil && meth.unbound
		}
	}
	o := s.c.lockObs()
	o.Call(s.c.now(), s.obsConn(), call)
	s.c.unlockObs()
}

// tlName is a method's TL name without its constructor id
// ("help.getConfig"), as verdicts name methods.
func tlName(id uint32) string {
	name, _, _ := strings.Cut(methodName(id), "#")
	if name == "" {
		return methodName(id)
	}
	return name
}

// bindObservation is what every observed bind carries; the outcome is the
// caller's to fill in.
func (s *serverConn) bindObservation(m inMsg, r *tg.AuthBindTempAuthKeyRequest, wrapped bool) observe.Bind {
	b := observe.Bind{Temp: m.key.id, Perm: model.KeyID(r.PermAuthKeyID), ExpiresAt: time.Unix(int64(r.ExpiresAt), 0), Wrapped: wrapped,
		MsgID: m.msgID, Digest: maphash.Bytes(s.c.obs.seed, r.EncryptedMessage)}
	s.c.mu.Lock()
	if p, ok := s.d.keys[b.Perm]; ok && p.kind == model.Permanent {
		b.PermCreated = p.created
	}
	s.c.mu.Unlock()
	return b
}

func (s *serverConn) observeBind(b observe.Bind) {
	o := s.c.lockObs()
	o.Bind(s.c.now(), s.obsConn(), b)
	s.c.unlockObs()
}

// inspectBind tells why a bind's encrypted_message does not do, with the
// bind's own checks (openBindMessage, checkBindEnvelope); "" when it does.
func (c *Cluster) inspectBind(d *dcServer, m inMsg, r *tg.AuthBindTempAuthKeyRequest) string {
	encID, err := bindKeyID(r.EncryptedMessage)
	if err != nil {
		return err.Error()
	}
	c.mu.Lock()
	perm, ok := d.keys[encID]
	c.mu.Unlock()
	if !ok || perm.kind != model.Permanent {
		return "the DC holds no permanent key " + encID.String()
	}
	env, err := openBindMessage(perm.key, r.EncryptedMessage)
	if err != nil {
		return err.Error()
	}
	if err := checkBindEnvelope(env, bindCarrier{MsgID: m.msgID, SessionID: m.sess.id, TempKeyID: m.key.id,
		PermKeyID: model.KeyID(r.PermAuthKeyID), Nonce: r.Nonce, ExpiresAt: r.ExpiresAt}); err != nil {
		return err.Error()
	}
	return ""
}

// observeSent counts what the DC told a client about its messages.
func (s *serverConn) observeSent(k *authKey, msg bin.Encoder) {
	if s.c.obs == nil {
		return
	}
	code := 0
	switch v := msg.(type) {
	case *mt.BadMsgNotification:
		code = v.ErrorCode
	case *mt.BadServerSalt:
		code = v.ErrorCode
	default:
		return
	}
	o := s.c.lockObs()
	o.BadMsg(s.c.now(), k.id, code)
	s.c.unlockObs()
}

// observeReplay: a message ignored because its msg_id was seen.
func (s *serverConn) observeReplay(k *authKey) {
	if s.c.obs == nil {
		return
	}
	o := s.c.lockObs()
	o.Replay(s.c.now(), k.id)
	s.c.unlockObs()
}

// observeRefused: a key exchange step the DC refused.
func (s *serverConn) observeRefused() {
	if s.c.obs == nil || s.fc == nil {
		return
	}
	o := s.c.lockObs()
	o.HandshakeRefused(s.c.now(), s.obsConn())
	s.c.unlockObs()
}

// observeClosed: the connection is gone.
func (s *serverConn) observeClosed() {
	if s.c.obs == nil || s.obs.id == 0 {
		return
	}
	o := s.c.lockObs()
	o.ConnClosed(s.c.now(), s.obs.id)
	s.c.unlockObs()
}

// observeKeyEnd: the DC stopped holding a key. Called with Cluster.mu held.
func (c *Cluster) observeKeyEnd(id model.KeyID, how observe.KeyEnd) {
	if c.obs == nil {
		return
	}
	o := c.lockObs()
	o.KeyEnded(c.now(), id, how)
	c.unlockObs()
}
