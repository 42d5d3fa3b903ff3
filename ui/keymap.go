package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"

	"tgpfs/ui/layout"
)

// KeyMap is every key the app answers to. The screens answer to their own
// bindings (Traffic's open, Catalog's copy) but read them from here, and
// list them in their Bindings, so `?` shows the whole truth.
type KeyMap struct {
	NextTab key.Binding
	PrevTab key.Binding
	Tab     []key.Binding // one per screen, in tab order

	layout.ScrollKeys
	Earlier key.Binding // an earlier handshake
	Later   key.Binding

	Bind    key.Binding
	Drop    key.Binding
	Export  key.Binding
	Login   key.Binding
	Reveal  key.Binding
	Copy    key.Binding
	Pause   key.Binding
	Open    key.Binding
	Snippet key.Binding
	Filter  key.Binding

	// The Sessions screen's.
	Terminate       key.Binding
	TerminateOthers key.Binding
	Fork            key.Binding
	Refresh         key.Binding

	Confirm key.Binding
	Cancel  key.Binding
	Help    key.Binding
	Quit    key.Binding
}

// DefaultKeyMap is the key map the README documents.
func DefaultKeyMap() KeyMap {
	k := KeyMap{
		NextTab: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevTab: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),

		ScrollKeys: layout.DefaultScrollKeys(),
		Earlier:    key.NewBinding(key.WithKeys("left", "["), key.WithHelp("←/[", "earlier handshake")),
		Later:      key.NewBinding(key.WithKeys("right", "]"), key.WithHelp("→/]", "later handshake")),

		Bind:    key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "bind a fresh temp key")),
		Drop:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "drop other temp keys")),
		Export:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export login to a DC")),
		Login:   key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "log in")),
		Reveal:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reveal key bytes (10 s)")),
		Copy:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy…")),
		Pause:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume renewal")),
		Open:    key.NewBinding(key.WithKeys("o", "enter"), key.WithHelp("o", "open frame with each key")),
		Snippet: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy Go snippet")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),

		Terminate:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "end the selected session")),
		TerminateOthers: key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "end every other session")),
		Fork:            key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fork this session (a new device)")),
		Refresh:         key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "list the sessions again")),

		Confirm: key.NewBinding(key.WithKeys("enter", "y"), key.WithHelp("enter", "confirm")),
		Cancel:  key.NewBinding(key.WithKeys("esc", "n"), key.WithHelp("esc", "cancel")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
	k.Tab = make([]key.Binding, numScreens)
	for i := range k.Tab {
		n := string(rune('1' + i))
		k.Tab[i] = key.NewBinding(key.WithKeys(n), key.WithHelp(fmt.Sprintf("1-%d", numScreens), "go to screen"))
	}
	return k
}

// FullHelp is the keys every screen answers to, in the columns `?` shows;
// the screens' own keys follow them there (screen.Bindings).
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.NextTab, k.PrevTab, k.Tab[0], k.Up, k.Down, k.PageUp, k.PageDown},
		{k.Bind, k.Drop, k.Export, k.Login, k.Pause},
		{k.Reveal, k.Copy},
		{k.Help, k.Cancel, k.Quit},
	}
}
