package overlay

import (
	"slices"

	tea "github.com/charmbracelet/bubbletea"
)

// Layer is one overlay on the Stack.
type Layer interface {
	// Update handles one message; closed takes the layer off the stack.
	Update(msg tea.Msg) (cmd tea.Cmd, closed bool)
	View() string
	SetSize(width, height int)
}

// Place is where a layer is drawn.
type Place int

const (
	// Body layers cover the screen's body, and the top one takes the keys
	// and the mouse.
	Body Place = iota
	// Status layers are one line in the status bar and take no keys.
	Status
)

// Rank orders the layers: the higher one is on top. A rank holds one layer
// at a time.
type Rank int

type entry struct {
	rank  Rank
	place Place
	layer Layer
}

// Stack holds the open overlays in order, lowest first. Its one precedence
// decides both who takes a key (Update) and what is drawn (Top): they are
// the same layer, always.
type Stack struct {
	layers        []entry // sorted by rank, lowest first
	width, height int
}

// Push opens l at rank, in place, replacing the layer open at that rank.
// Body layers get the stack's size. Layers are compared by ==: make them
// pointers.
func (s *Stack) Push(rank Rank, place Place, l Layer) {
	s.Close(rank)
	if place == Body {
		l.SetSize(s.width, s.height)
	}
	i, _ := slices.BinarySearchFunc(s.layers, rank, func(e entry, r Rank) int { return int(e.rank - r) })
	s.layers = slices.Insert(s.layers, i, entry{rank: rank, place: place, layer: l})
}

// Close takes the layer at rank off the stack, if one is open.
func (s *Stack) Close(rank Rank) {
	s.layers = slices.DeleteFunc(s.layers, func(e entry) bool { return e.rank == rank })
}

// Get returns the layer open at rank.
func (s *Stack) Get(rank Rank) (Layer, bool) {
	for _, e := range s.layers {
		if e.rank == rank {
			return e.layer, true
		}
	}
	return nil, false
}

// Has reports whether a layer is open at rank.
func (s *Stack) Has(rank Rank) bool {
	_, ok := s.Get(rank)
	return ok
}

// Top returns the layer on top of place, and its rank.
func (s *Stack) Top(place Place) (Layer, Rank, bool) {
	for i := len(s.layers) - 1; i >= 0; i-- {
		if e := s.layers[i]; e.place == place {
			return e.layer, e.rank, true
		}
	}
	return nil, 0, false
}

// BodyView is what the body shows: the top Body layer, the same one Update
// gives the keys to, or screen's view when no Body layer is open.
func (s *Stack) BodyView(screen func() string) string {
	if l, _, ok := s.Top(Body); ok {
		return l.View()
	}
	return screen()
}

// SetSize sets the size of the body every Body layer covers.
func (s *Stack) SetSize(width, height int) {
	s.width, s.height = width, height
	for _, e := range s.layers {
		if e.place == Body {
			e.layer.SetSize(width, height)
		}
	}
}

// Update routes one message. A key or a mouse event goes to the top Body
// layer alone, and taken is true when there is one: nothing under it sees
// the key. Every other message (ticks, answers of requests) goes to every
// layer and taken is false, so a layer under another keeps running and the
// parent sees the message too.
func (s *Stack) Update(msg tea.Msg) (cmd tea.Cmd, taken bool) {
	switch msg.(type) {
	case tea.KeyMsg, tea.MouseMsg:
		l, rank, ok := s.Top(Body)
		if !ok {
			return nil, false
		}
		cmd, closed := l.Update(msg)
		if closed {
			s.closeLayer(rank, l)
		}
		return cmd, true
	}
	var cmds []tea.Cmd
	for _, e := range slices.Clone(s.layers) {
		cmd, closed := e.layer.Update(msg)
		cmds = append(cmds, cmd)
		if closed {
			s.closeLayer(e.rank, e.layer)
		}
	}
	return tea.Batch(cmds...), false
}

// closeLayer closes l, unless its Update replaced it at its rank already.
func (s *Stack) closeLayer(rank Rank, l Layer) {
	if cur, ok := s.Get(rank); ok && cur == l {
		s.Close(rank)
	}
}
