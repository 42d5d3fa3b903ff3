// Package styles holds every lipgloss style tgpfs's UI draws with, in one
// place and by meaning (ok, bad, dim, key id) rather than by colour, so a
// screen never picks a colour itself and a theme change is one file.
package styles

import "github.com/charmbracelet/lipgloss"

// Symbols carry every verdict in shape as well as colour, for colour-blind
// readers and for monochrome terminals.
const (
	SymOK      = "✓"
	SymBad     = "✗"
	SymWarn    = "!"
	SymLive    = "●"
	SymEnded   = "○"
	SymPending = "…"
	SymNone    = "–" // not seen: a verdict no run put the client to
)

// Styles is the UI's whole palette.
type Styles struct {
	App lipgloss.Style

	Header      lipgloss.Style
	HeaderTitle lipgloss.Style
	HeaderItem  lipgloss.Style

	Tab       lipgloss.Style
	ActiveTab lipgloss.Style
	TabGap    lipgloss.Style

	Section lipgloss.Style // a heading inside a screen
	Label   lipgloss.Style // "expires_at"
	Value   lipgloss.Style
	KeyID   lipgloss.Style // every auth_key_id, so ids are easy to follow
	Dim     lipgloss.Style
	OK      lipgloss.Style
	Bad     lipgloss.Style
	Warn    lipgloss.Style
	Secret  lipgloss.Style // revealed key bytes

	Selected lipgloss.Style // the selected row of a table

	BarFull  lipgloss.Style
	BarEmpty lipgloss.Style

	Status      lipgloss.Style
	StatusError lipgloss.Style
	StatusBusy  lipgloss.Style
	StatusHint  lipgloss.Style

	Dialog      lipgloss.Style
	DialogTitle lipgloss.Style
}

// OrDefault is s, or a fresh Default palette when s is nil: the default
// every component's Options.Styles has.
func OrDefault(s *Styles) *Styles {
	if s == nil {
		d := Default()
		return &d
	}
	return s
}

// Default is the palette: adaptive colours that read on light and dark
// terminals.
func Default() Styles {
	var (
		accent = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9D8CFF"}
		green  = lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}
		red    = lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"}
		yellow = lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"}
		cyan   = lipgloss.AdaptiveColor{Light: "#0969DA", Dark: "#58A6FF"}
		subtle = lipgloss.AdaptiveColor{Light: "#6E7781", Dark: "#8B949E"}
		border = lipgloss.AdaptiveColor{Light: "#D0D7DE", Dark: "#30363D"}
		barBg  = lipgloss.AdaptiveColor{Light: "#D0D7DE", Dark: "#3D444D"}
		selBg  = lipgloss.AdaptiveColor{Light: "#DDD6FE", Dark: "#3B3363"}
		selFg  = lipgloss.AdaptiveColor{Light: "#1F2328", Dark: "#F0F6FC"}
	)
	return Styles{
		App: lipgloss.NewStyle(),

		Header:      lipgloss.NewStyle().Padding(0, 1),
		HeaderTitle: lipgloss.NewStyle().Bold(true).Foreground(accent),
		HeaderItem:  lipgloss.NewStyle().Foreground(subtle),

		Tab:       lipgloss.NewStyle().Padding(0, 1).Foreground(subtle),
		ActiveTab: lipgloss.NewStyle().Padding(0, 1).Bold(true).Underline(true).Foreground(accent),
		TabGap:    lipgloss.NewStyle().Foreground(border),

		Section: lipgloss.NewStyle().Bold(true).Foreground(accent),
		Label:   lipgloss.NewStyle().Foreground(subtle),
		Value:   lipgloss.NewStyle(),
		KeyID:   lipgloss.NewStyle().Foreground(cyan),
		Dim:     lipgloss.NewStyle().Foreground(subtle),
		OK:      lipgloss.NewStyle().Foreground(green),
		Bad:     lipgloss.NewStyle().Foreground(red).Bold(true),
		Warn:    lipgloss.NewStyle().Foreground(yellow),
		Secret:  lipgloss.NewStyle().Foreground(red),

		Selected: lipgloss.NewStyle().Background(selBg).Foreground(selFg),

		BarFull:  lipgloss.NewStyle().Foreground(green),
		BarEmpty: lipgloss.NewStyle().Foreground(barBg),

		Status:      lipgloss.NewStyle().Padding(0, 1),
		StatusError: lipgloss.NewStyle().Foreground(red),
		StatusBusy:  lipgloss.NewStyle().Foreground(yellow),
		StatusHint:  lipgloss.NewStyle().Foreground(subtle),

		Dialog:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		DialogTitle: lipgloss.NewStyle().Bold(true).Foreground(accent),
	}
}
