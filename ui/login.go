package ui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/ui/loginform"
	"tgpfs/ui/overlay"
)

// Messages of the real-DC login.
type (
	// loginFormReady carries the backend RealLogin made, off the event
	// loop: making it may ask the driver for its home DC.
	loginFormReady struct{ backend loginform.Backend }
	// loginRecorded reports that LoginDone ran.
	loginRecorded struct{ err error }
)

// openLoginForm makes the login forms' backend in a tea.Cmd; the form
// opens when it is ready (loginFormReady).
func (m *Model) openLoginForm() tea.Cmd {
	if m.openingLogin || m.overlays.Has(rankLogin) {
		return nil
	}
	m.openingLogin = true
	open := m.opts.RealLogin
	return func() tea.Msg { return loginFormReady{open()} }
}

// answer handles what the overlays answer with: the login form's end, the
// key problem's yes or no, and the login backend being ready.
func (m *Model) answer(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case loginFormReady:
		m.openingLogin = false
		f := loginform.New(msg.backend, loginform.Options{
			Context: m.ctx,
			Now:     m.opts.Clock,
			Target:  m.opts.LoginTarget,
			Test:    m.opts.TestDCs,
			Styles:  &m.styles,
		})
		m.overlays.Push(rankLogin, overlay.Body, newModal[loginform.Form](f))
		return f.Init(), true
	case loginform.CancelMsg:
		m.overlays.Close(rankLogin)
		return nil, true
	case loginform.DoneMsg:
		m.overlays.Close(rankLogin)
		r := msg.Result
		u := r.User
		// The driver reports the login too (LoginDone), but the screen
		// should not wait for that round trip.
		m.st.Apply(model.LoggedIn{At: m.opts.Clock(), DC: r.DC, User: u})
		m.flash = fmt.Sprintf("logged in as %s on DC %d", u.Name(), r.DC)
		done := m.opts.LoginDone
		if done == nil {
			return nil, true
		}
		return func() tea.Msg { return loginRecorded{done(r)} }, true
	case overlay.AnswerMsg:
		return m.answerKeyProblem(msg), true
	}
	return nil, false
}
