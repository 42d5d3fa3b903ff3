package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// SnapshotWidth is the width the one-shot snapshot is laid out for.
const SnapshotWidth = 100

// Snapshot renders the state as plain text for a stdout that is not a
// terminal: the Keys screen, then the last handshake with its verdicts, then
// errors from the log. It is what `tgpfs | cat` prints instead of a UI.
func Snapshot(st *model.State, now time.Time) string {
	s := styles.Default()
	var b strings.Builder
	b.WriteString(header(st))
	b.WriteString("\n\n")
	b.WriteString(renderKeys(st, now, s, SnapshotWidth, nil))
	b.WriteString("\n\n")
	b.WriteString(renderHandshake(st, 0, s, SnapshotWidth))
	var errs []string
	for _, e := range st.Log {
		if e.Level == model.Error {
			errs = append(errs, layout.Clock(e.At)+" "+styles.SymBad+" "+e.Text)
		}
	}
	if len(errs) > 0 {
		b.WriteString("\n\nErrors\n  " + strings.Join(errs, "\n  "))
	}
	b.WriteString("\n")
	return ansi.Strip(b.String())
}

func header(st *model.State) string {
	t := st.Target
	parts := []string{"tgpfs"}
	if t.Env != "" {
		parts = append(parts, envName(t.Env)+" DC "+strconv.Itoa(t.DC)+" ("+t.Addr+")")
	}
	parts = append(parts, st.Conn.String())
	if st.User != nil {
		parts = append(parts, "as "+st.User.Name())
	}
	if t.Layer != 0 {
		parts = append(parts, "layer "+strconv.Itoa(t.Layer))
	}
	return strings.Join(parts, " · ")
}
