package ui

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// newKeysScreen is the Keys screen: the permanent key, the current
// temporary key with its countdown, and every earlier temporary key.
func newKeysScreen(sh *shared, _ Options) screen {
	return newTextScreen(sh, func(w int) string { return renderKeys(sh.st, sh.now, sh.styles, w, sh.revealed) })
}

// revealed holds key bytes between an explicit reveal and RevealFor later.
type revealed struct {
	seq        int
	perm, temp []byte
	until      time.Time // when they are hidden again
}

func (r *revealed) wipe() {
	clear(r.perm)
	clear(r.temp)
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
			dc += s.Dim.Render(fmt.Sprintf("  made %s, %s ago", layout.Clock(p.CreatedAt), layout.Age(now.Sub(p.CreatedAt))))
		}
		line(row(s, "dc", dc))
		line(row(s, "source", p.Source))
		line(row(s, "authorized", authorized(st, s)))
		if rev != nil && len(rev.perm) > 0 {
			line(revealLines(s, "key bytes", rev.perm, width))
			line(row(s, "", s.Warn.Render(fmt.Sprintf("%s shown until %s, never logged", styles.SymWarn, layout.Clock(rev.until)))))
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
		line(row(s, "created", fmt.Sprintf("%s  expires_in %s", layout.Clock(cur.CreatedAt), layout.Countdown(cur.ExpiresIn))))
		if cur.Bound {
			to, ok := st.BoundTo[cur.ID]
			if !ok {
				to = st.Perm.ID
			}
			line(row(s, "bound", fmt.Sprintf("%s  to %s", layout.Clock(cur.BoundAt), s.KeyID.Render(to.String()))))
			line(row(s, "expires_at", layout.Clock(cur.ExpiresAt)+s.Dim.Render(" server time")+offsetNote(st.ClockOffset, s)))
			left := cur.Remaining(now, st.ClockOffset)
			barW := min(max(width-labelWidth-16, 10), 48)
			line(row(s, "left", layout.Bar(s, cur.Fraction(now, st.ClockOffset), barW)+" "+layout.Countdown(left)))
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
		line(row(s, "renews in", layout.Countdown(st.RenewsIn(now))+s.Dim.Render("  at "+layout.Clock(st.RenewAt))))
	}
	line("")

	home, others := historyByDC(st)
	title := fmt.Sprintf("Earlier temporary keys (%d)", len(home))
	if len(others) > 0 && st.Perm.DC != 0 {
		title = fmt.Sprintf("Earlier temporary keys on DC %d (%d)", st.Perm.DC, len(home))
	}
	line(s.Section.Render(title))
	if len(home) == 0 {
		line(s.Dim.Render("  none yet: b binds a fresh one"))
	}
	for _, k := range home {
		line(historyLine(s, k))
	}
	for _, g := range others {
		where := fmt.Sprintf("on DC %d", g.dc)
		if g.dc == 0 {
			where = "on another DC"
		}
		line("")
		line(s.Section.Render(fmt.Sprintf("Temporary keys %s (%d)", where, len(g.keys))) + s.Dim.Render("  made for the export"))
		for _, k := range g.keys {
			line(historyLine(s, k))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// dcKeys are one other DC's temporary keys, newest first.
type dcKeys struct {
	dc   int
	keys []model.TempKey
}

// historyByDC splits the earlier temporary keys by DC: this DC's first
// (the permanent key's), then every other DC's, by DC number. A key an
// export made on DC 1 is live there, which is no news about this DC's.
func historyByDC(st *model.State) (home []model.TempKey, others []dcKeys) {
	for _, k := range st.History() {
		if !st.Foreign(k.ID) {
			home = append(home, k)
			continue
		}
		i := slices.IndexFunc(others, func(g dcKeys) bool { return g.dc == k.DC })
		if i < 0 {
			others = append(others, dcKeys{dc: k.DC})
			i = len(others) - 1
		}
		others[i].keys = append(others[i].keys, k)
	}
	slices.SortFunc(others, func(a, b dcKeys) int { return a.dc - b.dc })
	return home, others
}

// historyLine is one earlier temporary key: how it ended and when.
func historyLine(s styles.Styles, k model.TempKey) string {
	es := endStyle(s, k.End)
	when := layout.Clock(k.EndedAt)
	if k.End == model.Live {
		when = layout.Clock(k.CreatedAt)
	}
	l := fmt.Sprintf("  %s %s  %s  %s", es.Render(endSymbol(k.End)), s.KeyID.Render(k.ID.String()),
		es.Render(layout.Pad(k.End.String(), 12)), when)
	if k.EndDetail != "" {
		l += s.Dim.Render("  " + k.EndDetail)
	}
	return l
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
