package ui

import (
	"fmt"
	"strings"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// newLogScreen is every action and result with its time; it follows the
// newest line unless scrolled up.
func newLogScreen(sh *shared, _ Options) screen {
	p := newTextScreen(sh, func(int) string { return renderLog(sh.st, sh.styles) })
	p.follow = true
	return p
}

func renderLog(st *model.State, s styles.Styles) string {
	if len(st.Log) == 0 {
		return s.Dim.Render("Nothing yet.")
	}
	var b strings.Builder
	for i, e := range st.Log {
		mark := s.Dim.Render("·")
		text := e.Text
		if e.Level == model.Error {
			mark = s.Bad.Render(styles.SymBad)
			text = s.Bad.Render(text)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s %s %s", s.Dim.Render(clock(e.At)), mark, text)
	}
	return b.String()
}
