// Package dcview is the server's side of tgpfs in a terminal, `tgpfs dc
// --tui`: every client the local DC cluster sees (who it said it is in
// initConnection, its transports and DCs), its permanent key and each
// temporary key with a live countdown to expiry, binds, drops and -404s as
// they happen, and its verdicts filling in. Enter opens a client's page:
// its events and each verdict's detail.
//
// It follows the client UI's rules (package ui). Data flows one way: the
// cluster's event stream and its report snapshots arrive as messages;
// Update applies them to the state; the view renders the state. The report
// is taken in a tea.Cmd, never in Update, since it takes the cluster's
// lock; a snapshot is asked for on every tick and on each event, one at a
// time, with a pause after each that grows with what it took. Countdowns
// are computed from expires_at and the last tick's clock, never counted
// down.
package dcview

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/overlay"
	"tgpfs/ui/stream"
	"tgpfs/ui/styles"
)

// DC is one DC of the cluster and where it listens.
type DC struct {
	ID   int
	Addr string
}

// Options configure the view.
type Options struct {
	// DCs are the cluster's DCs, for the header: the same addresses as
	// the "dc N host:port" lines.
	DCs []DC
	// Note is a line about the cluster for the header (its RSA key,
	// its cap on expires_in).
	Note string
	// Report returns the cluster's live report. It may wait on the
	// cluster's lock, so it is only ever called in a tea.Cmd.
	Report func() model.ConformanceReport
	// Events is the cluster's event stream.
	Events <-chan model.ServerEvent

	// Clock is the time source of the countdowns; time.Now by default.
	// The local DCs' clock is this machine's clock.
	Clock func() time.Time
	// Tick is the redraw period; zero redraws just after each second
	// turns, when a countdown's digits change.
	Tick time.Duration
	// Rest is the least pause between two reports, so that a burst of
	// events costs one; 100 ms by default. The pause is longer after a
	// report that took long: four times what it took, so the view holds
	// the cluster's observation lock a fifth of the time at most.
	Rest time.Duration

	Styles  *styles.Styles
	Keys    *KeyMap
	Context context.Context // ends the event pump; Background by default
}

// page is what the body shows.
type page int

const (
	pageList page = iota
	pageClient
)

// shared is what the components read. Only the root's Update writes it.
type shared struct {
	st     *state
	styles styles.Styles
	keys   KeyMap
}

// Model is the root Bubble Tea model of the server's view.
type Model struct {
	shared
	opts Options
	ctx  context.Context

	width, height int
	page          page
	list          *clientList
	detail        *clientDetail
	overlays      overlay.Stack

	// fetching is set while a report is being taken, resting in the
	// pause after it; wanted, when a report was asked for meanwhile.
	fetching, resting, wanted bool
	quitting                  bool
}

// rankHelp is the one overlay: `?`.
const rankHelp overlay.Rank = 1

// chromeRows are the rows around the body: two header lines, the status
// bar.
const chromeRows = 3

// New builds the view.
func New(opts Options) *Model {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.Rest <= 0 {
		opts.Rest = 100 * time.Millisecond
	}
	m := &Model{
		shared: shared{st: newState(opts.Clock()), styles: styles.Default(), keys: DefaultKeyMap()},
		opts:   opts,
		ctx:    opts.Context,
	}
	if opts.Styles != nil {
		m.styles = *opts.Styles
	}
	if opts.Keys != nil {
		m.keys = *opts.Keys
	}
	m.list = newClientList(&m.shared)
	m.detail = newClientDetail(&m.shared)
	return m
}

// Messages the view sends itself.
type (
	tickMsg         struct{}
	eventMsg        struct{ ev model.ServerEvent }
	eventsClosedMsg struct{}
	restedMsg       struct{}
	reportMsg       struct {
		r    model.ConformanceReport
		took time.Duration
	}
)

// CaptureMsg asks the running program for its screen from inside its event
// loop, as ui.CaptureMsg does: tests and screenshots read the picture
// without racing Update. Reply must have room for one value.
type CaptureMsg struct{ Reply chan<- Capture }

// Capture is what a CaptureMsg returns.
type Capture struct {
	View string
	// Report is the snapshot on screen; Client the client whose page is
	// open, -1 on the list.
	Report model.ConformanceReport
	Client int
	// Events is how many cluster events the view holds.
	Events int
}

// Init starts the tick, the event pump and the first report.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick(), m.requestReport()}
	if m.opts.Events != nil {
		cmds = append(cmds, m.waitEvent())
	}
	return tea.Batch(cmds...)
}

func (m *Model) tick() tea.Cmd { return layout.SecondTick(m.opts.Tick, m.opts.Clock(), tickMsg{}) }

func (m *Model) waitEvent() tea.Cmd {
	return stream.Next(m.ctx, m.opts.Events, func(ev model.ServerEvent) tea.Msg { return eventMsg{ev} }, eventsClosedMsg{})
}

// requestReport takes a snapshot now, or after the one being taken and
// the pause after it.
func (m *Model) requestReport() tea.Cmd {
	if m.opts.Report == nil {
		return nil
	}
	if m.fetching || m.resting {
		m.wanted = true
		return nil
	}
	m.fetching = true
	report := m.opts.Report
	return func() tea.Msg {
		start := time.Now()
		r := report()
		return reportMsg{r: r, took: time.Since(start)}
	}
}

// Update applies one message. It is the only place state changes, and it
// never blocks: the report and the event stream are read in commands.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.refresh()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	if layout.Interrupt(msg) {
		return m.quit()
	}
	if cmd, taken := m.overlays.Update(msg); taken {
		return cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		body := max(m.height-chromeRows, 1)
		m.list.SetSize(m.width, body)
		m.detail.SetSize(m.width, body)
		m.overlays.SetSize(m.width, body)
		return nil

	case tickMsg:
		m.st.now = m.opts.Clock()
		return tea.Batch(m.tick(), m.requestReport())

	case eventMsg:
		m.st.apply(msg.ev)
		return tea.Batch(m.waitEvent(), m.requestReport())

	case restedMsg:
		m.resting = false
		if !m.wanted {
			return nil
		}
		m.wanted = false
		return m.requestReport()

	case eventsClosedMsg:
		m.st.streamClosed = true
		return nil

	case reportMsg:
		prev := m.st.index(m.list.sel)
		m.st.setReport(msg.r)
		m.list.Refresh(prev)
		m.fetching, m.resting = false, true
		return tea.Tick(max(m.opts.Rest, 4*msg.took), func(time.Time) tea.Msg { return restedMsg{} })

	case CaptureMsg:
		m.refresh()
		c := Capture{View: m.View(), Report: m.st.report, Client: -1, Events: len(m.st.events)}
		if m.page == pageClient {
			c.Client = m.detail.id
		}
		msg.Reply <- c
		return nil

	case tea.MouseMsg:
		return m.current().Update(msg)

	case tea.KeyMsg:
		return m.key(msg)
	}
	return nil
}

// component is a page of the body.
type component interface {
	Update(tea.Msg) tea.Cmd
	View() string
}

func (m *Model) current() component {
	if m.page == pageClient {
		return m.detail
	}
	return m.list
}

// key handles a key no overlay took: the root's own bindings, then the
// page on show.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.overlays.Push(rankHelp, overlay.Body, m.newHelp())
		return nil
	}
	if m.page == pageList {
		if id, ok := m.list.Selected(); ok && key.Matches(msg, k.Open) {
			m.page = pageClient
			m.detail.Show(id)
			return nil
		}
		return m.list.Update(msg)
	}
	switch {
	case key.Matches(msg, k.Back):
		m.page = pageList
		return nil
	case key.Matches(msg, k.PrevClient):
		m.step(-1)
		return nil
	case key.Matches(msg, k.NextClient):
		m.step(1)
		return nil
	}
	return m.detail.Update(msg)
}

// step opens the page of the client d rows away from the one open, and
// selects it in the list too.
func (m *Model) step(d int) {
	m.list.Select(m.detail.id)
	m.list.move(d)
	if id, ok := m.list.Selected(); ok && id != m.detail.id {
		m.detail.Show(id)
	}
}

func (m *Model) newHelp() *overlay.Help {
	return overlay.NewHelp(overlay.KeyGroups(m.keys.FullHelp()), overlay.Options{Styles: &m.styles})
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	return tea.Quit
}

// refresh renders the client's page from the state after every message,
// so View only lays out what is rendered.
func (m *Model) refresh() {
	if m.page == pageClient {
		m.detail.Refresh()
	} else {
		m.list.keepInView()
	}
}
