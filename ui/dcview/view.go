package dcview

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// View lays out the header, the body (the top overlay when one is open,
// else the page on show) and the status bar.
func (m *Model) View() string {
	if v, ok := layout.Placeholder(m.quitting, m.width); ok {
		return v
	}
	body := max(m.height-chromeRows, 1)
	view := m.overlays.BodyView(m.current().View)
	return strings.Join([]string{m.header(), m.addresses(), layout.Block(layout.Fit(view, m.width), m.width, body), m.statusBar()}, "\n")
}

// header is the title, how many clients and how many of them fail, and
// the scenarios in force.
func (m *Model) header() string {
	s, st := m.styles, m.st
	parts := []string{s.HeaderTitle.Render("tgpfs dc")}
	n := len(st.report.Clients)
	parts = append(parts, fmt.Sprintf("%d client%s", n, plural(n)))
	switch f := st.failing(); {
	case !st.haveReport:
	case f > 0:
		parts = append(parts, s.Bad.Render(fmt.Sprintf("%s %d failing", styles.SymBad, f)))
	case n > 0:
		parts = append(parts, s.OK.Render(styles.SymOK+" none failing"))
	}
	// The scenarios in force, as the report names them.
	if sc := st.report.Scenarios; len(sc) > 0 {
		parts = append(parts, "scenario "+s.Warn.Render(safe(strings.Join(sc, ","))))
	} else {
		parts = append(parts, s.Dim.Render("no scenario"))
	}
	return layout.Fit(s.Header.Render(strings.Join(parts, s.HeaderItem.Render(" · "))), m.width)
}

// addresses is the second header line: where each DC listens, the same
// addresses the "dc N host:port" lines printed before the view started.
func (m *Model) addresses() string {
	s := m.styles
	var parts []string
	for _, dc := range m.opts.DCs {
		parts = append(parts, s.Label.Render(fmt.Sprintf("dc %d", dc.ID))+" "+dc.Addr)
	}
	line := strings.Join(parts, s.HeaderItem.Render(" · "))
	if m.opts.Note != "" {
		line += s.HeaderItem.Render(" · " + m.opts.Note)
	}
	return layout.Fit(s.Header.Render(line), m.width)
}

func (m *Model) statusBar() string {
	s := m.styles
	hints := "enter open · ? help · q quit"
	if m.page == pageClient {
		hints = "esc back · ←→ client · ? help · q quit"
	}
	right := s.StatusHint.Render(hints)
	left := s.OK.Render(styles.SymLive + " live")
	switch {
	case m.st.streamClosed:
		left = s.Dim.Render(styles.SymEnded + " the cluster stopped")
	case !m.st.haveReport:
		left = s.Warn.Render(styles.SymPending + " reading the report")
	default:
		left += s.Dim.Render(" · report of " + layout.Clock(m.st.report.At))
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right) - 2
	if gap < 1 {
		return layout.Fit(s.Status.Render(left), m.width)
	}
	return s.Status.Render(left + strings.Repeat(" ", gap) + right)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
