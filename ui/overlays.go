package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/ui/overlay"
)

// The overlays' precedence, lowest first. The body overlay of the highest
// rank takes the keys (Update) and is drawn (View): both ask m.overlays for
// its top, so what takes a key is always what the user sees.
const (
	// rankFlood counts a FLOOD_WAIT down in the status bar; it takes no
	// keys.
	rankFlood overlay.Rank = iota
	rankHelp
	// rankDialog asks before an action (drop, reveal), or picks (export,
	// copy), or asks for the test phone.
	rankDialog
	// rankLogin is the real-DC login forms.
	rankLogin
	// rankKeyProblem explains keys the DC refused and asks before dropping
	// them: it goes over anything, a login form included.
	rankKeyProblem
)

// component is an overlay in the bubbles style, whose Update returns the
// concrete type: the login forms and the KeyProblem.
type component[T any] interface {
	Update(tea.Msg) (T, tea.Cmd)
	View() string
}

// modal puts a component on the stack. The component ends with a message
// of its own (a DoneMsg, a CancelMsg, an AnswerMsg), which the root answers
// by closing the layer.
type modal[T component[T], PT interface {
	*T
	SetSize(w, h int)
}] struct{ c T }

func newModal[T component[T], PT interface {
	*T
	SetSize(w, h int)
}](c T) *modal[T, PT] {
	return &modal[T, PT]{c: c}
}

func (l *modal[T, PT]) Update(msg tea.Msg) (tea.Cmd, bool) {
	var cmd tea.Cmd
	l.c, cmd = l.c.Update(msg)
	return cmd, false
}
func (l *modal[T, PT]) View() string     { return l.c.View() }
func (l *modal[T, PT]) SetSize(w, h int) { PT(&l.c).SetSize(w, h) }

// floodLayer puts a FloodBanner in the status bar, until the wait is over.
type floodLayer struct{ b overlay.FloodBanner }

func (l *floodLayer) Update(msg tea.Msg) (tea.Cmd, bool) {
	var cmd tea.Cmd
	l.b, cmd = l.b.Update(msg)
	return cmd, !l.b.Active()
}

func (l *floodLayer) View() string {
	if !l.b.Active() {
		return ""
	}
	return l.b.View()
}

// SetSize is never called: a status layer is one line, cut by the bar.
func (l *floodLayer) SetSize(int, int) {}

// helpGroup is one column of the help: keys, with a title when they belong
// to one screen.
type helpGroup struct {
	title string
	keys  []key.Binding
}

// helpLayer is `?`: every key, the global ones and then each screen's own.
// Any key closes it.
type helpLayer struct {
	sh            *shared
	groups        []helpGroup
	width, height int
}

func (m *Model) newHelp() *helpLayer {
	var groups []helpGroup
	for _, g := range m.keys.FullHelp() {
		groups = append(groups, helpGroup{keys: g})
	}
	for i, s := range m.screens {
		if b := s.Bindings(); len(b) > 0 {
			groups = append(groups, helpGroup{title: fmt.Sprintf("%d %s", i+1, Screen(i)), keys: b})
		}
	}
	return &helpLayer{sh: &m.shared, groups: groups}
}

func (l *helpLayer) Update(msg tea.Msg) (tea.Cmd, bool) {
	_, key := msg.(tea.KeyMsg)
	return nil, key
}

func (l *helpLayer) SetSize(w, h int) { l.width, l.height = w, h }

// View lays the groups out in as many columns as the width allows.
func (l *helpLayer) View() string {
	s := l.sh.styles
	var blocks []string
	for _, group := range l.groups {
		keyW := 0
		for _, b := range group.keys {
			keyW = max(keyW, lipgloss.Width(b.Help().Key))
		}
		var lines []string
		if group.title != "" {
			lines = append(lines, s.Label.Render(group.title))
		}
		for _, b := range group.keys {
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
		if rowW+bw > l.width && len(row) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		row = append(row, lipgloss.NewStyle().PaddingRight(4).Render(b))
		rowW += bw
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	return s.Section.Render("Keys") + s.Dim.Render("  (any key closes)") + "\n\n" + strings.Join(rows, "\n\n")
}
