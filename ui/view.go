package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// Rows the frame around the screens takes: header, tabs, status bar.
const chromeRows = 3

// scrollPane is a screen whose content is a block of text taller than the
// window: the Keys, Handshake, Server and Log screens.
type scrollPane struct {
	vp     viewport.Model // keeps the scroll offset and its bounds
	lines  []string
	follow bool // keep the newest (bottom) line in view unless scrolled up
}

func (p *scrollPane) setSize(w, h int) {
	p.vp.Width, p.vp.Height = w, h
}

func (p *scrollPane) setContent(s string) {
	stick := p.follow && (p.vp.AtBottom() || p.vp.TotalLineCount() == 0)
	p.lines = strings.Split(s, "\n")
	p.vp.SetContent(s)
	if stick {
		p.vp.GotoBottom()
	}
}

func (p *scrollPane) scroll(n int) {
	if n < 0 {
		p.vp.ScrollUp(-n)
	} else {
		p.vp.ScrollDown(n)
	}
}

func (p *scrollPane) key(msg tea.KeyMsg, k KeyMap) {
	switch {
	case key.Matches(msg, k.Up):
		p.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		p.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		p.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		p.vp.PageDown()
	case key.Matches(msg, k.Top):
		p.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		p.vp.GotoBottom()
	}
}

// view shows the lines in the window. The viewport's own View re-wraps
// every line through lipgloss; the lines here are already cut to width.
func (p *scrollPane) view() string {
	top := min(max(p.vp.YOffset, 0), len(p.lines))
	end := min(top+p.vp.Height, len(p.lines))
	return block(strings.Join(p.lines[top:end], "\n"), p.vp.Width, p.vp.Height)
}

// layout gives every pane its size after a resize.
func (m *Model) layout() {
	w, h := m.width, m.bodyHeight()
	for _, p := range m.panes {
		p.setSize(w, h)
	}
	m.traffic.setSize(w, h)
	m.catalog.setSize(w, h)
	m.help.Width = w
	if m.loginForm != nil {
		m.loginForm.SetSize(w, h)
	}
	if m.keyProblem != nil {
		m.keyProblem.SetSize(w, h)
	}
}

func (m *Model) bodyHeight() int { return max(m.height-chromeRows, 1) }

// sync renders the screen on show into its pane. It runs at the end of every
// Update, so View only lays out what is already rendered.
func (m *Model) sync() {
	if m.width == 0 {
		return
	}
	w := m.width
	switch m.screen {
	case ScreenKeys:
		m.panes[ScreenKeys].setContent(fit(renderKeys(m.st, m.now, m.styles, w, m.revealed), w))
	case ScreenHandshake:
		m.panes[ScreenHandshake].setContent(fit(renderHandshake(m.st, m.hsBack, m.styles, w), w))
	case ScreenServer:
		m.panes[ScreenServer].setContent(fit(renderServer(m.st, m.now, m.styles, w), w))
	case ScreenLog:
		m.panes[ScreenLog].setContent(fit(renderLog(m.st, m.styles), w))
	case ScreenTraffic:
		m.traffic.render(m.st, m.styles)
	}
}

// View lays out header, tabs, the screen (or a dialog or help over it) and
// the status bar.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	if m.width == 0 {
		return "starting…"
	}
	w, h := m.width, m.bodyHeight()
	var body string
	switch {
	case m.showHelp:
		body = m.fullHelp()
	case m.keyProblem != nil:
		body = m.keyProblem.View()
	case m.loginForm != nil:
		body = m.loginForm.View()
	case m.dialog != nil:
		body = lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center,
			m.dialog.view(m.styles, min(w-4, 72)))
	case m.screen == ScreenTraffic:
		body = m.traffic.view(m.styles)
	case m.screen == ScreenCatalog:
		body = m.catalog.view(m.styles)
	default:
		body = m.panes[m.screen].view()
	}
	body = block(body, w, h)
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
	return fit(s.Header.Render(strings.Join(parts, sep)), m.width)
}

// fullHelp lays the key groups out in as many columns as the width allows.
func (m *Model) fullHelp() string {
	s := m.styles
	var blocks []string
	for _, group := range m.keys.FullHelp() {
		keyW := 0
		for _, b := range group {
			keyW = max(keyW, lipgloss.Width(b.Help().Key))
		}
		var lines []string
		for _, b := range group {
			h := b.Help()
			lines = append(lines, s.KeyID.Render(pad(h.Key, keyW+1))+" "+h.Desc)
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	var rows []string
	var row []string
	rowW := 0
	for _, b := range blocks {
		bw := lipgloss.Width(b) + 4
		if rowW+bw > m.width && len(row) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		row = append(row, lipgloss.NewStyle().PaddingRight(4).Render(b))
		rowW += bw
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	return s.Section.Render("Keys") + s.Dim.Render("  (any key closes)") + "\n\n" + strings.Join(rows, "\n\n")
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
	return fit(strings.Join(out, s.TabGap.Render("│")), m.width)
}

func (m *Model) statusBar() string {
	s := m.styles
	right := s.StatusHint.Render("? help · q quit")
	left := m.statusLine()
	room := m.width - lipgloss.Width(right) - 2
	if room < 10 {
		return fit(s.Status.Render(left), m.width)
	}
	left = ansi.Truncate(left, room, "…")
	gap := max(m.width-lipgloss.Width(left)-lipgloss.Width(right)-2, 1)
	return s.Status.Render(left + strings.Repeat(" ", gap) + right)
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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func sortStrings(s []string) { sort.Strings(s) }
