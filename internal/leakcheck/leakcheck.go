// Package leakcheck fails a test binary that leaves goroutines behind: a
// connection, timer or database handle a test forgot to close. Packages use
// it from TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
//
// Goroutines that are finishing get a moment to exit; the check is on their
// number, not on any time.
package leakcheck

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"
	"time"
)

// Main runs the tests and exits with their status, or 1 if they passed but
// more goroutines are running afterwards than before.
func Main(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	// The fuzzing engine leaves its own signal goroutine running; the
	// check is for the tests' goroutines, so it is skipped while fuzzing.
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(code)
	}
	if code == 0 && !settled(before, 2*time.Second, os.Stderr) {
		code = 1
	}
	os.Exit(code)
}

// settled waits up to patience for the goroutine count to fall back to
// before; if it does not, it writes every stack to w and reports false.
func settled(before int, patience time.Duration, w io.Writer) bool {
	deadline := time.Now().Add(patience)
	n := runtime.NumGoroutine()
	for n > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n <= before {
		return true
	}
	buf := make([]byte, 1<<16)
	fmt.Fprintf(w, "goroutines left behind: %d, were %d\n%s\n", n, before, buf[:runtime.Stack(buf, true)])
	return false
}
