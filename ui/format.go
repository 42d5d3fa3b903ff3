package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// The pieces every screen renders with. The screens render from the State
// alone (plus now for the countdown), in pure functions, so the benchmark
// and the snapshot can call them without a program.

const labelWidth = 13

func row(s styles.Styles, label, value string) string {
	return "  " + s.Label.Render(pad(label, labelWidth)) + value
}

func pad(s string, w int) string {
	switch n := lipgloss.Width(s); {
	case n < w:
		return s + strings.Repeat(" ", w-n)
	case n == w:
		return s
	}
	return s + " "
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("15:04:05")
}

// countdown renders a duration as m:ss (or h:mm:ss), the way a timer reads.
func countdown(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// age renders a duration as a short human age: 42s, 3m12s, 5h03m.
func age(d time.Duration) string {
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

// bar draws the part of a lifetime left, coloured by urgency.
func bar(s styles.Styles, frac float64, width int) string {
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

func endStyle(s styles.Styles, e model.TempEnd) lipgloss.Style {
	switch e {
	case model.Live:
		return s.OK
	case model.Rotated:
		return s.Dim
	case model.Dropped, model.Expired:
		return s.Warn
	}
	return s.Bad
}

func endSymbol(e model.TempEnd) string {
	switch e {
	case model.Live:
		return styles.SymLive
	case model.Rotated, model.Dropped, model.Expired:
		return styles.SymEnded
	}
	return styles.SymBad
}

// fit cuts every line of s to w cells, so a long id or error never wraps
// and pushes the layout down.
func fit(s string, w int) string {
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

// block makes s exactly w cells by h lines: long lines are cut, short ones
// padded, missing lines added. It is what lipgloss's Width/Height/MaxHeight
// do, without their word wrapping, which View does not need and which costs
// most of a frame.
func block(s string, w, h int) string {
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
			l, n = ansi.Truncate(l, w, "…"), w
		}
		b.WriteString(l)
		b.WriteString(strings.Repeat(" ", w-n))
	}
	return b.String()
}

// wrapWords breaks plain text into lines of at most limit cells at its
// spaces, and only there ("-404" stays whole); a word longer than a line is
// cut.
func wrapWords(text string, limit int) []string {
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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func sortStrings(s []string) { sort.Strings(s) }
