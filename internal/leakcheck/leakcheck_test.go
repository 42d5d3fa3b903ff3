package leakcheck

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSettled(t *testing.T) {
	before := runtime.NumGoroutine()
	done := make(chan struct{})
	go func() { <-done }()
	var out bytes.Buffer
	if settled(before, 50*time.Millisecond, &out) {
		t.Fatal("a blocked goroutine was not reported")
	}
	if !strings.Contains(out.String(), "goroutines left behind") {
		t.Fatalf("report = %q", out.String())
	}
	close(done)
	out.Reset()
	if !settled(before, 2*time.Second, &out) {
		t.Fatalf("an exiting goroutine was reported:\n%s", out.String())
	}
}
