package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// handshakeScreen is the transcript of a key exchange; ←/→ walk through the
// last model.MaxTranscripts.
type handshakeScreen struct {
	textScreen
	// back is which handshake is shown, counted back from the newest.
	back int
}

func newHandshakeScreen(sh *shared, _ Options) screen {
	p := &handshakeScreen{textScreen: textScreen{sh: sh}}
	p.render = func(w int) string { return renderHandshake(sh.st, p.back, sh.styles, w) }
	return p
}

func (p *handshakeScreen) Update(msg tea.Msg) tea.Cmd {
	k := p.sh.keys
	switch msg := msg.(type) {
	case eventMsg:
		if _, ok := msg.ev.(model.HandshakeDone); ok && p.back > 0 {
			// Keep showing the same transcript while newer ones arrive.
			p.back = min(p.back+1, model.MaxTranscripts-1)
		}
		return nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Earlier):
			p.back = min(p.back+1, max(len(p.sh.st.Transcripts)-1, 0))
			p.vp.GotoTop()
			return nil
		case key.Matches(msg, k.Later):
			p.back = max(p.back-1, 0)
			p.vp.GotoTop()
			return nil
		}
	}
	return p.textScreen.Update(msg)
}

func (p *handshakeScreen) Bindings() []key.Binding {
	return []key.Binding{p.sh.keys.Earlier, p.sh.keys.Later}
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
		sum += fmt.Sprintf(" · expires_in %s", layout.Countdown(t.ExpiresIn))
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
		line(fmt.Sprintf("  %s %s %5d B%s", msg.Dir.Arrow(), layout.Pad(msg.Type, 26), msg.Size, off))
	}
	line("")

	line(s.Section.Render("Checks"))
	nameW := widest(t.Checks, func(c model.Check) string { return c.Name })
	for _, c := range t.Checks {
		mark := s.OK.Render(styles.SymOK)
		if !c.OK {
			mark = s.Bad.Render(styles.SymBad)
		}
		line(fmt.Sprintf("  %s %s %s", mark, layout.Pad(c.Name, nameW+1), s.Dim.Render(c.Detail)))
	}
	if len(t.Values) > 0 {
		line("")
		line(s.Section.Render("Values"))
		valW := widest(t.Values, func(v model.Field) string { return v.Name })
		for _, v := range t.Values {
			line("  " + s.Label.Render(layout.Pad(v.Name, valW+1)) + v.Value)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// widest is the length of the longest name among rows, the width a column
// of them is padded to.
func widest[T any](rows []T, name func(T) string) int {
	w := 0
	for _, r := range rows {
		w = max(w, len(name(r)))
	}
	return w
}
