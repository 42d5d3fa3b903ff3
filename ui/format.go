package ui

import (
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// The pieces every screen renders with. The screens render from the State
// alone (plus now for the countdown), in pure functions, so the benchmark
// and the snapshot can call them without a program.

const labelWidth = 13

func row(s styles.Styles, label, value string) string {
	return "  " + s.Label.Render(layout.Pad(label, labelWidth)) + value
}

func endStyle(s styles.Styles, e model.TempEnd) lipgloss.Style {
	switch e {
	case model.Live:
		return s.OK
	case model.Rotated:
		return s.Dim
	case model.Dropped, model.Expired:
		return s.Warn
	}
	return s.Bad
}

func endSymbol(e model.TempEnd) string {
	switch e {
	case model.Live:
		return styles.SymLive
	case model.Rotated, model.Dropped, model.Expired:
		return styles.SymEnded
	}
	return styles.SymBad
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func sortStrings(s []string) { sort.Strings(s) }
