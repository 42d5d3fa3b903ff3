package ui

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// The screens that are text in a scroll pane render here, from the State
// alone (plus now for the countdown). They are pure functions so the
// benchmark and the snapshot can call them without a program.

const labelWidth = 13

func row(s styles.Styles, label, value string) string {
	return "  " + s.Label.Render(pad(label, labelWidth)) + value
}

func pad(s string, w int) string {
	switch n := lipgloss.Width(s); {
	case n < w:
		return s + strings.Repeat(" ", w-n)
	case n == w:
		return s
	}
	return s + " "
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("15:04:05")
}

// countdown renders a duration as m:ss (or h:mm:ss), the way a timer reads.
func countdown(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// age renders a duration as a short human age: 42s, 3m12s, 5h03m.
func age(d time.Duration) string {
	d = d.Truncate(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours())/24)
}

// bar draws the part of a lifetime left, coloured by urgency.
func bar(s styles.Styles, frac float64, width int) string {
	width = max(width, 4)
	full := int(frac*float64(width) + 0.5)
	full = min(max(full, 0), width)
	st := s.BarFull
	switch {
	case frac < 0.2:
		st = s.Bad
	case frac < 0.5:
		st = s.Warn
	}
	return st.Render(strings.Repeat("█", full)) + s.BarEmpty.Render(strings.Repeat("░", width-full))
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

func renderKeys(st *model.State, now time.Time, s styles.Styles, width int, rev *revealed) string {
	var b strings.Builder
	line := func(str string) { b.WriteString(str + "\n") }

	line(s.Section.Render("Permanent key"))
	if !st.HasPerm {
		line(s.Dim.Render("  none yet: waiting for the key exchange"))
	} else {
		p := st.Perm
		line(row(s, "id", s.KeyID.Render(p.ID.String())))
		if p.Fingerprint != "" {
			line(row(s, "fingerprint", p.Fingerprint))
		}
		dc := fmt.Sprintf("DC %d", p.DC)
		if !p.CreatedAt.IsZero() {
			dc += s.Dim.Render(fmt.Sprintf("  made %s, %s ago", clock(p.CreatedAt), age(now.Sub(p.CreatedAt))))
		}
		line(row(s, "dc", dc))
		line(row(s, "source", p.Source))
		line(row(s, "authorized", authorized(st, s)))
		if rev != nil && len(rev.perm) > 0 {
			line(revealLines(s, "key bytes", rev.perm, width))
			line(row(s, "", s.Warn.Render(fmt.Sprintf("%s shown until %s, never logged", styles.SymWarn, clock(rev.until)))))
		}
	}
	line("")

	cur, ok := st.Current()
	switch {
	case !ok:
		line(s.Section.Render("Temporary key") + "  " + s.Warn.Render(styles.SymPending+" none in use"))
		if st.LastBind != nil {
			line(row(s, "last bind", s.Bad.Render(styles.SymBad+" "+bindFailure(st.LastBind))))
		}
	default:
		state := s.OK.Render(styles.SymOK + " bound")
		if !cur.Bound {
			state = s.Warn.Render(styles.SymPending + " not bound yet")
		}
		line(s.Section.Render("Temporary key") + "  " + state)
		line(row(s, "id", s.KeyID.Render(cur.ID.String())))
		line(row(s, "session", fmt.Sprintf("%016x", uint64(cur.SessionID))))
		line(row(s, "created", fmt.Sprintf("%s  expires_in %s", clock(cur.CreatedAt), countdown(cur.ExpiresIn))))
		if cur.Bound {
			to, ok := st.BoundTo[cur.ID]
			if !ok {
				to = st.Perm.ID
			}
			line(row(s, "bound", fmt.Sprintf("%s  to %s", clock(cur.BoundAt), s.KeyID.Render(to.String()))))
			line(row(s, "expires_at", clock(cur.ExpiresAt)+s.Dim.Render(" server time")+offsetNote(st.ClockOffset, s)))
			left := cur.Remaining(now, st.ClockOffset)
			barW := min(max(width-labelWidth-16, 10), 48)
			line(row(s, "left", bar(s, cur.Fraction(now, st.ClockOffset), barW)+" "+countdown(left)))
		}
		if st.LastBind != nil {
			line(row(s, "last bind", s.Bad.Render(styles.SymBad+" "+bindFailure(st.LastBind))))
		}
		if rev != nil && len(rev.temp) > 0 {
			line(revealLines(s, "key bytes", rev.temp, width))
		}
	}
	switch {
	case st.RenewalPaused:
		line(row(s, "renews", s.Warn.Render("paused (p resumes)")))
	case !st.RenewAt.IsZero():
		line(row(s, "renews in", countdown(st.RenewsIn(now))+s.Dim.Render("  at "+clock(st.RenewAt))))
	}
	line("")

	hist := st.History()
	line(s.Section.Render(fmt.Sprintf("Earlier temporary keys (%d)", len(hist))))
	if len(hist) == 0 {
		line(s.Dim.Render("  none yet: b binds a fresh one"))
	}
	for _, k := range hist {
		es := endStyle(s, k.End)
		when := clock(k.EndedAt)
		if k.End == model.Live {
			when = clock(k.CreatedAt)
		}
		l := fmt.Sprintf("  %s %s  %s  %s", es.Render(endSymbol(k.End)), s.KeyID.Render(k.ID.String()),
			es.Render(pad(k.End.String(), 12)), when)
		detail := k.EndDetail
		if st.Foreign(k.ID) {
			detail = strings.TrimSuffix(fmt.Sprintf("DC %d, for the export; %s", k.DC, detail), "; ")
		}
		if detail != "" {
			l += s.Dim.Render("  " + detail)
		}
		line(l)
	}
	return strings.TrimRight(b.String(), "\n")
}

func authorized(st *model.State, s styles.Styles) string {
	if st.User == nil && len(st.Authorized) == 0 {
		return s.Dim.Render("not logged in (l logs in)")
	}
	name := "?"
	if st.User != nil {
		name = fmt.Sprintf("%s (id %d)", st.User.Name(), st.User.ID)
	}
	dcs := make([]int, 0, len(st.Authorized))
	for dc := range st.Authorized {
		dcs = append(dcs, dc)
	}
	slices.Sort(dcs)
	parts := make([]string, len(dcs))
	for i, dc := range dcs {
		parts[i] = fmt.Sprint(dc)
	}
	return name + " on DC " + strings.Join(parts, ", ")
}

func offsetNote(off time.Duration, s styles.Styles) string {
	if off == 0 {
		return ""
	}
	return s.Dim.Render(fmt.Sprintf(" (server clock %+.1fs)", off.Seconds()))
}

func bindFailure(f *model.BindFailed) string {
	why := f.Type
	if why == "" {
		why = f.Err
	}
	if f.Code != 0 {
		why = fmt.Sprintf("%d %s", f.Code, why)
	}
	if f.Advice != "" {
		why += ": " + f.Advice
	}
	return why
}

// revealLines shows key bytes as hex, wrapped to the width.
func revealLines(s styles.Styles, label string, key []byte, width int) string {
	h := hex.EncodeToString(key)
	per := max((width-labelWidth-4)/2*2, 16)
	var out []string
	for i := 0; i < len(h); i += per {
		chunk := h[i:min(i+per, len(h))]
		if i == 0 {
			out = append(out, row(s, label, s.Secret.Render(chunk)))
		} else {
			out = append(out, "  "+strings.Repeat(" ", labelWidth)+s.Secret.Render(chunk))
		}
	}
	return strings.Join(out, "\n")
}

// renderHandshake shows one transcript: back counts from the newest.
func renderHandshake(st *model.State, back int, s styles.Styles, width int) string {
	if st.Handshakes == 0 {
		return s.Dim.Render("No key exchange yet.")
	}
	t, n := st.Handshake, st.Handshakes
	if ts := st.Transcripts; len(ts) > 0 {
		back = min(max(back, 0), len(ts)-1)
		t, n = ts[len(ts)-1-back], st.Handshakes-back
	}
	var b strings.Builder
	line := func(str string) { b.WriteString(str + "\n") }

	verdict := s.OK.Render(styles.SymOK + " passed")
	if !t.Passed() {
		verdict = s.Bad.Render(styles.SymBad + " failed")
	}
	passed := 0
	for _, c := range t.Checks {
		if c.OK {
			passed++
		}
	}
	line(fmt.Sprintf("%s  %s key exchange with DC %d  %s",
		s.Section.Render(fmt.Sprintf("Handshake %d of %d", n, st.Handshakes)), t.Kind, t.DC, verdict))
	sum := fmt.Sprintf("%d/%d checks passed · %s", passed, len(t.Checks), t.Duration.Round(time.Millisecond))
	if t.ExpiresIn > 0 {
		sum += fmt.Sprintf(" · expires_in %s", countdown(t.ExpiresIn))
	}
	if t.KeyID != 0 {
		sum += " · key " + s.KeyID.Render(t.KeyID.String())
	}
	if len(st.Transcripts) > 1 {
		sum += s.Dim.Render(" · ←/→ other handshakes")
	}
	line("  " + sum)
	if t.Err != "" {
		line("  " + s.Bad.Render(styles.SymBad+" "+t.Err))
	}
	line("")

	line(s.Section.Render("Messages"))
	for _, msg := range t.Messages {
		off := ""
		if !t.Started.IsZero() && !msg.At.IsZero() {
			off = s.Dim.Render(fmt.Sprintf("  +%dms", msg.At.Sub(t.Started).Milliseconds()))
		}
		line(fmt.Sprintf("  %s %s %5d B%s", msg.Dir.Arrow(), pad(msg.Type, 26), msg.Size, off))
	}
	line("")

	line(s.Section.Render("Checks"))
	nameW := 0
	for _, c := range t.Checks {
		nameW = max(nameW, len(c.Name))
	}
	for _, c := range t.Checks {
		mark := s.OK.Render(styles.SymOK)
		if !c.OK {
			mark = s.Bad.Render(styles.SymBad)
		}
		line(fmt.Sprintf("  %s %s %s", mark, pad(c.Name, nameW+1), s.Dim.Render(c.Detail)))
	}
	if len(t.Values) > 0 {
		line("")
		line(s.Section.Render("Values"))
		valW := 0
		for _, v := range t.Values {
			valW = max(valW, len(v.Name))
		}
		for _, v := range t.Values {
			line("  " + s.Label.Render(pad(v.Name, valW+1)) + v.Value)
		}
	}
	return strings.TrimRight(b.String(), "\n")
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
			exp = clock(k.ExpiresAt)
			if k.Held() {
				// The local DC's clock is this machine's clock.
				left = countdown(max(k.ExpiresAt.Sub(now), 0))
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
		l := fmt.Sprintf("  %s DC %d %-9s", clock(e.At), e.DC, e.Kind)
		if e.KeyID != 0 {
			l += " " + s.KeyID.Render(e.KeyID.String())
		}
		if e.UserID != 0 {
			l += fmt.Sprintf(" user %d", e.UserID)
		}
		if e.Detail != "" {
			l += s.Dim.Render("  " + e.Detail)
		}
		if e.Kind == model.SrvKeyNotFound || e.Kind == model.SrvRPCError {
			l = s.Bad.Render(styles.SymBad) + l[1:]
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

func renderLog(st *model.State, s styles.Styles) string {
	if len(st.Log) == 0 {
		return s.Dim.Render("Nothing yet.")
	}
	var b strings.Builder
	for i, e := range st.Log {
		mark := s.Dim.Render("·")
		text := e.Text
		if e.Level == model.Error {
			mark = s.Bad.Render(styles.SymBad)
			text = s.Bad.Render(text)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s %s %s", s.Dim.Render(clock(e.At)), mark, text)
	}
	return b.String()
}
