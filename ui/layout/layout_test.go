package layout

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func TestCountdownAndAge(t *testing.T) {
	tests := []struct {
		d              time.Duration
		countdown, age string
	}{
		{0, "0:00", "0s"},
		{999 * time.Millisecond, "0:00", "0s"},
		{42 * time.Second, "0:42", "42s"},
		{3*time.Minute + 12*time.Second, "3:12", "3m12s"},
		{5*time.Hour + 3*time.Minute, "5:03:00", "5h03m"},
		{72 * time.Hour, "72:00:00", "3d"},
	}
	for _, tt := range tests {
		if got := Countdown(tt.d); got != tt.countdown {
			t.Errorf("Countdown(%v) = %q, want %q", tt.d, got, tt.countdown)
		}
		if got := Age(tt.d); got != tt.age {
			t.Errorf("Age(%v) = %q, want %q", tt.d, got, tt.age)
		}
	}
}

// Block is exactly w by h whatever it is given: wide runes, long lines,
// too many or too few lines.
func TestBlockIsExactlyItsSize(t *testing.T) {
	for _, in := range []string{"", "short", "日本語のデバイス名がとても長い場合", strings.Repeat("x\n", 50), "a\n\n\nb"} {
		for _, sz := range []struct{ w, h int }{{1, 1}, {10, 3}, {80, 24}} {
			lines := strings.Split(Block(in, sz.w, sz.h), "\n")
			if len(lines) != sz.h {
				t.Errorf("Block(%q, %d, %d): %d lines", in, sz.w, sz.h, len(lines))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w != sz.w {
					t.Errorf("Block(%q, %d, %d): line %q is %d cells", in, sz.w, sz.h, l, w)
				}
			}
		}
	}
}

func TestScrollKeysStep(t *testing.T) {
	k := DefaultScrollKeys()
	for _, tc := range []struct {
		msg tea.KeyMsg
		n   int
		ok  bool
	}{
		{tea.KeyMsg{Type: tea.KeyUp}, -1, true},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")}, 1, true},
		{tea.KeyMsg{Type: tea.KeyPgUp}, -5, true},
		{tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}, 5, true},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("g")}, -40, true},
		{tea.KeyMsg{Type: tea.KeyEnd}, 40, true},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")}, 0, false},
	} {
		if n, ok := k.Step(tc.msg, 5, 40); n != tc.n || ok != tc.ok {
			t.Errorf("Step(%q) = %d, %v; want %d, %v", tc.msg.String(), n, ok, tc.n, tc.ok)
		}
	}
}

func TestPlaceholderAndInterrupt(t *testing.T) {
	if v, ok := Placeholder(true, 80); !ok || v != "" {
		t.Errorf("quitting: %q, %v", v, ok)
	}
	if v, ok := Placeholder(false, 0); !ok || v != "starting…" {
		t.Errorf("no size yet: %q, %v", v, ok)
	}
	if _, ok := Placeholder(false, 80); ok {
		t.Error("a sized, running root got a placeholder")
	}
	if !Interrupt(tea.KeyMsg{Type: tea.KeyCtrlC}) || Interrupt(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}) || Interrupt(tea.WindowSizeMsg{}) {
		t.Error("Interrupt reads ctrl+c and nothing else")
	}
}
