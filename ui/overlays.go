package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

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

// newHelp is `?`: every key, the global ones and then each screen's own.
func (m *Model) newHelp() *overlay.Help {
	groups := overlay.KeyGroups(m.keys.FullHelp())
	for i, s := range m.screens {
		if b := s.Bindings(); len(b) > 0 {
			groups = append(groups, overlay.HelpGroup{Title: fmt.Sprintf("%d %s", i+1, Screen(i)), Keys: b})
		}
	}
	return overlay.NewHelp(groups, overlay.Options{Styles: &m.styles})
}
