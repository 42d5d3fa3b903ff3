package localdc

import (
	"fmt"
	"sync"

	"github.com/gotd/td/bin"

	"tgpfs/model"
)

// Bounds of the live-session registry: a connection is remembered under
// at most maxLiveKeysPerConn keys (a client uses one or two per
// connection: the permanent key and the temporary key bound to it), and a
// key on at most maxLiveConnsPerKey connections.
const (
	maxLiveKeysPerConn = 8
	maxLiveConnsPerKey = 16
)

// liveSessions knows, per key, the open connections that key was used on
// and the session each used last, so that a DC can send a message nobody
// asked for (an update) to a client while it is connected. Entries go
// when their connection closes. It has its own lock, never held while
// taking Cluster.mu.
type liveSessions struct {
	mu     sync.Mutex
	byKey  map[keyRef]map[*serverConn]liveSession
	byConn map[*serverConn][]keyRef
}

type liveSession struct {
	key  *authKey
	sess *session
}

// liveTarget is one place to push a message to.
type liveTarget struct {
	conn *serverConn
	liveSession
}

func newLiveSessions() *liveSessions {
	return &liveSessions{byKey: make(map[keyRef]map[*serverConn]liveSession), byConn: make(map[*serverConn][]keyRef)}
}

// note records that s carried a message of k's session sess.
func (l *liveSessions) note(s *serverConn, k *authKey, sess *session) {
	ref := keyRef{DC: s.d.id, ID: k.id}
	l.mu.Lock()
	defer l.mu.Unlock()
	conns := l.byKey[ref]
	if e, ok := conns[s]; ok {
		if e.sess != sess {
			conns[s] = liveSession{key: k, sess: sess}
		}
		return
	}
	if len(conns) >= maxLiveConnsPerKey {
		return
	}
	if keys := l.byConn[s]; len(keys) >= maxLiveKeysPerConn {
		l.forget(s, keys[0])
	}
	if conns == nil {
		conns = make(map[*serverConn]liveSession)
		l.byKey[ref] = conns
	}
	conns[s] = liveSession{key: k, sess: sess}
	l.byConn[s] = append(l.byConn[s], ref)
}

// forget removes s from ref's connections. Called with l.mu held.
func (l *liveSessions) forget(s *serverConn, ref keyRef) {
	if conns := l.byKey[ref]; conns != nil {
		delete(conns, s)
		if len(conns) == 0 {
			delete(l.byKey, ref)
		}
	}
	keys := l.byConn[s]
	for i, r := range keys {
		if r == ref {
			l.byConn[s] = append(keys[:i:i], keys[i+1:]...)
			break
		}
	}
	if len(l.byConn[s]) == 0 {
		delete(l.byConn, s)
	}
}

// drop forgets a connection that closed.
func (l *liveSessions) drop(s *serverConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ref := range append([]keyRef(nil), l.byConn[s]...) {
		l.forget(s, ref)
	}
}

// targets lists the live sessions of the given keys.
func (l *liveSessions) targets(refs []keyRef) []liveTarget {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []liveTarget
	for _, ref := range refs {
		for conn, e := range l.byKey[ref] {
			out = append(out, liveTarget{conn: conn, liveSession: e})
		}
	}
	return out
}

// liveTargetsLocked lists the live sessions that act for permanent key
// perm of DC dc: the key itself and the temporary keys bound to it, as
// Telegram sends a device's updates to whichever key it talks under.
// Called with Cluster.mu held.
func (c *Cluster) liveTargetsLocked(dc int, perm model.KeyID) []liveTarget {
	d := c.dc(dc)
	if d == nil {
		return nil
	}
	var refs []keyRef
	for id, k := range d.keys {
		if id == perm || (k.kind == model.Temporary && k.permID == perm) {
			refs = append(refs, keyRef{DC: dc, ID: id})
		}
	}
	return c.live.targets(refs)
}

// push sends msg, content-related, to each target from a goroutine of its
// own: the caller's answer never waits on another client's socket. A
// target whose connection has closed fails its write, which is all. msg is
// built in layer 229 and written in the layer the target's client named.
func (c *Cluster) push(to []liveTarget, msg bin.Encoder) {
	for _, t := range to {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			out, err := pushInLayer(t, msg)
			if err != nil {
				c.emit(model.ServerEvent{DC: t.conn.d.id, Kind: model.SrvRPCError, KeyID: t.key.id, KeyKind: t.key.kind,
					Detail: fmt.Sprintf("update %T not sent: no form in layer %d: %v", msg, t.conn.clientLayer(), err)})
				return
			}
			_ = t.conn.send(t.key, t.sess, true, out)
		}()
	}
}
