package ui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/ui/overlay"
)

// The actions a key starts, and the dialogs that ask first. Every call to
// the Backend is inside a tea.Cmd; what runs in Update only decides.

// connect connects, then logs in if asked to.
func (m *Model) connect() tea.Cmd {
	b, phone, auto := m.opts.Backend, m.opts.Phone, m.opts.AutoLogin
	return m.start("connect", true, func(ctx context.Context) (string, error) {
		if err := b.Connect(ctx); err != nil {
			return "", err
		}
		if !auto || phone == "" {
			return "connected", nil
		}
		return "connected and logged in", b.Login(ctx, phone)
	})
}

// start runs an action off the event loop and reports how it went. A
// backend action reports its start and end on the event stream itself; any
// other (a copy) is reported here, so every action is in the log either way.
func (m *Model) start(name string, backend bool, f func(context.Context) (string, error)) tea.Cmd {
	if _, busy := m.st.Busy[name]; busy || m.pending[name] {
		m.flash = name + " is already running"
		return nil
	}
	m.flash = ""
	m.pending[name] = true
	if !backend {
		m.st.Apply(model.ActionStarted{At: m.now, Action: name})
	}
	ctx, clock := m.ctx, m.opts.Clock
	return tea.Batch(m.spin(), func() tea.Msg {
		start := clock()
		note, err := f(ctx)
		return actionDone{name: name, took: clock().Sub(start), err: err, note: note, backend: backend}
	})
}

// done records the end of an action start began.
func (m *Model) done(msg actionDone) tea.Cmd {
	delete(m.pending, msg.name)
	m.flash = ""
	if msg.err == nil {
		m.flash = msg.note
	}
	if !msg.backend {
		done := model.ActionDone{At: m.opts.Clock(), Action: msg.name, Duration: msg.took}
		if msg.err != nil {
			done.Err = msg.err.Error()
		}
		m.st.Apply(done)
	}
	if msg.err != nil {
		return m.onActionErr(msg.name, msg.err)
	}
	return nil
}

// busy lists what is running, for the status bar and the spinner.
func (m *Model) busy() []string {
	names := make([]string, 0, len(m.st.Busy)+len(m.pending))
	for n := range m.st.Busy {
		names = append(names, n)
	}
	for n := range m.pending {
		if _, dup := m.st.Busy[n]; !dup {
			names = append(names, n)
		}
	}
	sortStrings(names)
	return names
}

func (m *Model) spin() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return m.spinner.Tick
}

func (m *Model) rotate() tea.Cmd {
	b := m.opts.Backend
	if b == nil {
		m.flash = "no connection"
		return nil
	}
	return m.start("rotate", true, func(ctx context.Context) (string, error) {
		return "fresh temp key bound", b.Rotate(ctx)
	})
}

func (m *Model) drop() tea.Cmd {
	b := m.opts.Backend
	if b == nil {
		return nil
	}
	return m.start("drop", true, func(ctx context.Context) (string, error) {
		return "other temp keys dropped", b.Drop(ctx)
	})
}

func (m *Model) export(dc int) tea.Cmd {
	b := m.opts.Backend
	if b == nil {
		return nil
	}
	return m.start("export", true, func(ctx context.Context) (string, error) {
		return fmt.Sprintf("DC %d now knows the login", dc), b.Export(ctx, dc)
	})
}

func (m *Model) login(phone string) tea.Cmd {
	b := m.opts.Backend
	if b == nil {
		return nil
	}
	return m.start("login", true, func(ctx context.Context) (string, error) {
		return "logged in", b.Login(ctx, phone)
	})
}

func (m *Model) togglePause() tea.Cmd {
	b := m.opts.Backend
	paused := !m.st.RenewalPaused
	// Show the change at once; the driver's RenewalChanged follows with
	// the planned renewal time.
	m.st.Apply(model.RenewalChanged{At: m.now, Paused: paused, RenewAt: m.st.RenewAt})
	if b == nil {
		return nil
	}
	return func() tea.Msg {
		b.SetRenewalPaused(paused)
		return nil
	}
}

func (m *Model) reveal() tea.Cmd {
	b := m.opts.Backend
	if b == nil {
		return nil
	}
	m.revealSeq++
	seq := m.revealSeq
	return func() tea.Msg {
		return revealMsg{seq: seq, perm: b.RevealKey(model.Permanent), temp: b.RevealKey(model.Temporary)}
	}
}

// copyItem is one line of the copy menu that copies text as it is.
type copyItem struct {
	label string // in the menu
	what  string // in the log: "copy " + what
	text  string
}

// copyMsg asks the root to copy an item (a screen's `c`).
type copyMsg copyItem

func (it copyItem) request() tea.Cmd { return func() tea.Msg { return copyMsg(it) } }

// copyText copies text through the clipboard as an action, so it shows in
// the log and its errors in the status bar.
func (m *Model) copyText(what, text string, secret bool) tea.Cmd {
	c := m.opts.Clipboard
	if c == nil {
		m.st.Apply(model.ActionDone{At: m.now, Action: "copy " + what, Err: "no clipboard"})
		return nil
	}
	return m.start("copy "+what, false, func(context.Context) (string, error) {
		where, err := c.Copy(text, secret)
		return copiedNote(what, where, secret), err
	})
}

func (m *Model) copySession(f SessionFormat) tea.Cmd {
	b, c := m.opts.Backend, m.opts.Clipboard
	if b == nil || c == nil {
		m.st.Apply(model.ActionDone{At: m.now, Action: "copy session", Err: "needs a connection and a clipboard"})
		return nil
	}
	perm := m.st.Perm
	addr := m.st.Target.Addr
	var uid int64
	if m.st.User != nil {
		uid = m.st.User.ID
	}
	return m.start("copy "+f.Name+" session", false, func(ctx context.Context) (string, error) {
		key := b.RevealKey(model.Permanent)
		defer clear(key)
		if len(key) == 0 {
			return "", fmt.Errorf("no permanent key yet")
		}
		s, err := f.Encode(key, perm.DC, addr, uid)
		if err != nil {
			return "", fmt.Errorf("encode %s session: %w", f.Name, err)
		}
		where, err := c.Copy(s, true)
		return copiedNote(f.Name+" session", where, true), err
	})
}

func copiedNote(what, where string, secret bool) string {
	note := "copied " + what
	if where != "" {
		note += " to the " + where
	}
	if secret {
		note += "; cleared in 30 s"
	}
	return note
}

// Dialogs for the actions that ask first.

func (m *Model) confirmDrop() *confirm {
	cur, ok := m.st.Current()
	body := "Drop every temporary key of this permanent key?"
	if ok {
		body = "Drop every temporary key except the current " + cur.ID.String() + "?"
	}
	return &confirm{box: box{sh: &m.shared}, title: "auth.dropTempAuthKeys", body: body, yes: m.drop}
}

func (m *Model) confirmReveal() *confirm {
	return &confirm{
		box:   box{sh: &m.shared},
		title: "Reveal key bytes",
		body:  fmt.Sprintf("Show the raw permanent and temporary keys for %d s?\nAnyone who sees them can read this session.", int(RevealFor/time.Second)),
		yes:   m.reveal,
	}
}

func (m *Model) pickExport() *picker {
	var opts []string
	var dcs []int
	for _, dc := range m.exportDCs() {
		if dc == m.st.HomeDC {
			continue
		}
		dcs = append(dcs, dc)
		label := fmt.Sprintf("DC %d", dc)
		if _, ok := m.st.Authorized[dc]; ok {
			label += " (already authorized)"
		}
		opts = append(opts, label)
	}
	return &picker{box: box{sh: &m.shared}, title: "Export the authorization to", options: opts,
		pick: func(i int) tea.Cmd { return m.export(dcs[i]) }}
}

func (m *Model) exportDCs() []int {
	if len(m.opts.ExportDCs) > 0 {
		return m.opts.ExportDCs
	}
	seen := map[int]bool{}
	var dcs []int
	if c := m.st.Config; c != nil {
		for _, o := range c.DCs {
			if !seen[o.ID] && !o.MediaOnly {
				seen[o.ID] = true
				dcs = append(dcs, o.ID)
			}
		}
	}
	if len(dcs) == 0 {
		dcs = []int{1, 2, 3, 4, 5}
	}
	return dcs
}

func (m *Model) askPhone() *input {
	return newInput(&m.shared, "Log in with phone", "A test phone on local DCs: 99966XYYYY, code XXXXX (X = DC)", m.opts.Phone, m.login)
}

// copySource is a screen that offers something to the copy menu.
type copySource interface{ Copyables() []copyItem }

// pickCopy is the copy menu; nil (and a note) when there is nothing to copy.
func (m *Model) pickCopy() overlay.Layer {
	var opts []string
	var do []func() tea.Cmd
	if m.st.HasPerm {
		id := m.st.Perm.ID.String()
		opts = append(opts, "permanent key id "+id)
		do = append(do, func() tea.Cmd { return m.copyText("permanent key id", id, false) })
	}
	if cur, ok := m.st.Current(); ok {
		id := cur.ID.String()
		opts = append(opts, "temporary key id "+id)
		do = append(do, func() tea.Cmd { return m.copyText("temporary key id", id, false) })
	}
	for _, f := range m.opts.SessionFormats {
		opts = append(opts, f.Name+" session (secret)")
		do = append(do, func() tea.Cmd { return m.copySession(f) })
	}
	for _, s := range m.screens {
		if src, ok := s.(copySource); ok {
			for _, it := range src.Copyables() {
				opts = append(opts, it.label)
				do = append(do, func() tea.Cmd { return m.copyText(it.what, it.text, false) })
			}
		}
	}
	if len(opts) == 0 {
		m.flash = "nothing to copy yet"
		return nil
	}
	return &picker{box: box{sh: &m.shared}, title: "Copy", options: opts, pick: func(i int) tea.Cmd { return do[i]() }}
}
