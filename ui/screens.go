package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// Screen is one tab of the UI: an index into screenTable.
type Screen int

const (
	ScreenKeys Screen = iota
	ScreenHandshake
	ScreenCatalog
	ScreenTraffic
	ScreenServer
	ScreenLog
	ScreenSessions
)

// screenTable is every screen, in tab order. A new screen is one new file
// (its type and constructor) and one entry here; the root talks to the
// screens only through the screen interface.
var screenTable = [...]struct {
	name string
	make func(sh *shared, opts Options) screen
}{
	ScreenKeys:      {"Keys", newKeysScreen},
	ScreenHandshake: {"Handshake", newHandshakeScreen},
	ScreenCatalog:   {"Catalog", newCatalogScreen},
	ScreenTraffic:   {"Traffic", newTrafficScreen},
	ScreenServer:    {"Server", newServerScreen},
	ScreenLog:       {"Log", newLogScreen},
	ScreenSessions:  {"Sessions", newSessionsScreen},
}

const numScreens = Screen(len(screenTable))

func (s Screen) String() string { return screenTable[s].name }

// screen is one tab, a component in the Bubble Tea sense.
type screen interface {
	// SetSize gives the screen the body's size.
	SetSize(width, height int)
	// Update handles one message. Keys, the mouse, ticks and shownMsg
	// reach only the screen on show, and only keys no overlay and no
	// global binding took; every other message (an event once applied,
	// the results of the screen's own commands) reaches every screen.
	Update(msg tea.Msg) tea.Cmd
	// Refresh renders the screen from the shared state. The root calls
	// it after every message for the screen on show, so View only lays
	// out what is rendered.
	Refresh()
	// View draws the body, no larger than SetSize said.
	View() string
	// Bindings are the keys the screen answers to besides the global
	// ones, for the help.
	Bindings() []key.Binding
	// Typing reports that every key is text to the screen (a filter
	// being typed): the global bindings wait until it ends.
	Typing() bool
}

// shownMsg tells the screen on show that it came into view, so it can load
// what it shows.
type shownMsg struct{}

// shared is what the screens read: the state and the last tick's clock,
// the look, and the backend for their commands. Only the root's Update
// writes it.
type shared struct {
	st       *model.State
	now      time.Time
	styles   styles.Styles
	keys     KeyMap
	revealed *revealed
	backend  Backend
}

// Rows the frame around the screens takes: header, tabs, status bar.
const chromeRows = 3

// wheel is how far a mouse event scrolls: -1 up, 1 down, 0 not a wheel.

// scrollWheel scrolls vp three lines a wheel notch.
func scrollWheel(vp *viewport.Model, msg tea.MouseMsg) {
	switch layout.Wheel(msg) {
	case -1:
		vp.ScrollUp(3)
	case 1:
		vp.ScrollDown(3)
	}
}

// textScreen is a screen whose content is a block of text, possibly taller
// than the window, rendered by render at the screen's width: the Keys,
// Handshake, Server and Log screens.
type textScreen struct {
	sh     *shared
	render func(width int) string
	vp     viewport.Model // keeps the scroll offset and its bounds
	lines  []string
	follow bool // keep the newest (bottom) line in view unless scrolled up
}

func newTextScreen(sh *shared, render func(width int) string) *textScreen {
	return &textScreen{sh: sh, render: render}
}

func (p *textScreen) SetSize(w, h int) { p.vp.Width, p.vp.Height = w, h }

func (p *textScreen) Refresh() {
	if w := p.vp.Width; w > 0 {
		p.setContent(layout.Fit(p.render(w), w))
	}
}

func (p *textScreen) setContent(s string) {
	stick := p.follow && (p.vp.AtBottom() || p.vp.TotalLineCount() == 0)
	p.lines = strings.Split(s, "\n")
	p.vp.SetContent(s)
	if stick {
		p.vp.GotoBottom()
	}
}

func (p *textScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		scrollWheel(&p.vp, msg)
	case tea.KeyMsg:
		k := p.sh.keys
		switch {
		case key.Matches(msg, k.Up):
			p.vp.ScrollUp(1)
		case key.Matches(msg, k.Down):
			p.vp.ScrollDown(1)
		case key.Matches(msg, k.PageUp):
			p.vp.PageUp()
		case key.Matches(msg, k.PageDown):
			p.vp.PageDown()
		case key.Matches(msg, k.Top):
			p.vp.GotoTop()
		case key.Matches(msg, k.Bottom):
			p.vp.GotoBottom()
		}
	}
	return nil
}

// View shows the lines in the window. The viewport's own View re-wraps
// every line through lipgloss; the lines here are already cut to width.
func (p *textScreen) View() string {
	top := min(max(p.vp.YOffset, 0), len(p.lines))
	end := min(top+p.vp.Height, len(p.lines))
	return layout.Block(strings.Join(p.lines[top:end], "\n"), p.vp.Width, p.vp.Height)
}

func (p *textScreen) Bindings() []key.Binding { return nil }
func (p *textScreen) Typing() bool            { return false }

// listCursor is the selection of a screen that lists rows (Traffic,
// Sessions): the selected row, the first row in view and how many rows the
// view has.
type listCursor struct{ cursor, top, rows int }

// move moves the selection n rows in a list of total.
func (c *listCursor) move(n, total int) {
	c.cursor += n
	c.clamp(total)
}

// clamp keeps the selection in the list and in view.
func (c *listCursor) clamp(total int) {
	c.cursor = min(max(c.cursor, 0), max(total-1, 0))
	if c.cursor < c.top {
		c.top = c.cursor
	}
	if c.rows > 0 && c.cursor >= c.top+c.rows {
		c.top = c.cursor - c.rows + 1
	}
	c.top = max(min(c.top, total-c.rows), 0)
}

// selectedRow is the row of rows under the cursor; false when the list is
// empty or the cursor is off it.
func selectedRow[T any](c listCursor, rows []T) (T, bool) {
	if c.cursor < 0 || c.cursor >= len(rows) {
		var zero T
		return zero, false
	}
	return rows[c.cursor], true
}

// key moves the selection for the navigation keys and reports whether msg
// was one.
func (c *listCursor) key(msg tea.KeyMsg, k KeyMap, total int) bool {
	n, ok := k.Step(msg, c.rows, total)
	if ok {
		c.move(n, total)
	}
	return ok
}
