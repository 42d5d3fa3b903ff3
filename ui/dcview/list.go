package dcview

import (
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// clientList is the first page: every client the cluster remembers, one
// row each with its PFS verdict, its tally and its next temporary key's
// countdown, and under it the cluster's events as they happen. It keeps
// the selection on a client, not on a row, so a new snapshot that adds or
// forgets clients does not move it to someone else.
type clientList struct {
	sh            *shared
	width, height int
	sel           int  // the selected client's ID
	hasSel        bool // a client is selected (client 0 is a real one)
	top           int  // the first row shown
}

func newClientList(sh *shared) *clientList { return &clientList{sh: sh} }

func (l *clientList) SetSize(w, h int) { l.width, l.height = w, h }

// Selected is the selected client's ID.
func (l *clientList) Selected() (int, bool) { return l.sel, l.hasSel }

// Select selects client id.
func (l *clientList) Select(id int) { l.sel, l.hasSel = id, true }

// Refresh keeps the selection on a client that is still there: the first
// one when none was selected, the one now at its place when it was
// forgotten.
func (l *clientList) Refresh(prevIndex int) {
	clients := l.sh.st.report.Clients
	switch {
	case len(clients) == 0:
		l.hasSel = false
	case !l.hasSel:
		l.Select(clients[0].ID)
	case l.sh.st.index(l.sel) < 0:
		l.Select(clients[min(max(prevIndex, 0), len(clients)-1)].ID)
	}
}

// keepInView scrolls the rows so that the selection is on show.
func (l *clientList) keepInView() {
	rows := l.rows()
	i := max(l.sh.st.index(l.sel), 0)
	l.top = min(max(l.top, i-rows+1), i)
	l.top = max(min(l.top, len(l.sh.st.report.Clients)-rows), 0)
}

// move moves the selection by d rows, within the list.
func (l *clientList) move(d int) {
	clients := l.sh.st.report.Clients
	if len(clients) == 0 {
		return
	}
	i := min(max(l.sh.st.index(l.sel)+d, 0), len(clients)-1)
	l.Select(clients[i].ID)
}

func (l *clientList) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		l.move(layout.Wheel(msg))
	case tea.KeyMsg:
		if n, ok := l.sh.keys.Step(msg, max(l.rows(), 1), len(l.sh.st.report.Clients)); ok {
			l.move(n)
		}
	}
	return nil
}

// rows is how many client rows fit: most of the body, leaving the events
// pane at least a third of it.
func (l *clientList) rows() int {
	n := len(l.sh.st.report.Clients)
	return min(n, max(3, (l.height-4)*3/5))
}

func (l *clientList) View() string {
	sh := l.sh
	s, st := sh.styles, sh.st
	var b strings.Builder
	clients := st.report.Clients
	title := fmt.Sprintf("Clients (%d)", len(clients))
	if st.report.Forgotten > 0 {
		title += fmt.Sprintf(", %d forgotten", st.report.Forgotten)
	}
	b.WriteString(s.Section.Render(title) + s.Dim.Render("  ↑↓ select · enter open") + "\n")
	rows := l.rows()
	if len(clients) == 0 {
		msg := "No client yet: point an MTProto client at a DC above."
		if !st.haveReport {
			msg = "Reading the cluster's report…"
		}
		b.WriteString("  " + s.Dim.Render(msg) + "\n")
		rows = 1
	} else {
		cols := listColumns(l.width)
		b.WriteString(s.Label.Render(cols.header()) + "\n")
		top := min(l.top, len(clients)-rows)
		for _, c := range clients[top : top+rows] {
			line := cols.row(sh, c)
			if l.hasSel && c.ID == l.sel {
				// Plain text on the selection's background: the row's
				// own colours would break it up, and its symbols and
				// words say the same.
				line = s.Selected.Render(layout.Pad("›"+ansi.Strip(line)[len(" "):], l.width))
			}
			b.WriteString(line + "\n")
		}
	}
	b.WriteString("\n" + s.Section.Render("Cluster events") + s.Dim.Render("  newest first") + "\n")
	room := l.height - strings.Count(b.String(), "\n")
	b.WriteString(renderEvents(sh, room, l.width))
	return layout.Block(layout.Fit(b.String(), l.width), l.width, l.height)
}

// column is one column of the client table.
type column struct {
	title string
	width int
	cell  func(sh *shared, c model.ClientReport) string
}

type columns []column

// listColumns are the table's columns at width w: the client's name takes
// what the others leave.
func listColumns(w int) columns {
	wide := w >= 110
	cols := columns{{"#", 4, func(_ *shared, c model.ClientReport) string { return strconv.Itoa(c.ID) }}}
	name := column{"client", 0, func(sh *shared, c model.ClientReport) string { return clientName(sh.styles, c) }}
	cols = append(cols, name)
	if wide {
		cols = append(cols,
			column{"api_id", 8, func(_ *shared, c model.ClientReport) string { return orDash(c.Client.APIID) }},
			column{"layer", 6, func(_ *shared, c model.ClientReport) string { return orDash(c.Client.Layer) }},
			column{"dcs", 6, func(_ *shared, c model.ClientReport) string { return joinInts(c.DCs) }},
			column{"via", 14, func(_ *shared, c model.ClientReport) string { return strings.Join(c.Transports, ",") }},
		)
	} else {
		cols = append(cols, column{"layer", 6, func(_ *shared, c model.ClientReport) string { return orDash(c.Client.Layer) }})
	}
	cols = append(cols,
		column{"PFS", resultWidth + 2, func(sh *shared, c model.ClientReport) string {
			v, _ := c.Verdict(model.VerdictUsesPFS)
			return mark(sh.styles, v.Result)
		}},
		column{"verdicts", 12, func(sh *shared, c model.ClientReport) string { return tally(c.Verdicts).short(sh.styles) }},
		column{"temp key", 11, tempCell},
	)
	if wide {
		cols = append(cols, column{"seen", 8, func(sh *shared, c model.ClientReport) string {
			if c.LastSeen.IsZero() {
				return "—"
			}
			return layout.Age(max(sh.st.now.Sub(c.LastSeen), 0)) + " ago"
		}})
	}
	fixed := 2 // the selection mark
	for _, c := range cols {
		fixed += c.width
	}
	cols[1].width = max(w-fixed, 12)
	return cols
}

func (cols columns) header() string {
	var b strings.Builder
	b.WriteString("  ")
	for _, c := range cols {
		b.WriteString(layout.Pad(c.title, c.width))
	}
	return b.String()
}

// row is a client's row; its first cell is a space the selection mark
// replaces.
func (cols columns) row(sh *shared, c model.ClientReport) string {
	var b strings.Builder
	b.WriteString("  ")
	for _, col := range cols {
		cell := col.cell(sh, c)
		b.WriteString(layout.Pad(layout.Fit(cell, col.width-1), col.width))
	}
	return b.String()
}

// clientName is what the client calls itself, short: its device model and
// app version from initConnection.
func clientName(s styles.Styles, c model.ClientReport) string {
	id := c.Client
	switch {
	case c.ID == 0:
		return s.Dim.Render("key exchanges of no client")
	case !id.Known():
		return s.Dim.Render("unnamed (no initConnection yet)")
	}
	name := strings.TrimSpace(id.DeviceModel + " " + id.AppVersion)
	if name == "" {
		name = "api_id " + strconv.Itoa(id.APIID)
	}
	return safe(name)
}

// tempCell is the client's live temporary keys: the one that expires first
// with its countdown, and how many more there are.
func tempCell(sh *shared, c model.ClientReport) string {
	s := sh.styles
	k, ok := sh.st.nextExpiry(c)
	if !ok {
		if len(c.TempKeys) == 0 {
			return s.Dim.Render(styles.SymNone + " none")
		}
		return s.Dim.Render(styles.SymEnded + " none live")
	}
	left, _ := sh.st.left(k)
	cell := liveStyle(s, sh.st, k, left).Render(styles.SymLive + " " + layout.Countdown(left))
	if !k.Bound {
		cell += s.Warn.Render(" unb")
	}
	live := 0
	for _, t := range c.TempKeys {
		if t.Ended == "" {
			live++
		}
	}
	if live > 1 {
		cell += s.Dim.Render(fmt.Sprintf(" +%d", live-1))
	}
	return cell
}

// renderEvents is the cluster's events, newest first, in at most rows
// lines.
func renderEvents(sh *shared, rows, width int) string {
	s, st := sh.styles, sh.st
	if len(st.events) == 0 {
		return "  " + s.Dim.Render("none yet")
	}
	var lines []string
	for i := len(st.events) - 1; i >= 0 && len(lines) < rows; i-- {
		lines = append(lines, eventLine(sh, st.events[i], width))
	}
	return strings.Join(lines, "\n")
}

// eventLine is one cluster event: time, DC, what (in a symbol and a word),
// the client it concerns, the key and what the DC said about it.
func eventLine(sh *shared, ev model.ServerEvent, width int) string {
	s := sh.styles
	sym, st := eventMark(s, ev.Kind)
	var b strings.Builder
	b.WriteString("  " + s.Dim.Render(layout.Clock(ev.At)) + " dc" + strconv.Itoa(ev.DC) + " ")
	b.WriteString(st.Render(layout.Pad(sym+" "+ev.Kind.String(), 12)))
	client := ev.Client
	if client == 0 && ev.KeyID != 0 {
		client, _ = sh.st.ownerOf(ev.KeyID)
	}
	who := ""
	if client != 0 {
		who = "#" + strconv.Itoa(client)
	}
	b.WriteString(layout.Pad(who, 5))
	if ev.KeyID != 0 {
		b.WriteString(s.KeyID.Render(ev.KeyID.String()) + "  ")
	}
	if ev.PermID != 0 && ev.PermID != ev.KeyID {
		b.WriteString(s.Dim.Render("→ ") + s.KeyID.Render(ev.PermID.String()) + "  ")
	}
	if !ev.ExpiresAt.IsZero() {
		b.WriteString(s.Dim.Render("expires ") + layout.Clock(ev.ExpiresAt) + "  ")
	}
	if ev.UserID != 0 {
		b.WriteString(fmt.Sprintf("user %d  ", ev.UserID))
	}
	line := strings.TrimRight(b.String(), " ")
	if ev.Detail != "" {
		line += "  " + s.Dim.Render(safe(ev.Detail))
	}
	return layout.Fit(line, width)
}

// eventMark is the symbol and colour of an event kind: what went well,
// what ended, what went wrong, what a scenario did.
func eventMark(s styles.Styles, k model.ServerEventKind) (string, lipgloss.Style) {
	switch k.Tone() {
	case model.ToneGood:
		return styles.SymOK, s.OK
	case model.ToneNew:
		return styles.SymLive, s.Value
	case model.ToneEnded:
		return styles.SymEnded, s.Warn
	case model.ToneProblem:
		return styles.SymBad, s.Bad
	case model.ToneWarning:
		return styles.SymWarn, s.Warn
	}
	return "·", s.Value
}
