package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Generous bounds against hangs; no test asserts how fast anything is.
const (
	buildTimeout  = 10 * time.Minute
	dcStartBound  = 60 * time.Second
	scriptTimeout = 3 * time.Minute
)

// binDir holds the binaries built once per test run (TestMain removes it).
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tgpfs-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles a package of this module once per test run and returns the
// binary's path.
var build = func() func(t *testing.T, pkg string) string {
	var mu sync.Mutex
	built := map[string]string{}
	failed := map[string]error{}
	return func(t *testing.T, pkg string) string {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if p, ok := built[pkg]; ok {
			return p
		}
		if err := failed[pkg]; err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(pkg)
		if pkg == "." {
			name = "tgpfs"
		}
		out := filepath.Join(binDir, name)
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = ".." // the module root
		if msg, err := cmd.CombinedOutput(); err != nil {
			failed[pkg] = fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
			t.Fatal(failed[pkg])
		}
		built[pkg] = out
		return out
	}
}()

// dcBinary is the tgpfs binary built from this tree, or the one
// TGPFS_INTEROP_DC_BIN names (to try the suite against another build of the
// DC, say a branch being fixed, without touching this tree).
func dcBinary(t *testing.T) string {
	if bin := os.Getenv("TGPFS_INTEROP_DC_BIN"); bin != "" {
		return bin
	}
	return build(t, ".")
}

// dcProcess is one `tgpfs dc -v` started for one client run.
type dcProcess struct {
	cmd    *exec.Cmd
	addrs  map[int]string // dc id -> host:port
	pubkey string
	done   chan struct{} // closed when stdout is drained

	mu     sync.Mutex
	events []string // the -v lines, in order
	stderr bytes.Buffer
}

var dcLine = regexp.MustCompile(`^dc (\d) (\S+)$`)

// startDC starts `tgpfs dc -v --pubkey-out …` with extra flags, reads its
// `dc N host:port` lines and waits until the public key is written.
func startDC(t *testing.T, extra ...string) *dcProcess {
	t.Helper()
	bin := dcBinary(t)
	dir := t.TempDir()
	p := &dcProcess{addrs: map[int]string{}, pubkey: filepath.Join(dir, "dc.pub"), done: make(chan struct{})}
	args := append([]string{"dc", "-v", "--dcs", "3", "--pubkey-out", p.pubkey}, extra...)
	p.cmd = exec.Command(bin, args...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start tgpfs dc: %v", err)
	}
	t.Cleanup(p.stop)

	ready := make(chan struct{})
	go func() {
		// The line "tgpfs dc: …" comes after the key file is written.
		r := bufio.NewReader(stderr)
		once := sync.Once{}
		for {
			line, err := r.ReadString('\n')
			p.mu.Lock()
			p.stderr.WriteString(line)
			p.mu.Unlock()
			if strings.HasPrefix(line, "tgpfs dc:") {
				once.Do(func() { close(ready) })
			}
			if err != nil {
				return
			}
		}
	}()
	addrs := make(chan struct{})
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			if n < 3 {
				if m := dcLine.FindStringSubmatch(line); m != nil {
					p.mu.Lock()
					p.addrs[int(m[1][0]-'0')] = m[2]
					p.mu.Unlock()
					if n++; n == 3 {
						close(addrs)
					}
					continue
				}
			}
			p.mu.Lock()
			p.events = append(p.events, line)
			p.mu.Unlock()
		}
	}()
	timeout := time.After(dcStartBound)
	for _, ch := range []chan struct{}{addrs, ready} {
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("tgpfs dc did not start within %s; stderr:\n%s", dcStartBound, p.stderrText())
		}
	}
	return p
}

// stop ends the DC with SIGTERM (Ctrl-C's path), killing it only if it hangs.
func (p *dcProcess) stop() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-exited
	}
}

func (p *dcProcess) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// log returns the -v lines so far.
func (p *dcProcess) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.events...)
}

// dcsArg is the --dcs argument every script takes: 1=host:port,2=…
func (p *dcProcess) dcsArg() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts []string
	for id := 1; id <= len(p.addrs); id++ {
		parts = append(parts, fmt.Sprintf("%d=%s", id, p.addrs[id]))
	}
	return strings.Join(parts, ",")
}

// stepResult is one JSON line of a script.
type stepResult struct {
	Client    string `json:"client"`
	Transport string `json:"transport"`
	Step      string `json:"step"`
	OK        bool   `json:"ok"`
	Detail    string `json:"detail"`
}

// scriptRun is what one run of a client script left.
type scriptRun struct {
	steps  map[string]stepResult
	order  []string
	stderr string
	err    error // the script's exit, if it failed
	junk   []string
}

// runScript runs a client script with the common arguments and collects its
// JSON lines. Lines that are not step results are kept as junk for the
// failure report (a script must print nothing else on stdout).
func runScript(t *testing.T, argv []string, env []string) *scriptRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r := &scriptRun{steps: map[string]stepResult{}}
	r.err = cmd.Run()
	if ctx.Err() != nil {
		r.err = fmt.Errorf("killed after %s: %w", scriptTimeout, r.err)
	}
	r.stderr = stderr.String()
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var s stepResult
		line := sc.Text()
		if err := json.Unmarshal([]byte(line), &s); err != nil || s.Step == "" {
			r.junk = append(r.junk, line)
			continue
		}
		if _, dup := r.steps[s.Step]; !dup {
			r.order = append(r.order, s.Step)
		}
		r.steps[s.Step] = s
	}
	return r
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… %d lines before", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// which reports whether a program can be run, and why not.
func which(prog string) error {
	_, err := exec.LookPath(prog)
	return err
}

// probe runs a short command and returns its combined output on failure.
func probe(argv ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, lastLine(string(out)))
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:] // a traceback's last line says what failed
	}
	return s
}
