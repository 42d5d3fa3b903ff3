package overlay

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// AnswerMsg is the user's answer to a KeyProblem. Drop is true only when
// the user agreed to drop the keys; nothing destructive may happen
// otherwise.
type AnswerMsg struct {
	Verdict model.Verdict
	Drop    bool
}

// KeyProblem explains a verdict about the keys in use (ENCRYPTED_MESSAGE_
// INVALID, AUTH_KEY_DUPLICATED, SESSION_REVOKED, ...) and, when acting on
// it would log the user out, asks first: the spec's policy for
// ENCRYPTED_MESSAGE_INVALID drops both keys, and if the permanent key was
// the home DC's, the login goes with it.
type KeyProblem struct {
	v      model.Verdict
	opts   Options
	width  int
	height int
}

// NewKeyProblem makes the dialog for v.
func NewKeyProblem(v model.Verdict, opts Options) KeyProblem {
	return KeyProblem{v: v, opts: opts.withDefaults()}
}

// Init has nothing to start.
func (p KeyProblem) Init() tea.Cmd { return nil }

// SetSize sets the area the dialog draws in.
func (p *KeyProblem) SetSize(width, height int) { p.width, p.height = width, height }

// Asks reports whether the dialog waits for a yes or no.
func (p KeyProblem) Asks() bool { return p.v.DropKeys }

// Update answers y or n (or esc) with an AnswerMsg. A verdict that drops
// nothing is only acknowledged (enter or esc), never answered with Drop.
func (p KeyProblem) Update(msg tea.Msg) (KeyProblem, tea.Cmd) {
	m, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	k := p.opts.Keys
	answer := func(drop bool) tea.Cmd { return func() tea.Msg { return AnswerMsg{Verdict: p.v, Drop: drop} } }
	switch {
	case p.Asks() && key.Matches(m, k.Yes):
		return p, answer(true)
	case key.Matches(m, k.No), key.Matches(m, k.Cancel), !p.Asks() && key.Matches(m, k.Submit):
		return p, answer(false)
	}
	return p, nil
}

// View draws the dialog.
func (p KeyProblem) View() string {
	s, k := p.opts.Styles, p.opts.Keys
	name := p.v.Type
	if name == "" {
		name = fmt.Sprintf("transport error -%d", p.v.Code)
	}
	var lines []string
	lines = append(lines, Wrap(s.Bad.Render(styles.SymBad+" "+name)+": "+p.v.Advice, p.width), "")
	var help string
	switch {
	case p.v.DropKeys && p.v.LoggedOut:
		lines = append(lines,
			Wrap(s.Warn.Render(styles.SymWarn+" Dropping the keys logs this account out on this device.")+
				" A new permanent key and temporary key will be made and bound; you will need to log in again.", p.width),
			"", "Drop both keys now?")
		help = HelpText(WithHelp(k.Yes, "drop both keys"), WithHelp(k.No, "keep them (nothing changes)"))
	case p.v.DropKeys:
		lines = append(lines,
			Wrap("No login is lost with these keys: new ones are made and bound (a key of another DC than the home one gets its authorization imported again from the home DC).", p.width),
			"", "Drop both keys now?")
		help = HelpText(WithHelp(k.Yes, "drop and make new keys"), WithHelp(k.No, "keep them"))
	default:
		help = HelpText(WithHelp(k.Submit, "ok"))
	}
	return Frame(s, p.width, p.height, "The DC refused the keys", strings.Join(lines, "\n"), help)
}
