package localdc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mtproxy"
	"github.com/gotd/td/mtproxy/obfuscated2"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// failingListener fails its first n Accepts, as a process at its
// open-files limit does.
type failingListener struct {
	net.Listener
	left  atomic.Int32
	calls atomic.Int32
	// open, when not nil, holds the first Accept until it is closed: the
	// test subscribes to the events first.
	open chan struct{}
}

var errInjectedAccept = errors.New("accept: injected failure")

func (l *failingListener) Accept() (net.Conn, error) {
	if l.open != nil {
		<-l.open
	}
	l.calls.Add(1)
	if l.left.Add(-1) >= 0 {
		return nil, errInjectedAccept
	}
	return l.Listener.Accept()
}

// A failing Accept does not stop the DC: it backs off, says so once, says
// once that it recovered, and serves the client that waited.
func TestAcceptBackoffRecovers(t *testing.T) {
	const failures = 6
	var fl *failingListener
	events := make(chan model.ServerEvent, 64)
	c := startCluster(t, Config{DCs: 1, wrapListener: func(ln net.Listener) net.Listener {
		fl = &failingListener{Listener: ln, open: make(chan struct{})}
		fl.left.Store(failures)
		return fl
	}})
	ch, cancel := c.Subscribe()
	defer cancel()
	close(fl.open)
	go func() {
		for ev := range ch {
			events <- ev
		}
		close(events)
	}()
	rc := quickClient(t, c, 1) // waits in the backlog until Accept works
	rc.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})

	var kinds []model.ServerEventKind
	for ev := range events {
		switch ev.Kind {
		case model.SrvAcceptFailing:
			if !strings.Contains(ev.Detail, errInjectedAccept.Error()) || !strings.Contains(ev.Detail, "backoff") {
				t.Fatalf("failing event %q", ev.Detail)
			}
		case model.SrvAcceptRecovered:
			if !strings.Contains(ev.Detail, fmt.Sprintf("after %d failed accepts", failures)) {
				t.Fatalf("recovered event %q", ev.Detail)
			}
		default:
			continue
		}
		kinds = append(kinds, ev.Kind)
		if ev.Kind == model.SrvAcceptRecovered {
			break
		}
	}
	if want := []model.ServerEventKind{model.SrvAcceptFailing, model.SrvAcceptRecovered}; fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("accept events %v, want one failing then one recovered", kinds)
	}
	if got := fl.calls.Load(); got < failures+1 {
		t.Fatalf("%d Accept calls for %d failures", got, failures)
	}
}

// emfileChildEnv makes the test binary the DC side of
// TestAcceptRecoversFromEMFILE.
const emfileChildEnv = "TGPFS_LOCALDC_EMFILE_CHILD"

// The real pressure: a process at its open-files limit. The DC runs in a
// child process that uses up its descriptors; the parent's connection
// waits in the backlog while Accept fails with EMFILE; when the child lets
// descriptors go, the DC accepts it and makes a key with it.
func TestAcceptRecoversFromEMFILE(t *testing.T) {
	if os.Getenv(emfileChildEnv) != "" {
		emfileChild()
		return
	}
	ch := startChild(t, "TestAcceptRecoversFromEMFILE", emfileChildEnv+"=1")
	addr := ch.next("addr")
	ch.next("exhausted")
	rc := dialRaw(t, addr) // accepted by the kernel, not yet by the DC
	ch.next("failing")
	ch.send("release")
	rc.mustExchange(1, 0)
	ch.next("recovered")
	rc.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
}

// child is the test binary run again as a helper process, talking in
// lines: it says what it did on stdout, and is told what to do on stdin.
type child struct {
	t     testing.TB
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *bufio.Scanner
}

// startChild runs test (which must act as the child when it sees env) in
// a new process. The child is killed at the end of the test.
func startChild(t testing.TB, test string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 4096), 1<<20)
	return &child{t: t, cmd: cmd, in: in, lines: sc}
}

// next waits for the child's next line, which must start with want, and
// returns the rest of it. A child that hangs is killed (a hang guard).
func (c *child) next(want string) string {
	c.t.Helper()
	timer := time.AfterFunc(5*time.Minute, func() { _ = c.cmd.Process.Kill() })
	defer timer.Stop()
	if !c.lines.Scan() || !strings.HasPrefix(c.lines.Text(), want) {
		c.t.Fatalf("child said %q, want %q (%v)", c.lines.Text(), want, c.lines.Err())
	}
	return strings.TrimSpace(strings.TrimPrefix(c.lines.Text(), want))
}

// close tells the child to close what it holds and waits for it to say
// so and exit, so that its pipes are gone too.
func (c *child) close() {
	c.t.Helper()
	c.send("close")
	c.next("closed")
	_ = c.in.Close()
	if err := c.cmd.Wait(); err != nil {
		c.t.Fatalf("child: %v", err)
	}
}

func (c *child) send(line string) {
	c.t.Helper()
	if _, err := fmt.Fprintln(c.in, line); err != nil {
		c.t.Fatalf("tell the child %q: %v", line, err)
	}
}

func emfileChild() {
	fail := func(err error) { fmt.Println("error", err); os.Exit(1) }
	c, err := Start(context.Background(), Config{DCs: 1})
	if err != nil {
		fail(err)
	}
	events, _ := c.Subscribe()
	fmt.Println("addr", c.Addr(1))
	var hogs []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			break
		}
		if err != nil {
			fail(err)
		}
		hogs = append(hogs, f)
		if len(hogs) > 1<<20 {
			fail(errors.New("no open-files limit"))
		}
	}
	fmt.Println("exhausted")
	wait := func(k model.ServerEventKind) {
		for ev := range events {
			if ev.Kind == k {
				return
			}
		}
		fail(errors.New("events closed"))
	}
	wait(model.SrvAcceptFailing)
	fmt.Println("failing")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fail(err)
	}
	for _, f := range hogs {
		_ = f.Close()
	}
	wait(model.SrvAcceptRecovered)
	fmt.Println("recovered")
	// Serve until the parent is done and closes stdin... or kills us.
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	_ = c.Close()
	os.Exit(0)
}

// Connections that never finish a key exchange cannot lock a DC: past the
// unauthenticated cap, the oldest make room, and authenticated connections
// are never the ones to go.
func TestIdleSocketsDoNotLockOut(t *testing.T) {
	c := startCluster(t, Config{DCs: 1, MaxConnsPerDC: 8, MaxUnauthPerDC: 4})
	keyed := []*rawClient{quickClient(t, c, 1), quickClient(t, c, 1), quickClient(t, c, 1)}
	var idle []net.Conn
	for i := range 40 {
		nc, err := net.Dial("tcp", c.Addr(1))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if i%2 == 0 { // half send a transport tag, half nothing at all
			_, _ = nc.Write(codec.IntermediateClientStart[:])
		}
		idle = append(idle, nc)
	}
	waitStats(t, c, "the idle sockets accepted", func(st ConnStats) bool { return st.Evicted >= 40-4 })
	// A new client gets in and makes a key; the keyed ones still work.
	late := quickClient(t, c, 1)
	late.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
	for _, rc := range keyed {
		rc.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
	}
	st := c.ConnStats(1)
	if st.Unauthenticated > 4 || st.Open > 8 || st.Refused != 0 {
		t.Fatalf("stats %+v: want at most 4 unauthenticated of at most 8, none refused", st)
	}
	// The evicted sockets were closed by the DC.
	closedByDC := 0
	for _, nc := range idle {
		_ = nc.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := nc.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			closedByDC++
		}
		if closedByDC >= 30 {
			break
		}
	}
	if closedByDC < 30 {
		t.Fatalf("%d idle sockets closed by the DC", closedByDC)
	}
}

// waitStats waits (a hang guard, not a timing assertion) until ok holds
// for DC 1's connection counts.
func waitStats(t testing.TB, c *Cluster, what string, ok func(ConnStats) bool) ConnStats {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st := c.ConnStats(1)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: stats %+v", what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An unauthenticated connection that makes no progress is closed after
// KeyExchangeTimeout, however it trickles bytes; an authenticated one
// stays open past it.
func TestKeyExchangeTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	c := startCluster(t, Config{DCs: 1, KeyExchangeTimeout: timeout})
	// A key made here would race the short deadline on a loaded machine;
	// one the DC already holds authenticates the connection at its first
	// frame.
	keyed := dialRaw(t, c.Addr(1))
	keyed.use(heldPermKey(t, c, 1))
	keyed.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})

	nc, err := net.Dial("tcp", c.Addr(1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// A slowloris: the intermediate tag, then a frame header claiming 64
	// bytes, one byte at a time.
	stream := append(codec.IntermediateClientStart[:], 64, 0, 0, 0)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for _, b := range append(stream, make([]byte, 64)...) {
			select {
			case <-stop:
				return
			case <-time.After(timeout / 5):
			}
			if _, err := nc.Write([]byte{b}); err != nil {
				return
			}
		}
	}()
	_ = nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	if _, err := nc.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the trickling socket: %v, want it closed by the DC", err)
	}
	st := waitStats(t, c, "the timeout counted", func(st ConnStats) bool { return st.TimedOut >= 1 })
	if st.Open != 1 {
		t.Fatalf("stats %+v: want the keyed connection still open", st)
	}
	time.Sleep(2 * timeout) // past the key-exchange deadline of the keyed connection's accept
	keyed.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
}

// heldPermKey puts a fresh permanent key straight into DC dc, as if a key
// exchange had made it, and returns it and its salt.
func heldPermKey(t testing.TB, c *Cluster, dc int) (crypto.AuthKey, int64) {
	t.Helper()
	var k crypto.Key
	if _, err := rand.Read(k[:]); err != nil {
		t.Fatal(err)
	}
	ak := k.WithID()
	c.addKey(c.dc(dc), &madeKey{key: ak, kind: model.Permanent, salt: 77, inner: "(test)", scheme: "(none)"}, "(none)")
	return ak, 77
}

// Bytes no client of any transport sends close the connection with an
// event that says what they were; a peer that connects and goes away, or
// a slow one the deadline closes, is no event.
func TestTransportRefusalsAreEvents(t *testing.T) {
	c := startCluster(t, Config{DCs: 1, MaxFrame: 4096})
	obf := func(tag [4]byte) []byte {
		var out bytes.Buffer
		o := obfuscated2.NewObfuscated2(rand.Reader, struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(nil), &out})
		if err := o.Handshake(tag, 1, mtproxy.Secret{}); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	for _, tt := range []struct {
		name, stream, want string
	}{
		{"a frame over the bound", string(cat(codec.IntermediateClientStart[:], le32(1<<30))),
			"intermediate: frame too big: 1073741824 bytes, over the 4096-byte bound, connection closed"},
		{"a full frame under its envelope", string(cat(le32(8), le32(0), le32(0))),
			"full: frame too short: full frame of 8 bytes, under its own 12-byte envelope, connection closed"},
		{"a full frame with a bad CRC", string(cat(fullFrame(0, make([]byte, 24))[:32], le32(1))),
			"full: frame check failed: full frame CRC32, connection closed"},
		{"an empty abridged frame", string([]byte{0xef, 0}), "abridged: frame too short: empty frame, connection closed"},
		{"an obfuscated2 header for no transport", string(obf([4]byte{1, 2, 3, 4})),
			"transport: unknown transport: obfuscated2 header names protocol tag 01020304, connection closed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			events := recordEvents(t, c)
			quiet, err := net.Dial("tcp", c.Addr(1)) // connects and goes away: no event
			if err != nil {
				t.Fatal(err)
			}
			_ = quiet.Close()
			nc, err := net.Dial("tcp", c.Addr(1))
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if _, err := nc.Write([]byte(tt.stream)); err != nil {
				t.Fatal(err)
			}
			_ = nc.SetReadDeadline(time.Now().Add(30 * time.Second))
			// Closed with bytes unread, the socket may be reset instead.
			if _, err := io.ReadAll(nc); err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("read: %v, want the DC to close", err)
			}
			ev := events.waitFor(t, tt.want, func(ev model.ServerEvent) bool { return ev.Kind == model.SrvHandshakeFailed })
			if ev.Detail != tt.want {
				t.Fatalf("event %q, want %q", ev.Detail, tt.want)
			}
			if all := events.all(); len(all) != 1 {
				t.Fatalf("events %v, want the one refusal", all)
			}
		})
	}
}
