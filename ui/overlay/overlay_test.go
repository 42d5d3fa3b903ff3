package overlay

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"tgpfs/model"
	"tgpfs/proto/session"
	"tgpfs/ui/internal/uitest"
)

func TestMain(m *testing.M) { uitest.Main(m) }

// clock is a clock that moves only when told.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func TestFloodBannerCountsDownFromUntil(t *testing.T) {
	c := &clock{now: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
	start := c.now
	b := NewFloodBanner(start.Add(75*time.Second), "auth.sendCode", Options{Now: c.Now})
	for _, tc := range []struct {
		at     time.Duration
		left   time.Duration
		active bool
		text   string
	}{
		{0, 75 * time.Second, true, "wait 1m15s"},
		{500 * time.Millisecond, 75 * time.Second, true, "wait 1m15s"}, // rounded up: never shows 0 while waiting
		{30 * time.Second, 45 * time.Second, true, "wait 45s"},
		{74*time.Second + time.Millisecond, time.Second, true, "wait 1s"},
		{75 * time.Second, 0, false, "wait is over"},
		{time.Hour, 0, false, "wait is over"},
	} {
		c.now = start.Add(tc.at)
		if got := b.Remaining(); got != tc.left || b.Active() != tc.active {
			t.Errorf("at +%v: remaining %v active %v, want %v %v", tc.at, got, b.Active(), tc.left, tc.active)
		}
		if v := b.View(); !strings.Contains(v, tc.text) || tc.active && !strings.Contains(v, "until 15:10:41") {
			t.Errorf("at +%v: view %q, want %q", tc.at, v, tc.text)
		}
		// A tick keeps the countdown going only while it is on, and
		// another banner's tick never does.
		if _, cmd := b.Update(tickMsg{id: b.id}); (cmd != nil) != tc.active {
			t.Errorf("at +%v: tick scheduled %v", tc.at, cmd != nil)
		}
		if _, cmd := b.Update(tickMsg{id: b.id + 1}); cmd != nil {
			t.Errorf("at +%v: another banner's tick was taken", tc.at)
		}
	}
	if got := FormatWait(3723 * time.Second); got != "1h02m03s" {
		t.Errorf("FormatWait = %q", got)
	}
}

func TestKeyProblem(t *testing.T) {
	emi := session.NewRPCError(400, "ENCRYPTED_MESSAGE_INVALID")
	for _, tc := range []struct {
		name  string
		v     model.Verdict
		key   tea.KeyMsg
		drop  bool
		reply bool
	}{
		{"home key yes", model.Classify(emi, model.KeyState{PermAge: time.Hour, HomeDC: true}), runes("y"), true, true},
		{"home key no", model.Classify(emi, model.KeyState{PermAge: time.Hour, HomeDC: true}), runes("n"), false, true},
		{"home key esc", model.Classify(emi, model.KeyState{PermAge: time.Hour, HomeDC: true}), tea.KeyMsg{Type: tea.KeyEsc}, false, true},
		{"home key other key", model.Classify(emi, model.KeyState{PermAge: time.Hour, HomeDC: true}), runes("x"), false, false},
		{"other DC yes", model.Classify(emi, model.KeyState{PermAge: time.Hour}), runes("y"), true, true},
		{"unregistered: y drops nothing", model.Classify(session.NewRPCError(401, "AUTH_KEY_UNREGISTERED"), model.KeyState{}), runes("y"), false, false},
		{"unregistered: enter", model.Classify(session.NewRPCError(401, "AUTH_KEY_UNREGISTERED"), model.KeyState{}), tea.KeyMsg{Type: tea.KeyEnter}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewKeyProblem(tc.v, Options{})
			_, cmd := p.Update(tc.key)
			if (cmd != nil) != tc.reply {
				t.Fatalf("reply = %v, want %v", cmd != nil, tc.reply)
			}
			if cmd == nil {
				return
			}
			if a := cmd().(AnswerMsg); a.Drop != tc.drop || a.Verdict.Kind != tc.v.Kind {
				t.Errorf("answer %+v, want drop %v", a, tc.drop)
			}
		})
	}
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestKeyProblemGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    model.Verdict
	}{
		{"emi-home", model.Classify(session.NewRPCError(400, "ENCRYPTED_MESSAGE_INVALID"), model.KeyState{PermAge: time.Hour, HomeDC: true})},
		{"emi-other", model.Classify(session.NewRPCError(400, "ENCRYPTED_MESSAGE_INVALID"), model.KeyState{PermAge: time.Hour})},
		{"duplicated", model.Classify(session.NewRPCError(406, "AUTH_KEY_DUPLICATED"), model.KeyState{HomeDC: true})},
		{"unregistered", model.Classify(session.NewRPCError(401, "AUTH_KEY_UNREGISTERED"), model.KeyState{})},
	} {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s/%dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				p := NewKeyProblem(tc.v, Options{})
				p.SetSize(size[0], size[1])
				golden.RequireEqual(t, []byte(p.View()))
			})
		}
	}
}
