package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/list"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"tgpfs/ui/layout"
	"tgpfs/ui/styles"
)

// Method is one auth.* method as the Catalog screen shows it. Its shape
// follows model/catalog's Method, which internal/cli converts from.
type Method struct {
	Name        string
	Description string
	Params      []MethodParam
	Result      string
	Errors      []MethodError
	Bots        bool
	TL          string
	Reference   string
	Action      string // what tgpfs uses it for; empty if never invoked
	Snippet     string // a gotd call
}

// MethodParam is one parameter of a Method.
type MethodParam struct {
	Name, Type  string
	Optional    bool
	Description string
}

// MethodError is one documented RPC error of a Method.
type MethodError struct {
	Code        int
	Type        string
	Description string
}

func (m Method) short() string { return strings.TrimPrefix(m.Name, "auth.") }

// methodItem adapts a Method to bubbles/list; the filter matches the name.
type methodItem struct{ m Method }

func (i methodItem) FilterValue() string { return i.m.short() }

// methodDelegate draws one method per line: names are what people scan.
type methodDelegate struct{ s styles.Styles }

func (d methodDelegate) Height() int                         { return 1 }
func (d methodDelegate) Spacing() int                        { return 0 }
func (d methodDelegate) Update(tea.Msg, *list.Model) tea.Cmd { return nil }

func (d methodDelegate) Render(w io.Writer, lm list.Model, index int, it list.Item) {
	mi, ok := it.(methodItem)
	if !ok {
		return
	}
	mark := " "
	if mi.m.Action != "" {
		mark = d.s.OK.Render(styles.SymLive)
	}
	name := ansi.Truncate(mi.m.short(), max(lm.Width()-5, 4), "…")
	cursor := " "
	if index == lm.Index() {
		cursor, name = "›", d.s.Selected.Render(name)
	}
	fmt.Fprintf(w, "%s%s %s", cursor, mark, name)
}

// catalogScreen is the method list with a fuzzy filter beside the selected
// method's page.
type catalogScreen struct {
	sh     *shared
	list   list.Model
	detail viewport.Model // keeps the detail's scroll offset and bounds
	lines  []string       // the detail, cut to width
	shown  string         // name of the method in detail, to re-render only on change
	s      styles.Styles
	width  int
	height int
}

// CatalogSearch ranks methods for a filter query, best first, by name. It
// lets the filter match parameter and error names too (model/catalog's
// Search); without one the list's fuzzy match on names is used.
type CatalogSearch func(query string) []string

func newCatalogScreen(sh *shared, opts Options) screen {
	methods, search, s := opts.Catalog, opts.CatalogSearch, sh.styles
	items := make([]list.Item, len(methods))
	for i, m := range methods {
		items[i] = methodItem{m}
	}
	l := list.New(items, methodDelegate{s}, 0, 0)
	l.Title = fmt.Sprintf("auth.* (%d)", len(methods))
	l.Styles.Title = s.Section
	l.Styles.TitleBar = lipgloss.NewStyle()
	l.SetShowHelp(false)
	l.SetShowStatusBar(false)
	l.SetShowPagination(false)
	l.DisableQuitKeybindings()
	// Page keys scroll the detail; the list pages with ←/→.
	l.KeyMap.PrevPage = key.NewBinding(key.WithKeys("left"))
	l.KeyMap.NextPage = key.NewBinding(key.WithKeys("right"))
	if search != nil {
		l.Filter = searchFilter(search)
	}
	detail := viewport.New(0, 0)
	detail.Style = lipgloss.NewStyle().PaddingLeft(1)
	return &catalogScreen{sh: sh, list: l, detail: detail, s: s}
}

// searchFilter adapts a CatalogSearch to bubbles/list's filter, which
// ranks FilterValues (the short names) by index.
func searchFilter(search CatalogSearch) list.FilterFunc {
	return func(term string, targets []string) []list.Rank {
		index := make(map[string]int, len(targets))
		for i, t := range targets {
			index[t] = i
		}
		var ranks []list.Rank
		for _, name := range search(term) {
			if i, ok := index[strings.TrimPrefix(name, "auth.")]; ok {
				ranks = append(ranks, list.Rank{Index: i})
			}
		}
		return ranks
	}
}

func (p *catalogScreen) listWidth() int {
	if p.width >= 110 {
		return 34
	}
	return 26
}

func (p *catalogScreen) SetSize(w, h int) {
	p.width, p.height = w, h
	p.list.SetSize(p.listWidth(), h)
	p.detail.Width, p.detail.Height = max(w-p.listWidth()-1, 10), h
	p.shown = ""
	p.sync()
}

func (p *catalogScreen) Typing() bool { return p.list.FilterState() == list.Filtering }

func (p *catalogScreen) Bindings() []key.Binding {
	return []key.Binding{p.sh.keys.Snippet, p.sh.keys.Filter}
}

func (p *catalogScreen) selected() (Method, bool) {
	if it, ok := p.list.SelectedItem().(methodItem); ok {
		return it.m, true
	}
	return Method{}, false
}

// Copyables offers the selected method's gotd snippet to the copy menu.
func (p *catalogScreen) Copyables() []copyItem {
	if m, ok := p.selected(); ok && m.Snippet != "" {
		return []copyItem{{label: "Go snippet for " + m.Name, what: m.Name + " snippet", text: m.Snippet}}
	}
	return nil
}

// Refresh has nothing to do: the page is rendered when the selection
// changes, and nothing on it comes from the State.
func (p *catalogScreen) Refresh() {}

func (p *catalogScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case eventMsg, shownMsg, tickMsg:
		return nil
	case tea.MouseMsg:
		scrollWheel(&p.detail, msg)
		return nil
	case tea.KeyMsg:
		if !p.Typing() {
			switch {
			case key.Matches(msg, p.sh.keys.Snippet):
				if items := p.Copyables(); len(items) > 0 {
					return items[0].request()
				}
				return nil
			case msg.String() == "pgup":
				p.detail.PageUp()
				return nil
			case msg.String() == "pgdown", msg.String() == " ":
				p.detail.PageDown()
				return nil
			}
		}
	}
	// Keys, and the list's own messages (the filter's results).
	var cmd tea.Cmd
	p.list, cmd = p.list.Update(msg)
	p.sync()
	return cmd
}

// sync renders the selected method's page when the selection changed.
func (p *catalogScreen) sync() {
	m, ok := p.selected()
	if !ok {
		p.shown = ""
		p.setDetail(p.s.Dim.Render("No method matches the filter."))
		return
	}
	if m.Name == p.shown || p.detail.Width <= 0 {
		return
	}
	p.shown = m.Name
	w := p.detail.Width - p.detail.Style.GetHorizontalFrameSize()
	p.setDetail(layout.Fit(renderMethod(m, p.s, w), w))
	p.detail.GotoTop()
}

func (p *catalogScreen) setDetail(s string) {
	p.lines = strings.Split(s, "\n")
	p.detail.SetContent(s)
}

func (p *catalogScreen) View() string {
	s := p.s
	if len(p.list.Items()) == 0 {
		return s.Dim.Render("The catalog is empty.")
	}
	// Side by side, line by line: the list, a rule, the visible part of
	// the detail (its lines are already cut to width).
	lw, dw := p.listWidth(), max(p.detail.Width-1, 1)
	left := strings.Split(layout.Block(p.list.View(), lw, p.height), "\n")
	top := min(max(p.detail.YOffset, 0), len(p.lines))
	end := min(top+p.height, len(p.lines))
	right := strings.Split(layout.Block(strings.Join(p.lines[top:end], "\n"), dw, p.height), "\n")
	sep := s.TabGap.Render("│") + " "
	var b strings.Builder
	for i := range p.height {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(left[i] + sep + right[i])
	}
	return b.String()
}

// renderMethod is a method's page: what it does, how to call it, what can
// go wrong.
func renderMethod(m Method, s styles.Styles, width int) string {
	wrap := lipgloss.NewStyle().Width(max(width-2, 10))
	var b strings.Builder
	line := func(str string) { b.WriteString(str + "\n") }

	title := s.Section.Render(m.Name)
	if m.Action != "" {
		title += "  " + s.OK.Render(styles.SymLive+" tgpfs uses it: "+m.Action)
	}
	line(title)
	bots := s.Bad.Render(styles.SymBad + " users only")
	if m.Bots {
		bots = s.OK.Render(styles.SymOK + " bots allowed")
	}
	line(s.Label.Render("returns ") + m.Result + "   " + bots)
	line("")
	if m.Description != "" {
		line(wrap.Render(m.Description))
		line("")
	}
	line(s.Section.Render("Parameters"))
	if len(m.Params) == 0 {
		line(s.Dim.Render("  none"))
	}
	nameW, typeW := 0, 0
	for _, p := range m.Params {
		nameW, typeW = max(nameW, len(p.Name)), max(typeW, len(p.Type))
	}
	for _, p := range m.Params {
		typ := p.Type
		if p.Optional {
			typ += "?"
		}
		l := "  " + layout.Pad(p.Name, nameW+1) + s.KeyID.Render(layout.Pad(typ, typeW+2))
		if p.Description != "" {
			l += s.Dim.Render(p.Description)
		}
		line(l)
	}
	line("")
	line(s.Section.Render("Errors"))
	if len(m.Errors) == 0 {
		line(s.Dim.Render("  none documented"))
	}
	for _, e := range m.Errors {
		l := fmt.Sprintf("  %3d %s", e.Code, s.Bad.Render(e.Type))
		if e.Description != "" {
			l += s.Dim.Render("  " + e.Description)
		}
		line(l)
	}
	line("")
	line(s.Section.Render("TL"))
	line(wrap.PaddingLeft(2).Render(m.TL))
	if m.Snippet != "" {
		line("")
		line(s.Section.Render("gotd") + s.Dim.Render("  (c copies)"))
		for _, l := range strings.Split(strings.TrimRight(m.Snippet, "\n"), "\n") {
			line("  " + strings.ReplaceAll(l, "\t", "    "))
		}
	}
	if m.Reference != "" {
		line("")
		line(s.Dim.Render(m.Reference))
	}
	return strings.TrimRight(b.String(), "\n")
}
