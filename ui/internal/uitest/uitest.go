// Package uitest drives tgpfs's Bubble Tea programs in tests the way a
// person does, for the client's UI (ui) and the server's (ui/dcview): keys
// by name, and captures of the screen taken inside the program's loop, so
// a test reads what Update made without racing it.
package uitest

import (
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"
)

// Timeout bounds every wait: generous, since the machine is shared; a
// test only waits that long when it is about to fail.
const Timeout = 5 * time.Second

// Key is the message of key k: "enter", "esc", "tab", "shift+tab", "up",
// "down", "left", "right", "pgdown", "backspace", "ctrl+c", else the runes
// of k.
func Key(k string) tea.KeyMsg {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace, "ctrl+c": tea.KeyCtrlC,
	}
	if t, ok := named[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// Program is what a capture is sent to: a teatest.TestModel or a
// tea.Program.
type Program interface{ Send(tea.Msg) }

// Capture sends p the capture message ask makes and returns the reply.
func Capture[C any](t testing.TB, p Program, ask func(reply chan<- C) tea.Msg) C {
	t.Helper()
	ch := make(chan C, 1)
	p.Send(ask(ch))
	select {
	case c := <-ch:
		return c
	case <-time.After(Timeout):
		t.Fatal("no capture within", Timeout)
	}
	var zero C
	return zero
}

// Await captures until cond holds, for what arrives from commands; after
// Timeout it fails the test with the last screen (view).
func Await[C any](t testing.TB, p Program, ask func(reply chan<- C) tea.Msg, what string, cond func(C) bool, view func(C) string) C {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		c := Capture(t, p, ask)
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s; screen:\n%s", what, view(c))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Clock is a settable clock for countdowns, safe to read from a program's
// goroutines while the test sets it.
type Clock struct{ ns atomic.Int64 }

// NewClock is a clock that reads t until set.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now is the time last set, in UTC.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set moves the clock to t, forward or back.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Main runs a package's tests with colour off and a dark background
// assumed, whatever the terminal running them can do: goldens hold plain
// text, and what a screen means must read without colour.
func Main(m *testing.M) {
	PlainText()
	os.Exit(m.Run())
}

// PlainText turns colour off and assumes a dark background, for a
// package whose TestMain does more than Main.
func PlainText() {
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
}

// RequireScreen checks a whole screen as every golden test does: no line
// wider than the terminal's w cells, exactly h lines, and the text of the
// test's golden file (go test -update rewrites it).
func RequireScreen(t *testing.T, view string, w, h int) {
	t.Helper()
	for i, l := range strings.Split(view, "\n") {
		if n := lipgloss.Width(l); n > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i, n, w, l)
		}
	}
	if n := strings.Count(view, "\n") + 1; n != h {
		t.Errorf("view has %d lines, want %d", n, h)
	}
	golden.RequireEqual(t, []byte(view))
}
