package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"tgpfs/sessions"
	"tgpfs/sessions/sessionstest"
)

// fixedNow is the clock of the golden tests: whether a stored temporary
// key is live depends on it.
var fixedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fixClock sets inspect's clock to fixedNow for the test.
func fixClock(t *testing.T) {
	inspectNow = func() time.Time { return fixedNow }
	t.Cleanup(func() { inspectNow = time.Now })
}

// runSessionCLI runs tgpfs with args, stdin and env, in the style of runCLI.
func runSessionCLI(stdin string, env map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(args, &IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errOut.String()
}

// fixtureSession is the session every fixture holds: DC 2, user, api id and
// a key made from a fixed seed, so golden files stay stable.
func fixtureSession() *sessions.Session {
	return &sessions.Session{
		DC: 2, Addr: "149.154.167.51", Port: 443,
		APIID: 12345, UserID: 5000000001, AuthKey: sessionstest.Key(1),
	}
}

// fixtures writes one session per format into dir and returns the
// command-line argument naming each: a path, or the string itself.
func fixtures(t *testing.T, dir string) map[sessions.Format]string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s := fixtureSession()
	args := map[sessions.Format]string{}
	for _, f := range sessions.Writable {
		if f.IsString() {
			b, err := sessions.Encode(s, f)
			if err != nil {
				t.Fatal(err)
			}
			args[f] = string(b)
			continue
		}
		p := filepath.Join(dir, string(f)+".session")
		if err := sessions.WriteFile(p, s, f, false); err != nil {
			t.Fatal(err)
		}
		args[f] = p
	}
	td := filepath.Join(dir, "tdata")
	if err := os.Mkdir(td, 0o700); err != nil {
		t.Fatal(err)
	}
	sessionstest.WriteTData(t, td, sessionstest.TData{UserID: 5000000001, DC: 2, Key: sessionstest.Key(1)})
	args[sessions.TData] = td
	return args
}

// libraryFixtures are sessions written by the libraries themselves (or, for
// Telethon 1.40+, which this machine cannot install, built from its schema
// text): mtcute's by sessions/testdata/mtcute/make.mjs, copied into dir.
func libraryFixtures(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, file := range map[string]string{
		"mtcute-sqlite-by-mtcute":      "storage.session",
		"mtcute-sqlite-live-by-mtcute": "live.session",
	} {
		b, err := os.ReadFile(filepath.Join("../../sessions/testdata/mtcute", file))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	str, err := os.ReadFile("../../sessions/testdata/mtcute/string.txt")
	if err != nil {
		t.Fatal(err)
	}
	out["mtcute-by-mtcute"] = strings.TrimSpace(string(str))
	for name, fx := range map[string]sessionstest.TelethonV8{
		"telethon-v8-temp-key":          {Stored: true},
		"telethon-v8-temp-key-reloaded": {Stored: true, Reloaded: true},
		"telethon-v8-not-stored":        {},
	} {
		p := filepath.Join(dir, name+".session")
		fx.DC, fx.Addr, fx.Port, fx.Key, fx.TmpKey = 2, "149.154.167.51", 443, sessionstest.Key(1), sessionstest.Key(2)
		sessionstest.WriteTelethonV8(t, p, fx)
		out[name] = p
	}
	return out
}

// TestInspectGolden pins what inspect prints for every format, as our
// writers make it and as the libraries make it. Update with
// `go test ./internal/cli -run TestInspectGolden -update` and read the diff.
func TestInspectGolden(t *testing.T) {
	fixClock(t)
	dir := t.TempDir()
	inputs := map[string]string{}
	for f, arg := range fixtures(t, dir) {
		inputs[string(f)] = arg
	}
	for name, arg := range libraryFixtures(t, dir) {
		inputs[name] = arg
	}
	for name, arg := range inputs {
		for _, mode := range []string{"text", "json"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				argv := []string{"inspect", arg}
				if mode == "json" {
					argv = append(argv, "--json")
				}
				code, out, errOut := runSessionCLI("", nil, argv...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				golden.RequireEqual(t, strings.ReplaceAll(out, dir, "$DIR"))
			})
		}
	}
}

// Every format has its golden pair, so a new format cannot go unpinned.
func TestInspectGoldenCoversEveryFormat(t *testing.T) {
	for _, f := range sessions.Formats {
		for _, mode := range []string{"text", "json"} {
			p := filepath.Join("testdata", "TestInspectGolden", string(f), mode+".golden")
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: no golden %s", f, p)
			}
		}
	}
}

func TestInspectJSONFields(t *testing.T) {
	args := fixtures(t, t.TempDir())
	want := sessions.KeyIDOf(sessionstest.Key(1)).String()
	for f, arg := range args {
		_, out, _ := runSessionCLI("", nil, "inspect", "--json", arg)
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if v["format"] != string(f) || v["dc"] != float64(2) || v["key_id"] != want || v["addr"] == "" {
			t.Errorf("%s: format %v dc %v key_id %v addr %v", f, v["format"], v["dc"], v["key_id"], v["addr"])
		}
		if _, ok := v["auth_key"]; ok {
			t.Errorf("%s: auth_key printed without --reveal", f)
		}
	}
}

func TestInspectRevealAndStdin(t *testing.T) {
	str := fixtures(t, t.TempDir())[sessions.Telethon]
	keyHex := strings.ToLower(strings.TrimSpace(hexOfKey(sessionstest.Key(1))))
	_, hidden, _ := runSessionCLI(str+"\n", nil, "inspect", "-")
	if strings.Contains(strings.ReplaceAll(hidden, "\n  ", ""), keyHex[:64]) {
		t.Fatal("key bytes printed without --reveal")
	}
	code, out, errOut := runSessionCLI(str+"\n", nil, "inspect", "--reveal", "-")
	if code != 0 {
		t.Fatal(errOut)
	}
	joined := strings.ReplaceAll(strings.ReplaceAll(out, "\n", ""), " ", "")
	if !strings.Contains(joined, keyHex) {
		t.Errorf("--reveal did not print the key:\n%s", out)
	}
	_, js, _ := runSessionCLI("", nil, "inspect", "--reveal", "--json", str)
	if !strings.Contains(js, `"auth_key": "`+keyHex+`"`) {
		t.Errorf("--json --reveal lacks auth_key")
	}
}

func hexOfKey(k []byte) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for _, c := range k {
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
	return b.String()
}

func TestInspectBadInput(t *testing.T) {
	dir := t.TempDir()
	args := fixtures(t, dir)
	full, _ := os.ReadFile(args[sessions.TelethonSQLite])
	trunc := filepath.Join(dir, "trunc.session")
	os.WriteFile(trunc, full[:3000], 0o600)
	locked := filepath.Join(dir, "locked")
	os.Mkdir(locked, 0o700)
	sessionstest.WriteTData(t, locked, sessionstest.TData{Passcode: []byte("pw"), UserID: 1, DC: 2, Key: sessionstest.Key(2)})
	tele := args[sessions.Telethon]
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"short telethon", []string{"inspect", tele[:200]}, nil, "tgpfs: telethon session: "},
		{"telethon bad length", []string{"inspect", tele[:len(tele)-4]}, nil, "tgpfs: telethon session: 348 characters decode to 261 bytes"},
		{"truncated sqlite", []string{"inspect", trunc}, nil, "tgpfs: sqlite session: truncated or not a database"},
		{"wrong passcode", []string{"inspect", "--passcode", "nope", locked}, nil, "tgpfs: tdata session: wrong passcode"},
		{"wrong passcode from env", []string{"inspect", locked}, map[string]string{"TGPFS_PASSCODE": "nope"}, "tgpfs: tdata session: wrong passcode"},
		{"unknown --from", []string{"inspect", "--from", "tdlib", tele}, nil, "unknown session format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runSessionCLI("", tt.env, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if !strings.HasPrefix(errOut, tt.want) && !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q, want %q", errOut, tt.want)
			}
			if strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", errOut)
			}
		})
	}
	// The right passcode opens it.
	code, out, errOut := runSessionCLI("", nil, "inspect", "--passcode", "pw", locked)
	if code != 0 || !strings.Contains(out, sessions.KeyIDOf(sessionstest.Key(2)).String()) {
		t.Errorf("exit %d: %s %s", code, out, errOut)
	}
}
