package observe

import (
	"slices"
	"strconv"
	"time"

	"tgpfs/model"
)

// evKind is what a client event records.
type evKind uint8

const (
	evKeyMade evKind = iota
	evKeyEnded
	evNotFound
	evIdentity
	evCall
	evBind
	evBadMsg
	evReplay
	evProbe
	evRule
)

var evNames = [...]string{
	evKeyMade: "key made", evKeyEnded: "key ended", evNotFound: "-404", evIdentity: "identity", evCall: "call",
	evBind: "bind", evBadMsg: "bad msg", evReplay: "replay", evProbe: "probe", evRule: "rule",
}

// event is one client event as stored: plain fields, rendered into text
// only when a report asks, so that recording one allocates nothing.
type event struct {
	at      time.Time
	kind    evKind
	keyKind model.KeyKind
	probe   bool // the DC's answer came from a scenario
	code    int
	key     model.KeyID
	other   model.KeyID // a bind's permanent key
	d       time.Duration
	text    string // a method, an inner-data constructor, how a key ended, a verdict
	err     string // an RPC error type, a verdict result
}

func (e event) render() model.ClientEvent {
	ce := model.ClientEvent{At: e.at, What: evNames[e.kind]}
	if e.key != 0 {
		ce.Key = e.key.String()
	}
	switch e.kind {
	case evKeyMade:
		ce.Detail = e.keyKind.String()
		if e.text != "" {
			ce.Detail += ", " + e.text
		}
		if e.keyKind == model.Temporary {
			ce.Detail += ", expires_in " + e.d.String()
		}
	case evKeyEnded:
		ce.Detail = e.keyKind.String() + " key " + e.text
	case evIdentity:
		ce.Detail = e.text
	case evCall:
		ce.Detail = e.text + " under a " + e.keyKind.String() + " key"
		if e.err != "" {
			ce.Detail += ": " + e.err
		}
	case evBind:
		ce.Detail = "to " + e.other.String() + ": " + e.text
		if e.probe {
			ce.Detail += " (scenario)"
		}
	case evBadMsg:
		ce.Detail = "code " + strconv.Itoa(e.code)
	case evProbe:
		ce.Detail = "hostile answer for " + e.text
	case evRule:
		ce.Detail = e.text + ": " + e.err
	}
	return ce
}

// ring keeps a client's most recent events.
type ring struct {
	max  int
	buf  []event
	next int // where the next event goes once buf is full
	n    int // events ever recorded
}

func (c *client) event(e event) { c.events.add(e) }

func (r *ring) add(e event) {
	r.n++
	if len(r.buf) < r.max {
		r.buf = append(r.buf, e)
		return
	}
	r.buf[r.next] = e
	r.next = (r.next + 1) % r.max
}

// all returns the events oldest first.
func (r *ring) all() []event {
	if len(r.buf) < r.max {
		return slices.Clone(r.buf)
	}
	return slices.Concat(r.buf[r.next:], r.buf[:r.next])
}

// merge takes b's events in, in time order, keeping the most recent.
func (r *ring) merge(b *ring) {
	all := slices.Concat(r.all(), b.all())
	slices.SortStableFunc(all, func(x, y event) int { return x.at.Compare(y.at) })
	if len(all) > r.max {
		all = all[len(all)-r.max:]
	}
	n := r.n + b.n
	// Full or not, the oldest is at 0: the next event overwrites it.
	r.buf, r.next, r.n = all, 0, n
}
