package localdc

import (
	"strconv"
	"sync"

	"tgpfs/model"
)

// subscriberBuffer is how many events a subscriber may fall behind before
// further events are dropped for it. A DC never waits for a reader.
const subscriberBuffer = 256

// hub fans server events out to subscribers without ever blocking the DC:
// a subscriber whose buffer is full misses events (and the next event it
// does get says how many it missed).
type hub struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	ch      chan model.ServerEvent
	dropped int
}

func newHub() *hub { return &hub{subs: make(map[*subscriber]struct{})} }

func (h *hub) subscribe() (<-chan model.ServerEvent, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &subscriber{ch: make(chan model.ServerEvent, subscriberBuffer)}
	if h.closed {
		close(s.ch)
		return s.ch, func() {}
	}
	h.subs[s] = struct{}{}
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if _, ok := h.subs[s]; ok {
				delete(h.subs, s)
				close(s.ch)
			}
		})
	}
}

func (h *hub) publish(ev model.ServerEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		e := ev
		if s.dropped > 0 {
			e.Detail = joinDetail(e.Detail, "missed "+strconv.Itoa(s.dropped)+" earlier events")
		}
		select {
		case s.ch <- e:
			s.dropped = 0
		default:
			s.dropped++
		}
	}
}

// close ends every subscription; their channels are closed.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.ch)
	}
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
