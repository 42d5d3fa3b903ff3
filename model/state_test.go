package model

import (
	"strings"
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	perm  = KeyID(0x1111111111111111)
	temp1 = KeyID(0x2222222222222222)
	temp2 = KeyID(0x3333333333333333)
	temp3 = KeyID(0x4444444444444444)
)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func created(sec int, id KeyID) TempKeyCreated {
	return TempKeyCreated{At: at(sec), Key: TempKey{ID: id, DC: 2, SessionID: int64(id) & 0xffff, ExpiresIn: 90 * time.Second, CreatedAt: at(sec)}}
}

func bound(sec int, id KeyID) TempKeyBound {
	return TempKeyBound{At: at(sec), ID: id, PermID: perm, ExpiresAt: at(sec + 90), SessionID: int64(id) & 0xffff}
}

// live is a key made and bound at second 0: the common starting point.
var live = []Event{
	PermKeyReady{At: at(0), Key: PermKey{ID: perm, DC: 2, Source: "generated"}},
	created(0, temp1),
	bound(0, temp1),
}

func seq(parts ...[]Event) []Event {
	var out []Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestApply(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		check  func(t *testing.T, s *State)
	}{
		{
			name:   "created key is current but unbound",
			events: []Event{created(0, temp1)},
			check: func(t *testing.T, s *State) {
				k, ok := s.Current()
				if !ok || k.ID != temp1 || k.Bound || k.End != Live {
					t.Fatalf("current = %+v, %v; want unbound live %s", k, ok, temp1)
				}
			},
		},
		{
			name:   "bind makes the key current and sets expires_at",
			events: live,
			check: func(t *testing.T, s *State) {
				k, _ := s.Current()
				if !k.Bound || !k.ExpiresAt.Equal(at(90)) || k.BoundAt != at(0) {
					t.Fatalf("current = %+v", k)
				}
				if got := s.Remaining(at(30)); got != 60*time.Second {
					t.Fatalf("Remaining(30s) = %s, want 60s", got)
				}
			},
		},
		{
			name:   "rotate: new key stays pending until bound, then old one is rotated",
			events: seq(live, []Event{created(40, temp2)}),
			check: func(t *testing.T, s *State) {
				if k, _ := s.Current(); k.ID != temp1 {
					t.Fatalf("current before bind = %s, want %s", k.ID, temp1)
				}
				s.Apply(bound(41, temp2))
				if k, _ := s.Current(); k.ID != temp2 {
					t.Fatalf("current after bind = %s, want %s", k.ID, temp2)
				}
				old, _ := s.Temp(temp1)
				if old.End != Rotated || old.EndedAt != at(41) || !strings.Contains(old.EndDetail, temp2.String()) {
					t.Fatalf("old key = %+v, want rotated at 41s by %s", old, temp2)
				}
				if h := s.History(); len(h) != 1 || h[0].ID != temp1 {
					t.Fatalf("history = %+v", h)
				}
			},
		},
		{
			name: "drop: every key not excepted is dropped, -404 proof kept",
			events: seq(live, []Event{
				created(10, temp2), bound(10, temp2),
				created(20, temp3), bound(20, temp3),
				KeysDropped{At: at(25), Except: []KeyID{temp3}, Gone: []KeyID{temp1}},
			}),
			check: func(t *testing.T, s *State) {
				for _, id := range []KeyID{temp1, temp2} {
					k, _ := s.Temp(id)
					if k.End != Dropped {
						t.Errorf("key %s end = %s, want dropped", id, k.End)
					}
				}
				k1, _ := s.Temp(temp1)
				if !strings.Contains(k1.EndDetail, "-404") {
					t.Errorf("key %s detail %q lacks the -404 proof", temp1, k1.EndDetail)
				}
				if k, _ := s.Current(); k.ID != temp3 || k.End != Live {
					t.Errorf("current = %+v, want live %s", k, temp3)
				}
			},
		},
		{
			name:   "expiry: Expire marks the current key once expires_at passed, and no earlier",
			events: live,
			check: func(t *testing.T, s *State) {
				if s.Expire(at(89)) {
					t.Fatal("expired one second early")
				}
				if !s.Expire(at(90)) {
					t.Fatal("not expired at expires_at")
				}
				k, _ := s.Temp(temp1)
				if k.End != Expired {
					t.Fatalf("end = %s, want expired", k.End)
				}
				if _, ok := s.Current(); ok {
					t.Fatal("an expired key is still current")
				}
				if s.Expire(at(91)) {
					t.Fatal("expired twice")
				}
			},
		},
		{
			name:   "expiry honours the server clock offset",
			events: seq([]Event{ClockSynced{At: at(0), Offset: 10 * time.Second}}, live),
			check: func(t *testing.T, s *State) {
				// bound at local 0 with expires_at = server 90, i.e. local 80.
				if got := s.Remaining(at(70)); got != 10*time.Second {
					t.Fatalf("Remaining = %s, want 10s", got)
				}
				if !s.Expire(at(80)) {
					t.Fatal("not expired at local 80 = server 90")
				}
			},
		},
		{
			name: "-404 after expiry is kept as proof, not as the cause",
			events: seq(live, []Event{
				TempKeyEnded{At: at(90), ID: temp1, How: Expired},
				TempKeyEnded{At: at(95), ID: temp1, How: NotFound, Detail: "transport error -404"},
			}),
			check: func(t *testing.T, s *State) {
				k, _ := s.Temp(temp1)
				if k.End != Expired || !strings.Contains(k.EndDetail, "-404") || k.EndedAt != at(90) {
					t.Fatalf("key = %+v, want expired at 90s with -404 proof", k)
				}
			},
		},
		{
			name:   "-404 on a live key ends it and reports an error",
			events: seq(live, []Event{TempKeyEnded{At: at(30), ID: temp1, How: NotFound, Detail: "server forgot the key"}}),
			check: func(t *testing.T, s *State) {
				k, _ := s.Temp(temp1)
				if k.End != NotFound {
					t.Fatalf("end = %s, want -404", k.End)
				}
				if _, ok := s.Current(); ok {
					t.Fatal("a -404 key is still current")
				}
				if !strings.Contains(s.LastErr, "-404") {
					t.Fatalf("LastErr = %q", s.LastErr)
				}
			},
		},
		{
			name: "rotated key that later gets -404 shows -404",
			events: seq(live, []Event{
				created(10, temp2), bound(10, temp2),
				TempKeyEnded{At: at(20), ID: temp1, How: NotFound},
			}),
			check: func(t *testing.T, s *State) {
				if k, _ := s.Temp(temp1); k.End != NotFound {
					t.Fatalf("end = %s", k.End)
				}
				if k, _ := s.Current(); k.ID != temp2 {
					t.Fatalf("current = %s", k.ID)
				}
			},
		},
		{
			name: "failed bind keeps the previous key current",
			events: seq(live, []Event{
				created(10, temp2),
				BindFailed{At: at(11), ID: temp2, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID", Advice: "retry"},
			}),
			check: func(t *testing.T, s *State) {
				if k, _ := s.Current(); k.ID != temp1 {
					t.Fatalf("current = %s, want %s", k.ID, temp1)
				}
				if k, _ := s.Temp(temp2); k.End != Failed || k.EndDetail != "ENCRYPTED_MESSAGE_INVALID" {
					t.Fatalf("failed key = %+v", k)
				}
				if s.LastBind == nil || s.LastBind.Type != "ENCRYPTED_MESSAGE_INVALID" {
					t.Fatalf("LastBind = %+v", s.LastBind)
				}
				s.Apply(created(20, temp3))
				s.Apply(bound(20, temp3))
				if s.LastBind != nil {
					t.Fatal("a successful bind did not clear LastBind")
				}
				if k, _ := s.Temp(temp2); k.End != Failed {
					t.Fatalf("a failed key became %s", k.End)
				}
			},
		},
		{
			name: "export adds the target DC to the authorized set",
			events: []Event{
				LoggedIn{At: at(1), DC: 2, User: User{ID: 7, Phone: "9996621234", FirstName: "Test"}},
				Exported{At: at(2), FromDC: 2, ToDC: 3, User: User{ID: 7, FirstName: "Test"}},
			},
			check: func(t *testing.T, s *State) {
				if s.User == nil || s.User.ID != 7 || s.HomeDC != 2 {
					t.Fatalf("user = %+v on %d", s.User, s.HomeDC)
				}
				if u, ok := s.Authorized[3]; !ok || u.ID != 7 {
					t.Fatalf("authorized = %+v", s.Authorized)
				}
			},
		},
		{
			name: "export: the target DC's temporary key is recorded but does not replace ours",
			events: seq(live, []Event{
				LoggedIn{At: at(1), DC: 2, User: User{ID: 7}},
				TempKeyCreated{At: at(5), Key: TempKey{ID: temp2, DC: 3, ExpiresIn: 90 * time.Second}},
				TempKeyBound{At: at(5), ID: temp2, PermID: KeyID(0x5555), ExpiresAt: at(95)},
				Exported{At: at(5), FromDC: 2, ToDC: 3, User: User{ID: 7}},
			}),
			check: func(t *testing.T, s *State) {
				if k, _ := s.Current(); k.ID != temp1 {
					t.Fatalf("current = %s, want %s", k.ID, temp1)
				}
				if k, _ := s.Temp(temp1); k.End != Live {
					t.Fatalf("our key ended %s", k.End)
				}
				if !s.Foreign(temp2) || s.Foreign(temp1) || s.BoundTo[temp2] != KeyID(0x5555) {
					t.Fatalf("foreign(%s) = %v, foreign(%s) = %v", temp2, s.Foreign(temp2), temp1, s.Foreign(temp1))
				}
				// The export's key expires on its own clock.
				if !s.Expire(at(95)) {
					t.Fatal("nothing expired at 95s")
				}
				if k, _ := s.Temp(temp2); k.End != Expired {
					t.Fatalf("export key end = %s", k.End)
				}
			},
		},
		{
			name: "repeated reports are logged once",
			events: []Event{
				RenewalChanged{At: at(0), RenewAt: at(60)},
				RenewalChanged{At: at(1), RenewAt: at(60)},
				ClockSynced{At: at(2)},
				ClockSynced{At: at(3)},
				ConnChanged{At: at(4), Target: Target{Env: "local", DC: 2}, Phase: Connected},
				ConnChanged{At: at(5), Target: Target{Env: "local", DC: 2}, Phase: Connected},
			},
			check: func(t *testing.T, s *State) {
				if len(s.Log) != 3 {
					t.Fatalf("log = %+v, want 3 lines", s.Log)
				}
			},
		},
		{
			// The driver re-reports its plan on every wake of its
			// renewal loop, from two clock readings: the start of a
			// session reported 14:28:19.500000671 then .500000261.
			name: "a renewal plan re-reported nanoseconds apart is logged once; a moved plan again",
			events: []Event{
				RenewalChanged{At: at(0), RenewAt: at(60).Add(671)},
				RenewalChanged{At: at(0), RenewAt: at(60).Add(261)},
				RenewalChanged{At: at(1), RenewAt: at(60).Add(999 * time.Millisecond)},
			},
			check: func(t *testing.T, s *State) {
				if len(s.Log) != 1 || s.Log[0].Text != "next renewal at 12:01:00" {
					t.Fatalf("log = %+v, want one line", s.Log)
				}
				if !s.RenewAt.Equal(at(60).Add(999 * time.Millisecond)) {
					t.Fatalf("RenewAt = %s, want the newest report", s.RenewAt)
				}
				s.Apply(RenewalChanged{At: at(30), RenewAt: at(90)})
				if len(s.Log) != 2 || s.Log[1].Text != "next renewal at 12:01:30" {
					t.Fatalf("log = %+v, want the moved plan logged", s.Log)
				}
			},
		},
		{
			name: "failed login: busy cleared, error in status and log, nobody logged in",
			events: []Event{
				ActionStarted{At: at(1), Action: "login"},
				ActionDone{At: at(2), Action: "login", Duration: time.Second, Err: "rpc error code 400: PHONE_CODE_INVALID"},
			},
			check: func(t *testing.T, s *State) {
				if len(s.Busy) != 0 {
					t.Fatalf("busy = %v", s.Busy)
				}
				if s.User != nil {
					t.Fatal("logged in after a failed login")
				}
				if !strings.Contains(s.LastErr, "PHONE_CODE_INVALID") {
					t.Fatalf("LastErr = %q", s.LastErr)
				}
				last := s.Log[len(s.Log)-1]
				if last.Level != Error || !strings.Contains(last.Text, "login failed") {
					t.Fatalf("last log = %+v", last)
				}
				s.Apply(ActionStarted{At: at(3), Action: "rotate"})
				if s.LastErr == "" {
					t.Fatal("starting another action cleared the error")
				}
				s.Apply(ActionDone{At: at(3), Action: "rotate"})
				if s.LastErr != "" {
					t.Fatalf("a later successful action left LastErr = %q", s.LastErr)
				}
			},
		},
		{
			name: "logout on the home DC forgets the user",
			events: []Event{
				LoggedIn{At: at(1), DC: 2, User: User{ID: 7}},
				Exported{At: at(2), FromDC: 2, ToDC: 1, User: User{ID: 7}},
				LoggedOut{At: at(3), DC: 2, Reason: "auth.logOut"},
			},
			check: func(t *testing.T, s *State) {
				if s.User != nil {
					t.Fatal("user kept after home logout")
				}
				if _, ok := s.Authorized[1]; !ok {
					t.Fatal("export to DC 1 forgotten")
				}
			},
		},
		{
			name: "renewal pause and plan",
			events: []Event{
				RenewalChanged{At: at(0), RenewAt: at(60)},
			},
			check: func(t *testing.T, s *State) {
				if got := s.RenewsIn(at(15)); got != 45*time.Second {
					t.Fatalf("RenewsIn = %s", got)
				}
				s.Apply(RenewalChanged{At: at(20), Paused: true})
				if !s.RenewalPaused || s.RenewsIn(at(21)) != 0 {
					t.Fatalf("paused = %v, renews in %s", s.RenewalPaused, s.RenewsIn(at(21)))
				}
			},
		},
		{
			name: "connection and handshake",
			events: []Event{
				ConnChanged{At: at(0), Target: Target{Env: "local", DC: 2, Addr: "127.0.0.1:1", Layer: 220}, Phase: Connected},
				HandshakeDone{At: at(1), Transcript: Transcript{Kind: Temporary, DC: 2, KeyID: temp1, Checks: []Check{{Name: "dh_prime_safe", OK: true}}}},
				HandshakeDone{At: at(2), Transcript: Transcript{Kind: Temporary, DC: 2, Checks: []Check{{Name: "g_a_range", OK: false}}}},
			},
			check: func(t *testing.T, s *State) {
				if s.Conn != Connected || s.Target.Layer != 220 {
					t.Fatalf("conn = %s, target %+v", s.Conn, s.Target)
				}
				if len(s.Transcripts) != 2 || s.Transcripts[0].KeyID != temp1 {
					t.Fatalf("transcripts = %+v", s.Transcripts)
				}
				if s.Handshakes != 2 || s.Handshake.Passed() {
					t.Fatalf("handshakes = %d, last passed = %v", s.Handshakes, s.Handshake.Passed())
				}
				if !strings.Contains(s.LastErr, "g_a_range") {
					t.Fatalf("LastErr = %q", s.LastErr)
				}
			},
		},
		{
			name: "server view follows its event stream",
			events: []Event{
				ServerEvent{At: at(0), DC: 2, Kind: SrvKeyCreated, KeyID: perm, KeyKind: Permanent},
				ServerEvent{At: at(1), DC: 2, Kind: SrvKeyCreated, KeyID: temp1, KeyKind: Temporary, ExpiresAt: at(91)},
				ServerEvent{At: at(2), DC: 2, Kind: SrvKeyBound, KeyID: temp1, KeyKind: Temporary, PermID: perm, ExpiresAt: at(92)},
				ServerEvent{At: at(3), DC: 2, Kind: SrvKeyCreated, KeyID: temp2, KeyKind: Temporary, ExpiresAt: at(50)},
				ServerEvent{At: at(4), DC: 2, Kind: SrvKeyBound, KeyID: temp2, KeyKind: Temporary, PermID: perm},
				ServerEvent{At: at(5), DC: 2, Kind: SrvKeyDropped, KeyID: temp1, KeyKind: Temporary, PermID: perm},
				ServerEvent{At: at(6), DC: 2, Kind: SrvLogin, UserID: 7},
			},
			check: func(t *testing.T, s *State) {
				keys := s.ServerKeys(perm)
				if len(keys) != 3 || keys[0].ID != perm || keys[1].ID != temp2 || keys[2].ID != temp1 {
					t.Fatalf("server keys = %+v", keys)
				}
				if keys[2].Held() || !keys[1].Held() || !keys[2].ExpiresAt.Equal(at(92)) {
					t.Fatalf("held/expiry wrong: %+v", keys)
				}
				if len(s.ServerEvents) != 7 {
					t.Fatalf("%d server events", len(s.ServerEvents))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewState()
			for _, ev := range tt.events {
				s.Apply(ev)
			}
			tt.check(t, s)
		})
	}
}

func TestLogIsBounded(t *testing.T) {
	s := NewState()
	for i := range MaxLog + 10 {
		s.Apply(ClockSynced{At: at(i), Offset: time.Duration(i)})
	}
	if len(s.Log) != MaxLog || s.Log[0].At != at(10) {
		t.Fatalf("log has %d entries starting at %s", len(s.Log), s.Log[0].At)
	}
}

func TestTempsAreBounded(t *testing.T) {
	s := NewState()
	s.Apply(PermKeyReady{Key: PermKey{ID: perm, DC: 2}})
	for i := range MaxTemps + 50 {
		id := KeyID(1000 + i)
		s.Apply(created(i, id))
		s.Apply(bound(i, id))
	}
	if len(s.Temps) != MaxTemps {
		t.Fatalf("%d temps kept", len(s.Temps))
	}
	cur, ok := s.Current()
	if !ok || cur.ID != KeyID(1000+MaxTemps+49) {
		t.Fatalf("current = %+v", cur)
	}
	if _, ok := s.Temp(1000); ok {
		t.Fatal("the oldest key is still kept")
	}
	if len(s.BoundTo) != MaxTemps {
		t.Fatalf("BoundTo has %d entries", len(s.BoundTo))
	}
}

func TestServerKeysAreBounded(t *testing.T) {
	s := NewState()
	s.Apply(ServerEvent{At: at(0), DC: 2, Kind: SrvKeyCreated, KeyID: perm, KeyKind: Permanent})
	for i := range MaxServerKeys + 10 {
		id := KeyID(1000 + i)
		s.Apply(ServerEvent{At: at(i + 1), DC: 2, Kind: SrvKeyBound, KeyID: id, KeyKind: Temporary, PermID: perm})
		s.Apply(ServerEvent{At: at(i + 2), DC: 2, Kind: SrvKeyExpired, KeyID: id, KeyKind: Temporary})
	}
	if len(s.Server) != MaxServerKeys {
		t.Fatalf("%d server keys", len(s.Server))
	}
	if _, ok := s.Server[perm]; !ok {
		t.Fatal("the held permanent key was forgotten before expired ones")
	}
	if _, ok := s.Server[KeyID(1000)]; ok {
		t.Fatal("the oldest expired key is still kept")
	}
}

// A zero State (not made by NewState) must not panic on any event.
func TestApplyZeroState(t *testing.T) {
	for _, ev := range seq(live, []Event{
		LoggedIn{DC: 2}, ActionStarted{Action: "x"}, ServerEvent{KeyID: 1}, KeysDropped{},
	}) {
		var s State
		s.Apply(ev)
	}
}

func TestCloneIsDeep(t *testing.T) {
	s := NewState()
	for _, ev := range seq(live, []Event{LoggedIn{DC: 2, User: User{ID: 7}}, ServerEvent{KeyID: temp1}}) {
		s.Apply(ev)
	}
	c := s.Clone()
	s.Apply(created(5, temp2))
	s.Apply(bound(5, temp2))
	s.Apply(Exported{ToDC: 3, User: User{ID: 7}})
	s.User.FirstName = "changed"
	if len(c.Temps) != 1 || c.CurrentID != temp1 || len(c.Authorized) != 1 || c.User.FirstName != "" {
		t.Fatalf("clone changed with the original: %+v", c)
	}
}
