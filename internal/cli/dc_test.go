package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDCCommandPrintsAddressesAndStops(t *testing.T) {
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	dir := t.TempDir()
	pub := filepath.Join(dir, "dc.pub")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := runDC(ctx, &IO{Out: pw, Err: &stderr}, dcFlags{listen: "127.0.0.1:0", dcs: 2, maxTTL: time.Hour, pubkeyOut: pub})
		pw.Close()
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	line := regexp.MustCompile(`^dc ([12]) 127\.0\.0\.1:[0-9]+$`)
	for want := 1; want <= 2; want++ {
		if !sc.Scan() {
			t.Fatalf("output ended before dc %d", want)
		}
		m := line.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != string(rune('0'+want)) {
			t.Fatalf("line %d = %q, want \"dc %d 127.0.0.1:PORT\"", want, sc.Text(), want)
		}
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatalf("dc: %v", err)
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
