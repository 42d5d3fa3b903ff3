package cli

import (
	"bufio"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/sys/unix"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/localdc"
)

// openPTY opens a pseudo-terminal of w x h cells: the test holds the
// master, the command gets the slave as its terminal.
func openPTY(t *testing.T, w, h int) (master, slave *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(h), Col: uint16(w)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close(); master.Close() })
	return master, slave
}

// screenText collects what a program draws on a terminal, escapes taken
// out, and answers the terminal queries it asks (the background colour),
// as a terminal would.
type screenText struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *screenText) read(master *os.File) {
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		if n > 0 {
			chunk := string(buf[:n])
			if strings.Contains(chunk, "\x1b]11;?") {
				_, _ = master.WriteString("\x1b]11;rgb:0000/0000/0000\x1b\\")
			}
			if strings.Contains(chunk, "\x1b[6n") {
				_, _ = master.WriteString("\x1b[1;1R")
			}
			s.mu.Lock()
			s.b.WriteString(ansi.Strip(chunk))
			s.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (s *screenText) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *screenText) await(t *testing.T, what string, subs ...string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		text := s.String()
		all := true
		for _, sub := range subs {
			all = all && strings.Contains(text, sub)
		}
		if all {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	text := s.String()
	t.Fatalf("waiting for %s (%q); the terminal shows, last 2000 bytes:\n%s", what, subs, text[max(len(text)-2000, 0):])
}

// TestDCTUIInATerminal runs `tgpfs dc --tui` as a script next to a person
// would: stdout is a pipe the script reads the "dc N" lines from, the view
// is drawn on stderr, a terminal, where the person reads it and types. A
// real client (tgpfs's own driver) connects; the view shows it with its
// bound temporary key and its PFS verdict, and the scenario in force;
// SIGUSR1 writes the report while the view runs; q quits, the DCs stop,
// the report is written again with the table after it, and the exit
// status is 0.
func TestDCTUIInATerminal(t *testing.T) {
	t.Setenv("TERM", "xterm-256color")
	master, slave := openPTY(t, 120, 40)
	report := filepath.Join(t.TempDir(), "report.json")
	screen := &screenText{}
	go screen.read(master)

	pr, pw := io.Pipe()
	done := make(chan int, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	go func() {
		code := RunContext(ctx, []string{"dc", "--tui", "--dcs", "3", "--max-ttl", "1h", "--scenario", "forget-temp-after=1h", "--report", report},
			&IO{In: slave, Out: pw, Err: slave})
		pw.Close()
		done <- code
	}()
	out := bufio.NewScanner(pr)
	addrs := map[int]string{}
	line := regexp.MustCompile(`^dc ([1-9]) (127\.0\.0\.1:[0-9]+)$`)
	for want := 1; want <= 3; want++ {
		if !out.Scan() {
			t.Fatalf("stdout ended before dc %d; the terminal shows %q", want, screen.String())
		}
		m := line.FindStringSubmatch(out.Text())
		if m == nil || m[1] != strconv.Itoa(want) {
			t.Fatalf("stdout line %d = %q, want \"dc %d 127.0.0.1:PORT\"", want, out.Text(), want)
		}
		addrs[want] = m[2]
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	screen.await(t, "the view with its header", "tgpfs dc · ", "scenario forget-temp-after=1h0m0s", "dc 2 "+addrs[2], "No client yet")

	d := proto.NewDriver(proto.Options{
		Target:  proto.Target{Env: "local", DC: 2, Addr: addrs[2], ProtocolDC: 2, PublicKeys: []*rsa.PublicKey{&localdc.TestPrivateKey().PublicKey}},
		TempTTL: 90 * time.Second, AppID: 17349, AppHash: "x", Addrs: addrs, DeviceModel: "pty-test", AppVersion: "9.9",
	})
	go func() {
		for range d.Events() {
		}
	}()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	screen.await(t, "the client, its bound key and its verdict", "pty-test 9.9", "Clients (1)", "✓ ok", "✓ bound")
	_ = d.Close()

	// kill -USR1: the report, while the view runs.
	if err := unix.Kill(os.Getpid(), unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for !reportNames(t, report, "pty-test") {
		if time.Now().After(deadline) {
			t.Fatal("SIGUSR1 wrote no report naming the client")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.Remove(report); err != nil {
		t.Fatal(err)
	}

	if _, err := master.WriteString("q"); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d; the terminal shows %q", code, screen.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("q did not stop tgpfs dc --tui")
	}
	if !reportNames(t, report, "pty-test") {
		t.Fatal("no report naming the client after q")
	}
	screen.await(t, "the table after the view", "tgpfs dc: 1 client seen")
	// The DCs stopped with the view.
	if nc, err := net.DialTimeout("tcp", addrs[2], time.Second); err == nil {
		nc.Close()
		t.Fatal("dc 2 still accepts connections after q")
	} else if !errors.Is(err, unix.ECONNREFUSED) {
		t.Logf("dial after q: %v", err)
	}
}

// reportNames reports whether the report at path names a client whose
// device model is device.
func reportNames(t *testing.T, path, device string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var r model.ConformanceReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	for _, c := range r.Clients {
		if c.Client.DeviceModel == device {
			return true
		}
	}
	return false
}
