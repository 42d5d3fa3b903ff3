package loginform

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/proto/login"
	"tgpfs/ui/overlay"
)

type phoneStep int

const (
	stepPhone phoneStep = iota
	stepCode
	stepPassword
	stepName
	stepDone
)

// PhoneForm logs in with a phone number: the number, then the code
// Telegram sends, then the two-step verification password if the account
// has one (masked), or a name if the number has no account yet.
type PhoneForm struct {
	formState
	step   phoneStep
	inputs [stepDone]textinput.Model
	sent   login.CodeSent
	hint   string
	result login.Result
}

// NewPhoneForm makes the form, its phone input focused.
func NewPhoneForm(b Backend, opts Options) PhoneForm {
	f := PhoneForm{formState: newFormState(b, opts)}
	f.inputs[stepPhone] = newInput("Phone number  ", "+99966 2 1234", 24)
	f.inputs[stepCode] = newInput("Code          ", "12345", 16)
	f.inputs[stepPassword] = newSecretInput("Password      ", "", 256)
	f.inputs[stepName] = newInput("Your name     ", "First Last", 128)
	f.inputs[stepPhone].Focus()
	return f
}

// Init has nothing to start: the form waits for the user.
func (f PhoneForm) Init() tea.Cmd { return nil }

// SetSize sets the area the form draws in.
func (f *PhoneForm) SetSize(width, height int) {
	inputs := make([]*textinput.Model, len(f.inputs))
	for i := range f.inputs {
		inputs[i] = &f.inputs[i]
	}
	f.setSize(width, height, inputs...)
}

// Done reports whether the form has logged in.
func (f PhoneForm) Done() bool { return f.step == stepDone }

// Update handles keys, the answers of requests, and the flood banner's
// ticks.
func (f PhoneForm) Update(msg tea.Msg) (PhoneForm, tea.Cmd) {
	k := f.run.opts.Keys
	if done, cmd, used := f.answered(msg); used {
		if done == nil {
			return f, cmd
		}
		return f.answer(*done)
	}
	if m, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(m, k.Cancel):
			return f, f.leave()
		case f.step == stepDone || f.Busy():
			return f, nil
		case key.Matches(m, k.Submit):
			return f.submit()
		}
	}
	if f.step == stepDone {
		return f, nil
	}
	var cmd tea.Cmd
	f.inputs[f.step], cmd = f.inputs[f.step].Update(msg)
	return f, cmd
}

func (f PhoneForm) submit() (PhoneForm, tea.Cmd) {
	if f.prob.blocking() {
		return f, nil
	}
	val := strings.TrimSpace(f.inputs[f.step].Value())
	if val == "" {
		return f, nil
	}
	f.prob = problem{}
	b := f.backend
	switch f.step {
	case stepPhone:
		if _, err := login.NormalizePhone(val); err != nil {
			f.prob.advice = err.Error()
			return f, nil
		}
		return f, f.run.start("sending the code…", func(ctx context.Context) (any, error) { return b.SendCode(ctx, val) })
	case stepCode:
		return f, f.run.start("checking the code…", func(ctx context.Context) (any, error) { return b.SignIn(ctx, val) })
	case stepPassword:
		pw := f.inputs[stepPassword].Value() // spaces count in a password
		return f, f.run.start("checking the password (SRP)…", func(ctx context.Context) (any, error) { return b.Password(ctx, pw) })
	case stepName:
		first, last, _ := strings.Cut(val, " ")
		return f, f.run.start("signing up…", func(ctx context.Context) (any, error) {
			return b.SignUp(ctx, first, strings.TrimSpace(last))
		})
	}
	return f, nil
}

var stepWhat = [...]string{stepPhone: "auth.sendCode", stepCode: "auth.signIn", stepPassword: "auth.checkPassword", stepName: "auth.signUp"}

func (f PhoneForm) answer(m callDone) (PhoneForm, tea.Cmd) {
	var pw *login.PasswordNeeded
	switch {
	case errors.As(m.err, &pw):
		f.hint = pw.Hint
		return f.moveTo(stepPassword), nil
	case errors.Is(m.err, login.ErrSignUpNeeded):
		return f.moveTo(stepName), nil
	case m.err != nil:
		if f.step == stepPassword {
			f.inputs[stepPassword].Reset()
		}
		return f, f.fail(m.err, stepWhat[f.step])
	}
	switch v := m.val.(type) {
	case login.CodeSent:
		f.sent = v
		return f.moveTo(stepCode), nil
	case login.Result:
		f.result = v
		f.inputs[stepPassword].Reset() // drop the password as soon as it is used
		f = f.moveTo(stepDone)
		return f, func() tea.Msg { return DoneMsg{Result: v} }
	}
	return f, nil
}

func (f PhoneForm) moveTo(s phoneStep) PhoneForm {
	if f.step < stepDone {
		f.inputs[f.step].Blur()
	}
	f.step = s
	if s < stepDone {
		f.inputs[s].Focus()
	}
	return f
}

// View draws the form.
func (f PhoneForm) View() string {
	s, k := f.run.opts.Styles, f.run.opts.Keys
	var lines []string
	add := func(parts ...string) { lines = append(lines, parts...) }
	switch f.step {
	case stepPhone:
		add(f.inputs[stepPhone].View(), "")
		add(overlay.Wrap(s.Dim.Render("Telegram sends a login code to your Telegram app on another device, or by SMS."), f.width))
		if f.run.opts.Test {
			add(overlay.Wrap(s.Dim.Render("Test DCs: phone 99966XYYYY (X = DC 1-3), code X five times; no SMS is sent."), f.width))
		}
	case stepCode, stepPassword, stepName:
		add(s.Label.Render("Phone number  ")+"+"+f.sent.Phone, codeLine(f), f.inputs[stepCode].View())
		if f.step == stepPassword {
			add("", overlay.Wrap(s.Dim.Render("This account has two-step verification. The password is checked with SRP: it never leaves this computer."), f.width))
			if f.hint != "" {
				add(s.Label.Render("Hint          ") + f.hint)
			}
			add(f.inputs[stepPassword].View())
		}
		if f.step == stepName {
			add("", overlay.Wrap(s.Dim.Render("No account uses this number yet: give a name to sign up."), f.width), f.inputs[stepName].View())
		}
	case stepDone:
		add(userLine(s, f.result))
	}
	for _, p := range f.status(s) {
		add("", p)
	}
	help := helpLine(k, f.step == stepDone, submitHelp[f.step])
	return overlay.Frame(s, f.width, f.height, title(f.run.opts, "with a phone number"), strings.Join(lines, "\n"), help)
}

var submitHelp = [...]string{stepPhone: "send code", stepCode: "sign in", stepPassword: "check password", stepName: "sign up", stepDone: ""}

func codeLine(f PhoneForm) string {
	s := f.run.opts.Styles
	c := f.sent
	via := "sent via " + c.Via
	if c.Length > 0 {
		via += fmt.Sprintf(", %d digits", c.Length)
	}
	if c.DC != 0 {
		via += fmt.Sprintf("; the login continues on DC %d", c.DC)
	}
	return s.Dim.Render("              " + via)
}

func title(o Options, how string) string {
	t := strings.TrimSpace("Log in " + how)
	if o.Target != "" {
		t = strings.TrimSpace("Log in to " + o.Target + " " + how)
	}
	return t
}
