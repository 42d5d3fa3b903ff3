package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// How each event changes the State: one apply method per event type, called
// by State.Apply, which then keeps the invariants every event keeps. An
// event type that has no apply method is not an Event, so the compiler
// finds a new event that the State does not yet know.

func (e ConnChanged) apply(s *State) {
	same := s.Conn == e.Phase && s.Target == e.Target && e.Err == ""
	s.Target, s.Conn, s.ConnErr = e.Target, e.Phase, e.Err
	line := fmt.Sprintf("%s %s DC %d (%s)", e.Phase, e.Target.Env, e.Target.DC, e.Target.Addr)
	switch {
	case e.Err != "":
		s.errorf(e.At, "%s: %s", line, e.Err)
	case !same:
		s.logf(e.At, "%s", line)
	}
}

func (e ClockSynced) apply(s *State) {
	if s.ClockOffset != e.Offset || !s.clockKnown {
		s.logf(e.At, "server clock offset %s", e.Offset.Round(time.Millisecond))
	}
	s.ClockOffset, s.clockKnown = e.Offset, true
}

func (e HandshakeDone) apply(s *State) {
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
		return
	}
	why := t.Err
	for _, c := range t.Checks {
		if !c.OK {
			why = strings.TrimPrefix(why+"; check "+c.Name+" failed", "; ")
			break
		}
	}
	s.errorf(e.At, "%s key exchange with DC %d failed: %s", t.Kind, t.DC, why)
}

func (e PermKeyReady) apply(s *State) {
	s.Perm, s.HasPerm = e.Key, true
	s.logf(e.At, "permanent key %s on DC %d (%s)", e.Key.ID, e.Key.DC, e.Key.Source)
}

func (e TempKeyCreated) apply(s *State) {
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
}

func (e TempKeyBound) apply(s *State) {
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
		return
	}
	if prev := s.CurrentID; prev != 0 && prev != e.ID {
		s.end(e.At, prev, Rotated, "replaced by "+e.ID.String())
	}
	s.CurrentID = e.ID
	s.LastBind = nil
	s.logf(e.At, "%s", line)
}

func (e BindFailed) apply(s *State) {
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
}

func (e TempKeyEnded) apply(s *State) {
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
}

func (e KeysDropped) apply(s *State) {
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
}

func (e LoggedIn) apply(s *State) {
	u := e.User
	s.User, s.HomeDC = &u, e.DC
	s.Authorized[e.DC] = u
	s.logf(e.At, "logged in on DC %d as %s (%s)", e.DC, u.Name(), u.Phone)
}

func (e LoggedOut) apply(s *State) {
	delete(s.Authorized, e.DC)
	if e.DC == s.HomeDC {
		s.User = nil
	}
	s.errorf(e.At, "logged out on DC %d: %s", e.DC, e.Reason)
}

func (e Exported) apply(s *State) {
	s.Authorized[e.ToDC] = e.User
	s.logf(e.At, "authorization exported from DC %d to DC %d (%s)", e.FromDC, e.ToDC, e.User.Name())
}

func (e ConfigFetched) apply(s *State) {
	c := e
	s.Config = &c
	s.logf(e.At, "help.getConfig: this DC %d, %d dc_options", e.ThisDC, len(e.DCs))
}

func (e ActionStarted) apply(s *State) {
	s.Busy[e.Action] = e.At
	s.logf(e.At, "%s…", e.Action)
}

func (e ActionDone) apply(s *State) {
	delete(s.Busy, e.Action)
	if e.Err != "" {
		s.errorf(e.At, "%s failed after %s: %s", e.Action, took(e.Duration), e.Err)
		return
	}
	s.LastErr = ""
	s.logf(e.At, "%s done in %s", e.Action, took(e.Duration))
}

func (e RenewalChanged) apply(s *State) {
	if s.RenewalPaused == e.Paused && samePlan(s.RenewAt, e.RenewAt) {
		s.RenewAt = e.RenewAt
		return
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
}

// samePlan reports whether two planned renewal times are one plan. The
// driver re-reports its plan each time its renewal loop wakes (at start,
// and after every action), computing it afresh from two readings of the
// clock, so the same plan arrives moved by the time between them: 410 ns
// apart at start, which logged "next renewal at" twice. The log shows
// whole seconds; a plan is new when it moves by a second or more.
func samePlan(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Second && d < time.Second
}

func (e ServerEvent) apply(s *State) {
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
