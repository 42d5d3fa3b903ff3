package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// The dialogs are modal questions over the screen, overlays at rankDialog:
// each takes keys only, and closes itself when answered.

// box is what the dialogs share: the look, the keys, and the body they are
// centred in.
type box struct {
	sh            *shared
	width, height int
}

func (b *box) SetSize(w, h int) { b.width, b.height = w, h }

// place draws content as a dialog in the middle of the body.
func (b *box) place(content string) string {
	d := b.sh.styles.Dialog.Width(min(b.width-4, 72)).Render(content)
	return lipgloss.Place(b.width, b.height, lipgloss.Center, lipgloss.Center, d)
}

// confirm asks yes or no before an action that cannot be undone or that
// shows a secret.
type confirm struct {
	box
	title, body string
	yes         func() tea.Cmd
}

func (c *confirm) Update(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, false
	}
	k := c.sh.keys
	switch {
	case key.Matches(m, k.Confirm):
		return c.yes(), true
	case key.Matches(m, k.Cancel), key.Matches(m, k.Quit):
		return nil, true
	}
	return nil, false
}

func (c *confirm) View() string {
	s := c.sh.styles
	return c.place(s.DialogTitle.Render(c.title) + "\n\n" + c.body + "\n\n" + s.Dim.Render("enter/y yes · esc/n no"))
}

// picker chooses one of a few options.
type picker struct {
	box
	title   string
	options []string
	cursor  int
	pick    func(i int) tea.Cmd
}

func (p *picker) Update(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, false
	}
	k := p.sh.keys
	switch {
	case key.Matches(m, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(m, k.Down):
		p.cursor = min(p.cursor+1, len(p.options)-1)
	case m.Type == tea.KeyEnter:
		if len(p.options) == 0 {
			return nil, true
		}
		return p.pick(p.cursor), true
	case m.Type == tea.KeyEsc, key.Matches(m, k.Quit):
		return nil, true
	default:
		// A digit picks directly.
		if r := m.Runes; len(r) == 1 && r[0] >= '1' && int(r[0]-'1') < len(p.options) {
			return p.pick(int(r[0] - '1')), true
		}
	}
	return nil, false
}

func (p *picker) View() string {
	s := p.sh.styles
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
	return p.place(b.String())
}

// input asks for one line of text.
type input struct {
	box
	title, hint string
	field       textinput.Model
	submit      func(string) tea.Cmd
}

func newInput(sh *shared, title, hint, value string, submit func(string) tea.Cmd) *input {
	f := textinput.New()
	f.SetValue(value)
	f.CharLimit = 32
	f.Prompt = "› "
	f.Width = 30
	// A static cursor: no blink timer, and the same picture every frame.
	f.Cursor.SetMode(cursor.CursorStatic)
	f.Focus()
	return &input{box: box{sh: sh}, title: title, hint: hint, field: f, submit: submit}
}

func (in *input) Update(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil, false
	}
	switch m.Type {
	case tea.KeyEnter:
		v := strings.TrimSpace(in.field.Value())
		if v == "" {
			return nil, false
		}
		return in.submit(v), true
	case tea.KeyEsc:
		return nil, true
	}
	var cmd tea.Cmd
	in.field, cmd = in.field.Update(m)
	return cmd, false
}

func (in *input) View() string {
	s := in.sh.styles
	return in.place(s.DialogTitle.Render(in.title) + "\n" + s.Dim.Render(in.hint) + "\n\n" +
		in.field.View() + "\n\n" + s.Dim.Render("enter log in · esc cancel"))
}
