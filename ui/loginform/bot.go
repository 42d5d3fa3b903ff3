package loginform

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/proto/login"
	"tgpfs/ui/overlay"
)

// BotForm logs in as a bot with a token from @BotFather
// (auth.importBotAuthorization). The token is a password to the bot, so it
// is masked like one.
type BotForm struct {
	formState
	input  textinput.Model
	result *login.Result
}

// NewBotForm makes the form, its token input focused.
func NewBotForm(b Backend, opts Options) BotForm {
	f := BotForm{formState: newFormState(b, opts), input: newSecretInput("Bot token     ", "123456789:AA…", 128)}
	f.input.Focus()
	return f
}

// Init has nothing to start.
func (f BotForm) Init() tea.Cmd { return nil }

// SetSize sets the area the form draws in.
func (f *BotForm) SetSize(width, height int) { f.setSize(width, height, &f.input) }

// Done reports whether the form has logged in.
func (f BotForm) Done() bool { return f.result != nil }

// Update handles keys, the answer of the request, and the flood banner's
// ticks.
func (f BotForm) Update(msg tea.Msg) (BotForm, tea.Cmd) {
	k := f.run.opts.Keys
	if done, cmd, used := f.answered(msg); used {
		if done == nil {
			return f, cmd
		}
		if done.err != nil {
			return f, f.fail(done.err, "auth.importBotAuthorization")
		}
		r := done.val.(login.Result)
		f.result = &r
		f.input.Reset()
		f.input.Blur()
		return f, func() tea.Msg { return DoneMsg{Result: r} }
	}
	if m, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(m, k.Cancel):
			return f, f.leave()
		case f.Done() || f.Busy():
			return f, nil
		case key.Matches(m, k.Submit):
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
	for _, p := range f.status(s) {
		parts = append(parts, "", p)
	}
	help := helpLine(k, f.Done(), "log in")
	return overlay.Frame(s, f.width, f.height, title(f.run.opts, "as a bot"), strings.Join(parts, "\n"), help)
}
