package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// trafficScreen lists the tap's frames, newest first, and shows the result
// of opening the selected one with each key. It loads the frames when it
// comes into view and on every tick while it is on show.
type trafficScreen struct {
	sh     *shared
	frames []Frame // newest first
	listCursor
	width  int
	height int
	opened *OpenResult
	body   string // rendered by render, shown by view
}

// Messages the Traffic screen's commands answer with.
type (
	framesMsg []Frame
	openedMsg OpenResult
)

func newTrafficScreen(sh *shared, _ Options) screen { return &trafficScreen{sh: sh} }

func (p *trafficScreen) SetSize(w, h int) {
	p.width, p.height = w, h
	p.rows = max(h-9, 3) // room below for the open result
}

// setFrames replaces the list, keeping the selection on the same frame.
func (p *trafficScreen) setFrames(oldestFirst []Frame) {
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
	p.clamp(len(p.frames))
}

func (p *trafficScreen) selected() (Frame, bool) { return selectedRow(p.listCursor, p.frames) }

func (p *trafficScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case shownMsg, tickMsg:
		return p.fetch()
	case framesMsg:
		p.setFrames(msg)
	case openedMsg:
		r := OpenResult(msg)
		p.opened = &r
	case tea.MouseMsg:
		p.move(layout.Wheel(msg), len(p.frames))
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

func (p *trafficScreen) fetch() tea.Cmd {
	b := p.sh.backend
	if b == nil {
		return nil
	}
	return func() tea.Msg { return framesMsg(b.Frames()) }
}

func (p *trafficScreen) key(msg tea.KeyMsg) tea.Cmd {
	k := p.sh.keys
	if p.listCursor.key(msg, k, len(p.frames)) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		f, ok := p.selected()
		b := p.sh.backend
		if !ok || b == nil {
			return nil
		}
		return func() tea.Msg { return openedMsg(b.OpenFrame(f)) }
	}
	return nil
}

func (p *trafficScreen) Bindings() []key.Binding { return []key.Binding{p.sh.keys.Open} }
func (p *trafficScreen) Typing() bool            { return false }

func (p *trafficScreen) Refresh() { p.render(p.sh.st, p.sh.styles) }

func (p *trafficScreen) render(st *model.State, s styles.Styles) {
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
		keyCol := layout.Pad(keyLabel(f.KeyID), 16)
		typ := f.Type
		if f.Note != "" {
			typ += "  " + f.Note
		}
		l := fmt.Sprintf("  %5d  %-8s  %s %s  %6d  %s", f.Seq, layout.Clock(f.At), layout.Pad(f.Dir.Arrow()+" "+shortDir(f.Dir), 5), keyCol, f.Size, typ)
		if i == p.cursor {
			// The marker shows the selection without colour too.
			l = s.Selected.Render(layout.Fit("›"+l[1:], p.width))
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

func (p *trafficScreen) View() string { return p.body }

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
