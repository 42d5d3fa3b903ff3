package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/overlay"
	"tgpfs/ui/styles"
)

// View lays out header, tabs, the body and the status bar. The body is the
// top overlay when one is open (the same one that takes the keys), else the
// screen on show.
func (m *Model) View() string {
	if v, ok := layout.Placeholder(m.quitting, m.width); ok {
		return v
	}
	body := layout.Block(m.overlays.BodyView(m.screens[m.screen].View), m.width, m.bodyHeight())
	return strings.Join([]string{m.header(), m.tabs(), body, m.statusBar()}, "\n")
}

func (m *Model) header() string {
	s, st := m.styles, m.st
	parts := []string{s.HeaderTitle.Render("tgpfs")}
	t := st.Target
	if t.Env != "" {
		parts = append(parts, fmt.Sprintf("%s DC %d", envName(t.Env), t.DC))
	}
	conn := st.Conn.String()
	switch st.Conn {
	case model.Connected:
		conn = s.OK.Render(styles.SymLive + " " + conn)
	case model.Connecting:
		conn = s.Warn.Render(styles.SymPending + " " + conn)
	default:
		conn = s.Dim.Render(styles.SymEnded + " " + conn)
	}
	parts = append(parts, conn)
	if u := st.User; u != nil {
		parts = append(parts, "as "+u.Name())
	} else {
		parts = append(parts, s.Dim.Render("not logged in"))
	}
	if t.Layer != 0 {
		parts = append(parts, fmt.Sprintf("layer %d", t.Layer))
	}
	if st.RenewalPaused {
		parts = append(parts, s.Warn.Render("renewal paused"))
	}
	sep := s.HeaderItem.Render(" · ")
	return layout.Fit(s.Header.Render(strings.Join(parts, sep)), m.width)
}

func envName(env string) string {
	switch env {
	case "prod":
		return "production"
	case "":
		return "no target"
	}
	return env
}

func (m *Model) tabs() string {
	s := m.styles
	var out []string
	for i := range numScreens {
		label := fmt.Sprintf("%d %s", i+1, Screen(i))
		if Screen(i) == m.screen {
			out = append(out, s.ActiveTab.Render(label))
		} else {
			out = append(out, s.Tab.Render(label))
		}
	}
	return layout.Fit(strings.Join(out, s.TabGap.Render("│")), m.width)
}

func (m *Model) statusBar() string {
	s := m.styles
	right := s.StatusHint.Render("? help · q quit")
	left := m.statusLine()
	room := m.width - lipgloss.Width(right) - 2
	if room < 10 {
		return layout.Fit(s.Status.Render(left), m.width)
	}
	left = ansi.Truncate(left, room, "…")
	gap := max(m.width-lipgloss.Width(left)-lipgloss.Width(right)-2, 1)
	return s.Status.Render(left + strings.Repeat(" ", gap) + right)
}

// statusLine is the status bar's left side: busy actions with a spinner,
// else the last error, else the last success note.
func (m *Model) statusLine() string {
	s := m.styles
	if names := m.busy(); len(names) > 0 {
		return m.spinner.View() + " " + s.StatusBusy.Render(strings.Join(names, ", ")+"…")
	}
	if l, _, ok := m.overlays.Top(overlay.Status); ok {
		if v := l.View(); v != "" {
			return v
		}
	}
	if m.st.LastErr != "" {
		return s.StatusError.Render(styles.SymBad + " " + firstLine(m.st.LastErr))
	}
	if m.flash != "" {
		return s.OK.Render(styles.SymOK + " " + m.flash)
	}
	return ""
}
