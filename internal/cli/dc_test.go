package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/exchange"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

func TestDCCommandPrintsAddressesAndStops(t *testing.T) {
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	dir := t.TempDir()
	pub := filepath.Join(dir, "dc.pub")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code := RunContext(ctx, []string{"dc", "--listen", "127.0.0.1:0", "--dcs", "2", "--max-ttl", "1h", "--pubkey-out", pub, "-v"},
			&IO{In: strings.NewReader(""), Out: pw, Err: &stderr})
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	line := regexp.MustCompile(`^dc ([12]) (127\.0\.0\.1:[0-9]+)$`)
	var addr2 string
	for want := 1; want <= 2; want++ {
		if !sc.Scan() {
			t.Fatalf("output ended before dc %d", want)
		}
		m := line.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != string(rune('0'+want)) {
			t.Fatalf("line %d = %q, want \"dc %d 127.0.0.1:PORT\"", want, sc.Text(), want)
		}
		addr2 = m[2]
	}
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
	cancel()
	go io.Copy(io.Discard, pr)
	if code := <-done; code != ExitOK {
		t.Fatalf("dc: exit %d, stderr %q", code, stderr.String())
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
