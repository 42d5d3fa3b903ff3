package localdc

import (
	"container/list"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"tgpfs/model"
)

// Accept backoff, as net/http's Server.Serve: after a failed Accept (most
// often EMFILE, the process at its open-files limit) wait 5 ms, doubling
// up to 1 s, and try again. The pressure usually passes on its own when
// other connections close.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// refuseTimeout bounds how long a connection the DC refuses (-429) may
// take to send its transport header, the only thing the DC waits for
// before it can answer in the client's framing.
const refuseTimeout = 5 * time.Second

// acceptLoop accepts a DC's connections until the listener closes. A
// failing Accept never ends it: it backs off, says so once in the event
// stream, and says so again once when accepting works again.
func (c *Cluster) acceptLoop(d *dcServer) {
	defer c.wg.Done()
	var (
		delay    time.Duration
		failures int
		since    time.Time
	)
	for {
		conn, err := d.ln.Accept()
		if err != nil {
			if c.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			if failures == 0 {
				since = time.Now()
				c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvAcceptFailing,
					Detail: fmt.Sprintf("%v; retrying with backoff %s..%s", err, acceptBackoffMin, acceptBackoffMax)})
			}
			failures++
			delay = min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-c.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		if failures > 0 {
			c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvAcceptRecovered,
				Detail: "after " + strconv.Itoa(failures) + " failed accepts in " + time.Since(since).Round(time.Millisecond).String()})
			failures, delay = 0, 0
		}
		c.admit(d, conn)
	}
}

// connSlot is a DC's record of one admitted connection.
type connSlot struct {
	conn     net.Conn
	accepted time.Time
	unauth   *list.Element // in connTable.unauth until the connection authenticates
}

// connTable is a DC's open connections. Those that have not authenticated
// are also kept oldest first, so that the oldest can make room. Guarded by
// Cluster.mu.
type connTable struct {
	open    map[*connSlot]struct{}
	unauth  *list.List // of *connSlot
	refused map[net.Conn]struct{}
	stats   ConnStats
}

func newConnTable() connTable {
	return connTable{open: make(map[*connSlot]struct{}), unauth: list.New(), refused: make(map[net.Conn]struct{})}
}

// ConnStats counts a DC's connections.
type ConnStats struct {
	Open            int // admitted and not yet closed
	Unauthenticated int // of those, not authenticated yet
	Refusing        int // being answered -429
	Evicted         int // closed to make room for a newer connection
	Refused         int // answered -429 (or closed at once under a flood of them)
	TimedOut        int // closed by KeyExchangeTimeout
}

// ConnStats returns DC dc's connection counts.
func (c *Cluster) ConnStats(dc int) ConnStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.dc(dc)
	if d == nil {
		return ConnStats{}
	}
	st := d.conns.stats
	st.Open, st.Unauthenticated, st.Refusing = len(d.conns.open), d.conns.unauth.Len(), len(d.conns.refused)
	return st
}

// evictOldest closes the oldest unauthenticated connection. Its goroutine
// sees the closed socket and ends; the slot is gone from the table now, so
// the room is there at once.
func (t *connTable) evictOldest() {
	e := t.unauth.Front()
	s := e.Value.(*connSlot)
	t.unauth.Remove(e)
	s.unauth = nil
	delete(t.open, s)
	t.stats.Evicted++
	_ = s.conn.Close()
}

func (t *connTable) closeAll() {
	for s := range t.open {
		_ = s.conn.Close()
	}
	for conn := range t.refused {
		_ = conn.Close()
	}
}

// admit serves a new connection, or refuses it when the DC is full of
// authenticated connections. Unauthenticated connections make room for it,
// oldest first.
func (c *Cluster) admit(d *dcServer, conn net.Conn) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		_ = conn.Close()
		return
	}
	t := &d.conns
	refuse := d.floodLeft > 0
	if refuse {
		d.floodLeft--
	} else {
		for (len(t.open) >= c.cfg.MaxConnsPerDC || t.unauth.Len() >= c.cfg.MaxUnauthPerDC) && t.unauth.Len() > 0 {
			t.evictOldest()
		}
		refuse = len(t.open) >= c.cfg.MaxConnsPerDC
	}
	if refuse {
		t.stats.Refused++
		if len(t.refused) >= c.cfg.MaxConnsPerDC {
			// A flood of refused connections: no courtesy -429.
			c.mu.Unlock()
			_ = conn.Close()
			return
		}
		t.refused[conn] = struct{}{}
		c.mu.Unlock()
		c.serveConn(d, conn, func() {
			sc := &serverConn{c: c, d: d, conn: conn}
			sc.refuse()
		}, func() { delete(t.refused, conn) })
		return
	}
	slot := &connSlot{conn: conn, accepted: time.Now()}
	slot.unauth = t.unauth.PushBack(slot)
	t.open[slot] = struct{}{}
	c.mu.Unlock()
	c.serveConn(d, conn, func() {
		sc := &serverConn{c: c, d: d, conn: conn, slot: slot}
		defer c.live.drop(sc)
		sc.serve()
	}, func() {
		if slot.unauth != nil {
			t.unauth.Remove(slot.unauth)
			slot.unauth = nil
		}
		delete(t.open, slot)
	})
}

// serveConn runs serve for a connection on its own goroutine, then forgets
// it (forget runs with Cluster.mu held) and closes it.
func (c *Cluster) serveConn(d *dcServer, conn net.Conn, serve, forget func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			c.mu.Lock()
			forget()
			c.mu.Unlock()
			_ = conn.Close()
		}()
		// As net/http does: a bug reached by one client's input must end
		// that connection, not the whole cluster.
		defer func() {
			if r := recover(); r != nil {
				c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvRPCError, Detail: fmt.Sprintf("connection handler panic: %v", r)})
			}
		}()
		serve()
	}()
}

// authenticate moves the connection out of the unauthenticated set: it
// made a key or sent a frame under one the DC holds. From now on only
// IdleTimeout closes it, and it is never evicted.
func (s *serverConn) authenticate() {
	if s.authed || s.slot == nil {
		return
	}
	s.authed = true
	s.c.mu.Lock()
	if s.slot.unauth != nil {
		s.d.conns.unauth.Remove(s.slot.unauth)
		s.slot.unauth = nil
	}
	s.c.mu.Unlock()
}

// timedOut records a connection closed by KeyExchangeTimeout.
func (s *serverConn) timedOut() {
	s.c.mu.Lock()
	s.d.conns.stats.TimedOut++
	s.c.mu.Unlock()
}
