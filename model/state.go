package model

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Bounds on the histories State keeps, so a session left open for days has
// a fixed memory cost.
const (
	MaxLog          = 1000
	MaxServerEvents = 500
	MaxTranscripts  = 32
	MaxTemps        = 256 // temporary keys remembered, the current one included
	MaxServerKeys   = 512 // keys the Server screen remembers
)

// LogLevel tells an ordinary log line from an error.
type LogLevel int

const (
	Info LogLevel = iota
	Error
)

// LogEntry is one line of the action log.
type LogEntry struct {
	At    time.Time
	Level LogLevel
	Text  string
}

// ServerKey is what a local DC is known to hold for one key, rebuilt from its
// event stream.
type ServerKey struct {
	DC        int
	ID        KeyID
	Kind      KeyKind
	PermID    KeyID     // the permanent key a temporary key is bound to
	ExpiresAt time.Time // server time, temporary keys only
	State     ServerEventKind
	Since     time.Time
}

// Held reports whether the DC still accepts traffic under the key.
func (k ServerKey) Held() bool {
	switch k.State {
	case SrvKeyDropped, SrvKeyExpired, SrvKeyNotFound:
		return false
	}
	return true
}

// State is everything the UI shows, as plain values. Apply is the only way it
// changes; it performs no I/O and reads no clock, so the same events always
// give the same state.
type State struct {
	Target  Target
	Conn    ConnPhase
	ConnErr string
	// ClockOffset is server time minus local time.
	ClockOffset time.Duration

	Perm    PermKey
	HasPerm bool

	// Temps holds every temporary key seen, oldest first. CurrentID names
	// the one in use, zero when there is none.
	Temps     []TempKey
	CurrentID KeyID
	// BoundTo maps each bound temporary key to its permanent key. A key
	// bound to another permanent key belongs to another DC (an export)
	// and never becomes the current one.
	BoundTo map[KeyID]KeyID

	// Handshake is the transcript of the last key exchange; Handshakes
	// counts them all; Transcripts keeps the last MaxTranscripts, oldest
	// first.
	Handshake   Transcript
	Handshakes  int
	Transcripts []Transcript
	LastBind    *BindFailed // the last failed bind, cleared by a successful one

	// User is who the permanent key is logged in as on the home DC;
	// Authorized lists every DC that knows the user (home and exports).
	User       *User
	HomeDC     int
	Authorized map[int]User

	Config *ConfigFetched

	RenewalPaused bool
	RenewAt       time.Time // local time of the next planned renewal

	// Busy maps running actions to the time each started.
	Busy map[string]time.Time

	// Server is what the local DCs reported, keyed by key id.
	Server       map[KeyID]ServerKey
	ServerEvents []ServerEvent

	Log []LogEntry
	// clockKnown is set once a ClockSynced arrived, so the first offset
	// is logged even when it is zero.
	clockKnown bool
	// LastErr is the one line the status bar shows: the newest error,
	// until an action next succeeds (the Log keeps every error).
	LastErr string
}

// NewState returns an empty state.
func NewState() *State {
	return &State{
		Authorized: map[int]User{},
		Busy:       map[string]time.Time{},
		Server:     map[KeyID]ServerKey{},
		BoundTo:    map[KeyID]KeyID{},
	}
}

// Clone returns a deep copy, safe to read while the original changes.
func (s *State) Clone() *State {
	c := *s
	c.Temps = slices.Clone(s.Temps)
	c.ServerEvents = slices.Clone(s.ServerEvents)
	c.Log = slices.Clone(s.Log)
	c.Authorized = maps.Clone(s.Authorized)
	c.Busy = maps.Clone(s.Busy)
	c.Server = maps.Clone(s.Server)
	c.BoundTo = maps.Clone(s.BoundTo)
	c.Handshake.Messages = slices.Clone(s.Handshake.Messages)
	c.Handshake.Values = slices.Clone(s.Handshake.Values)
	c.Handshake.Checks = slices.Clone(s.Handshake.Checks)
	c.Transcripts = slices.Clone(s.Transcripts)
	if s.User != nil {
		u := *s.User
		c.User = &u
	}
	if s.LastBind != nil {
		b := *s.LastBind
		c.LastBind = &b
	}
	if s.Config != nil {
		cfg := *s.Config
		cfg.DCs = slices.Clone(s.Config.DCs)
		c.Config = &cfg
	}
	return &c
}

// Current returns the temporary key in use.
func (s *State) Current() (TempKey, bool) {
	if i := s.tempIndex(s.CurrentID); i >= 0 && s.CurrentID != 0 {
		return s.Temps[i], true
	}
	return TempKey{}, false
}

// History returns every temporary key except the current one, newest first.
func (s *State) History() []TempKey {
	out := make([]TempKey, 0, len(s.Temps))
	for i := len(s.Temps) - 1; i >= 0; i-- {
		if s.Temps[i].ID != s.CurrentID || s.CurrentID == 0 {
			out = append(out, s.Temps[i])
		}
	}
	return out
}

// Temp returns the temporary key with the given id.
func (s *State) Temp(id KeyID) (TempKey, bool) {
	if i := s.tempIndex(id); i >= 0 {
		return s.Temps[i], true
	}
	return TempKey{}, false
}

// Remaining is the lifetime left on the current key at local time now. It is
// computed from ExpiresAt every time it is asked, never counted down.
func (s *State) Remaining(now time.Time) time.Duration {
	k, ok := s.Current()
	if !ok {
		return 0
	}
	return k.Remaining(now, s.ClockOffset)
}

// RenewsIn is the time until the next planned renewal, zero when paused or
// when none is planned.
func (s *State) RenewsIn(now time.Time) time.Duration {
	if s.RenewalPaused || s.RenewAt.IsZero() {
		return 0
	}
	return max(s.RenewAt.Sub(now), 0)
}

// ServerKeys returns what the local DCs hold, for perm (every key when perm is
// zero): by DC, the permanent key first, then temporary keys by expiry.
func (s *State) ServerKeys(perm KeyID) []ServerKey {
	var out []ServerKey
	for _, k := range s.Server {
		if perm == 0 || k.ID == perm || k.PermID == perm {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b ServerKey) int {
		if a.DC != b.DC {
			return a.DC - b.DC
		}
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	return out
}

// Expire marks every live bound key expired once local time now has passed
// its expires_at (server time), and reports whether it marked any. The
// driver reports expiry too, through -404 or a TempKeyEnded; this keeps the
// screen honest when it has not yet.
func (s *State) Expire(now time.Time) bool {
	var ended []KeyID
	for _, k := range s.Temps {
		if k.End == Live && k.Bound && !k.ExpiresAt.IsZero() && k.Remaining(now, s.ClockOffset) == 0 {
			ended = append(ended, k.ID)
		}
	}
	for _, id := range ended {
		s.Apply(TempKeyEnded{At: now, ID: id, How: Expired, Detail: "expires_at passed"})
	}
	return len(ended) > 0
}

// Foreign reports whether temporary key id belongs to another DC than the
// permanent key's: made on it, or bound to another permanent key.
func (s *State) Foreign(id KeyID) bool {
	if !s.HasPerm {
		return false
	}
	if p, ok := s.BoundTo[id]; ok && p != 0 {
		return p != s.Perm.ID
	}
	k, ok := s.Temp(id)
	return ok && k.DC != 0 && s.Perm.DC != 0 && k.DC != s.Perm.DC
}

// Apply changes the state by one event: the event's own apply method (one
// per event type, in apply.go), then the invariants every event keeps.
func (s *State) Apply(ev Event) {
	if s.Authorized == nil {
		s.Authorized = map[int]User{}
	}
	if s.Busy == nil {
		s.Busy = map[string]time.Time{}
	}
	if s.Server == nil {
		s.Server = map[KeyID]ServerKey{}
	}
	if s.BoundTo == nil {
		s.BoundTo = map[KeyID]KeyID{}
	}
	ev.apply(s)
	// A long session forgets its oldest ended keys.
	for len(s.Temps) > MaxTemps {
		i := slices.IndexFunc(s.Temps, func(k TempKey) bool { return k.ID != s.CurrentID && k.End != Live })
		if i < 0 {
			i = slices.IndexFunc(s.Temps, func(k TempKey) bool { return k.ID != s.CurrentID })
		}
		delete(s.BoundTo, s.Temps[i].ID)
		s.Temps = slices.Delete(s.Temps, i, i+1)
	}
	// Whatever happened, the current key is a live key of this DC.
	if cur, ok := s.Current(); s.CurrentID != 0 && (!ok || cur.End != Live || s.Foreign(cur.ID)) {
		s.CurrentID = s.latestBoundLive()
	}
}

// forgetOldestServerKey drops the key that stopped being held longest ago,
// or failing that the one that changed longest ago.
func (s *State) forgetOldestServerKey() {
	var victim KeyID
	var since time.Time
	found, held := false, true
	for id, k := range s.Server {
		better := !found ||
			(held && !k.Held()) ||
			(held == k.Held() && k.Since.Before(since))
		if better {
			victim, since, held, found = id, k.Since, k.Held(), true
		}
	}
	delete(s.Server, victim)
}

// end records how a temporary key stopped. A later, more specific end
// replaces an earlier one (rotated, then expired); a -404 that arrives after
// a drop or an expiry is kept as proof rather than replacing the cause.
func (s *State) end(at time.Time, id KeyID, how TempEnd, detail string) {
	i := s.tempIndex(id)
	if i < 0 {
		s.Temps = append(s.Temps, TempKey{ID: id})
		i = len(s.Temps) - 1
	}
	k := &s.Temps[i]
	if how == NotFound && (k.End == Dropped || k.End == Expired) {
		if !strings.Contains(k.EndDetail, "-404") {
			k.EndDetail = strings.TrimPrefix(k.EndDetail+"; confirmed by -404", "; ")
		}
		return
	}
	if k.End == Failed && how != Failed {
		return
	}
	k.End, k.EndedAt, k.EndDetail = how, at, detail
}

func (s *State) tempIndex(id KeyID) int {
	return slices.IndexFunc(s.Temps, func(k TempKey) bool { return k.ID == id })
}

// latestBoundLive is the newest bound key of this DC that is still live, or
// zero.
func (s *State) latestBoundLive() KeyID {
	for i := len(s.Temps) - 1; i >= 0; i-- {
		if k := s.Temps[i]; k.Bound && k.End == Live && !s.Foreign(k.ID) {
			return k.ID
		}
	}
	return 0
}

func (s *State) logf(at time.Time, format string, args ...any) {
	s.Log = append(s.Log, LogEntry{At: at, Level: Info, Text: fmt.Sprintf(format, args...)})
	s.trimLog()
}

func (s *State) errorf(at time.Time, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	s.Log = append(s.Log, LogEntry{At: at, Level: Error, Text: text})
	s.LastErr = text
	s.trimLog()
}

func (s *State) trimLog() {
	if n := len(s.Log) - MaxLog; n > 0 {
		s.Log = slices.Delete(s.Log, 0, n)
	}
}

// took renders how long something took, to the millisecond.
func took(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}

func idList(ids []KeyID) string {
	if len(ids) == 0 {
		return "none"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return strings.Join(parts, ", ")
}
