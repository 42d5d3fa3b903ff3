package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// newLogScreen is every action and result with its time; it follows the
// newest line unless scrolled up.
func newLogScreen(sh *shared, _ Options) screen {
	p := newTextScreen(sh, func(w int) string { return renderLog(sh.st, sh.styles, w) })
	p.follow = true
	return p
}

// logIndent is how wide a log line's time and mark are ("12:00:40 · "):
// a long entry's further lines start there, under its text.
const logIndent = 11

// minLogWrap is the narrowest text column worth wrapping into; narrower
// windows cut the lines instead.
const minLogWrap = 20

// renderLog lists the log, each entry's text wrapped at word boundaries
// to width: the entries that explain what happened are the long ones, and
// cutting them lost the explanation.
func renderLog(st *model.State, s styles.Styles, width int) string {
	if len(st.Log) == 0 {
		return s.Dim.Render("Nothing yet.")
	}
	limit := width - logIndent
	indent := strings.Repeat(" ", logIndent)
	var b strings.Builder
	for i, e := range st.Log {
		mark := s.Dim.Render("·")
		if e.Level == model.Error {
			mark = s.Bad.Render(styles.SymBad)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s %s ", s.Dim.Render(layout.Clock(e.At)), mark)
		lines := []string{e.Text}
		if limit >= minLogWrap && (strings.Contains(e.Text, "\n") || ansi.StringWidth(e.Text) > limit) {
			lines = layout.WrapWords(e.Text, limit)
		}
		for j, l := range lines {
			if j > 0 {
				b.WriteString("\n" + indent)
			}
			if e.Level == model.Error {
				l = s.Bad.Render(l)
			}
			b.WriteString(l)
		}
	}
	return b.String()
}
