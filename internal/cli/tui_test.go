package cli

import (
	"bytes"
	"strings"
	"testing"
)

// With stdout not a terminal, the root command runs the session without a
// UI and prints a snapshot: a bound temporary key and the login.
func TestRootPrintsSnapshotWhenNotATerminal(t *testing.T) {
	var out, errb bytes.Buffer
	code := Run([]string{"--ttl", "2m", "--snapshot-wait", "20s"}, &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	for _, want := range []string{"local DC 2", "connected", "as Test", "Temporary key  ✓ bound", "expires_in 2:00", "✓ dh_prime_safe"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("snapshot lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Error("snapshot has escape sequences")
	}
}

func TestRootFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		{[]string{"--ttl", "0s"}, ExitUsage, "--ttl 0s"},
		{[]string{"--dc", "test", "--ttl", "30s"}, ExitUsage, "at least a minute"},
		{[]string{"--dc", "mars"}, ExitUsage, "mars"},
		{[]string{"--dc-id", "4"}, ExitUsage, "--dc-id 4: want 1..3"},
		{[]string{"--dc-id", "4", "--dry-run"}, ExitUsage, "--dc-id 4: want 1..3"},
		{[]string{"--session", "not a session"}, ExitUsage, "--session"},
		{[]string{"--dry-run"}, ExitOK, "local DC 2"},
		{[]string{"--dc", "test", "--dry-run"}, ExitOK, "protocol dc id   10002"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(tt.args, &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
			if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.want) {
				t.Fatalf("exit %d (want %d); stdout %q; stderr %q; want %q", code, tt.code, out.String(), errb.String(), tt.want)
			}
		})
	}
}
