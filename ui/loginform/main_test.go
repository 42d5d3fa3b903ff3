package loginform

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"tgpfs/ui/internal/uitest"
)

// TestMain fixes the colour profile, so golden files hold plain text, and
// fails the package if a test leaves goroutines behind.
func TestMain(m *testing.M) {
	uitest.PlainText()
	code := m.Run()
	if code == 0 {
		left := leftovers()
		for i := 0; i < 200 && len(left) > 0; i++ {
			time.Sleep(10 * time.Millisecond)
			left = leftovers()
		}
		if len(left) > 0 {
			fmt.Fprintf(os.Stderr, "%d goroutines left behind:\n%s\n", len(left), strings.Join(left, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// leftovers lists the goroutines other than this one and those teatest
// itself never ends: each TestModel waits for a SIGINT forever, and
// os/signal keeps its loop.
func leftovers() []string {
	buf := make([]byte, 1<<20)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		switch {
		case strings.Contains(g, "loginform.TestMain"),
			strings.Contains(g, "teatest.NewTestModel.func2"),
			strings.Contains(g, "os/signal.loop"):
			continue
		}
		out = append(out, g)
	}
	return out
}
