package loginform

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/proto/login"
	"tgpfs/ui/overlay"
)

// BotForm logs in as a bot with a token from @BotFather
// (auth.importBotAuthorization). The token is a password to the bot, so it
// is masked like one.
type BotForm struct {
	run     runner
	backend Backend
	input   textinput.Model
	prob    problem
	result  *login.Result
	width   int
	height  int
}

// NewBotForm makes the form, its token input focused.
func NewBotForm(b Backend, opts Options) BotForm {
	f := BotForm{run: newRunner(opts), backend: b, input: newInput("Bot token     ", "123456789:AA…", 128)}
	f.input.EchoMode = textinput.EchoPassword
	f.input.EchoCharacter = '•'
	f.input.Focus()
	return f
}

// Init has nothing to start.
func (f BotForm) Init() tea.Cmd { return nil }

// SetSize sets the area the form draws in.
func (f *BotForm) SetSize(width, height int) {
	f.width, f.height = width, height
	f.input.Width = max(width-len(f.input.Prompt)-2, 8)
	f.prob.setSize(width, height)
}

// Done reports whether the form has logged in.
func (f BotForm) Done() bool { return f.result != nil }

// Busy reports whether a request is running.
func (f BotForm) Busy() bool { return f.run.busy != "" }

// Update handles keys, the answer of the request, and the flood banner's
// ticks.
func (f BotForm) Update(msg tea.Msg) (BotForm, tea.Cmd) {
	k := f.run.opts.Keys
	if cmd := f.prob.update(msg); cmd != nil {
		return f, cmd
	}
	switch m := msg.(type) {
	case callDone:
		if !f.run.take(m) {
			return f, nil
		}
		if m.err != nil {
			var cmd tea.Cmd
			f.prob, cmd = f.run.fail(m.err, "auth.importBotAuthorization")
			f.prob.setSize(f.width, f.height)
			return f, cmd
		}
		r := m.val.(login.Result)
		f.result = &r
		f.input.Reset()
		f.input.Blur()
		return f, func() tea.Msg { return DoneMsg{Result: r} }
	case tea.KeyMsg:
		switch {
		case keyMatches(m, k.Cancel):
			f.run.stop()
			return f, func() tea.Msg { return CancelMsg{} }
		case f.Done() || f.Busy():
			return f, nil
		case keyMatches(m, k.Submit):
			if f.prob.blocking() {
				return f, nil
			}
			tok := strings.TrimSpace(f.input.Value())
			if _, err := login.ParseBotToken(tok); err != nil {
				f.prob = problem{advice: err.Error()}
				return f, nil
			}
			f.prob = problem{}
			b := f.backend
			return f, f.run.start("logging in as the bot…", func(ctx context.Context) (any, error) { return b.Bot(ctx, tok) })
		}
	}
	if f.Done() {
		return f, nil
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	return f, cmd
}

// View draws the form.
func (f BotForm) View() string {
	s, k := f.run.opts.Styles, f.run.opts.Keys
	var parts []string
	if f.result != nil {
		parts = append(parts, userLine(s, *f.result))
	} else {
		parts = append(parts, f.input.View())
		if id, err := login.ParseBotToken(strings.TrimSpace(f.input.Value())); err == nil {
			parts = append(parts, s.Dim.Render(fmt.Sprintf("              bot id %d", id)))
		}
		parts = append(parts, "", overlay.Wrap(s.Dim.Render("Paste the token @BotFather gave you. It is sent once, over the bound temporary key, and not stored."), f.width))
	}
	for _, p := range []string{busyLine(s, f.run.busy), f.prob.view(s, f.width)} {
		if p != "" {
			parts = append(parts, "", p)
		}
	}
	help := overlay.HelpText(overlay.WithHelp(k.Submit, "log in"), k.Cancel)
	if f.Done() {
		help = overlay.HelpText(overlay.WithHelp(k.Cancel, "close"))
	}
	return overlay.Frame(s, f.width, f.height, title(f.run.opts, "as a bot"), strings.Join(parts, "\n"), help)
}
