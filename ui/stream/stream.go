// Package stream is how a root model (ui's, ui/dcview's) reads an event
// channel without blocking Update: one command per value, which Update
// answers by asking for the next.
package stream

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
)

// Next is a command that waits for the next value on ch and returns got's
// message for it; closed when ch is closed; nil (no message) when ctx ends
// first, as it does when the program quits.
func Next[T any](ctx context.Context, ch <-chan T, got func(T) tea.Msg, closed tea.Msg) tea.Cmd {
	return func() tea.Msg {
		select {
		case v, ok := <-ch:
			if !ok {
				return closed
			}
			return got(v)
		case <-ctx.Done():
			return nil
		}
	}
}
