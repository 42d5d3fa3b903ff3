package overlay

import (
	"fmt"
	"slices"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// fake is a layer that records what it was given and draws its name.
type fake struct {
	name   string
	got    []tea.Msg
	w, h   int
	closes bool // close on the next key
}

func (f *fake) Update(msg tea.Msg) (tea.Cmd, bool) {
	f.got = append(f.got, msg)
	_, key := msg.(tea.KeyMsg)
	return nil, key && f.closes
}
func (f *fake) View() string     { return f.name }
func (f *fake) SetSize(w, h int) { f.w, f.h = w, h }
func (f *fake) keys() (n int) {
	for _, m := range f.got {
		if _, ok := m.(tea.KeyMsg); ok {
			n++
		}
	}
	return n
}

func (s *Stack) bodies() (n int) {
	for _, e := range s.layers {
		if e.place == Body {
			n++
		}
	}
	return n
}

// permutations of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{nil}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := slices.Insert(slices.Clone(p), i, n-1)
			out = append(out, q)
		}
	}
	return out
}

// Whatever order the layers open in, the layer that takes a key is the one
// drawn on top: the body layer of the highest rank. A status layer, of any
// rank, takes none.
func TestStackKeysGoToTheLayerDrawn(t *testing.T) {
	places := []Place{Body, Status, Body, Body, Status, Body}
	for _, order := range permutations(len(places)) {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			var s Stack
			s.SetSize(80, 21)
			layers := make([]*fake, len(places))
			for _, i := range order {
				layers[i] = &fake{name: fmt.Sprintf("layer %d", i)}
				s.Push(Rank(i), places[i], layers[i])
			}
			for s.bodies() > 0 {
				top, _, ok := s.Top(Body)
				if !ok {
					t.Fatal("no top layer with layers open")
				}
				drawn := top.View()
				if _, taken := s.Update(tea.KeyMsg{Type: tea.KeyEnter}); !taken {
					t.Fatal("a key was not taken with a layer open")
				}
				var took []string
				for _, l := range layers {
					if l.keys() > 0 {
						took = append(took, l.name)
					}
					l.got = nil
				}
				if len(took) != 1 || took[0] != drawn {
					t.Fatalf("drawn %q, the key went to %v", drawn, took)
				}
				_, rank, _ := s.Top(Body)
				for _, e := range s.layers {
					if e.place == Body && e.rank > rank {
						t.Fatalf("%q of rank %d drawn over rank %d", drawn, rank, e.rank)
					}
				}
				// It closes on the next key, and the one under it is on top.
				top.(*fake).closes = true
				s.Update(tea.KeyMsg{Type: tea.KeyEsc})
				if s.Has(rank) {
					t.Fatalf("%q still open after it closed", drawn)
				}
				for _, l := range layers {
					l.got = nil
				}
			}
			if _, taken := s.Update(tea.KeyMsg{Type: tea.KeyEnter}); taken {
				t.Fatal("a key was taken with only status layers open")
			}
		})
	}
}

func TestStackRoutes(t *testing.T) {
	var s Stack
	s.SetSize(80, 21)
	if _, taken := s.Update(tea.KeyMsg{Type: tea.KeyEnter}); taken {
		t.Fatal("an empty stack took a key")
	}
	banner, dialog := &fake{name: "banner"}, &fake{name: "dialog"}
	s.Push(0, Status, banner)
	if _, taken := s.Update(tea.KeyMsg{Type: tea.KeyEnter}); taken || banner.keys() != 0 {
		t.Fatal("a status layer took a key")
	}
	if banner.w != 0 {
		t.Fatal("a status layer was given the body's size")
	}
	s.Push(1, Body, dialog)
	if dialog.w != 80 || dialog.h != 21 {
		t.Fatalf("body layer sized %dx%d", dialog.w, dialog.h)
	}
	if _, taken := s.Update(tea.MouseMsg{}); !taken || len(dialog.got) != 1 {
		t.Fatal("the mouse did not go to the top body layer alone")
	}
	// Anything else reaches every layer, and the parent too.
	type tick struct{}
	if _, taken := s.Update(tick{}); taken || len(banner.got) != 1 || len(dialog.got) != 2 {
		t.Fatalf("a tick: taken %v, banner got %d, dialog got %d", taken, len(banner.got), len(dialog.got))
	}
	if l, _, _ := s.Top(Status); l != banner {
		t.Fatal("the banner is not the status bar's top")
	}
	// Push replaces the layer of the same rank.
	other := &fake{name: "other"}
	s.Push(1, Body, other)
	if l, _, _ := s.Top(Body); l != other || len(s.layers) != 2 {
		t.Fatalf("push did not replace: %d layers", len(s.layers))
	}
	s.Close(1)
	if _, _, ok := s.Top(Body); ok {
		t.Fatal("closed layer still on top")
	}
}
