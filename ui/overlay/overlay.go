// Package overlay is what tgpfs draws over its screens: the Stack that
// decides which overlay is on top, and the overlays that are not login forms
// (the FLOOD_WAIT banner, the dialog about keys the DC refused). Its Frame
// is the layout every full-body overlay shares, ui/loginform's included.
//
// Each overlay is a Bubble Tea v1 component in the style of the bubbles
// package (Init, Update, View, SetSize, a KeyMap): Update returns the
// concrete type, and the parent decides where the View goes.
package overlay

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/ui/styles"
)

// KeyMap is every key the overlays answer to.
type KeyMap struct {
	// Yes and No answer a KeyProblem that asks before a destructive step.
	Yes key.Binding
	No  key.Binding
	// Submit acknowledges a KeyProblem that asks nothing.
	Submit key.Binding
	Cancel key.Binding
}

// DefaultKeyMap is the key map the README documents.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Yes:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// Options are shared by the overlays.
type Options struct {
	// Now is the clock countdowns read; nil = time.Now.
	Now    func() time.Time
	Styles *styles.Styles // nil = styles.Default()
	Keys   *KeyMap        // nil = DefaultKeyMap()
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Styles = styles.OrDefault(o.Styles)
	if o.Keys == nil {
		k := DefaultKeyMap()
		o.Keys = &k
	}
	return o
}

// lastID numbers the components that tick or wait for an answer, here and
// in ui/loginform, so a message is only taken by the one that asked for it
// even when several are alive.
var lastID atomic.Int64

// NextID is a component id no other component of the process has.
func NextID() int { return int(lastID.Add(1)) }

// Frame lays a full-body overlay out in width x height: title, a blank line
// when there is room for it, the body, and the help line on the last row.
func Frame(s *styles.Styles, width, height int, title, body, help string) string {
	content := s.Section.Render(title) + "\n\n" + body
	if height > 0 && strings.Count(body, "\n")+1+3 > height {
		content = s.Section.Render(title) + "\n" + body
	}
	if width > 0 {
		content = lipgloss.NewStyle().Width(width).MaxWidth(width).Render(content)
	}
	helpLine := s.StatusHint.Render(help)
	if width > 0 {
		helpLine = lipgloss.NewStyle().MaxWidth(width).Render(helpLine)
	}
	if height <= 0 {
		return content + "\n\n" + helpLine
	}
	lines := strings.Split(content, "\n")
	if len(lines) > height-1 {
		lines = lines[:max(height-1, 0)]
	}
	for len(lines) < height-1 {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, helpLine), "\n")
}

// Wrap wraps s at width words; width 0 leaves it alone.
func Wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	return lipgloss.NewStyle().Width(width).Render(s)
}

// HelpText is a help line: "key what · key what" for every enabled binding.
func HelpText(bs ...key.Binding) string {
	var parts []string
	for _, b := range bs {
		if b.Enabled() && b.Help().Key != "" {
			parts = append(parts, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return strings.Join(parts, " · ")
}

// WithHelp is b described as desc, for a help line that says what a key
// does at this step.
func WithHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// FormatWait formats a wait as 1h02m03s, 2m05s or 41s.
func FormatWait(d time.Duration) string {
	s := int(d / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}
