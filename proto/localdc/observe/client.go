package observe

import (
	"slices"
	"time"

	"tgpfs/model"
)

// client is one program as the DC sees it (see the package comment).
type client struct {
	id                  int
	identity            model.ClientIdentity
	firstSeen, lastSeen time.Time
	dcs                 []int
	transports          []string
	perm, temp          []*key // oldest first, bounded by Config.MaxKeys each
	conns               int    // open connections
	events              ring
	counts              model.ClientCounts
	f                   facts
	hostile             []*incident
	// rekey is when the DC lost every key of the client (a restart, a
	// permanent key it no longer holds): the client must make new ones.
	rekey time.Time
}

// key is one auth key of a client.
type key struct {
	id       model.KeyID
	dc       int
	kind     model.KeyKind
	c        *client
	created  time.Time
	made     bool // made while observed (else the DC held it already)
	exchange model.KeyExchange
	// Temporary keys.
	expiresIn time.Duration // asked
	expiresAt time.Time     // declared by the client: created + expires_in, then the bind's expires_at
	bound     bool
	permID    model.KeyID
	boundAt   time.Time
	wrapped   bool // bound inside invokeWithLayer/initConnection
	ended     string
	endedAt   time.Time
}

func (k *key) end(at time.Time, how string) { k.ended, k.endedAt = how, at }

// declaredExpiry is when the client said the key expires.
func (k *key) declaredExpiry() time.Time { return k.expiresAt }

func (c *client) touch(at time.Time) {
	if at.After(c.lastSeen) {
		c.lastSeen = at
	}
}

// newClient starts a client, forgetting the least recently active one
// when the bound is reached. Hostile answers nobody has claimed are its.
func (o *Observer) newClient(at time.Time) *client {
	if len(o.clients) >= o.cfg.MaxClients {
		o.evict()
	}
	o.nextID++
	c := &client{id: o.nextID, firstSeen: at, lastSeen: at, events: ring{max: o.cfg.MaxEvents}}
	c.hostile, o.unclaimed = o.unclaimed, nil
	o.clients = append(o.clients, c)
	return c
}

// evict forgets the least recently active client and its keys.
func (o *Observer) evict() {
	old := 0
	for i, c := range o.clients {
		if c.lastSeen.Before(o.clients[old].lastSeen) {
			old = i
		}
	}
	gone := o.clients[old]
	o.clients = slices.Delete(o.clients, old, old+1)
	for _, k := range slices.Concat(gone.perm, gone.temp) {
		delete(o.keys, k.id)
	}
	for _, c := range o.conns {
		if c.c == gone {
			c.c = nil
		}
	}
	o.forgotten++
}

// attach puts connection c in client cl, merging cl with the client c
// already belongs to.
func (o *Observer) attach(c *conn, cl *client) {
	switch {
	case c.c == cl:
		return
	case c.c != nil:
		o.merge(c.c, cl)
		return
	}
	c.c = cl
	cl.conns++
	cl.transports = addUnique(cl.transports, c.Transport, 8)
	cl.addDC(c.DC)
}

func (c *client) addDC(dc int) {
	if !slices.Contains(c.dcs, dc) {
		c.dcs = append(c.dcs, dc)
		slices.Sort(c.dcs)
	}
}

// addKey gives k to cl, keeping the newest MaxKeys of its kind.
func (o *Observer) addKey(cl *client, k *key) {
	k.c = cl
	o.keys[k.id] = k
	cl.addDC(k.dc)
	list := &cl.temp
	if k.kind == model.Permanent {
		list = &cl.perm
	}
	*list = append(*list, k)
	o.trimKeys(list)
}

// trimKeys keeps a key list to the bound, forgetting the oldest ended keys
// first, then the oldest.
func (o *Observer) trimKeys(list *[]*key) {
	for len(*list) > o.cfg.MaxKeys {
		i := slices.IndexFunc(*list, func(k *key) bool { return k.ended != "" })
		if i < 0 {
			i = 0
		}
		delete(o.keys, (*list)[i].id)
		*list = slices.Delete(*list, i, i+1)
	}
}

// merge makes a and b one client: the older survives and takes the
// other's keys, connections, events and facts.
func (o *Observer) merge(a, b *client) *client {
	if a == b {
		return a
	}
	if b.id < a.id {
		a, b = b, a
	}
	for _, k := range b.perm {
		k.c = a
	}
	for _, k := range b.temp {
		k.c = a
	}
	a.perm = mergeKeys(a.perm, b.perm)
	a.temp = mergeKeys(a.temp, b.temp)
	o.trimKeys(&a.perm)
	o.trimKeys(&a.temp)
	for _, c := range o.conns {
		if c.c == b {
			c.c = a
		}
	}
	a.conns += b.conns
	for _, t := range b.transports {
		a.transports = addUnique(a.transports, t, 8)
	}
	for _, dc := range b.dcs {
		a.addDC(dc)
	}
	if !a.identity.Known() {
		a.identity = b.identity
	}
	if b.firstSeen.Before(a.firstSeen) {
		a.firstSeen = b.firstSeen
	}
	a.touch(b.lastSeen)
	a.rekey = latest(a.rekey, b.rekey)
	a.events.merge(&b.events)
	a.counts = addCounts(a.counts, b.counts)
	a.f.merge(&b.f)
	a.hostile = append(a.hostile, b.hostile...)
	o.clients = slices.DeleteFunc(o.clients, func(c *client) bool { return c == b })
	o.notice(model.SrvClient, a.lastSeen, a, 0, "client "+itoa(b.id)+" is client "+itoa(a.id)+" too")
	o.review(a.lastSeen, a)
	return a
}

func mergeKeys(a, b []*key) []*key {
	out := slices.Concat(a, b)
	slices.SortStableFunc(out, func(x, y *key) int { return x.created.Compare(y.created) })
	return out
}

func addCounts(a, b model.ClientCounts) model.ClientCounts {
	a.Calls += b.Calls
	a.RPCErrors += b.RPCErrors
	a.MsgIDProblems += b.MsgIDProblems
	a.Drops += b.Drops
	a.NotFound += b.NotFound
	a.RefusedHandshakes += b.RefusedHandshakes
	for code, n := range b.BadMsgCodes {
		if a.BadMsgCodes == nil {
			a.BadMsgCodes = make(map[int]int)
		}
		a.BadMsgCodes[code] += n
	}
	return a
}

// joinByIdentity merges a client that just named itself into an earlier
// client with the same identity that the rules expect to come back with
// new keys: the same program, after dropping its keys.
func (o *Observer) joinByIdentity(at time.Time, cl *client) {
	var best *client
	for _, c := range o.clients {
		if c == cl || c.identity != cl.identity || !c.expectsNewKeys() {
			continue
		}
		if best == nil || c.lastSeen.After(best.lastSeen) {
			best = c
		}
	}
	if best != nil {
		o.merge(best, cl)
	}
}

// expectsNewKeys: the client lost its keys, or has an open refused bind or
// forgotten key whose answer may be a new permanent key.
func (c *client) expectsNewKeys() bool {
	if !c.rekey.IsZero() && !c.hasPermAfter(c.rekey) {
		return true
	}
	for _, r := range c.f.recoveries {
		if r.open() {
			return true
		}
	}
	for _, e := range c.f.refusals {
		if e.open() {
			return true
		}
	}
	return false
}

// hasPermAfter reports whether the client made a permanent key after t.
func (c *client) hasPermAfter(t time.Time) bool {
	for _, k := range c.perm {
		if k.made && k.created.After(t) {
			return true
		}
	}
	return false
}

// addUnique appends v to a short list of distinct values unless it is
// there, zero, or the list is full.
func addUnique[T comparable](list []T, v T, limit int) []T {
	var zero T
	if v == zero || slices.Contains(list, v) || len(list) >= limit {
		return list
	}
	return append(list, v)
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
