package app

import (
	"context"
	"fmt"
	"io"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/internal/clipboard"
	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/login"
	"tgpfs/ui"
	"tgpfs/ui/loginform"
)

// UIOptions are the options ui.New takes for this session: the driver as
// the UI's backend, the cluster's event stream, the catalog, the session
// formats of the copy menu and the login wiring. Each call subscribes to
// the cluster's events anew; make it before the UI starts, so that it
// misses nothing. Connect and Clipboard are left to the caller.
func (s *Session) UIOptions() ui.Options {
	a := s.app
	methods, search := Catalog()
	opts := ui.Options{
		Backend:        newBackend(s.Driver),
		Clock:          a.cfg.Clock,
		Phone:          a.phone,
		AutoLogin:      a.phone != "",
		Catalog:        methods,
		CatalogSearch:  search,
		SessionFormats: SessionFormats(a.app.ID, a.env == endpoints.Test),
		ResetKeys:      s.Driver.ResetKeys,
		Context:        s.ctx,
	}
	if opts.Phone == "" && a.env != endpoints.Prod {
		// The login dialog offers the home DC's test phone.
		opts.Phone = TestPhone(a.cfg.DC)
	}
	if c := s.Cluster; c != nil {
		events, cancel := c.Subscribe()
		s.closers = append(s.closers, func() error { cancel(); return nil })
		opts.ServerEvents = events
		opts.ExportDCs = c.DCs()
	}
	if a.env != endpoints.Local || a.cfg.LoginForms {
		opts.RealLogin, opts.LoginDone = RealLogin(s.Driver, a.app)
		opts.LoginTarget = fmt.Sprintf("%s DC %d", a.env, a.cfg.DC)
		opts.TestDCs = a.env != endpoints.Prod
	}
	return opts
}

// RealLogin wires the login forms to the driver: each opening gets a fresh
// proto/login flow over the driver's bound key, which follows *_MIGRATE_X by
// moving the driver's home DC, and a finished login is recorded with the
// driver.
func RealLogin(d *proto.Driver, app endpoints.App) (func() loginform.Backend, func(login.Result) error) {
	open := func() loginform.Backend {
		return login.New(login.Config{
			AppID: app.ID, AppHash: app.Hash,
			DC: d.HomeDC(), Invoker: d.Invoker(), Mover: d, Offset: d.ClockOffset(),
		})
	}
	done := func(r login.Result) error { return d.NoteLogin(r.DC, r.User) }
	return open, done
}

// RunTUI runs the terminal UI on in and out (a terminal) until the user
// quits or the session's context ends. getenv picks the clipboard.
func (s *Session) RunTUI(in io.Reader, out io.Writer, getenv func(string) string) error {
	opts := s.UIOptions()
	opts.Connect = true
	clip := clipboard.ForTerminal(getenv, out)
	defer clip.Close()
	opts.Clipboard = clip
	p := tea.NewProgram(ui.New(opts),
		tea.WithContext(s.ctx),
		tea.WithInput(in),
		tea.WithOutput(out),
		tea.WithAltScreen(),
		tea.WithMouseCellMotion(),
		// The screen changes once a second when idle; 20 flushes a
		// second keep typing immediate and cost a third of the default 60.
		tea.WithFPS(20),
	)
	if _, err := p.Run(); err != nil && s.ctx.Err() == nil {
		return fmt.Errorf("run the terminal UI: %w", err)
	}
	return nil
}

// Snapshot runs the session without a UI until a temporary key is bound
// and the login is done (or wait passes, or ctx ends), then returns what
// the Keys and Handshake screens would show, as plain text. What failed is
// in the text, not an error.
func (s *Session) Snapshot(ctx context.Context, wait time.Duration) string {
	opts := s.UIOptions()
	st := model.NewState()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	b := opts.Backend
	evs, srv := b.Events(), opts.ServerEvents
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		if err := b.Connect(ctx); err != nil {
			return
		}
		if opts.AutoLogin {
			_ = b.Login(ctx, opts.Phone)
		}
	}()
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				return ui.Snapshot(st, opts.Clock())
			}
			st.Apply(ev)
		case ev, ok := <-srv:
			if !ok {
				srv = nil
				continue
			}
			st.Apply(ev)
		case <-finished:
			// Connect and login have returned; what they reported is
			// already queued. Take it, then print.
			finished = nil
			deadline.Reset(100 * time.Millisecond)
		case <-deadline.C:
			return ui.Snapshot(st, opts.Clock())
		case <-ctx.Done():
			return ui.Snapshot(st, opts.Clock())
		}
	}
}
