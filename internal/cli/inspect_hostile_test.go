package cli

import (
	"bytes"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"tgpfs/sessions"
	"tgpfs/sessions/sessionstest"
)

// The hostile and careless session input of issue 13, class by class: for
// each, inspect and convert exit 2 with exactly one bounded line on stderr
// that holds no control character and no secret, print nothing on stdout,
// change nothing on disk, do not hang, and allocate a bounded amount.

// sessionHangTimeout is generous: a case that blocks (a FIFO) never returns at
// all, one that works returns in milliseconds.
const sessionHangTimeout = 60 * time.Second

// maxSessionCaseAlloc bounds what one bad input may make the process allocate: a
// few MiB of SQLite pages, a tdata folder's passcode derivation.
const maxSessionCaseAlloc = 64 << 20

// maxSessionErrLine bounds the one stderr line ("tgpfs: " and the message).
const maxSessionErrLine = 400

type sessionRun struct {
	code           int
	stdout, errOut string
	alloc          uint64
}

// runSessionBounded runs tgpfs in-process with a hang timeout, measuring what the
// run allocated.
func runSessionBounded(t *testing.T, stdin string, args ...string) sessionRun {
	t.Helper()
	done := make(chan sessionRun, 1)
	go func() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		code, out, errOut := runSessionCLI(stdin, nil, args...)
		runtime.ReadMemStats(&after)
		done <- sessionRun{code, out, errOut, after.TotalAlloc - before.TotalAlloc}
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(sessionHangTimeout):
		t.Fatalf("tgpfs %s: no answer after %v (hangs)", strings.Join(args, " "), sessionHangTimeout)
	}
	return sessionRun{}
}

// requireSameSessionTree: nothing under the folder changed between two
// trees (badinput_test.go).
func requireSameSessionTree(t *testing.T, before, after map[string]fileState) {
	t.Helper()
	for p, b := range before {
		a, ok := after[p]
		if !ok {
			t.Errorf("%s disappeared", p)
		} else if a != b {
			t.Errorf("%s changed: %v %d %v -> %v %d %v", p, b.mode, b.size, b.mtime, a.mode, a.size, a.mtime)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared", p)
		}
	}
}

// checkOneSessionErrLine checks stderr: one line, bounded, no raw control
// character, and none of the secrets.
func checkOneSessionErrLine(t *testing.T, errOut string, secrets ...string) {
	t.Helper()
	if strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
		t.Errorf("stderr is not exactly one line: %q", errOut)
	}
	if len(errOut) > maxSessionErrLine {
		t.Errorf("stderr line is %d bytes, want at most %d: %.200q…", len(errOut), maxSessionErrLine, errOut)
	}
	for _, r := range strings.TrimSuffix(errOut, "\n") {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Errorf("stderr holds the control character %U: %q", r, errOut)
			break
		}
	}
	for _, s := range secrets {
		for i := 0; i+16 <= len(s); i += 8 {
			if strings.Contains(errOut, s[i:i+16]) {
				t.Errorf("stderr quotes the secret input (%q…): %q", s[i:i+16], errOut)
				return
			}
		}
	}
}

// makeSparse makes a file of size bytes that starts with head and costs no
// disk: reading it whole is what must not happen.
func makeSparse(t *testing.T, path string, head []byte, size int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(head); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return path
}

func makeFIFO(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("makeFIFO: %v", err)
	}
	return path
}

func makeSymlink(t *testing.T, target, path string) string {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// tdataWith builds a tdata folder and lets change replace or add files.
func tdataWith(t *testing.T, dir string, fx sessionstest.TData, change func(dir string)) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	fx.DC, fx.UserID, fx.Key = 2, 42, sessionstest.Key(3)
	sessionstest.WriteTData(t, dir, fx)
	if change != nil {
		change(dir)
	}
	return dir
}

// hugeBlobSession is a Telethon file whose auth_key is 2 MiB.
func hugeBlobSession(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`create table version (version integer primary key)`, `insert into version values (7)`,
		`create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer)`,
		`insert into sessions values (2, '1.2.3.4', 443, zeroblob(2097152), null)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestBadSessionInput(t *testing.T) {
	dir := t.TempDir()
	good := fixtures(t, filepath.Join(dir, "good"))
	pyro := good[sessions.Pyrogram]
	tele := good[sessions.Telethon]
	mtcute := good[sessions.Mtcute]
	mtpFile := sessionstest.FileKey("data") + "s"

	cases := []struct {
		name    string
		arg     string
		stdin   string
		want    string   // in the error line
		secrets []string // never in the error line
	}{
		{name: "FIFO", arg: makeFIFO(t, filepath.Join(dir, "fifo.session")), want: "is a FIFO"},
		{name: "makeSymlink to /dev/zero", arg: makeSymlink(t, "/dev/zero", filepath.Join(dir, "zero.session")), want: "is a character device"},
		{name: "/dev/zero", arg: "/dev/zero", want: "is a character device"},
		{name: "socket", arg: listenUnixAt(t, filepath.Join(dir, "s.sock")), want: "is a socket"},
		{name: "makeSparse 256 MiB text", arg: makeSparse(t, filepath.Join(dir, "big.session"), []byte("1"), 256<<20), want: "too big for a session string"},
		{name: "makeSparse 256 MiB SQLite", arg: makeSparse(t, filepath.Join(dir, "big.sqlite"), []byte("SQLite format 3\x00"), 256<<20), want: "sqlite session"},
		{name: "SQLite with a 2 MiB auth_key", arg: hugeBlobSession(t, filepath.Join(dir, "blob.session")), want: "telethon-sqlite session"},
		{name: "tdata declaring 2^32-1 accounts", arg: tdataWith(t, filepath.Join(dir, "accounts"), sessionstest.TData{Accounts: 0xffffffff}, nil), want: "declares 4294967295 accounts"},
		{name: "tdata declaring 2^32-1 keys", arg: tdataWith(t, filepath.Join(dir, "keys"), sessionstest.TData{Keys: 0xffffffff}, nil), want: "declares 4294967295 keys"},
		{name: "tdata with a makeSparse 256 MiB key_datas", arg: tdataWith(t, filepath.Join(dir, "bigkd"), sessionstest.TData{}, func(d string) {
			makeSparse(t, filepath.Join(d, "key_datas"), []byte("TDF$"), 256<<20)
		}), want: "more than any tdata file"},
		{name: "tdata with a FIFO for key_datas", arg: tdataWith(t, filepath.Join(dir, "fifokd"), sessionstest.TData{}, func(d string) {
			os.Remove(filepath.Join(d, "key_datas"))
			makeFIFO(t, filepath.Join(d, "key_datas"))
		}), want: "is a FIFO"},
		{name: "tdata account file linked to /dev/zero", arg: tdataWith(t, filepath.Join(dir, "zeromtp"), sessionstest.TData{}, func(d string) {
			os.Remove(filepath.Join(d, mtpFile))
			makeSymlink(t, "/dev/zero", filepath.Join(d, mtpFile))
		}), want: "is a character device"},
		{name: "folder that is no tdata", arg: makeDir(t, filepath.Join(dir, "folder")), want: "not a Telegram Desktop tdata folder"},
		{name: "missing file", arg: filepath.Join(dir, "nope.session"), want: "no such file or directory"},
		{name: "ESC and BEL in a missing path", arg: filepath.Join(dir, "\x1b[31mred\a.session"), want: `\x1b[31mred\a.session`},
		{name: "1 MiB argument", arg: strings.Repeat("A", 1<<20), want: "no session file name or string is longer than 64 KiB"},
		{name: "1 MiB on stdin", arg: "-", stdin: strings.Repeat("A", 1<<20), want: "standard input"},
		{name: "truncated Pyrogram string, standard alphabet", arg: stdAlphabet(pyro)[:300], want: "pyrogram session", secrets: []string{stdAlphabet(pyro)}},
		{name: "Telethon string with a bad character", arg: tele[:200] + "!" + tele[201:], want: "telethon session", secrets: []string{tele}},
		{name: "mtcute string cut short", arg: mtcute[:len(mtcute)-10], want: "mtcute session", secrets: []string{mtcute}},
		{name: "base64 that is no session", arg: strings.Repeat("Zm9v", 40), want: "pyrogram session", secrets: []string{strings.Repeat("Zm9v", 40)}},
		{name: "short base64 that is no session", arg: strings.Repeat("Zm9v", 20), want: `"Zm9v…" (80 characters)`, secrets: []string{strings.Repeat("Zm9v", 20)}},
		{name: "control characters in a string", arg: "1\x1b[2J\x07" + strings.Repeat("A", 300), want: "gramjs session"},
		{name: "gotd JSON with a 60 KB address", arg: writeSessionFile(t, filepath.Join(dir, "addr.json"), `{"Version":1,"Data":{"DC":2,"Addr":"`+strings.Repeat("x", 60000)+`","AuthKey":"`+stdBase64(sessionstest.Key(1))+`"}}`), want: "gotd session"},
		{name: "empty file", arg: writeSessionFile(t, filepath.Join(dir, "empty.session"), ""), want: "empty session string"},
	}
	if os.Geteuid() != 0 {
		unreadable := writeSessionFile(t, filepath.Join(dir, "locked.session"), "x")
		os.Chmod(unreadable, 0)
		cases = append(cases, struct {
			name    string
			arg     string
			stdin   string
			want    string
			secrets []string
		}{name: "unreadable file", arg: unreadable, want: "permission denied"})
	}
	for _, cmd := range [][]string{{"inspect"}, {"convert", "--to", "telethon"}} {
		for _, tc := range cases {
			t.Run(cmd[0]+"/"+tc.name, func(t *testing.T) {
				before := tree(t, dir)
				args := append([]string{cmd[0], tc.arg}, cmd[1:]...)
				r := runSessionBounded(t, tc.stdin, args...)
				if r.code != ExitUsage {
					t.Errorf("exit %d, want %d", r.code, ExitUsage)
				}
				if r.stdout != "" {
					t.Errorf("stdout %.100q, want nothing", r.stdout)
				}
				checkOneSessionErrLine(t, r.errOut, tc.secrets...)
				if !strings.Contains(r.errOut, tc.want) {
					t.Errorf("stderr %q, want it to contain %q", r.errOut, tc.want)
				}
				t.Logf("allocated %d KiB: %s", r.alloc>>10, strings.TrimSpace(r.errOut))
				if r.alloc > maxSessionCaseAlloc {
					t.Errorf("allocated %d MiB, want at most %d", r.alloc>>20, maxSessionCaseAlloc>>20)
				}
				requireSameSessionTree(t, before, tree(t, dir))
			})
		}
	}
}

func makeDir(t *testing.T, path string) string {
	t.Helper()
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

func listenUnixAt(t *testing.T, path string) string {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return path
}

func writeSessionFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// stdAlphabet rewrites url-safe base64 in the standard alphabet, which
// puts a '/' or '+' in almost any session string.
func stdAlphabet(s string) string { return strings.NewReplacer("-", "+", "_", "/").Replace(s) }

func stdBase64(b []byte) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var sb strings.Builder
	for i := 0; i < len(b); i += 3 {
		var n uint32
		k := min(3, len(b)-i)
		for j := range 3 {
			n <<= 8
			if j < k {
				n |= uint32(b[i+j])
			}
		}
		for j := range 4 {
			if j <= k {
				sb.WriteByte(enc[n>>(18-6*j)&63])
			} else {
				sb.WriteByte('=')
			}
		}
	}
	return sb.String()
}

// A real Pyrogram string in the standard base64 alphabet has a '/' and
// used to be taken for a path (and echoed whole in "no such file"): it is a
// string, and Pyrogram itself reads it (urlsafe_b64decode takes both
// alphabets).
func TestPyrogramStandardAlphabetIsAString(t *testing.T) {
	var str string
	for seed := uint64(1); ; seed++ {
		s := fixtureSession()
		s.AuthKey = sessionstest.Key(seed)
		b, err := sessions.Encode(s, sessions.Pyrogram)
		if err != nil {
			t.Fatal(err)
		}
		if str = stdAlphabet(string(b)); strings.Contains(str, "/") {
			break
		}
	}
	code, out, errOut := runSessionCLI("", nil, "inspect", str)
	if code != 0 || !strings.Contains(out, "format       pyrogram (current layout)") || !strings.Contains(out, "standard base64") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// Inspecting never writes anything anywhere: for every format, as our
// writers and as the libraries make them, and for SQLite files in WAL
// mode (which a read-write or a plain read-only open would give a -shm and
// a -wal), the tree, sizes and mtimes are the same before and after.
func TestInspectWritesNothing(t *testing.T) {
	dir := t.TempDir()
	inputs := map[string]string{}
	for f, arg := range fixtures(t, filepath.Join(dir, "ours")) {
		inputs[string(f)] = arg
	}
	os.Mkdir(filepath.Join(dir, "libs"), 0o700)
	for name, arg := range libraryFixtures(t, filepath.Join(dir, "libs")) {
		inputs[name] = arg
	}
	wal := filepath.Join(dir, "wal.session")
	sessionstest.WriteTelethonV8(t, wal, sessionstest.TelethonV8{DC: 2, Addr: "1.2.3.4", Port: 443, Key: sessionstest.Key(4), TmpKey: sessionstest.Key(5), Stored: true, WAL: true})
	inputs["telethon v8 in WAL mode"] = wal
	inputs["a WAL file with changes not checkpointed"] = uncheckpointedWAL(t, filepath.Join(dir, "crashed"))
	for name, arg := range inputs {
		for _, extra := range [][]string{nil, {"--json"}, {"--reveal"}} {
			t.Run(name+strings.Join(extra, ""), func(t *testing.T) {
				before := tree(t, dir)
				code, _, errOut := runSessionCLI("", nil, append([]string{"inspect", arg}, extra...)...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				requireSameSessionTree(t, before, tree(t, dir))
			})
		}
	}
	// The crashed one shows the main file and says what it cannot see.
	_, out, _ := runSessionCLI("", nil, "inspect", inputs["a WAL file with changes not checkpointed"])
	if !strings.Contains(out, "a -wal file lies next to this file") || !strings.Contains(out, "1.2.3.4:443") {
		t.Errorf("no note about the -wal file, or not the main file's port:\n%s", out)
	}
}

// uncheckpointedWAL leaves, in dir, a Telethon file in WAL mode with a
// change still in its -wal file: a copy taken while the library runs, or
// after it crashed.
func uncheckpointedWAL(t *testing.T, dir string) string {
	t.Helper()
	os.MkdirAll(dir, 0o700)
	src := filepath.Join(t.TempDir(), "live.session")
	db, err := sql.Open("sqlite", src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`create table version (version integer primary key)`, `insert into version values (7)`,
		`create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer)`,
		fmt.Sprintf(`insert into sessions values (2, '1.2.3.4', 443, x'%x', null)`, sessionstest.Key(6)),
		`pragma journal_mode = wal`, `pragma wal_autocheckpoint = 0`,
		`update sessions set port = 444`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dst := filepath.Join(dir, "crashed.session")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(src + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// A failed write to standard output (a full disk) is an error: exit 1 and
// one line, not exit 0.
func TestStdoutFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("/dev/full: %v", err)
	}
	defer full.Close()
	tele := fixtures(t, t.TempDir())[sessions.Telethon]
	for _, args := range [][]string{
		{"inspect", tele},
		{"inspect", "--json", tele},
		{"convert", tele, "--to", "gramjs"},
	} {
		t.Run(strings.Join(args[:1], " "), func(t *testing.T) {
			var errOut bytes.Buffer
			code := Run(args, &IO{In: strings.NewReader(""), Out: full, Err: &errOut, Getenv: func(string) string { return "" }})
			if code != ExitFailure {
				t.Errorf("exit %d, want %d", code, ExitFailure)
			}
			checkOneSessionErrLine(t, errOut.String())
			if !strings.Contains(errOut.String(), "write stdout: no space left on device") {
				t.Errorf("stderr %q", errOut.String())
			}
		})
	}
}
