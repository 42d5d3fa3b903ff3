package ui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
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
func wheel(msg tea.MouseMsg) int {
	if msg.Action != tea.MouseActionPress {
		return 0
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		return -1
	case tea.MouseButtonWheelDown:
		return 1
	}
	return 0
}

// scrollWheel scrolls vp three lines a wheel notch.
func scrollWheel(vp *viewport.Model, msg tea.MouseMsg) {
	switch wheel(msg) {
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
		p.setContent(fit(p.render(w), w))
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
	return block(strings.Join(p.lines[top:end], "\n"), p.vp.Width, p.vp.Height)
}

func (p *textScreen) Bindings() []key.Binding { return nil }
func (p *textScreen) Typing() bool            { return false }
