package ui

import (
	"fmt"
	"strings"
	"time"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// newServerScreen is what the local DCs hold and their event stream.
func newServerScreen(sh *shared, _ Options) screen {
	return newTextScreen(sh, func(w int) string { return renderServer(sh.st, sh.now, sh.styles, w) })
}

func renderServer(st *model.State, now time.Time, s styles.Styles, width int) string {
	var b strings.Builder
	line := func(str string) { b.WriteString(str + "\n") }
	if len(st.Server) == 0 && len(st.ServerEvents) == 0 {
		return s.Dim.Render("No server events: the Server screen shows what an embedded local DC holds.")
	}
	line(s.Section.Render("Keys the local DCs hold") + s.Dim.Render("  (what the server would answer; ● accepted, ○ gets -404)"))
	line(s.Label.Render(fmt.Sprintf("  %-4s %-10s %-16s  %-9s %-9s %s", "DC", "kind", "id", "state", "expires", "left")))
	for _, k := range st.ServerKeys(0) {
		mark := s.OK.Render(styles.SymLive)
		if !k.Held() {
			mark = s.Dim.Render(styles.SymEnded)
		}
		exp, left := "—", ""
		if k.Kind == model.Temporary && !k.ExpiresAt.IsZero() {
			exp = layout.Clock(k.ExpiresAt)
			if k.Held() {
				// The local DC's clock is this machine's clock.
				left = layout.Countdown(max(k.ExpiresAt.Sub(now), 0))
			}
		}
		l := fmt.Sprintf("%s %-4d %-10s %s  %-9s %-9s %-6s", mark, k.DC, k.Kind, s.KeyID.Render(k.ID.String()),
			k.State, exp, left)
		switch {
		case st.HasPerm && k.ID == st.Perm.ID:
			l += s.Dim.Render(" ours")
		case k.ID == st.CurrentID:
			l += s.Dim.Render(" ours, current")
		case k.PermID != 0 && k.PermID == st.Perm.ID:
			l += s.Dim.Render(" bound to ours")
		case ourExport(st, k.ID):
			l += s.Dim.Render(" ours, for the export")
		}
		line(l)
	}
	line("")
	line(s.Section.Render("Recent server events"))
	evs := st.ServerEvents
	for i := len(evs) - 1; i >= 0 && i >= len(evs)-50; i-- {
		e := evs[i]
		l := fmt.Sprintf("  %s DC %d %-9s", layout.Clock(e.At), e.DC, e.Kind)
		if e.KeyID != 0 {
			l += " " + s.KeyID.Render(e.KeyID.String())
		}
		if e.UserID != 0 {
			l += fmt.Sprintf(" user %d", e.UserID)
		}
		if e.Detail != "" {
			l += s.Dim.Render("  " + e.Detail)
		}
		switch e.Kind.Tone() {
		case model.ToneProblem:
			l = s.Bad.Render(styles.SymBad) + l[1:]
		case model.ToneWarning:
			l = s.Warn.Render(styles.SymWarn) + l[1:]
		}
		line(l)
	}
	return strings.TrimRight(b.String(), "\n")
}

// ourExport reports whether id is a key tgpfs made on another DC for an
// export: a temporary key there, or the permanent key one is bound to.
func ourExport(st *model.State, id model.KeyID) bool {
	if _, ok := st.Temp(id); ok {
		return true
	}
	for _, perm := range st.BoundTo {
		if perm == id {
			return true
		}
	}
	return false
}
