package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
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

	"github.com/gotd/td/exchange"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
)

// dcCommand is a running `tgpfs dc`: the DC addresses it printed and the
// rest of its stdout.
type dcCommand struct {
	addrs  map[int]string
	out    *bufio.Scanner
	stderr *syncBuffer
	stop   func() int
}

// syncBuffer is a bytes.Buffer that a command's goroutine writes while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDCCommand runs `tgpfs dc` with args (and --dcs n) until stop, and
// reads its "dc N host:port" lines.
func startDCCommand(t *testing.T, n int, args ...string) *dcCommand {
	t.Helper()
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code := RunContext(ctx, append([]string{"dc", "--dcs", strconv.Itoa(n)}, args...), &IO{In: strings.NewReader(""), Out: pw, Err: stderr})
		pw.Close()
		done <- code
	}()
	c := &dcCommand{addrs: map[int]string{}, out: bufio.NewScanner(pr), stderr: stderr}
	var once sync.Once
	code := -1
	c.stop = func() int {
		once.Do(func() {
			cancel()
			go io.Copy(io.Discard, pr)
			select {
			case code = <-done:
			case <-time.After(time.Minute):
				t.Errorf("tgpfs dc did not stop")
			}
		})
		return code
	}
	t.Cleanup(func() { c.stop() })
	line := regexp.MustCompile(`^dc ([1-9]) (127\.0\.0\.1:[0-9]+)$`)
	for want := 1; want <= n; want++ {
		if !c.out.Scan() {
			t.Fatalf("output ended before dc %d; stderr %q", want, stderr.String())
		}
		m := line.FindStringSubmatch(c.out.Text())
		if m == nil || m[1] != strconv.Itoa(want) {
			t.Fatalf("line %d = %q, want \"dc %d 127.0.0.1:PORT\"", want, c.out.Text(), want)
		}
		c.addrs[want] = m[2]
	}
	return c
}

func TestDCCommandPrintsAddressesAndStops(t *testing.T) {
	pub := filepath.Join(t.TempDir(), "dc.pub")
	dc := startDCCommand(t, 2, "--listen", "127.0.0.1:0", "--max-ttl", "1h", "--pubkey-out", pub, "-v")
	// The key is written before the addresses: a script that read them
	// finds it.
	if _, err := os.Stat(pub); err != nil {
		t.Fatalf("--pubkey-out after the dc lines: %v", err)
	}
	sc, addr2 := dc.out, dc.addrs[2]
	// -v: a key made on DC 2 shows up as one event line.
	nc, err := net.Dial("tcp", addr2)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := transport.Intermediate.Handshake(nc)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	xctx, xcancel := context.WithTimeout(context.Background(), time.Minute)
	defer xcancel()
	res, err := exchange.NewExchanger(conn, 2).Client([]exchange.PublicKey{{RSA: &localdc.TestPrivateKey().PublicKey}}).Run(xctx)
	if err != nil {
		t.Fatalf("key exchange with dc 2: %v", err)
	}
	if !sc.Scan() {
		t.Fatal("no event line after a key exchange")
	}
	ev := regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3} dc2 key made +perm ([0-9a-f]{16})$`).FindStringSubmatch(sc.Text())
	if ev == nil || ev[1] != model.KeyID(res.AuthKey.IntID()).String() {
		t.Fatalf("event line %q, want the permanent key %s made on dc 2", sc.Text(), model.KeyID(res.AuthKey.IntID()))
	}
	if code := dc.stop(); code != ExitOK {
		t.Fatalf("dc: exit %d, stderr %q", code, dc.stderr.String())
	}
	data, err := os.ReadFile(pub)
	if err != nil || !strings.HasPrefix(string(data), "-----BEGIN RSA PUBLIC KEY-----") {
		t.Fatalf("--pubkey-out: %q, %v", data, err)
	}
	if st, _ := os.Stat(pub); st.Mode().Perm() != 0o600 {
		t.Fatalf("--pubkey-out mode %v, want 0600", st.Mode().Perm())
	}
}

func TestDCCommandUsageErrors(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "taken.pem")
	if err := os.WriteFile(existing, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := [][]string{
		{"dc", "--dcs", "0"},
		{"dc", "--listen", "nonsense"},
		{"dc", "--max-ttl", "-1s"},
		{"dc", "--key", filepath.Join(t.TempDir(), "missing.pem")},
		{"dc", "--pubkey-out", existing},
		{"dc", "--no-such-flag"},
	}
	for _, args := range tests {
		var out, errb bytes.Buffer
		if code := Run(args, &IO{In: strings.NewReader(""), Out: &out, Err: &errb}); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errb.String())
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed %q before failing", args, out.String())
		}
	}
	if data, _ := os.ReadFile(existing); string(data) != "x" {
		t.Fatalf("--pubkey-out overwrote a file without --force")
	}
}

// TestDCBotFlag: --bot registers a token with its home DC (DC 2 without
// @DC); any client's auth.importBotAuthorization on another DC is sent
// there (USER_MIGRATE_X), an unregistered token is refused.
func TestDCBotFlag(t *testing.T) {
	const (
		onDC3 = "4242:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
		onDC2 = "77:AAGa3fOc2xH5GWUqI2CKyJUvGaaA7w1x9sY"
	)
	dc := startDCCommand(t, 3, "--bot", onDC3+"@3", "--bot", onDC2)
	for _, tc := range []struct {
		token  string
		wantDC int
		wantID int64
	}{
		{onDC3, 3, 4242},
		{onDC2, 2, 77},
		{"999:AAGa3fOc2xH5GWUqI2CKyJUvGaaA7w1xNOT", 0, 0},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		d := proto.NewDriver(proto.Options{
			Target:  proto.Target{Env: "local", DC: 1, Addr: dc.addrs[1], ProtocolDC: 1, PublicKeys: []*rsa.PublicKey{&localdc.TestPrivateKey().PublicKey}},
			TempTTL: time.Hour, AppID: 1, AppHash: "x", Addrs: dc.addrs,
		})
		go func() {
			for range d.Events() {
			}
		}()
		if err := d.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		flow := login.New(login.Config{AppID: 1, AppHash: "x", DC: 1, Invoker: d.Invoker(), Mover: d})
		r, err := flow.Bot(ctx, tc.token)
		switch {
		case tc.wantDC == 0 && !tgerr.Is(err, "ACCESS_TOKEN_INVALID"):
			t.Errorf("unregistered token: %+v, %v; want ACCESS_TOKEN_INVALID", r, err)
		case tc.wantDC != 0 && err != nil:
			t.Errorf("bot %d: %v", tc.wantID, err)
		case tc.wantDC != 0 && (r.DC != tc.wantDC || r.User.ID != tc.wantID || !r.User.Bot):
			t.Errorf("bot login %+v; want bot %d on DC %d", r, tc.wantID, tc.wantDC)
		}
		_ = d.Close()
		cancel()
	}
	if code := dc.stop(); code != ExitOK {
		t.Fatalf("dc: exit %d, stderr %q", code, dc.stderr.String())
	}
	if e := dc.stderr.String(); !strings.Contains(e, "2 bot token(s)") || strings.Contains(e, "AAHdq") {
		t.Errorf("stderr %q: want the bots counted, their secrets not shown", e)
	}
}
