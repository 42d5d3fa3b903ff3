package localdc

import (
	"time"

	"tgpfs/model"
	"tgpfs/proto/localdc/observe"
)

// addKey stores a key made by a finished exchange and reports it, with
// how the client asked for it: the p_q_inner_data constructor, the RSA
// scheme and the transport.
func (c *Cluster) addKey(d *dcServer, m *madeKey, transport string) {
	now := c.now()
	k := &authKey{
		key:     m.key,
		id:      model.KeyID(m.key.IntID()),
		kind:    m.kind,
		dc:      d.id,
		created: now,
		salt:    m.salt,
	}
	ev := model.ServerEvent{At: now, DC: d.id, Kind: model.SrvKeyCreated, KeyID: k.id, KeyKind: k.kind,
		Detail: m.inner + ", " + string(m.scheme) + ", " + transport}
	if k.kind == model.Temporary {
		k.requested = m.expiresIn
		ttl := min(m.expiresIn, c.cfg.MaxTTL)
		k.expiresAt = now.Add(ttl)
		ev.ExpiresAt = k.expiresAt
		if ttl < m.expiresIn {
			ev.Detail = joinDetail(ev.Detail, "expires_in "+m.expiresIn.String()+" capped to "+ttl.String())
		}
	}
	c.mu.Lock()
	d.keys[k.id] = k
	c.emit(ev)
	c.mu.Unlock()
	if k.kind == model.Permanent {
		c.saveState()
	}
}

// lookupKey finds the key a frame names. A temporary key past its expiry
// is forgotten on the spot. Unknown keys are reported as -404 events.
func (c *Cluster) lookupKey(d *dcServer, id model.KeyID) (*authKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := d.keys[id]
	if ok && k.expired(c.now()) {
		delete(d.keys, id)
		c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvKeyExpired, KeyID: id, KeyKind: model.Temporary, PermID: k.permID, ExpiresAt: k.expiresAt})
		c.observeKeyEnd(id, observe.Expired)
		ok = false
	}
	if !ok {
		c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvKeyNotFound, KeyID: id})
		return nil, false
	}
	return k, true
}

// session returns the key's session id, creating it (and forgetting the
// least recently used one past the bound). Called with Cluster.mu held.
func (k *authKey) session(id int64, now time.Time) *session {
	if k.sessions == nil {
		k.sessions = make(map[int64]*session)
	}
	s, ok := k.sessions[id]
	if !ok {
		if len(k.sessions) >= maxSessionsPerKey {
			var oldest *session
			for _, v := range k.sessions {
				if oldest == nil || v.lastUsed.Before(oldest.lastUsed) {
					oldest = v
				}
			}
			delete(k.sessions, oldest.id)
		}
		s = &session{id: id}
		k.sessions[id] = s
	}
	s.lastUsed = now
	return s
}

// destroySession forgets one of the key's sessions.
func (c *Cluster) destroySession(k *authKey, id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := k.sessions[id]
	delete(k.sessions, id)
	return ok
}
