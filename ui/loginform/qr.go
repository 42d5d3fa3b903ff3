package loginform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/internal/qrterm"
	"tgpfs/proto/login"
	"tgpfs/ui/overlay"
	"tgpfs/ui/styles"
)

// QRForm logs in by a QR code that a logged-in Telegram app scans
// (Settings > Devices > Link Desktop Device). The code is a login token
// that lives about 30 seconds; the form asks for a new one when it
// expires, and checks whether it was accepted when the user presses enter.
type QRForm struct {
	formState
	qr       login.QR
	drawing  string
	password textinput.Model
	needPw   bool
	hint     string
	result   *login.Result
	ticking  bool
}

// NewQRForm makes the form; Init asks for the first token.
func NewQRForm(b Backend, opts Options) QRForm {
	return QRForm{formState: newFormState(b, opts), password: newSecretInput("Password      ", "", 256)}
}

// Init asks for the first login token.
func (f *QRForm) Init() tea.Cmd { return f.poll("asking for a login token…") }

func (f *QRForm) poll(what string) tea.Cmd {
	b := f.backend
	return f.run.start(what, func(ctx context.Context) (any, error) { return b.PollQR(ctx) })
}

// SetSize sets the area the form draws in.
func (f *QRForm) SetSize(width, height int) { f.setSize(width, height, &f.password) }

// Done reports whether the form has logged in.
func (f QRForm) Done() bool { return f.result != nil }

// Update handles keys, answers, and the once-a-second tick that renews an
// expired token.
func (f QRForm) Update(msg tea.Msg) (QRForm, tea.Cmd) {
	k := f.run.opts.Keys
	if done, cmd, used := f.answered(msg); used {
		if done == nil {
			return f, cmd
		}
		return f.answer(*done)
	}
	switch m := msg.(type) {
	case tickMsg:
		if m.form != f.run.id {
			return f, nil
		}
		if f.Done() || f.needPw {
			f.ticking = false
			return f, nil
		}
		var cmd tea.Cmd
		if !f.Busy() && !f.prob.blocking() && !f.qr.Expires.IsZero() && !f.run.opts.Now().Before(f.qr.Expires) {
			cmd = f.poll("the code expired: asking for a new one…")
		}
		return f, tea.Batch(cmd, tick(f.run.id))
	case tea.KeyMsg:
		switch {
		case key.Matches(m, k.Cancel):
			return f, f.leave()
		case f.Done() || f.Busy() || f.prob.blocking():
			return f, nil
		case f.needPw && key.Matches(m, k.Submit):
			pw := f.password.Value()
			if pw == "" {
				return f, nil
			}
			f.prob = problem{}
			b := f.backend
			return f, f.run.start("checking the password (SRP)…", func(ctx context.Context) (any, error) { return b.Password(ctx, pw) })
		case !f.needPw && key.Matches(m, k.Submit):
			f.prob = problem{}
			return f, f.poll("checking whether the code was scanned…")
		case !f.needPw && key.Matches(m, k.Refresh):
			f.prob = problem{}
			return f, f.poll("asking for a new login token…")
		}
	}
	if f.needPw && !f.Done() {
		var cmd tea.Cmd
		f.password, cmd = f.password.Update(msg)
		return f, cmd
	}
	return f, nil
}

func (f QRForm) answer(m callDone) (QRForm, tea.Cmd) {
	var pw *login.PasswordNeeded
	switch {
	case errors.As(m.err, &pw):
		f.needPw, f.hint = true, pw.Hint
		return f, f.password.Focus()
	case m.err != nil:
		if f.needPw {
			f.password.Reset()
		}
		what := "auth.exportLoginToken"
		if f.needPw {
			what = "auth.checkPassword"
		}
		cmd := f.fail(m.err, what)
		return f, tea.Batch(cmd, f.startTicking())
	}
	var r login.Result
	switch v := m.val.(type) {
	case login.QR:
		if !v.Done {
			f.qr = v
			d, err := qrterm.Render(v.URL)
			if err != nil {
				f.prob = problem{advice: err.Error()}
				return f, nil
			}
			f.drawing = d
			return f, f.startTicking()
		}
		r = v.Result
	case login.Result:
		r = v
	default:
		return f, nil
	}
	f.result, f.drawing = &r, ""
	f.password.Reset()
	f.password.Blur()
	return f, func() tea.Msg { return DoneMsg{Result: r} }
}

func (f *QRForm) startTicking() tea.Cmd {
	if f.ticking {
		return nil
	}
	f.ticking = true
	return tick(f.run.id)
}

// View draws the form: the QR code when it fits, else the link.
func (f QRForm) View() string {
	s, k := f.run.opts.Styles, f.run.opts.Keys
	var parts []string
	switch {
	case f.result != nil:
		parts = append(parts, userLine(s, *f.result))
	case f.needPw:
		parts = append(parts, s.OK.Render("✓ the code was scanned"), "",
			overlay.Wrap(s.Dim.Render("This account has two-step verification. The password is checked with SRP: it never leaves this computer."), f.width))
		if f.hint != "" {
			parts = append(parts, s.Label.Render("Hint          ")+f.hint)
		}
		parts = append(parts, f.password.View())
	case f.drawing != "":
		parts = append(parts, overlay.Wrap("Scan with Telegram: Settings > Devices > Link Desktop Device", f.width))
		rows := strings.Count(f.drawing, "\n") + 1
		cols := len([]rune(strings.SplitN(f.drawing, "\n", 2)[0]))
		// Title, instructions, code, expiry, a status line, help.
		if need := rows + 5; f.height > 0 && need > f.height || f.width > 0 && cols > f.width {
			parts = append(parts, overlay.Wrap(s.Warn.Render(fmt.Sprintf("%s the code needs %dx%d cells; enlarge the terminal, or open this link on a logged-in device:", styles.SymWarn, cols, need)), f.width),
				overlay.Wrap(f.qr.URL, f.width))
		} else {
			parts = append(parts, f.drawing)
		}
		left := f.qr.Expires.Sub(f.run.opts.Now())
		if left > 0 {
			if r := left % time.Second; r != 0 {
				left += time.Second - r
			}
			parts = append(parts, s.Dim.Render(fmt.Sprintf("a new code in %s; after scanning, press enter", overlay.FormatWait(left))))
		}
	}
	parts = append(parts, f.status(s)...)
	help := helpLine(k, f.Done(), "I scanned it", k.Refresh)
	if f.needPw {
		help = helpLine(k, f.Done(), "check password")
	}
	return overlay.Frame(s, f.width, f.height, title(f.run.opts, "with a QR code"), strings.Join(parts, "\n"), help)
}
