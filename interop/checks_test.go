package interop

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

// logOf renders events exactly as `tgpfs dc -v` prints them, so a change of
// that format breaks this test rather than silently the harness's checks.
func logOf(evs ...model.ServerEvent) []string {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var lines []string
	for i, ev := range evs {
		ev.At = at.Add(time.Duration(i) * time.Second)
		lines = append(lines, localdc.FormatEvent(ev))
	}
	return lines
}

const (
	perm1, perm2 model.KeyID = 0x0f0e0d0c0b0a0908, 0x1111222233334444
	temp1, temp2 model.KeyID = 0x1a2b3c4d5e6f7a8b, 0x0000000000000abc // temp2: leading zeros
)

func permMade(dc int, id model.KeyID) model.ServerEvent {
	return model.ServerEvent{DC: dc, Kind: model.SrvKeyCreated, KeyID: id, KeyKind: model.Permanent}
}

func tempMade(id model.KeyID) model.ServerEvent {
	return model.ServerEvent{DC: 2, Kind: model.SrvKeyCreated, KeyID: id, KeyKind: model.Temporary, ExpiresAt: time.Now(), Detail: "expires_in 1h0m0s capped to 5s"}
}

func bound(temp, perm model.KeyID) model.ServerEvent {
	return model.ServerEvent{DC: 2, Kind: model.SrvKeyBound, KeyID: temp, KeyKind: model.Temporary, PermID: perm, ExpiresAt: time.Now()}
}

func expired(temp, perm model.KeyID) model.ServerEvent {
	return model.ServerEvent{DC: 2, Kind: model.SrvKeyExpired, KeyID: temp, KeyKind: model.Temporary, PermID: perm, ExpiresAt: time.Now()}
}

func notFound(id model.KeyID) model.ServerEvent {
	return model.ServerEvent{DC: 2, Kind: model.SrvKeyNotFound, KeyID: id}
}

func TestCheckPFS(t *testing.T) {
	recovered := []model.ServerEvent{
		permMade(2, perm1), tempMade(temp1), bound(temp1, perm1),
		expired(temp1, perm1), notFound(temp1), tempMade(temp2), bound(temp2, perm1),
	}
	tests := []struct {
		name, step string
		evs        []model.ServerEvent
		want       string // "" passes; else a part of the complaint
	}{
		{"bind", "pfs-bind", recovered[:3], ""},
		{"no bind", "pfs-bind", recovered[:2], "no bind on dc2"},
		{"recovered", "pfs-recover", recovered, ""},
		{"forgotten by the sweep", "pfs-recover", []model.ServerEvent{
			permMade(2, perm1), bound(temp1, perm1),
			{DC: 2, Kind: model.SrvKeyDropped, KeyID: temp1, KeyKind: model.Temporary, PermID: perm1, Detail: "forgotten by the DC"},
			bound(temp2, perm1)}, ""},
		{"never forgotten", "pfs-recover", []model.ServerEvent{permMade(2, perm1), bound(temp1, perm1), bound(temp2, perm1)}, "never forgot"},
		{"no new bind", "pfs-recover", recovered[:5], "no new temp key bound"},
		{"bound to another perm key", "pfs-recover", append(append([]model.ServerEvent{}, recovered[:6]...), permMade(2, perm2), bound(temp2, perm2)), "no new temp key bound"},
		{"a second perm key", "pfs-recover", append([]model.ServerEvent{permMade(2, perm2)}, recovered...), "2 permanent keys"},
		{"a perm key on another dc is fine", "pfs-recover", append([]model.ServerEvent{permMade(1, perm2)}, recovered...), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkPFS(tt.step, logOf(tt.evs...))
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Fatalf("checkPFS(%s) = %q, want %q\nlog:\n%s", tt.step, got, tt.want, strings.Join(logOf(tt.evs...), "\n"))
			}
		})
	}
}

func TestCheckFlow(t *testing.T) {
	login := func(dc int) model.ServerEvent {
		return model.ServerEvent{DC: dc, Kind: model.SrvLogin, KeyID: perm1, KeyKind: model.Permanent, UserID: 1000002, Detail: "auth.signUp 9996631234"}
	}
	if got := checkFlow("phone-migrate", logOf(permMade(3, perm1), login(3))); got != "" {
		t.Errorf("login on dc3: %q", got)
	}
	if got := checkFlow("phone-migrate", logOf(permMade(2, perm1), login(2))); got == "" {
		t.Error("a login on dc2 passed the migrate check")
	}
	if got := checkFlow("login", nil); got != "" {
		t.Errorf("login: %q (only phone-migrate has a DC-side check)", got)
	}
}

func TestExpectedFailureLookup(t *testing.T) {
	saved := expectedFailures
	t.Cleanup(func() { expectedFailures = saved })
	expectedFailures = []expectedFailure{
		{"a", "*", "login", "every transport"},
		{"b", "full", "login", "one transport"},
	}
	for _, tt := range []struct {
		client, transport, step string
		want                    bool
	}{
		{"a", "abridged", "login", true},
		{"a", "full", "logout", false},
		{"b", "full", "login", true},
		{"b", "abridged", "login", false},
		{"c", "full", "login", false},
	} {
		if got := expected(tt.client, tt.transport, tt.step) != nil; got != tt.want {
			t.Errorf("expected(%s, %s, %s) = %v, want %v", tt.client, tt.transport, tt.step, got, tt.want)
		}
	}
}

func TestJudge(t *testing.T) {
	saved := expectedFailures
	t.Cleanup(func() { expectedFailures = saved })
	expectedFailures = []expectedFailure{{"x", "*", "b", "known"}}
	sc := scenario{name: "s", steps: []string{"a", "b"}, check: func(step string, _ []string) string {
		if step == "a" {
			return "" // the DC agrees
		}
		return "the DC disagrees"
	}}
	ok := func(step string) stepResult {
		return stepResult{Client: "x", Transport: "t", Step: step, OK: true, Detail: "fine"}
	}
	bad := func(step string) stepResult {
		return stepResult{Client: "x", Transport: "t", Step: step, Detail: "broke"}
	}
	run := func(steps ...stepResult) *scriptRun {
		r := &scriptRun{steps: map[string]stepResult{}}
		for _, s := range steps {
			r.steps[s.Step] = s
			r.order = append(r.order, s.Step)
		}
		return r
	}
	tests := []struct {
		name     string
		run      *scriptRun
		problems []string // parts of each expected problem, in order
	}{
		{"expected failure fails", run(ok("a"), bad("b")), nil},
		{"expected failure passes the script but not the DC", run(ok("a"), ok("b")), nil},
		{"unexpected failure", run(bad("a"), bad("b")), []string{"x/t a failed: broke"}},
		{"missing step", run(bad("b")), []string{"a failed: not reported"}},
		{"unknown step", run(ok("a"), bad("b"), ok("z")), []string{`does not know: "z"`}},
		{"another client's line", run(stepResult{Client: "y", Transport: "t", Step: "a", OK: true}, bad("b")), []string{"reported as y/t"}},
		{"script crashed", func() *scriptRun { r := run(ok("a"), bad("b")); r.err = errors.New("exit status 1"); return r }(), []string{"the script failed"}},
		{"stray stdout", func() *scriptRun { r := run(ok("a"), bad("b")); r.junk = []string{"hello"}; return r }(), []string{"not steps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := judge("x", "t", sc, tt.run, nil)
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems %q, want %d like %q", problems, len(tt.problems), tt.problems)
			}
			for i, want := range tt.problems {
				if !strings.Contains(problems[i], want) {
					t.Errorf("problem %q, want it to say %q", problems[i], want)
				}
			}
		})
	}

	// An expected failure the script and the DC both pass must be removed.
	sc.check = nil
	_, problems := judge("x", "t", sc, run(ok("a"), ok("b")), nil)
	if len(problems) != 1 || !strings.Contains(problems[0], "now passes: remove it") {
		t.Fatalf("a listed step that passes: problems %q", problems)
	}
}
