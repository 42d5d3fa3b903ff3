package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// trafficPane lists the tap's frames, newest first, and shows the result of
// opening the selected one with each key.
type trafficPane struct {
	frames []Frame // newest first
	cursor int
	top    int // first row in view
	rows   int // rows the list may use
	width  int
	height int
	opened *OpenResult
	body   string // rendered by render, shown by view
}

func newTrafficPane() trafficPane { return trafficPane{} }

func (p *trafficPane) setSize(w, h int) {
	p.width, p.height = w, h
	p.rows = max(h-9, 3) // room below for the open result
}

// setFrames replaces the list, keeping the selection on the same frame.
func (p *trafficPane) setFrames(oldestFirst []Frame) {
	var keep int
	hadSel := false
	if f, ok := p.selected(); ok {
		keep, hadSel = f.Seq, true
	}
	p.frames = p.frames[:0]
	for i := len(oldestFirst) - 1; i >= 0; i-- {
		p.frames = append(p.frames, oldestFirst[i])
	}
	p.cursor = 0
	if hadSel {
		for i, f := range p.frames {
			if f.Seq == keep {
				p.cursor = i
				break
			}
		}
	}
	p.clamp()
}

func (p *trafficPane) selected() (Frame, bool) {
	if p.cursor < 0 || p.cursor >= len(p.frames) {
		return Frame{}, false
	}
	return p.frames[p.cursor], true
}

func (p *trafficPane) move(n int) {
	p.cursor += n
	p.clamp()
}

func (p *trafficPane) clamp() {
	p.cursor = min(max(p.cursor, 0), max(len(p.frames)-1, 0))
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.rows > 0 && p.cursor >= p.top+p.rows {
		p.top = p.cursor - p.rows + 1
	}
	p.top = max(min(p.top, len(p.frames)-p.rows), 0)
}

func (p *trafficPane) render(st *model.State, s styles.Styles) {
	var b strings.Builder
	line := func(str string) { b.WriteString(str + "\n") }
	if len(p.frames) == 0 {
		p.body = s.Dim.Render("No frames yet: the tap records every frame of the connection.")
		return
	}
	line(s.Label.Render(fmt.Sprintf("  %5s  %-8s  %-5s %-16s  %6s  %s", "#", "time", "dir", "key", "bytes", "type")))
	end := min(p.top+p.rows, len(p.frames))
	for i := p.top; i < end; i++ {
		f := p.frames[i]
		keyCol := pad(keyLabel(f.KeyID), 16)
		typ := f.Type
		if f.Note != "" {
			typ += "  " + f.Note
		}
		l := fmt.Sprintf("  %5d  %-8s  %s %s  %6d  %s", f.Seq, clock(f.At), pad(f.Dir.Arrow()+" "+shortDir(f.Dir), 5), keyCol, f.Size, typ)
		if i == p.cursor {
			// The marker shows the selection without colour too.
			l = s.Selected.Render(fit("›"+l[1:], p.width))
		}
		line(l)
	}
	line(s.Dim.Render(fmt.Sprintf("  %d of %d frames · ↑/↓ select · o open with each key", p.cursor+1, len(p.frames))))
	line("")
	if r := p.opened; r != nil {
		line(renderOpened(st, s, *r, p.width))
	} else {
		line(s.Dim.Render("  Select a frame under a temporary key and press o: it opens with its own key,"))
		line(s.Dim.Render("  not with the permanent key. That is Perfect Forward Secrecy."))
	}
	p.body = strings.TrimRight(b.String(), "\n")
}

func (p *trafficPane) view(_ styles.Styles) string { return p.body }

func shortDir(d model.Direction) string {
	if d == model.Received {
		return "in"
	}
	return "out"
}

// keyLabel names the key a frame travelled under, as the user knows it.
func keyLabel(id model.KeyID) string {
	if id == 0 {
		return "plain"
	}
	return id.String()
}

func renderOpened(st *model.State, s styles.Styles, r OpenResult, width int) string {
	var b strings.Builder
	f := r.Frame
	what := "unencrypted"
	if f.Encrypted() {
		what = "under key " + s.KeyID.Render(f.KeyID.String()) + keyRole(st, f.KeyID)
	}
	b.WriteString(s.Section.Render(fmt.Sprintf("Frame #%d", f.Seq)) + " " + what)
	if r.Err != "" {
		b.WriteString("\n  " + s.Bad.Render(styles.SymBad+" "+r.Err))
	}
	for _, a := range r.Attempts {
		mark, verdict := s.OK.Render(styles.SymOK), "opens"
		if !a.OK {
			mark, verdict = s.Bad.Render(styles.SymBad), "does not open"
		}
		l := fmt.Sprintf("\n  %s %s %s: %s", mark, a.With, s.KeyID.Render(a.KeyID.String()), verdict)
		if a.Type != "" {
			l += " → " + a.Type
		}
		if a.Detail != "" {
			l += s.Dim.Render(" (" + a.Detail + ")")
		}
		b.WriteString(l)
	}
	if r.Conclusion != "" {
		text := lipgloss.NewStyle().Width(max(width-6, 20)).Render(r.Conclusion)
		b.WriteString("\n  " + s.Section.Render("⇒") + " " + strings.ReplaceAll(text, "\n", "\n    "))
	}
	return b.String()
}

// keyRole says what a key id is to this session: permanent, current or an
// earlier temporary key and how it ended.
func keyRole(st *model.State, id model.KeyID) string {
	if st.HasPerm && id == st.Perm.ID {
		return " (permanent)"
	}
	if k, ok := st.Temp(id); ok {
		if id == st.CurrentID {
			return " (current temporary)"
		}
		return " (temporary, " + k.End.String() + ")"
	}
	return ""
}
