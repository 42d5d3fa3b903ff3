package layout

import (
	"strings"
	"testing"
	"time"

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
