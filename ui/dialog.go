package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/ui/styles"
)

// dialog is a modal question over the screen. update returns the dialog to
// keep showing (nil closes it) and the command its answer starts.
type dialog interface {
	update(msg tea.KeyMsg, k KeyMap) (dialog, tea.Cmd)
	view(s styles.Styles, width int) string
}

// confirm asks yes or no before an action that cannot be undone or that
// shows a secret.
type confirm struct {
	title, body string
	yes         func() tea.Cmd
}

func (c *confirm) update(msg tea.KeyMsg, k KeyMap) (dialog, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Confirm):
		return nil, c.yes()
	case key.Matches(msg, k.Cancel), key.Matches(msg, k.Quit):
		return nil, nil
	}
	return c, nil
}

func (c *confirm) view(s styles.Styles, width int) string {
	return s.Dialog.Width(width).Render(s.DialogTitle.Render(c.title) + "\n\n" + c.body + "\n\n" +
		s.Dim.Render("enter/y yes · esc/n no"))
}

// picker chooses one of a few options.
type picker struct {
	title   string
	options []string
	cursor  int
	pick    func(i int) tea.Cmd
}

func (p *picker) update(msg tea.KeyMsg, k KeyMap) (dialog, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, len(p.options)-1)
	case msg.Type == tea.KeyEnter:
		if len(p.options) == 0 {
			return nil, nil
		}
		return nil, p.pick(p.cursor)
	case msg.Type == tea.KeyEsc, key.Matches(msg, k.Quit):
		return nil, nil
	default:
		// A digit picks directly.
		if r := msg.Runes; len(r) == 1 && r[0] >= '1' && int(r[0]-'1') < len(p.options) {
			return nil, p.pick(int(r[0] - '1'))
		}
	}
	return p, nil
}

func (p *picker) view(s styles.Styles, width int) string {
	var b strings.Builder
	b.WriteString(s.DialogTitle.Render(p.title) + "\n\n")
	if len(p.options) == 0 {
		b.WriteString(s.Dim.Render("nothing to choose") + "\n")
	}
	for i, o := range p.options {
		line := string(rune('1'+i)) + "  " + o
		if i == p.cursor {
			line = s.Selected.Render("› " + line)
		} else {
			line = "  " + line
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n" + s.Dim.Render("↑/↓ choose · enter pick · esc cancel"))
	return s.Dialog.Width(width).Render(b.String())
}

// input asks for one line of text.
type input struct {
	title, hint string
	field       textinput.Model
	submit      func(string) tea.Cmd
}

func newInput(title, hint, value string, submit func(string) tea.Cmd) *input {
	f := textinput.New()
	f.SetValue(value)
	f.CharLimit = 32
	f.Prompt = "› "
	f.Width = 30
	// A static cursor: no blink timer, and the same picture every frame.
	f.Cursor.SetMode(cursor.CursorStatic)
	f.Focus()
	return &input{title: title, hint: hint, field: f, submit: submit}
}

func (in *input) update(msg tea.KeyMsg, _ KeyMap) (dialog, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		v := strings.TrimSpace(in.field.Value())
		if v == "" {
			return in, nil
		}
		return nil, in.submit(v)
	case tea.KeyEsc, tea.KeyCtrlC:
		return nil, nil
	}
	var cmd tea.Cmd
	in.field, cmd = in.field.Update(msg)
	return in, cmd
}

func (in *input) view(s styles.Styles, width int) string {
	return s.Dialog.Width(width).Render(s.DialogTitle.Render(in.title) + "\n" + s.Dim.Render(in.hint) + "\n\n" +
		in.field.View() + "\n\n" + s.Dim.Render("enter log in · esc cancel"))
}
