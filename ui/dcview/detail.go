package dcview

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// clientDetail is one client's page: who it said it is, its keys with
// their countdowns, every verdict with its detail, its counts and its
// events. It scrolls; the root picks the client.
type clientDetail struct {
	sh            *shared
	width, height int
	id            int // the client shown
	lines         []string
	top           int
}

func newClientDetail(sh *shared) *clientDetail { return &clientDetail{sh: sh} }

func (d *clientDetail) SetSize(w, h int) { d.width, d.height = w, h }

// Show starts the page of client id at its top.
func (d *clientDetail) Show(id int) { d.id, d.top = id, 0 }

// Refresh renders the page from the state.
func (d *clientDetail) Refresh() {
	if d.width <= 0 {
		return
	}
	c, ok := d.sh.st.client(d.id)
	var text string
	if ok {
		text = renderDetail(d.sh, c, d.width)
	} else {
		text = d.sh.styles.Section.Render(fmt.Sprintf("Client %d", d.id)) + "\n\n  " +
			d.sh.styles.Dim.Render("The cluster no longer remembers this client (it forgets the least recently active first).")
	}
	d.lines = strings.Split(layout.Fit(text, d.width), "\n")
	d.top = min(d.top, max(len(d.lines)-d.height, 0))
}

func (d *clientDetail) scroll(n int) {
	d.top = min(max(d.top+n, 0), max(len(d.lines)-d.height, 0))
}

func (d *clientDetail) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		d.scroll(3 * layout.Wheel(msg))
	case tea.KeyMsg:
		if n, ok := d.sh.keys.Step(msg, d.height, len(d.lines)); ok {
			d.scroll(n)
		}
	}
	return nil
}

func (d *clientDetail) View() string {
	end := min(d.top+d.height, len(d.lines))
	return layout.Block(strings.Join(d.lines[min(d.top, end):end], "\n"), d.width, d.height)
}

// labelWidth is the width of the labels on a client's page.
const labelWidth = 10

// renderDetail is client c's page at width w.
func renderDetail(sh *shared, c model.ClientReport, w int) string {
	s, st := sh.styles, sh.st
	var b strings.Builder
	line := func(str string) { b.WriteString(str + "\n") }
	row := func(label, value string) { line("  " + s.Label.Render(layout.Pad(label, labelWidth)) + value) }

	title := fmt.Sprintf("Client %d", c.ID)
	if c.ID == 0 {
		line(s.Section.Render(title) + s.Dim.Render("  key exchanges no client could be tied to (hostile answers a client abandoned)"))
	} else {
		line(s.Section.Render(title) + s.Dim.Render(" · ") + safe(c.Client.String()))
	}
	id := c.Client
	if id.Known() {
		row("identity", fmt.Sprintf("device %s · app %s · system %s", quoted(id.DeviceModel), quoted(id.AppVersion), quoted(id.SystemVersion)))
		row("", fmt.Sprintf("api_id %d · layer %s · lang %s", id.APIID, orDash(id.Layer), quoted(id.LangCode)))
	} else {
		row("identity", s.Dim.Render("not yet: no initConnection seen"))
	}
	seen := "dc " + joinInts(c.DCs) + " · via " + orNone(c.Transports)
	if !c.FirstSeen.IsZero() {
		seen += " · first " + layout.Clock(c.FirstSeen) + " · last " + layout.Clock(c.LastSeen) +
			s.Dim.Render(" ("+layout.Age(max(st.now.Sub(c.LastSeen), 0))+" ago)")
	}
	row("seen", seen)
	if v, ok := c.Verdict(model.VerdictUsesPFS); ok {
		// The headline: whether this client's traffic has PFS at all.
		row("PFS", mark(s, v.Result)+"  "+firstOf(layout.WrapWords(safe(v.Detail), max(w-labelWidth-resultWidth-6, 20))))
	}
	line("")

	line(s.Section.Render(fmt.Sprintf("Permanent keys (%d)", len(c.PermKeys))))
	if len(c.PermKeys) == 0 {
		line("  " + s.Dim.Render("none"))
	}
	for _, k := range c.PermKeys {
		for _, l := range permLines(s, k, w) {
			line(l)
		}
	}
	temps := s.Section.Render(fmt.Sprintf("Temporary keys (%d)", len(c.TempKeys)))
	if len(c.TempKeys) > 1 {
		temps += s.Dim.Render("  newest first")
	}
	line(temps)
	if len(c.TempKeys) == 0 {
		line("  " + s.Dim.Render("none: this client has not made a temporary key"))
	}
	for _, k := range slices.Backward(c.TempKeys) {
		for _, l := range tempLines(sh, k, w) {
			line(l)
		}
	}
	line("")

	line(s.Section.Render("Verdicts") + "  " + tally(c.Verdicts).long(s))
	for _, v := range c.Verdicts {
		for _, l := range verdictLines(s, v, w) {
			line(l)
		}
	}
	line("")

	line(s.Section.Render("Counts"))
	for _, l := range layout.WrapWords(counts(c.Counts), max(w-4, 20)) {
		line("  " + l)
	}
	line("")

	line(s.Section.Render(fmt.Sprintf("Events (%d)", len(c.Events))) + s.Dim.Render("  newest first"))
	if len(c.Events) == 0 {
		line("  " + s.Dim.Render("none"))
	}
	for _, e := range slices.Backward(c.Events) {
		l := "  " + s.Dim.Render(e.At.UTC().Format("15:04:05.000")) + " " + layout.Pad(safe(e.What), 10)
		if e.Key != "" {
			l += s.KeyID.Render(e.Key) + " "
		}
		line(l + safe(e.Detail))
	}
	return strings.TrimRight(b.String(), "\n")
}

// permLines are a permanent key: live or ended and its DC, then when and
// how it was made.
func permLines(s styles.Styles, k model.ObservedPermKey, w int) []string {
	mark := s.OK.Render(styles.SymLive)
	state := "held"
	if k.Ended != "" {
		mark, state = s.Warn.Render(styles.SymEnded), s.Warn.Render("ended "+safe(k.Ended))+" at "+layout.Clock(k.EndedAt)
	}
	first := fmt.Sprintf("  %s %s  dc %d  %s", mark, s.KeyID.Render(k.ID), k.DC, state)
	return fold(first, s.Dim.Render("made "+layout.Clock(k.Created)+exchange(k.Exchange)), w)
}

// tempLines are a temporary key: its state, whom it is bound to and how;
// while the DC holds it, the countdown to the DC's expiry with a bar, else
// how it ended; and how it was made.
func tempLines(sh *shared, k model.ObservedTempKey, w int) []string {
	s, st := sh.styles, sh.st
	bind := s.Warn.Render("unbound")
	if k.Bound {
		bind = s.OK.Render("bound") + " to " + s.KeyID.Render(k.PermID) + " at " + layout.Clock(k.BoundAt)
		if k.WrappedBind {
			bind += s.Dim.Render(" (inside initConnection)")
		}
	}
	left, live := st.left(k)
	mark := s.OK.Render(styles.SymLive)
	exp := st.expiresAt(k)
	var state string
	switch {
	case !live:
		mark = s.Dim.Render(styles.SymEnded)
		state = s.Warn.Render(safe(k.Ended)) + " at " + layout.Clock(k.EndedAt)
	case left == 0:
		state = s.Bad.Render(styles.SymBad+" expired") + " at " + layout.Clock(exp) + s.Dim.Render(" (the DC answers -404 from now on)")
	default:
		barW := min(max(w/5, 10), 24)
		state = "expires " + layout.Clock(exp) + "  " + layout.Bar(s, lifeLeft(st, k, left), barW) + " " +
			liveStyle(s, st, k, left).Render(layout.Countdown(left)) + " left"
	}
	made := fmt.Sprintf("made %s · expires_in %ds asked", layout.Clock(k.Created), k.ExpiresIn)
	if !k.ExpiresAt.IsZero() && !exp.Equal(k.ExpiresAt) {
		made += ", declared " + layout.Clock(k.ExpiresAt)
	}
	first := fmt.Sprintf("  %s %s  dc %d  %s", mark, s.KeyID.Render(k.ID), k.DC, bind)
	return append([]string{first}, fold("      "+state, s.Dim.Render(made+exchange(k.Exchange)), w)...)
}

// fold puts more after first when the line has room for both, else on a
// line of its own under it.
func fold(first, more string, w int) []string {
	if lipgloss.Width(first)+3+lipgloss.Width(more) <= w {
		return []string{first + " · " + more}
	}
	return []string{first, "      " + more}
}

// exchange is how a key was made, after a separator; "" for a key the DC
// already held.
func exchange(x model.KeyExchange) string {
	var parts []string
	for _, p := range []string{x.Inner, x.Scheme, x.Transport} {
		if p != "" {
			parts = append(parts, safe(p))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " · " + strings.Join(parts, " · ")
}

// nameWidth fits the longest verdict name, checks_server_dh.new_nonce_hash.
const nameWidth = 33

// verdictLines is a verdict: its result in a symbol and a word, its name,
// and its detail beside it when the width allows, else under it. A fail
// also says the rule it broke, dimmed: the rule is the catalog's text, the
// detail this client's.
func verdictLines(s styles.Styles, v model.ClientVerdict, w int) []string {
	head := "  " + layout.Pad(mark(s, v.Result), resultWidth+2) + layout.Pad(string(v.Name), nameWidth)
	indent := 2 + resultWidth + 2 + nameWidth
	beside := w-indent >= 40
	if !beside {
		indent = 6
	}
	width := max(w-indent, 20)
	text := layout.WrapWords(safe(v.Detail), width)
	if rule := explain(v.Name); rule != "" && v.Result == model.ResultFail {
		for _, l := range layout.WrapWords("rule: "+rule, width) {
			text = append(text, s.Dim.Render(l))
		}
	}
	var out []string
	if beside {
		out = append(out, head+text[0])
		text = text[1:]
	} else {
		out = append(out, strings.TrimRight(head, " "))
	}
	for _, l := range text {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return out
}

// counts are the informational counts in one paragraph.
func counts(c model.ClientCounts) string {
	parts := []string{
		fmt.Sprintf("calls %d", c.Calls),
		fmt.Sprintf("rpc errors %d", c.RPCErrors),
	}
	codes := make([]int, 0, len(c.BadMsgCodes))
	for code := range c.BadMsgCodes {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	bad := "none"
	if len(codes) > 0 {
		var b []string
		for _, code := range codes {
			b = append(b, strconv.Itoa(code)+"×"+strconv.Itoa(c.BadMsgCodes[code]))
		}
		bad = strings.Join(b, " ")
	}
	parts = append(parts, "bad_msg codes "+bad,
		fmt.Sprintf("msg_id problems %d", c.MsgIDProblems),
		fmt.Sprintf("drops %d", c.Drops),
		fmt.Sprintf("-404 %d", c.NotFound),
		fmt.Sprintf("refused handshakes %d", c.RefusedHandshakes))
	return strings.Join(parts, " · ")
}

// quoted is a client's string in quotes, escaped; "—" when empty.
func quoted(s string) string {
	if s == "" {
		return "—"
	}
	return `"` + safe(s) + `"`
}

func firstOf(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > 1 {
		return lines[0] + " …"
	}
	return lines[0]
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "—"
	}
	return safe(strings.Join(list, ", "))
}
