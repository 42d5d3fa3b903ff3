// Package ui is tgpfs's terminal interface: one root Bubble Tea model that
// owns a model.State, a pane per screen, and the dialogs. Data flows one way:
// a key press becomes a tea.Cmd that calls the Backend; the Backend reports
// what happened as model events; Update applies each event to the State; the
// panes render the State. No pane touches the network or the clock.
package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/ui/loginform"
	"tgpfs/ui/styles"
)

// Screen is one tab of the UI.
type Screen int

const (
	ScreenKeys Screen = iota
	ScreenHandshake
	ScreenCatalog
	ScreenTraffic
	ScreenServer
	ScreenLog
	numScreens
)

var screenNames = [numScreens]string{"Keys", "Handshake", "Catalog", "Traffic", "Server", "Log"}

func (s Screen) String() string { return screenNames[s] }

// tickSlack is how long after a second's boundary the countdown redraws, so
// the new second is surely there.
const tickSlack = 10 * time.Millisecond

// RevealFor is how long revealed key bytes stay on screen.
const RevealFor = 10 * time.Second

// Options configure the app. Only Backend is needed for a live session;
// tests leave it nil and feed events through Events.
type Options struct {
	Backend Backend
	// Events, when set, is read instead of Backend.Events (tests).
	Events <-chan model.Event
	// ServerEvents is the local DC cluster's event stream, if there is one.
	ServerEvents <-chan model.ServerEvent

	// Clock is the time source for the countdown; time.Now by default.
	Clock func() time.Time
	// Tick is the countdown's redraw period. Zero (the default) redraws
	// once a second, just after the server clock's second turns, which is
	// when the countdown's digits change.
	Tick time.Duration

	// Connect makes Init call Backend.Connect, then log in with Phone if
	// AutoLogin is set. Phone is also what the login dialog offers.
	Connect   bool
	AutoLogin bool
	Phone     string

	// ExportDCs are the DCs the export picker offers.
	ExportDCs []int

	// RealLogin, set when the target is a real DC, makes the backend of
	// the login forms (phone + code + 2FA, QR, bot token; proto/login over
	// the driver's bound key). `l` then opens ui/loginform instead of the
	// test-phone dialog. LoginDone records a finished login (it runs in a
	// tea.Cmd). LoginTarget names the DC in the form's title and TestDCs
	// makes the form explain the test phones.
	RealLogin   func() loginform.Backend
	LoginDone   func(r login.Result) error
	LoginTarget string
	TestDCs     bool
	// ResetKeys drops both keys and starts over with a new permanent key
	// (the driver's ResetKeys). When set, a bind failure that the spec
	// answers by dropping both keys opens a dialog that asks first.
	ResetKeys func(ctx context.Context) error

	Catalog        []Method
	CatalogSearch  CatalogSearch
	Clipboard      Clipboard
	SessionFormats []SessionFormat

	Styles *styles.Styles
	Keys   *KeyMap
	// Context bounds every backend call; Background by default.
	Context context.Context
}

// Model is the root Bubble Tea model.
type Model struct {
	opts   Options
	ctx    context.Context
	st     *model.State
	keys   KeyMap
	styles styles.Styles

	width, height int
	screen        Screen
	now           time.Time

	spinner  spinner.Model
	spinning bool
	help     help.Model
	showHelp bool
	dialog   dialog
	// loginForm is open while a real-DC login runs; it takes the keys
	// and the body of the screen.
	loginForm *loginform.Form
	// keyProblem explains a key failure and asks before dropping keys.
	keyProblem *loginform.KeyProblem
	// flood counts down a FLOOD_WAIT an action got, in the status bar.
	flood *loginform.FloodBanner
	flash string // a short success note for the status bar
	// pending are the UI's commands still running; the backend reports
	// its own actions in State.Busy.
	pending map[string]bool

	panes     [numScreens]*scrollPane
	traffic   trafficPane
	catalog   catalogPane
	revealed  *revealed
	revealSeq int
	// hsBack is which handshake the Handshake screen shows, counted back
	// from the newest.
	hsBack   int
	quitting bool
}

// revealed holds key bytes between an explicit reveal and RevealFor later.
type revealed struct {
	seq        int
	perm, temp []byte
	until      time.Time // when they are hidden again
}

func (r *revealed) wipe() {
	clear(r.perm)
	clear(r.temp)
}

// New builds the app.
func New(opts Options) *Model {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.Events == nil && opts.Backend != nil {
		opts.Events = opts.Backend.Events()
	}
	m := &Model{
		opts:    opts,
		ctx:     opts.Context,
		st:      model.NewState(),
		keys:    DefaultKeyMap(),
		styles:  styles.Default(),
		now:     opts.Clock(),
		help:    help.New(),
		pending: map[string]bool{},
	}
	if opts.Keys != nil {
		m.keys = *opts.Keys
	}
	if opts.Styles != nil {
		m.styles = *opts.Styles
	}
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(m.styles.StatusBusy))
	for i := range m.panes {
		m.panes[i] = &scrollPane{}
	}
	m.panes[ScreenLog].follow = true
	m.traffic = newTrafficPane()
	m.catalog = newCatalogPane(opts.Catalog, opts.CatalogSearch, m.styles)
	return m
}

// State is the app's state, for tests and the one-shot snapshot.
func (m *Model) State() *model.State { return m.st }

// Screen is the screen on show.
func (m *Model) Screen() Screen { return m.screen }

// CaptureMsg asks the running program for its current screen, from inside
// its event loop: screenshots and tests read the picture without racing
// Update. Reply must have room for one value.
type CaptureMsg struct{ Reply chan<- Capture }

// Capture is what a CaptureMsg returns.
type Capture struct {
	View   string
	Screen Screen
	State  *model.State
	Busy   []string // actions still running, the backend's and the UI's
}

// Messages the app sends itself.
type (
	eventMsg     struct{ ev model.Event }
	eventsClosed struct{}
	connectMsg   struct{}
	tickMsg      struct{}
	actionDone   struct {
		name    string
		took    time.Duration
		err     error
		note    string // success note for the status bar
		backend bool   // the backend reported it on the event stream
	}
	framesMsg []Frame
	openedMsg OpenResult
	revealMsg struct {
		seq        int
		perm, temp []byte
	}
	hideMsg struct{ seq int }
)

// Init starts the event pumps, the countdown tick and, if asked, the
// connection.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick()}
	if m.opts.Events != nil {
		cmds = append(cmds, waitEvent(m.ctx, m.opts.Events))
	}
	if m.opts.ServerEvents != nil {
		cmds = append(cmds, waitServerEvent(m.ctx, m.opts.ServerEvents))
	}
	if m.opts.Connect && m.opts.Backend != nil {
		// Through Update, where state changes.
		cmds = append(cmds, func() tea.Msg { return connectMsg{} })
	}
	return tea.Batch(cmds...)
}

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

func waitEvent(ctx context.Context, ch <-chan model.Event) tea.Cmd {
	return func() tea.Msg {
		select {
		case ev, ok := <-ch:
			if !ok {
				return eventsClosed{}
			}
			return eventMsg{ev}
		case <-ctx.Done():
			return eventsClosed{}
		}
	}
}

func waitServerEvent(ctx context.Context, ch <-chan model.ServerEvent) tea.Cmd {
	return func() tea.Msg {
		select {
		case ev, ok := <-ch:
			if !ok {
				return nil
			}
			return serverEventMsg{ev}
		case <-ctx.Done():
			return nil
		}
	}
}

type serverEventMsg struct{ ev model.ServerEvent }

func (m *Model) tick() tea.Cmd {
	d := m.opts.Tick
	if d <= 0 {
		d = untilNextSecond(m.opts.Clock().Add(m.st.ClockOffset))
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{} })
}

// untilNextSecond is the wait from server time t until just after its next
// whole second: the next moment a countdown to a whole-second expires_at
// shows a new number.
func untilNextSecond(t time.Time) time.Duration {
	return time.Second - t.Sub(t.Truncate(time.Second)) + tickSlack
}

// run performs a backend action off the event loop and reports how it went.
func (m *Model) run(name string, f func(context.Context) (string, error)) tea.Cmd {
	ctx, clock := m.ctx, m.opts.Clock
	return func() tea.Msg {
		start := clock()
		note, err := f(ctx)
		return actionDone{name: name, took: clock().Sub(start), err: err, note: note}
	}
}

// start runs an action off the event loop. A backend action reports its
// start and end on the event stream itself; any other (a copy) is reported
// here, so every action is in the log either way.
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
	run := m.run(name, f)
	return tea.Batch(m.spin(), func() tea.Msg {
		msg := run().(actionDone)
		msg.backend = backend
		return msg
	})
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

// Update applies one message. It is the only place state changes.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.sync()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	var floodCmd tea.Cmd
	if m.flood != nil {
		var f loginform.FloodBanner
		f, floodCmd = m.flood.Update(msg)
		if m.flood = &f; !f.Active() {
			m.flood, floodCmd = nil, nil
		}
	}
	return tea.Batch(floodCmd, m.updateWithDialogs(msg))
}

func (m *Model) updateWithDialogs(msg tea.Msg) tea.Cmd {
	if m.keyProblem != nil {
		if cmd, taken := m.updateKeyProblem(msg); taken {
			return cmd
		}
	}
	if m.loginForm == nil {
		return m.updateApp(msg)
	}
	formCmd, taken := m.updateLoginForm(msg)
	if taken {
		return formCmd
	}
	return tea.Batch(formCmd, m.updateApp(msg))
}

func (m *Model) updateApp(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil

	case loginRecorded:
		if msg.err != nil {
			m.st.Apply(model.ActionDone{At: m.opts.Clock(), Action: "login", Err: "record the login: " + msg.err.Error()})
		}
		return nil

	case tickMsg:
		m.now = m.opts.Clock()
		m.st.Expire(m.now)
		cmds := []tea.Cmd{m.tick()}
		if m.screen == ScreenTraffic {
			cmds = append(cmds, m.fetchFrames())
		}
		return tea.Batch(cmds...)

	case eventMsg:
		if _, ok := msg.ev.(model.HandshakeDone); ok && m.hsBack > 0 {
			// Keep showing the same transcript while newer ones arrive.
			m.hsBack = min(m.hsBack+1, model.MaxTranscripts-1)
		}
		m.st.Apply(msg.ev)
		if bf, ok := msg.ev.(model.BindFailed); ok {
			m.onBindFailed(bf)
		}
		if m.opts.Events == nil {
			return nil
		}
		return waitEvent(m.ctx, m.opts.Events)

	case serverEventMsg:
		m.st.Apply(msg.ev)
		if m.opts.ServerEvents == nil {
			return nil
		}
		return waitServerEvent(m.ctx, m.opts.ServerEvents)

	case CaptureMsg:
		m.sync()
		msg.Reply <- Capture{View: m.View(), Screen: m.screen, State: m.st.Clone(), Busy: m.busy()}
		return nil

	case eventsClosed:
		return nil

	case connectMsg:
		return m.connect()

	case actionDone:
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

	case spinner.TickMsg:
		if len(m.busy()) == 0 {
			m.spinning = false
			return nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return cmd

	case framesMsg:
		m.traffic.setFrames(msg)
		return nil

	case openedMsg:
		r := OpenResult(msg)
		m.traffic.opened = &r
		return nil

	case revealMsg:
		if m.revealed != nil {
			m.revealed.wipe()
		}
		m.revealed = &revealed{seq: msg.seq, perm: msg.perm, temp: msg.temp, until: m.opts.Clock().Add(RevealFor)}
		m.screen = ScreenKeys
		seq := msg.seq
		return tea.Tick(RevealFor, func(time.Time) tea.Msg { return hideMsg{seq} })

	case hideMsg:
		if m.revealed != nil && m.revealed.seq == msg.seq {
			m.revealed.wipe()
			m.revealed = nil
		}
		return nil

	case tea.MouseMsg:
		return m.mouse(msg)

	case tea.KeyMsg:
		return m.key(msg)
	}
	// Anything else (the catalog list's filter results) belongs to the
	// catalog pane.
	return m.catalog.update(msg)
}

func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if m.dialog != nil || msg.Action != tea.MouseActionPress {
		return nil
	}
	step := 0
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		step = -3
	case tea.MouseButtonWheelDown:
		step = 3
	default:
		return nil
	}
	switch m.screen {
	case ScreenTraffic:
		m.traffic.move(step / 3)
	case ScreenCatalog:
		m.catalog.scroll(step)
	default:
		m.panes[m.screen].scroll(step)
	}
	return nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if msg.Type == tea.KeyCtrlC {
		return m.quit()
	}
	if m.dialog != nil {
		d, cmd := m.dialog.update(msg, m.keys)
		m.dialog = d
		return cmd
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	// While the catalog filter is being typed, every key is text.
	if m.screen == ScreenCatalog && m.catalog.typing() {
		return m.catalog.update(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return nil
	case key.Matches(msg, k.NextTab):
		m.setScreen((m.screen + 1) % numScreens)
		return m.onScreen()
	case key.Matches(msg, k.PrevTab):
		m.setScreen((m.screen + numScreens - 1) % numScreens)
		return m.onScreen()
	}
	for i, b := range k.Tab {
		if key.Matches(msg, b) {
			m.setScreen(Screen(i))
			return m.onScreen()
		}
	}
	switch {
	case key.Matches(msg, k.Bind):
		return m.rotate()
	case key.Matches(msg, k.Drop):
		m.dialog = m.confirmDrop()
		return nil
	case key.Matches(msg, k.Export):
		m.dialog = m.pickExport()
		return nil
	case key.Matches(msg, k.Login):
		if m.opts.RealLogin != nil {
			return m.openLoginForm()
		}
		m.dialog = m.askPhone()
		return nil
	case key.Matches(msg, k.Reveal):
		m.dialog = m.confirmReveal()
		return nil
	case key.Matches(msg, k.Copy):
		m.dialog = m.pickCopy()
		return nil
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	}
	switch m.screen {
	case ScreenHandshake:
		switch {
		case key.Matches(msg, k.Earlier):
			m.hsBack = min(m.hsBack+1, max(len(m.st.Transcripts)-1, 0))
			m.panes[ScreenHandshake].vp.GotoTop()
			return nil
		case key.Matches(msg, k.Later):
			m.hsBack = max(m.hsBack-1, 0)
			m.panes[ScreenHandshake].vp.GotoTop()
			return nil
		}
	case ScreenTraffic:
		return m.trafficKey(msg)
	case ScreenCatalog:
		if key.Matches(msg, k.Snippet) {
			return m.copySnippet()
		}
		return m.catalog.update(msg)
	}
	m.panes[m.screen].key(msg, k)
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	if m.revealed != nil {
		m.revealed.wipe()
		m.revealed = nil
	}
	return tea.Quit
}

func (m *Model) setScreen(s Screen) {
	m.screen = s
	m.flash = ""
}

// onScreen loads what a screen needs when it comes into view.
func (m *Model) onScreen() tea.Cmd {
	if m.screen == ScreenTraffic {
		return m.fetchFrames()
	}
	return nil
}

func (m *Model) fetchFrames() tea.Cmd {
	b := m.opts.Backend
	if b == nil {
		return nil
	}
	return func() tea.Msg { return framesMsg(b.Frames()) }
}

func (m *Model) trafficKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.traffic.move(-1)
	case key.Matches(msg, k.Down):
		m.traffic.move(1)
	case key.Matches(msg, k.PageUp):
		m.traffic.move(-m.traffic.rows)
	case key.Matches(msg, k.PageDown):
		m.traffic.move(m.traffic.rows)
	case key.Matches(msg, k.Top):
		m.traffic.move(-len(m.traffic.frames))
	case key.Matches(msg, k.Bottom):
		m.traffic.move(len(m.traffic.frames))
	case key.Matches(msg, k.Open):
		f, ok := m.traffic.selected()
		if !ok || m.opts.Backend == nil {
			return nil
		}
		b := m.opts.Backend
		return func() tea.Msg { return openedMsg(b.OpenFrame(f)) }
	}
	return nil
}

// Actions.

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

func (m *Model) copySnippet() tea.Cmd {
	meth, ok := m.catalog.selected()
	if !ok || meth.Snippet == "" {
		return nil
	}
	return m.copyText(meth.Name+" snippet", meth.Snippet, false)
}

// Dialogs for the actions that ask first.

func (m *Model) confirmDrop() dialog {
	cur, ok := m.st.Current()
	body := "Drop every temporary key of this permanent key?"
	if ok {
		body = "Drop every temporary key except the current " + cur.ID.String() + "?"
	}
	return &confirm{title: "auth.dropTempAuthKeys", body: body, yes: m.drop}
}

func (m *Model) confirmReveal() dialog {
	return &confirm{
		title: "Reveal key bytes",
		body:  fmt.Sprintf("Show the raw permanent and temporary keys for %d s?\nAnyone who sees them can read this session.", int(RevealFor/time.Second)),
		yes:   m.reveal,
	}
}

func (m *Model) pickExport() dialog {
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
	return &picker{title: "Export the authorization to", options: opts, pick: func(i int) tea.Cmd { return m.export(dcs[i]) }}
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

func (m *Model) askPhone() dialog {
	return newInput("Log in with phone", "A test phone on local DCs: 99966XYYYY, code XXXXX (X = DC)", m.opts.Phone, m.login)
}

func (m *Model) pickCopy() dialog {
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
	if meth, ok := m.catalog.selected(); ok && meth.Snippet != "" {
		opts = append(opts, "Go snippet for "+meth.Name)
		do = append(do, m.copySnippet)
	}
	if len(opts) == 0 {
		m.flash = "nothing to copy yet"
		return nil
	}
	return &picker{title: "Copy", options: opts, pick: func(i int) tea.Cmd { return do[i]() }}
}

// statusLine is the status bar's left side: busy actions with a spinner,
// else the last error, else the last success note.
func (m *Model) statusLine() string {
	s := m.styles
	if names := m.busy(); len(names) > 0 {
		return m.spinner.View() + " " + s.StatusBusy.Render(strings.Join(names, ", ")+"…")
	}
	if m.flood != nil && m.flood.Active() {
		return m.flood.View()
	}
	if m.st.LastErr != "" {
		return s.StatusError.Render(styles.SymBad + " " + firstLine(m.st.LastErr))
	}
	if m.flash != "" {
		return s.OK.Render(styles.SymOK + " " + m.flash)
	}
	return ""
}
