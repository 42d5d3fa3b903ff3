package overlay

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// HelpGroup is one column of the help: keys, with a title when they belong
// to one screen.
type HelpGroup struct {
	Title string
	Keys  []key.Binding
}

// KeyGroups is a key map's FullHelp columns as untitled groups, the global
// keys every help starts with.
func KeyGroups(columns [][]key.Binding) []HelpGroup {
	groups := make([]HelpGroup, 0, len(columns))
	for _, c := range columns {
		groups = append(groups, HelpGroup{Keys: c})
	}
	return groups
}

// Help is the `?` overlay of every tgpfs UI: all its keys, grouped, in as
// many columns as the width allows. Any key closes it. It is a Layer.
type Help struct {
	styles        *styles.Styles
	groups        []HelpGroup
	width, height int
}

// NewHelp shows groups in order.
func NewHelp(groups []HelpGroup, opts Options) *Help {
	opts = opts.withDefaults()
	return &Help{styles: opts.Styles, groups: groups}
}

// Update closes the help on any key.
func (h *Help) Update(msg tea.Msg) (tea.Cmd, bool) {
	_, key := msg.(tea.KeyMsg)
	return nil, key
}

// SetSize gives the help the body's size.
func (h *Help) SetSize(w, hh int) { h.width, h.height = w, hh }

// View lays the groups out in rows of columns.
func (h *Help) View() string {
	s := h.styles
	var blocks []string
	for _, group := range h.groups {
		keyW := 0
		for _, b := range group.Keys {
			keyW = max(keyW, lipgloss.Width(b.Help().Key))
		}
		var lines []string
		if group.Title != "" {
			lines = append(lines, s.Label.Render(group.Title))
		}
		for _, b := range group.Keys {
			hb := b.Help()
			lines = append(lines, s.KeyID.Render(layout.Pad(hb.Key, keyW+1))+" "+hb.Desc)
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	var rows []string
	var row []string
	rowW := 0
	for _, b := range blocks {
		bw := lipgloss.Width(b) + 4
		if rowW+bw > h.width && len(row) > 0 {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		row = append(row, lipgloss.NewStyle().PaddingRight(4).Render(b))
		rowW += bw
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	return s.Section.Render("Keys") + s.Dim.Render("  (any key closes)") + "\n\n" + strings.Join(rows, "\n\n")
}
