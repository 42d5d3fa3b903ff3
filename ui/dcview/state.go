package dcview

import (
	"slices"
	"time"

	"tgpfs/model"
)

// maxEvents bounds the cluster events the view keeps; the report keeps
// each client's own.
const maxEvents = 500

// state is what the view knows of the cluster: the last report snapshot and
// the event stream since the view started. Only Update changes it, and
// nothing in it is read from anywhere but the messages Update gets.
type state struct {
	report     model.ConformanceReport
	haveReport bool
	// events are the cluster's events, oldest first, at most maxEvents.
	events []model.ServerEvent
	// expiry is when the DC itself stops holding a temporary key, from
	// its key-made and bound events: the client's declared expiry (the
	// report's) may be later when --max-ttl capped expires_in. Pruned to
	// the report's keys on every snapshot.
	expiry map[string]dcExpiry
	// owner maps a key id to the client it belongs to, from the report.
	owner map[string]int
	// now is the clock at the last tick: every countdown is computed
	// from it and an expiry, never counted down.
	now time.Time
	// streamClosed is set when the event stream ended (the cluster
	// stopped).
	streamClosed bool
}

type dcExpiry struct {
	at   time.Time // when the DC forgets the key
	seen time.Time // the event's time, to keep it until a report has it
}

func newState(now time.Time) *state {
	return &state{expiry: map[string]dcExpiry{}, owner: map[string]int{}, now: now}
}

// apply records one cluster event.
func (s *state) apply(ev model.ServerEvent) {
	if len(s.events) == maxEvents {
		s.events = slices.Delete(s.events, 0, maxEvents/10)
	}
	s.events = append(s.events, ev)
	if ev.KeyKind == model.Temporary && !ev.ExpiresAt.IsZero() &&
		(ev.Kind == model.SrvKeyCreated || ev.Kind == model.SrvKeyBound) {
		s.expiry[ev.KeyID.String()] = dcExpiry{at: ev.ExpiresAt, seen: ev.At}
	}
}

// setReport takes a new snapshot in.
func (s *state) setReport(r model.ConformanceReport) {
	s.report, s.haveReport = r, true
	clear(s.owner)
	for _, c := range r.Clients {
		for _, k := range c.PermKeys {
			s.owner[k.ID] = c.ID
		}
		for _, k := range c.TempKeys {
			s.owner[k.ID] = c.ID
		}
	}
	for id, e := range s.expiry {
		if _, ok := s.owner[id]; !ok && e.seen.Before(r.At) {
			delete(s.expiry, id)
		}
	}
}

// client returns the client numbered id in the last snapshot.
func (s *state) client(id int) (model.ClientReport, bool) {
	i := s.index(id)
	if i < 0 {
		return model.ClientReport{}, false
	}
	return s.report.Clients[i], true
}

// index is the position of client id in the snapshot, -1 if absent.
func (s *state) index(id int) int {
	return slices.IndexFunc(s.report.Clients, func(c model.ClientReport) bool { return c.ID == id })
}

// ownerOf is the client a key belongs to, 0 when the snapshot has no
// client holding it.
func (s *state) ownerOf(id model.KeyID) (int, bool) {
	c, ok := s.owner[id.String()]
	return c, ok
}

// expiresAt is when the DC stops holding temporary key k: its own expiry
// when an event said it, else the expiry the client declared.
func (s *state) expiresAt(k model.ObservedTempKey) time.Time {
	if e, ok := s.expiry[k.ID]; ok && (k.ExpiresAt.IsZero() || e.at.Before(k.ExpiresAt)) {
		return e.at
	}
	return k.ExpiresAt
}

// left is the time temporary key k has left at the last tick; ok is false
// once the DC no longer holds it.
func (s *state) left(k model.ObservedTempKey) (time.Duration, bool) {
	if k.Ended != "" {
		return 0, false
	}
	return max(s.expiresAt(k).Sub(s.now), 0), true
}

// nextExpiry is the live temporary key of c that expires first, for the
// client list.
func (s *state) nextExpiry(c model.ClientReport) (model.ObservedTempKey, bool) {
	var best model.ObservedTempKey
	found := false
	for _, k := range c.TempKeys {
		if k.Ended != "" {
			continue
		}
		if !found || s.expiresAt(k).Before(s.expiresAt(best)) {
			best, found = k, true
		}
	}
	return best, found
}

// failing counts the clients that fail at least one verdict.
func (s *state) failing() int {
	n := 0
	for _, c := range s.report.Clients {
		if tally(c.Verdicts).fail > 0 {
			n++
		}
	}
	return n
}
