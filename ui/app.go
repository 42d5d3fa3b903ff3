// Package ui is tgpfs's terminal interface: one root Bubble Tea model that
// owns a model.State, the screens (components in screenTable, one per tab)
// and a stack of overlays (dialogs, the login forms, help, the key problem,
// the flood banner). Data flows one way: a key press becomes a tea.Cmd that
// calls the Backend; the Backend reports what happened as model events;
// Update applies each event to the State; the screens render the State.
// Neither Update nor View calls the Backend, so neither ever waits on the
// network or on an action in flight.
package ui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/ui/layout"
	"tgpfs/ui/loginform"
	"tgpfs/ui/overlay"
	"tgpfs/ui/stream"
	"tgpfs/ui/styles"
)

// tickSlack is how long after a second's boundary the countdown redraws.
const tickSlack = layout.TickSlack

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
	// test-phone dialog. It may ask the driver for its home DC, so it
	// runs in a tea.Cmd, never in Update. LoginDone records a finished
	// login (in a tea.Cmd too). LoginTarget names the DC in the form's
	// title and TestDCs makes the form explain the test phones.
	RealLogin   func() loginform.Backend
	LoginDone   func(r login.Result) error
	LoginTarget string
	TestDCs     bool
	// ResetKeys drops both keys and starts over with a new permanent key
	// (the driver's ResetKeys). When set, a bind failure that the spec
	// answers by dropping both keys opens a dialog that asks first.
	ResetKeys func(ctx context.Context) error

	// Sessions, when set, is the account's sessions for the Sessions
	// screen (list, end, fork).
	Sessions Sessions

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
	shared // what the screens read
	opts   Options
	ctx    context.Context

	width, height int
	screen        Screen
	screens       [numScreens]screen
	overlays      overlay.Stack

	spinner  spinner.Model
	spinning bool
	flash    string // a short success note for the status bar
	// pending are the UI's commands still running; the backend reports
	// its own actions in State.Busy.
	pending map[string]bool
	// openingLogin is set while RealLogin runs, between `l` and the form.
	openingLogin bool

	revealSeq int
	quitting  bool
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
		shared: shared{
			st:      model.NewState(),
			keys:    DefaultKeyMap(),
			styles:  styles.Default(),
			now:     opts.Clock(),
			backend: opts.Backend,
		},
		opts:    opts,
		ctx:     opts.Context,
		pending: map[string]bool{},
	}
	if opts.Keys != nil {
		m.keys = *opts.Keys
	}
	if opts.Styles != nil {
		m.styles = *opts.Styles
	}
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(m.styles.StatusBusy))
	for i, spec := range screenTable {
		m.screens[i] = spec.make(&m.shared, opts)
	}
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
	eventMsg       struct{ ev model.Event }
	serverEventMsg struct{ ev model.ServerEvent }
	eventsClosed   struct{}
	connectMsg     struct{}
	tickMsg        struct{}
	actionDone     struct {
		name    string
		took    time.Duration
		err     error
		note    string // success note for the status bar
		backend bool   // the backend reported it on the event stream
	}
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

// waitEvent and waitServerEvent read the driver's and the local DCs' event
// streams, one message per event.
func waitEvent(ctx context.Context, ch <-chan model.Event) tea.Cmd {
	return stream.Next(ctx, ch, func(ev model.Event) tea.Msg { return eventMsg{ev} }, eventsClosed{})
}

func waitServerEvent(ctx context.Context, ch <-chan model.ServerEvent) tea.Cmd {
	return stream.Next(ctx, ch, func(ev model.ServerEvent) tea.Msg { return serverEventMsg{ev} }, nil)
}

// tick is the countdowns' tick, on the server's seconds: expires_at is
// server time.
func (m *Model) tick() tea.Cmd {
	return layout.SecondTick(m.opts.Tick, m.opts.Clock().Add(m.st.ClockOffset), tickMsg{})
}

// Update applies one message. It is the only place state changes, and it
// never blocks: everything that may wait runs in the tea.Cmds it returns.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.refresh()
	return m, cmd
}

// update routes a message: ctrl+c quits whatever is open; an overlay's
// answer goes to the root; then the overlays (the top one takes keys and
// the mouse); then the app and the screens.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	if layout.Interrupt(msg) {
		return m.quit()
	}
	if cmd, ok := m.answer(msg); ok {
		return cmd
	}
	cmd, taken := m.overlays.Update(msg)
	if taken {
		return cmd
	}
	return tea.Batch(cmd, m.updateApp(msg))
}

func (m *Model) updateApp(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil

	case tickMsg:
		m.now = m.opts.Clock()
		m.st.Expire(m.now)
		return tea.Batch(m.tick(), m.screens[m.screen].Update(msg))

	case eventMsg:
		m.st.Apply(msg.ev)
		if bf, ok := msg.ev.(model.BindFailed); ok {
			m.onBindFailed(bf)
		}
		cmds := m.broadcast(msg)
		if m.opts.Events != nil {
			cmds = append(cmds, waitEvent(m.ctx, m.opts.Events))
		}
		return tea.Batch(cmds...)

	case serverEventMsg:
		m.st.Apply(msg.ev)
		if m.opts.ServerEvents == nil {
			return nil
		}
		return waitServerEvent(m.ctx, m.opts.ServerEvents)

	case CaptureMsg:
		m.refresh()
		msg.Reply <- Capture{View: m.View(), Screen: m.screen, State: m.st.Clone(), Busy: m.busy()}
		return nil

	case eventsClosed:
		return nil

	case connectMsg:
		return m.connect()

	case actionDone:
		// The screens hear how the actions they asked for went.
		return tea.Batch(append([]tea.Cmd{m.done(msg)}, m.broadcast(msg)...)...)

	case actionRequest:
		return m.start(msg.name, msg.backend, msg.run)

	case dialogRequest:
		m.openDialog(msg.layer)
		return nil

	case spinner.TickMsg:
		if len(m.busy()) == 0 {
			m.spinning = false
			return nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return cmd

	case revealMsg:
		if m.revealed != nil {
			m.revealed.wipe()
		}
		m.revealed = &revealed{seq: msg.seq, perm: msg.perm, temp: msg.temp, until: m.opts.Clock().Add(RevealFor)}
		m.setScreen(ScreenKeys)
		seq := msg.seq
		return tea.Tick(RevealFor, func(time.Time) tea.Msg { return hideMsg{seq} })

	case hideMsg:
		if m.revealed != nil && m.revealed.seq == msg.seq {
			m.revealed.wipe()
			m.revealed = nil
		}
		return nil

	case copyMsg:
		return m.copyText(msg.what, msg.text, false)

	case loginRecorded:
		if msg.err != nil {
			m.st.Apply(model.ActionDone{At: m.opts.Clock(), Action: "login", Err: "record the login: " + msg.err.Error()})
		}
		return nil

	case tea.MouseMsg:
		return m.screens[m.screen].Update(msg)

	case tea.KeyMsg:
		return m.key(msg)
	}
	// Anything else is a screen's own (the catalog filter's results,
	// the Traffic screen's frames).
	return tea.Batch(m.broadcast(msg)...)
}

// broadcast gives msg to every screen.
func (m *Model) broadcast(msg tea.Msg) []tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.screens)+1)
	for _, s := range m.screens {
		cmds = append(cmds, s.Update(msg))
	}
	return cmds
}

// key handles a key no overlay took: the global bindings, then the screen
// on show. While a screen takes text (the catalog filter), it gets every
// key.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	cur := m.screens[m.screen]
	if cur.Typing() {
		return cur.Update(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.overlays.Push(rankHelp, overlay.Body, m.newHelp())
		return nil
	case key.Matches(msg, k.NextTab):
		return m.show((m.screen + 1) % numScreens)
	case key.Matches(msg, k.PrevTab):
		return m.show((m.screen + numScreens - 1) % numScreens)
	}
	for i, b := range k.Tab {
		if key.Matches(msg, b) {
			return m.show(Screen(i))
		}
	}
	switch {
	case key.Matches(msg, k.Bind):
		return m.rotate()
	case key.Matches(msg, k.Drop):
		m.openDialog(m.confirmDrop())
		return nil
	case key.Matches(msg, k.Export):
		m.openDialog(m.pickExport())
		return nil
	case key.Matches(msg, k.Login):
		if m.opts.RealLogin != nil {
			return m.openLoginForm()
		}
		m.openDialog(m.askPhone())
		return nil
	case key.Matches(msg, k.Reveal):
		m.openDialog(m.confirmReveal())
		return nil
	case key.Matches(msg, k.Copy):
		m.openDialog(m.pickCopy())
		return nil
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	}
	return cur.Update(msg)
}

func (m *Model) openDialog(d overlay.Layer) {
	if d != nil {
		m.overlays.Push(rankDialog, overlay.Body, d)
	}
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

// show brings a screen into view and lets it load what it needs.
func (m *Model) show(s Screen) tea.Cmd {
	m.setScreen(s)
	return m.screens[s].Update(shownMsg{})
}

// layout gives every screen and overlay its size after a resize.
func (m *Model) layout() {
	w, h := m.width, m.bodyHeight()
	for _, s := range m.screens {
		s.SetSize(w, h)
	}
	m.overlays.SetSize(w, h)
}

func (m *Model) bodyHeight() int { return max(m.height-chromeRows, 1) }

// refresh renders the screen on show from the state. It runs at the end of
// every Update, so View only lays out what is already rendered.
func (m *Model) refresh() {
	if m.width == 0 {
		return
	}
	m.screens[m.screen].Refresh()
}
