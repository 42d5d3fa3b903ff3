package loginform

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/ui/overlay"
	"tgpfs/ui/styles"
)

// Method is a way to log in.
type Method int

const (
	Phone Method = iota
	QRCode
	BotToken
)

var methods = []struct {
	name, desc string
}{
	Phone:    {"Phone number", "a code to your Telegram app or by SMS, then your 2FA password if you have one"},
	QRCode:   {"QR code", "scan it with Telegram on your phone: Settings > Devices > Link Desktop Device"},
	BotToken: {"Bot token", "a token from @BotFather"},
}

// Form is the whole login: a menu of the methods, then the chosen form.
// It is what the app opens on `l` when the target is a real DC.
type Form struct {
	opts    Options
	backend Backend
	cursor  Method
	chosen  bool
	phone   PhoneForm
	qr      QRForm
	bot     BotForm
	width   int
	height  int
}

// New makes the menu.
func New(b Backend, opts Options) Form {
	return Form{opts: opts.withDefaults(), backend: b}
}

// Init has nothing to start until a method is chosen.
func (f Form) Init() tea.Cmd { return nil }

// SetSize sets the area the form draws in.
func (f *Form) SetSize(width, height int) {
	f.width, f.height = width, height
	f.phone.SetSize(width, height)
	f.qr.SetSize(width, height)
	f.bot.SetSize(width, height)
}

// Choose opens a method's form directly.
func (f Form) Choose(m Method) (Form, tea.Cmd) {
	f.cursor, f.chosen = m, true
	var cmd tea.Cmd
	switch m {
	case Phone:
		f.phone = NewPhoneForm(f.backend, f.opts)
	case QRCode:
		f.qr = NewQRForm(f.backend, f.opts)
		cmd = f.qr.Init()
	case BotToken:
		f.bot = NewBotForm(f.backend, f.opts)
	}
	f.SetSize(f.width, f.height)
	return f, cmd
}

// Update runs the menu, or the chosen form. Esc in a form that has not
// logged in goes back to the menu; esc in the menu cancels.
func (f Form) Update(msg tea.Msg) (Form, tea.Cmd) {
	k := f.opts.Keys
	if !f.chosen {
		if m, ok := msg.(tea.KeyMsg); ok {
			switch {
			case key.Matches(m, k.Cancel):
				return f, func() tea.Msg { return CancelMsg{} }
			case key.Matches(m, k.Next):
				f.cursor = (f.cursor + 1) % Method(len(methods))
			case key.Matches(m, k.Prev):
				f.cursor = (f.cursor + Method(len(methods)) - 1) % Method(len(methods))
			case key.Matches(m, k.Submit):
				return f.Choose(f.cursor)
			case len(m.Runes) == 1 && m.Runes[0] >= '1' && int(m.Runes[0]-'1') < len(methods):
				return f.Choose(Method(m.Runes[0] - '1'))
			}
		}
		return f, nil
	}
	var cmd tea.Cmd
	var done bool
	switch f.cursor {
	case Phone:
		f.phone, cmd = f.phone.Update(msg)
		done = f.phone.Done()
	case QRCode:
		f.qr, cmd = f.qr.Update(msg)
		done = f.qr.Done()
	case BotToken:
		f.bot, cmd = f.bot.Update(msg)
		done = f.bot.Done()
	}
	if m, ok := msg.(tea.KeyMsg); ok && key.Matches(m, k.Cancel) && !done {
		f.chosen = false
		return f, nil // back to the menu; the form's CancelMsg is not passed on
	}
	return f, cmd
}

// View draws the menu or the chosen form.
func (f Form) View() string {
	if f.chosen {
		switch f.cursor {
		case Phone:
			return f.phone.View()
		case QRCode:
			return f.qr.View()
		case BotToken:
			return f.bot.View()
		}
	}
	s, k := f.opts.Styles, f.opts.Keys
	var b strings.Builder
	for i, m := range methods {
		mark, name := "  ", m.name
		if Method(i) == f.cursor {
			mark, name = styles.SymLive+" ", s.Selected.Render(m.name)
		}
		b.WriteString(mark + string(rune('1'+i)) + "  " + name + "\n")
		b.WriteString(s.Dim.Render(indent(m.desc, 5, f.width)) + "\n")
	}
	b.WriteString("\n" + overlay.Wrap(s.Dim.Render("Every request of the login goes over a temporary key bound to this session's permanent key."), f.width))
	help := overlay.HelpText(overlay.WithHelp(k.Submit, "choose"), k.Next, k.Prev, k.Cancel)
	return overlay.Frame(s, f.width, f.height, title(f.opts, ""), b.String(), help)
}
