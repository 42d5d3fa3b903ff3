package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(existing, link); err != nil {
		t.Fatal(err)
	}
	fifo := makeFIFO(t, filepath.Join(dir, "fifo"))
	device := mknodNull(t, filepath.Join(dir, "null"))
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
		{"tdata is read only", []string{"convert", tele, "--to", "tdata", "-o", filepath.Join(dir, "td")}, "does not write it"},
		{"unknown target", []string{"convert", tele, "--to", "tdlib"}, "unknown session format"},
		{"-o is a directory", []string{"convert", tele, "--to", "gotd", "-o", dir}, "is a directory"},
		{"-o is a directory, with --force", []string{"convert", tele, "--to", "gotd", "-o", dir, "--force"}, "is a directory"},
		{"-o in a missing folder", []string{"convert", tele, "--to", "gotd", "-o", filepath.Join(dir, "no", "such", "x.json")}, "its folder does not exist"},
		{"-o under a file", []string{"convert", tele, "--to", "gotd", "-o", filepath.Join(existing, "x.json")}, "is not a folder"},
		{"--force onto a makeSymlink", []string{"convert", tele, "--to", "gotd", "-o", link, "--force"}, "--force replaces only a regular file, and this is a symbolic link"},
		{"--force onto a FIFO", []string{"convert", tele, "--to", "telethon", "-o", fifo, "--force"}, "this is a FIFO"},
		{"--force onto a device", []string{"convert", tele, "--to", "telethon", "-o", device, "--force"}, "this is a character device"},
		{"contradiction", []string{"convert", args[sessions.Pyrogram], "--to", "pyrogram", "--api-id", "99"}, "--api-id 99 contradicts the source's api_id 12345"},
		{"bad source", []string{"convert", "1abc", "--to", "telethon"}, "gramjs session"},
		{"gramjs port", []string{"convert", tele, "--to", "gramjs", "--addr", "x"}, "want host:port"},
		{"missing --to", []string{"convert", tele}, "--to FORMAT is required"},
		{"two sessions", []string{"convert", tele, tele, "--to", "gramjs"}, "want one SESSION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tree(t, dir)
			r := runSessionBounded(t, "", tt.args...)
			code, out, errOut := r.code, r.stdout, r.errOut
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (%s)", code, ExitUsage, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q, want %q", errOut, tt.want)
			}
			checkOneSessionErrLine(t, errOut)
			requireSameSessionTree(t, before, tree(t, dir))
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

// mknodNull makes a character device node like /dev/null at path, or,
// where mknod is not allowed (not root), names /dev/null itself.
func mknodNull(t *testing.T, path string) string {
	t.Helper()
	const devNull = 1<<8 | 3 // major 1, minor 3, as Linux packs small numbers
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o600, devNull); err != nil {
		return "/dev/null"
	}
	return path
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

// The storage mtcute itself wrote converts like any source: its permanent
// key goes to the target, its temporary keys stay behind, and stderr says
// so. Back into mtcute-sqlite, no temporary key is written.
func TestConvertMtcuteStorage(t *testing.T) {
	dir := t.TempDir()
	src := libraryFixtures(t, dir)["mtcute-sqlite-by-mtcute"]
	code, out, errOut := runSessionCLI("", nil, "convert", src, "--to", "telethon")
	if code != 0 {
		t.Fatal(errOut)
	}
	if !strings.Contains(errOut, "the 2 temporary keys the source stores were not copied") {
		t.Errorf("stderr %q", errOut)
	}
	s, err := sessions.Load(strings.TrimSpace(out), sessions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	orig, err := sessions.Load(src, sessions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.KeyID() != orig.KeyID() || s.HostPort() != "149.154.167.50:443" {
		t.Errorf("key %s addr %s", s.KeyID(), s.HostPort())
	}
	back := filepath.Join(dir, "back.session")
	if code, _, errOut := runSessionCLI("", nil, "convert", src, "--to", "mtcute-sqlite", "-o", back); code != 0 {
		t.Fatal(errOut)
	}
	again, err := sessions.Load(back, sessions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.KeyID() != orig.KeyID() || again.UserID != orig.UserID || len(again.TempKeys) != 0 || !again.Records().TempKeys {
		t.Errorf("back: key %s user %d, %d temp keys", again.KeyID(), again.UserID, len(again.TempKeys))
	}
}
