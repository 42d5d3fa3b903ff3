package dcview

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"tgpfs/internal/termtext"
	"tgpfs/model"
	"tgpfs/ui/styles"
)

// safe is text a client sent (its name, a method, an error it earned) made
// harmless for the terminal: a client must not be able to move the
// operator's cursor or reorder the screen.
func safe(s string) string { return termtext.Escape(s) }

// orDash is n, or "—" when the client has not said it.
func orDash(n int) string {
	if n == 0 {
		return "—"
	}
	return strconv.Itoa(n)
}

func joinInts(ns []int) string {
	if len(ns) == 0 {
		return "—"
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// lifeLeft is the part of a live temporary key's life left, 0..1.
func lifeLeft(st *state, k model.ObservedTempKey, left time.Duration) float64 {
	life := st.expiresAt(k).Sub(k.Created)
	if life <= 0 {
		return 0
	}
	return min(float64(left)/float64(life), 1)
}

// liveStyle colours a countdown by how much of the key's life is left, as
// the lifetime bar does.
func liveStyle(s styles.Styles, st *state, k model.ObservedTempKey, left time.Duration) lipgloss.Style {
	switch f := lifeLeft(st, k, left); {
	case f < 0.2:
		return s.Bad
	case f < 0.5:
		return s.Warn
	}
	return s.OK
}
