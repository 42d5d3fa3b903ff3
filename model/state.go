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

// Apply changes the state by one event.
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
	switch e := ev.(type) {
	case ConnChanged:
		same := s.Conn == e.Phase && s.Target == e.Target && e.Err == ""
		s.Target, s.Conn, s.ConnErr = e.Target, e.Phase, e.Err
		line := fmt.Sprintf("%s %s DC %d (%s)", e.Phase, e.Target.Env, e.Target.DC, e.Target.Addr)
		switch {
		case e.Err != "":
			s.errorf(e.At, "%s: %s", line, e.Err)
		case !same:
			s.logf(e.At, "%s", line)
		}

	case ClockSynced:
		if s.ClockOffset != e.Offset || !s.clockKnown {
			s.logf(e.At, "server clock offset %s", e.Offset.Round(time.Millisecond))
		}
		s.ClockOffset, s.clockKnown = e.Offset, true

	case HandshakeDone:
		s.Handshake = e.Transcript
		s.Handshakes++
		s.Transcripts = append(s.Transcripts, e.Transcript)
		if n := len(s.Transcripts) - MaxTranscripts; n > 0 {
			s.Transcripts = slices.Delete(s.Transcripts, 0, n)
		}
		t := e.Transcript
		if t.Passed() {
			s.logf(e.At, "%s key exchange with DC %d: key %s, %d checks passed in %s",
				t.Kind, t.DC, t.KeyID, len(t.Checks), took(t.Duration))
			break
		}
		why := t.Err
		for _, c := range t.Checks {
			if !c.OK {
				why = strings.TrimPrefix(why+"; check "+c.Name+" failed", "; ")
				break
			}
		}
		s.errorf(e.At, "%s key exchange with DC %d failed: %s", t.Kind, t.DC, why)

	case PermKeyReady:
		s.Perm, s.HasPerm = e.Key, true
		s.logf(e.At, "permanent key %s on DC %d (%s)", e.Key.ID, e.Key.DC, e.Key.Source)

	case TempKeyCreated:
		k := e.Key
		k.Bound, k.End = false, Live
		if k.CreatedAt.IsZero() {
			k.CreatedAt = e.At
		}
		if i := s.tempIndex(k.ID); i >= 0 {
			s.Temps[i] = k
		} else {
			s.Temps = append(s.Temps, k)
		}
		if cur, ok := s.Current(); (!ok || !cur.Bound || cur.End != Live) && !s.Foreign(k.ID) {
			s.CurrentID = k.ID
		}
		s.logf(e.At, "temporary key %s created on DC %d, expires_in %s", k.ID, k.DC, k.ExpiresIn)

	case TempKeyBound:
		i := s.tempIndex(e.ID)
		if i < 0 {
			s.Temps = append(s.Temps, TempKey{ID: e.ID, CreatedAt: e.At})
			i = len(s.Temps) - 1
		}
		k := &s.Temps[i]
		k.Bound, k.BoundAt, k.ExpiresAt, k.End = true, e.At, e.ExpiresAt, Live
		if e.SessionID != 0 {
			k.SessionID = e.SessionID
		}
		if k.ExpiresIn == 0 && !e.ExpiresAt.IsZero() {
			k.ExpiresIn = e.ExpiresAt.Sub(e.At.Add(s.ClockOffset)).Round(time.Second)
		}
		if e.PermID != 0 {
			s.BoundTo[e.ID] = e.PermID
		}
		line := fmt.Sprintf("temporary key %s bound to permanent key %s, expires_at %s (server)",
			e.ID, e.PermID, e.ExpiresAt.UTC().Format(time.TimeOnly))
		if s.Foreign(e.ID) {
			// Another DC's key (an export): it does not replace ours.
			if s.CurrentID == e.ID {
				s.CurrentID = s.latestBoundLive()
			}
			s.logf(e.At, "%s, on DC %d", line, k.DC)
			break
		}
		if prev := s.CurrentID; prev != 0 && prev != e.ID {
			s.end(e.At, prev, Rotated, "replaced by "+e.ID.String())
		}
		s.CurrentID = e.ID
		s.LastBind = nil
		s.logf(e.At, "%s", line)

	case BindFailed:
		f := e
		s.LastBind = &f
		why := e.Type
		if why == "" {
			why = e.Err
		}
		s.end(e.At, e.ID, Failed, why)
		if s.CurrentID == e.ID {
			s.CurrentID = s.latestBoundLive()
		}
		line := fmt.Sprintf("bind of temporary key %s failed: %s", e.ID, why)
		if e.Advice != "" {
			line += " (" + e.Advice + ")"
		}
		s.errorf(e.At, "%s", line)

	case TempKeyEnded:
		s.end(e.At, e.ID, e.How, e.Detail)
		if s.CurrentID == e.ID {
			s.CurrentID = s.latestBoundLive()
		}
		line := fmt.Sprintf("temporary key %s ended: %s", e.ID, e.How)
		if e.Detail != "" {
			line += " (" + e.Detail + ")"
		}
		if e.How == NotFound || e.How == Failed {
			s.errorf(e.At, "%s", line)
		} else {
			s.logf(e.At, "%s", line)
		}

	case KeysDropped:
		for i := range s.Temps {
			k := &s.Temps[i]
			if slices.Contains(e.Except, k.ID) {
				continue
			}
			if k.End == Live || k.End == Rotated {
				k.End, k.EndedAt, k.EndDetail = Dropped, e.At, "auth.dropTempAuthKeys"
			}
		}
		for _, id := range e.Gone {
			s.end(e.At, id, NotFound, "after drop")
		}
		if cur, ok := s.Current(); ok && cur.End != Live {
			s.CurrentID = s.latestBoundLive()
		}
		s.logf(e.At, "dropped temporary keys except %s; %d proven gone with -404", idList(e.Except), len(e.Gone))

	case LoggedIn:
		u := e.User
		s.User, s.HomeDC = &u, e.DC
		s.Authorized[e.DC] = u
		s.logf(e.At, "logged in on DC %d as %s (%s)", e.DC, u.Name(), u.Phone)

	case LoggedOut:
		delete(s.Authorized, e.DC)
		if e.DC == s.HomeDC {
			s.User = nil
		}
		s.errorf(e.At, "logged out on DC %d: %s", e.DC, e.Reason)

	case Exported:
		s.Authorized[e.ToDC] = e.User
		s.logf(e.At, "authorization exported from DC %d to DC %d (%s)", e.FromDC, e.ToDC, e.User.Name())

	case ConfigFetched:
		c := e
		s.Config = &c
		s.logf(e.At, "help.getConfig: this DC %d, %d dc_options", e.ThisDC, len(e.DCs))

	case ActionStarted:
		s.Busy[e.Action] = e.At
		s.logf(e.At, "%s…", e.Action)

	case ActionDone:
		delete(s.Busy, e.Action)
		if e.Err != "" {
			s.errorf(e.At, "%s failed after %s: %s", e.Action, took(e.Duration), e.Err)
			break
		}
		s.LastErr = ""
		s.logf(e.At, "%s done in %s", e.Action, took(e.Duration))

	case RenewalChanged:
		if s.RenewalPaused == e.Paused && s.RenewAt.Equal(e.RenewAt) {
			break
		}
		s.RenewalPaused, s.RenewAt = e.Paused, e.RenewAt
		switch {
		case e.Paused:
			s.logf(e.At, "auto-renewal paused")
		case !e.RenewAt.IsZero():
			s.logf(e.At, "next renewal at %s", e.RenewAt.Format(time.TimeOnly))
		default:
			s.logf(e.At, "auto-renewal on")
		}

	case ServerEvent:
		s.applyServer(e)
	}
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

func (s *State) applyServer(e ServerEvent) {
	s.ServerEvents = append(s.ServerEvents, e)
	if n := len(s.ServerEvents) - MaxServerEvents; n > 0 {
		s.ServerEvents = slices.Delete(s.ServerEvents, 0, n)
	}
	if e.KeyID == 0 {
		return
	}
	k, seen := s.Server[e.KeyID]
	if !seen {
		k = ServerKey{DC: e.DC, ID: e.KeyID, Kind: e.KeyKind}
	}
	switch e.Kind {
	case SrvKeyCreated, SrvKeyBound, SrvKeyDropped, SrvKeyExpired, SrvKeyNotFound:
		k.State, k.Since = e.Kind, e.At
	}
	if e.PermID != 0 {
		k.PermID = e.PermID
	}
	if !e.ExpiresAt.IsZero() {
		k.ExpiresAt = e.ExpiresAt
	}
	s.Server[e.KeyID] = k
	if len(s.Server) > MaxServerKeys {
		s.forgetOldestServerKey()
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
