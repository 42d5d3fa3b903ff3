package dcview

import (
	"github.com/charmbracelet/bubbles/key"

	"tgpfs/ui/layout"
)

// KeyMap is every key the server's view answers to. The keys that mean the
// same as on the client's side (moving, help, quit) are the same keys.
type KeyMap struct {
	layout.ScrollKeys

	Open       key.Binding // the selected client's page
	Back       key.Binding // back to the list
	PrevClient key.Binding
	NextClient key.Binding

	Help key.Binding
	Quit key.Binding
}

// DefaultKeyMap is the key map the README documents.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		ScrollKeys: layout.DefaultScrollKeys(),

		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the client")),
		Back:       key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back to the clients")),
		PrevClient: key.NewBinding(key.WithKeys("left", "["), key.WithHelp("←/[", "previous client")),
		NextClient: key.NewBinding(key.WithKeys("right", "]"), key.WithHelp("→/]", "next client")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit (stops the DCs)")),
	}
}

// FullHelp is the keys in the columns `?` shows.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Back, k.PrevClient, k.NextClient},
		{k.Help, k.Quit},
	}
}
