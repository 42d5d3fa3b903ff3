package stream

import (
	"context"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

type got struct{ v int }
type closed struct{}

func TestNext(t *testing.T) {
	ch := make(chan int, 1)
	wrap := func(v int) tea.Msg { return got{v} }
	ch <- 7
	if m := Next(context.Background(), ch, wrap, closed{})(); m != (got{7}) {
		t.Fatalf("value: %#v", m)
	}
	close(ch)
	if m := Next(context.Background(), ch, wrap, closed{})(); m != (closed{}) {
		t.Fatalf("closed: %#v", m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if m := Next(ctx, make(chan int), wrap, closed{})(); m != nil {
		t.Fatalf("ended context: %#v", m)
	}
}
