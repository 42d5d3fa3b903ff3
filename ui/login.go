package ui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/ui/loginform"
)

// loginRecorded reports that LoginDone ran.
type loginRecorded struct{ err error }

// openLoginForm opens the real-DC login forms over the screen.
func (m *Model) openLoginForm() tea.Cmd {
	f := loginform.New(m.opts.RealLogin(), loginform.Options{
		Context: m.ctx,
		Now:     m.opts.Clock,
		Target:  m.opts.LoginTarget,
		Test:    m.opts.TestDCs,
		Styles:  &m.styles,
	})
	f.SetSize(m.width, m.bodyHeight())
	m.loginForm = &f
	return f.Init()
}

// updateLoginForm gives the open form its messages. Keys go to the form
// alone (ctrl+c still quits); everything else also reaches the app, so the
// countdown, events and spinners keep running underneath. taken says the
// app must not see msg.
func (m *Model) updateLoginForm(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case loginform.CancelMsg:
		m.loginForm = nil
		return nil, true
	case loginform.DoneMsg:
		m.loginForm = nil
		r := msg.Result
		u := r.User
		at := m.opts.Clock()
		// The driver reports the login too (LoginDone), but the screen
		// should not wait for that round trip.
		m.st.Apply(model.LoggedIn{At: at, DC: r.DC, User: u})
		m.flash = fmt.Sprintf("logged in as %s on DC %d", u.Name(), r.DC)
		done := m.opts.LoginDone
		if done == nil {
			return nil, true
		}
		return func() tea.Msg { return loginRecorded{done(r)} }, true
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			return nil, false
		}
		f, cmd := m.loginForm.Update(msg)
		m.loginForm = &f
		return cmd, true
	}
	f, cmd := m.loginForm.Update(msg)
	m.loginForm = &f
	return cmd, false
}

// onBindFailed reads a failed bind by the real server's rules; when the
// spec's answer is to drop both keys, it opens a dialog that explains why
// and asks first, since losing the permanent key loses its login.
func (m *Model) onBindFailed(bf model.BindFailed) {
	if m.opts.ResetKeys == nil || bf.Type == "" || m.keyProblem != nil {
		return
	}
	ks := login.KeyState{HomeDC: m.st.User != nil}
	if p := m.st.Perm; !p.CreatedAt.IsZero() {
		ks.PermAge = bf.At.Sub(p.CreatedAt)
	}
	v := login.Classify(tgerr.New(bf.Code, bf.Type), ks)
	if !v.DropKeys {
		return
	}
	p := loginform.NewKeyProblem(v, loginform.Options{Context: m.ctx, Now: m.opts.Clock, Styles: &m.styles})
	p.SetSize(m.width, m.bodyHeight())
	m.keyProblem = &p
}

// updateKeyProblem gives the open dialog its keys and acts on the answer:
// only a yes drops anything.
func (m *Model) updateKeyProblem(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case loginform.AnswerMsg:
		m.keyProblem = nil
		if !msg.Drop {
			m.flash = "kept the keys"
			return nil, true
		}
		reset := m.opts.ResetKeys
		return m.start("reset", true, func(ctx context.Context) (string, error) {
			return "new permanent key made and a temporary key bound to it", reset(ctx)
		}), true
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			return nil, false
		}
		p, cmd := m.keyProblem.Update(msg)
		m.keyProblem = &p
		return cmd, true
	}
	return nil, false
}

// onActionErr reads an action's error by the real server's rules: a
// FLOOD_WAIT gets its own countdown in the status bar (to a fixed end, so it
// never drifts), and an error that means the keys are dead
// (AUTH_KEY_DUPLICATED, SESSION_REVOKED) opens the dialog that explains it
// and asks before dropping them.
func (m *Model) onActionErr(action string, err error) tea.Cmd {
	ks := login.KeyState{HomeDC: m.st.User != nil}
	if p := m.st.Perm; !p.CreatedAt.IsZero() {
		ks.PermAge = m.opts.Clock().Sub(p.CreatedAt)
	}
	v := login.Classify(err, ks)
	switch {
	case v.Kind == login.FloodWait && v.Wait > 0:
		f := loginform.NewFloodBanner(m.opts.Clock().Add(v.Wait), action, loginform.Options{Now: m.opts.Clock, Styles: &m.styles})
		m.flood = &f
		return f.Init()
	case v.DropKeys && v.Kind != login.EncryptedMessageInvalid && m.opts.ResetKeys != nil && m.keyProblem == nil:
		// ENCRYPTED_MESSAGE_INVALID arrives as a BindFailed event too and
		// is handled there.
		p := loginform.NewKeyProblem(v, loginform.Options{Context: m.ctx, Now: m.opts.Clock, Styles: &m.styles})
		p.SetSize(m.width, m.bodyHeight())
		m.keyProblem = &p
	}
	return nil
}
