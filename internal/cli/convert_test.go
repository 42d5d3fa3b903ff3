package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tgpfs/sessions"
	"tgpfs/sessions/sessionstest"
)

// TestConvertEveryPair converts each fixture to every writable format
// through the command line and checks the result with inspect.
func TestConvertEveryPair(t *testing.T) {
	dir := t.TempDir()
	args := fixtures(t, dir)
	wantID := sessions.KeyIDOf(sessionstest.Key(1)).String()
	for _, from := range sessions.Formats {
		for _, to := range sessions.Writable {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				argv := []string{"convert", args[from], "--to", string(to)}
				rec := from.Records()
				if !rec.APIID {
					argv = append(argv, "--api-id", "12345")
				}
				if !rec.UserID {
					argv = append(argv, "--user-id", "5000000001")
				}
				var out string
				if !to.IsString() {
					out = filepath.Join(t.TempDir(), "out")
					argv = append(argv, "-o", out)
				}
				code, stdout, errOut := runSessionCLI("", nil, argv...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if !strings.Contains(errOut, "AUTH_KEY_DUPLICATED") {
					t.Errorf("no AUTH_KEY_DUPLICATED warning: %q", errOut)
				}
				in := strings.TrimSpace(stdout)
				if out != "" {
					in = out
					if stdout != "" {
						t.Errorf("file conversion printed %q", stdout)
					}
				}
				s, err := sessions.Load(in, sessions.LoadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if s.Format != to || s.KeyID().String() != wantID || s.DC != 2 {
					t.Errorf("got %s dc %d key %s", s.Format, s.DC, s.KeyID())
				}
				if to.Records().UserID && s.UserID != 5000000001 {
					t.Errorf("user id %d", s.UserID)
				}
			})
		}
	}
}

func TestConvertRefusals(t *testing.T) {
	dir := t.TempDir()
	args := fixtures(t, dir)
	existing := filepath.Join(dir, "existing.session")
	os.WriteFile(existing, []byte("keep me"), 0o600)
	tele := args[sessions.Telethon]
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"pyrogram needs api id", []string{"convert", tele, "--to", "pyrogram", "--user-id", "1"}, "give --api-id"},
		{"pyrogram sqlite needs user id", []string{"convert", tele, "--to", "pyrogram-sqlite", "--api-id", "1", "-o", filepath.Join(dir, "p.session")}, "give --user-id"},
		{"no overwrite", []string{"convert", tele, "--to", "telethon-sqlite", "-o", existing}, "file exists (use --force to overwrite)"},
		{"no overwrite string format", []string{"convert", tele, "--to", "gramjs", "-o", existing}, "file exists"},
		{"file format needs -o", []string{"convert", tele, "--to", "gotd"}, "gotd is a file: give -o PATH"},
		{"tdata is read only", []string{"convert", tele, "--to", "tdata", "-o", filepath.Join(dir, "td")}, "does not write them"},
		{"unknown target", []string{"convert", tele, "--to", "mtcute"}, "unknown session format"},
		{"contradiction", []string{"convert", args[sessions.Pyrogram], "--to", "pyrogram", "--api-id", "99"}, "--api-id 99 contradicts the source's api_id 12345"},
		{"bad source", []string{"convert", "1abc", "--to", "telethon"}, "gramjs session"},
		{"gramjs port", []string{"convert", tele, "--to", "gramjs", "--addr", "x"}, "want host:port"},
		{"missing --to", []string{"convert", tele}, "--to FORMAT is required"},
		{"two sessions", []string{"convert", tele, tele, "--to", "gramjs"}, "want one SESSION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadDir(dir)
			code, out, errOut := runSessionCLI("", nil, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (%s)", code, ExitUsage, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q, want %q", errOut, tt.want)
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("files changed: %d entries, were %d", len(after), len(before))
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("existing file overwritten: %q", b)
	}
	// --force replaces it, 0600.
	code, _, errOut := runSessionCLI("", nil, "convert", tele, "--to", "telethon-sqlite", "-o", existing, "--force")
	if code != 0 {
		t.Fatal(errOut)
	}
	fi, _ := os.Stat(existing)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

// A Pyrogram session knows only its DC; --addr points the converted
// session elsewhere (a local DC, say).
func TestConvertAddrForDCOnlySource(t *testing.T) {
	args := fixtures(t, t.TempDir())
	code, out, errOut := runSessionCLI("", nil, "convert", args[sessions.Pyrogram], "--to", "telethon", "--addr", "127.0.0.1:40123")
	if code != 0 {
		t.Fatal(errOut)
	}
	s, err := sessions.Load(strings.TrimSpace(out), sessions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.HostPort() != "127.0.0.1:40123" || s.AddrFromDC {
		t.Errorf("address %s", s.HostPort())
	}
	// A Telethon source records its address: a different --addr is a contradiction.
	code, _, errOut = runSessionCLI("", nil, "convert", args[sessions.Telethon], "--to", "gramjs", "--addr", "127.0.0.1:443")
	if code != ExitUsage || !strings.Contains(errOut, "contradicts") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
