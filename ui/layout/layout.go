// Package layout holds the pieces every tgpfs screen lays text out with, on
// the client's side (ui) and the server's (ui/dcview): lines cut and padded
// to terminal cells, words wrapped, times, countdowns and ages written the
// same way, the lifetime bar, when a countdown next changes and how far the
// mouse wheel scrolls. Everything is a pure function of its arguments, so
// views stay functions of state.
package layout

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"tgpfs/ui/styles"
)

// Pad pads s with spaces to w cells; a string of w cells or more gets one
// space after it, so columns never touch.
func Pad(s string, w int) string {
	switch n := lipgloss.Width(s); {
	case n < w:
		return s + strings.Repeat(" ", w-n)
	case n == w:
		return s
	}
	return s + " "
}

// Clock is t as the screens print times, UTC to the second; "—" for zero.
func Clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("15:04:05")
}

// Countdown renders a duration as m:ss (or h:mm:ss), the way a timer reads.
func Countdown(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// Age renders a duration as a short human age: 42s, 3m12s, 5h03m.
func Age(d time.Duration) string {
	d = d.Truncate(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours())/24)
}

// UntilNextSecond is the wait from t until just after its next whole
// second: the next moment a countdown to a whole-second expiry shows a new
// number.
func UntilNextSecond(t time.Time) time.Duration {
	return time.Second - t.Sub(t.Truncate(time.Second)) + TickSlack
}

// SecondTick is a root model's countdown tick: msg after every (set by
// tests), or, when every is 0, just after the next whole second of now,
// when a countdown next shows a new number.
func SecondTick(every time.Duration, now time.Time, msg tea.Msg) tea.Cmd {
	if every <= 0 {
		every = UntilNextSecond(now)
	}
	return tea.Tick(every, func(time.Time) tea.Msg { return msg })
}

// TickSlack is how long after a second's boundary a countdown redraws, so
// the new second is surely there.
const TickSlack = 10 * time.Millisecond

// Wheel is how far a mouse event scrolls: -1 up, 1 down, 0 not a wheel.
func Wheel(msg tea.MouseMsg) int {
	if msg.Action != tea.MouseActionPress {
		return 0
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		return -1
	case tea.MouseButtonWheelDown:
		return 1
	}
	return 0
}

// Bar draws the part of a lifetime left, coloured by urgency.
func Bar(s styles.Styles, frac float64, width int) string {
	width = max(width, 4)
	full := int(frac*float64(width) + 0.5)
	full = min(max(full, 0), width)
	st := s.BarFull
	switch {
	case frac < 0.2:
		st = s.Bad
	case frac < 0.5:
		st = s.Warn
	}
	return st.Render(strings.Repeat("█", full)) + s.BarEmpty.Render(strings.Repeat("░", width-full))
}

// Fit cuts every line of s to w cells, so a long id or error never wraps
// and pushes the layout down.
func Fit(s string, w int) string {
	if w <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// Block makes s exactly w cells by h lines: long lines are cut, short ones
// padded, missing lines added. It is what lipgloss's Width/Height/MaxHeight
// do, without their word wrapping, which a view does not need and which
// costs most of a frame.
func Block(s string, w, h int) string {
	lines := strings.SplitN(s, "\n", h+1)
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	b.Grow(h * (w + 16))
	for i := range h {
		if i > 0 {
			b.WriteByte('\n')
		}
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		n := ansi.StringWidth(l)
		if n > w {
			// A wide rune that does not fit is cut whole, so the cut
			// line may be a cell short of w.
			l = ansi.Truncate(l, w, "…")
			n = ansi.StringWidth(l)
		}
		b.WriteString(l)
		b.WriteString(strings.Repeat(" ", w-n))
	}
	return b.String()
}

// WrapWords breaks plain text into lines of at most limit cells at its
// spaces, and only there ("-404" stays whole); a word longer than a line is
// cut.
func WrapWords(text string, limit int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line, lw := "", 0
		for _, word := range strings.Fields(para) {
			ww := ansi.StringWidth(word)
			if lw > 0 && lw+1+ww > limit {
				out = append(out, line)
				line, lw = "", 0
			}
			if ww > limit {
				chunks := strings.Split(ansi.Hardwrap(word, limit, false), "\n")
				out = append(out, chunks[:len(chunks)-1]...)
				word = chunks[len(chunks)-1]
				ww = ansi.StringWidth(word)
			}
			if lw > 0 {
				line += " "
				lw++
			}
			line += word
			lw += ww
		}
		out = append(out, line)
	}
	return out
}

// ScrollKeys are the keys that move through a list or a page. They are the
// same keys on the client's screens (ui) and the server's (ui/dcview), so
// both key maps embed them.
type ScrollKeys struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
}

// DefaultScrollKeys is the scroll keys the README documents.
func DefaultScrollKeys() ScrollKeys {
	return ScrollKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
	}
}

// Step is how far a scroll key moves a list or a page of total rows that
// shows page rows at a time: a row, a page, or all the way to the top or
// the bottom. ok is false for any other key.
func (k ScrollKeys) Step(msg tea.KeyMsg, page, total int) (n int, ok bool) {
	switch {
	case key.Matches(msg, k.Up):
		return -1, true
	case key.Matches(msg, k.Down):
		return 1, true
	case key.Matches(msg, k.PageUp):
		return -page, true
	case key.Matches(msg, k.PageDown):
		return page, true
	case key.Matches(msg, k.Top):
		return -total, true
	case key.Matches(msg, k.Bottom):
		return total, true
	}
	return 0, false
}

// Placeholder is what a root model (ui's and ui/dcview's) draws instead of
// its screens: nothing once it quits, so the shell's prompt comes back
// clean, and "starting…" before the terminal has said its size. ok is
// false when the screens should be drawn.
func Placeholder(quitting bool, width int) (view string, ok bool) {
	switch {
	case quitting:
		return "", true
	case width == 0:
		return "starting…", true
	}
	return "", false
}

// Interrupt reports whether msg is ctrl+c, which quits a root model
// whatever is open, before any overlay or screen sees the key.
func Interrupt(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyMsg)
	return ok && k.Type == tea.KeyCtrlC
}
