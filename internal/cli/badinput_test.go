package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tgpfs/proto/localdc"
	"tgpfs/sessions"
)

// smallKeyPEM is a 1024-bit RSA public key: too small for RSA_PAD.
func smallKeyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return localdc.PublicKeyPEM(&k.PublicKey)
}

// badCase is one command line that must be refused as bad input.
type badCase struct {
	args   []string
	env    map[string]string
	want   string   // in the one stderr line
	secret []string // never in it
}

// fileState is what the disk check compares: a tree's entries with their
// mode, size and modification time.
type fileState struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
}

// tree lists every name under dir with its state, without following links
// or opening anything: the one disk check of every bad-input test.
func tree(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		out[p] = fileState{fi.Mode(), fi.Size(), fi.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runBounded runs a command line with a hang guard.
func runBounded(t *testing.T, args []string, env map[string]string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- RunContext(ctx, args, &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
	}()
	select {
	case code = <-done:
	case <-time.After(90 * time.Second):
		t.Fatalf("%q hangs", args)
	}
	return code, out.String(), errb.String()
}

// TestBadInput runs bad flags, arguments and files through every
// subcommand: each must exit 2 with exactly one bounded line on stderr that
// names what is wrong, print nothing on stdout, leave the disk as it was,
// never echo a secret, and never hang.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	write := func(name, data string) string {
		if err := os.WriteFile(at(name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return at(name)
	}
	taken := write("taken.pub", "x")
	garbage := write("garbage.state", "not json")
	future := write("future.state", `{"version": 99}`)
	notPEM := write("key.pem", "not a key")
	folder := at("folder")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	fifo := at("fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing", "x")
	// A path with ESC and BEL in it must not reach the terminal raw.
	hostile := at("\x1b]0;pwned\a.pem")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	b, err := sessions.Encode(fixtureSession(), sessions.Telethon)
	if err != nil {
		t.Fatal(err)
	}
	session := string(b)
	bs := fixtureSession()
	bs.IsBot = true
	b, err = sessions.Encode(bs, sessions.Pyrogram)
	if err != nil {
		t.Fatal(err)
	}
	bot := string(b) // says it is a bot
	empty := write("empty.pw", "\n")
	// Looks like a Telethon string and is none: the error must not quote it.
	fakeSession := "1" + strings.Repeat("QUJD", 90)
	const (
		proxySecret = "ee00112233445566778899aabbccddeeffzz"
		appHash     = "0123456789abcdef0123456789abcdef"
		botSecret   = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
		pwSecret    = "hunter2hunter"
	)
	app := map[string]string{"TG_APP_ID": "12345", "TG_APP_HASH": appHash}

	small := write("small.pem", string(smallKeyPEM(t)))
	pubkey := write("dc.pem", string(localdc.TestPublicKeyPEM()))

	var cases []badCase
	// The target flags, shared by the TUI and audit.
	for _, cmd := range [][]string{nil, {"audit"}} {
		c := func(want string, args ...string) badCase {
			return badCase{args: append(append([]string{}, cmd...), args...), want: want}
		}
		cases = append(cases,
			c(`--addr "127.0.0.1:1": needs --pubkey PEM`, "--addr", "127.0.0.1:1"),
			c(`--pubkey "`+pubkey+`": goes with --addr`, "--pubkey", pubkey),
			c(`--addr "nonsense": want HOST:PORT`, "--addr", "nonsense", "--pubkey", pubkey),
			c(`--addr "127.0.0.1:0": want a port in 1..65535`, "--addr", "127.0.0.1:0", "--pubkey", pubkey),
			c(`--addr "127.0.0.1:1": --dc test connects to Telegram's own addresses`, "--addr", "127.0.0.1:1", "--pubkey", pubkey, "--dc", "test"),
			c(`--pubkey "`+missing+`": no such file`, "--addr", "127.0.0.1:1", "--pubkey", missing),
			c(`--pubkey "`+notPEM+`": no PEM block`, "--addr", "127.0.0.1:1", "--pubkey", notPEM),
			c("not a regular file (a directory)", "--addr", "127.0.0.1:1", "--pubkey", folder),
			c("not a regular file (a FIFO)", "--addr", "127.0.0.1:1", "--pubkey", fifo),
			c("a 1024-bit RSA key, want 2048 bits", "--addr", "127.0.0.1:1", "--pubkey", small),
			c("--dc-id 10: want 1..9", "--addr", "127.0.0.1:1", "--pubkey", pubkey, "--dc-id", "10"),
			c("--dc-id 10: want 1..9", "--addr", "127.0.0.1:1", "--pubkey", pubkey, "--dc-id", "10", "--dry-run"),
			c("--ttl 0s: want 1s..", "--ttl", "0s"),
			c("--ttl -5s: want 1s..", "--ttl", "-5s"),
			c("--ttl 1.5s: want whole seconds", "--ttl", "1.5s"),
			c("--ttl 1000000h0m0s: want 1s..", "--ttl", "1000000h"),
			c("at least a minute", "--dc", "test", "--ttl", "30s"),
			c(`--dc: unknown DC family "mars"`, "--dc", "mars"),
			c("--dc-id 0: want 1..3", "--dc-id", "0"),
			c("--dc-id 4: want 1..3", "--dc-id", "4"),
			c("--dc-id 4: want 1..3", "--dc-id", "4", "--dry-run"),
			c("--dc-id 6: want 1..5", "--dc", "test", "--dc-id", "6", "--dry-run"),
			c(`invalid argument "x" for "--dc-id"`, "--dc-id", "x"),
			c(`--transport: unknown transport "pigeon"`, "--transport", "pigeon"),
			c("--app-id -1: want 1..2147483647", "--app-id", "-1"),
			c("--app-id 3000000000: want 1..2147483647", "--app-id", "3000000000"),
			c("--app-id and --app-hash go together", "--app-id", "5"),
			c("--app-id: real Telegram DCs need an app id", "--dc", "test"),
			c("--session", "--session", "not a session"),
			c("--session", "--session", missing),
			c("--session", "--session", folder),
			c("unknown flag: --no-such-flag", "--no-such-flag"),
			c("-v is --verbose", "-v"),
			badCase{args: append(append([]string{}, cmd...), "--proxy", "1.2.3.4:443:"+proxySecret), want: "--proxy <", secret: []string{proxySecret}},
			badCase{args: append(append([]string{}, cmd...), "--proxy", "tg://proxy?server=h&port=1&secret="+proxySecret), want: "--proxy <", secret: []string{proxySecret}},
			badCase{args: append(append([]string{}, cmd...), "--app-hash", appHash), want: "go together", secret: []string{appHash}},
			badCase{args: append(append([]string{}, cmd...), "--dc", "test"), env: map[string]string{"TG_APP_ID": "99999999999", "TG_APP_HASH": appHash}, want: "TG_APP_ID", secret: []string{appHash}},
			badCase{args: append(append([]string{}, cmd...), "--dc", "test"), env: map[string]string{"TG_APP_ID": "abc", "TG_APP_HASH": appHash}, want: "TG_APP_ID", secret: []string{appHash}},
			badCase{args: append(append([]string{}, cmd...), "--session", fakeSession), want: "--session \"1QUJ…\"", secret: []string{fakeSession, fakeSession[:40]}},
		)
	}
	cases = append(cases,
		badCase{args: []string{"--session", session, "--phone", "9996621234"}, want: "--session brings its own login"},
		badCase{args: []string{"--phone", "abc"}, want: "--phone: phone number"},
		badCase{args: []string{"--phone", "9996621234", "--no-login"}, want: "--phone \"9996621234\": --no-login"},
		badCase{args: []string{"--dc", "prod", "--phone", "9996621234"}, env: app, want: "--phone", secret: []string{appHash}},
		badCase{args: []string{"--snapshot-wait", "0s"}, want: "--snapshot-wait 0s: want 1ms..1h0m0s"},
		badCase{args: []string{"--snapshot-wait", "2h"}, want: "--snapshot-wait 2h0m0s"},
		badCase{args: []string{"--json"}, want: "--json goes with --dry-run"},
		badCase{args: []string{"nosuch"}, want: `unknown command "nosuch"`},
		badCase{args: []string{"help", "nosuch"}, want: `help: unknown command "nosuch"`},
		badCase{args: []string{"--dc", strings.Repeat("x", 1<<20)}, want: "--dc: unknown DC family"},

		badCase{args: []string{"audit", "--timeout", "-1s"}, want: "--timeout -1s: want 0s..24h0m0s"},
		badCase{args: []string{"audit", "--timeout", "48h"}, want: "--timeout 48h0m0s"},
		badCase{args: []string{"audit", "--hold", "-1s"}, want: "--hold -1s: want 0s..24h0m0s"},
		badCase{args: []string{"audit", "--hold", "x"}, want: `invalid argument "x" for "--hold"`},
		badCase{args: []string{"audit", "extra"}, want: `unknown command "extra"`},
		badCase{args: []string{"audit", "--phone", "9996621234"}, want: "unknown flag: --phone"},

		badCase{args: []string{"dc", "--dcs", "0"}, want: "--dcs 0: want 1..9"},
		badCase{args: []string{"dc", "--dcs", "10"}, want: "--dcs 10: want 1..9"},
		badCase{args: []string{"dc", "--listen", "nonsense"}, want: `--listen "nonsense": want host:PORT`},
		badCase{args: []string{"dc", "--listen", "127.0.0.1:65535"}, want: "want a port in 0..65533"},
		badCase{args: []string{"dc", "--listen", "127.0.0.1:-1"}, want: "want a port in 0..65533"},
		badCase{args: []string{"dc", "--dcs", "1", "--listen", busy}, want: "--listen \"" + busy + "\""},
		badCase{args: []string{"dc", "--max-ttl", "0s"}, want: "--max-ttl 0s: want 1s..596523h14m7s"},
		badCase{args: []string{"dc", "--max-ttl", "-1s"}, want: "--max-ttl -1s"},
		badCase{args: []string{"dc", "--max-ttl", "1000000h"}, want: "--max-ttl 1000000h0m0s"},
		badCase{args: []string{"dc", "--key", missing}, want: "--key \"" + missing + "\": no such file"},
		badCase{args: []string{"dc", "--key", folder}, want: "not a regular file (a directory)"},
		badCase{args: []string{"dc", "--key", fifo}, want: "not a regular file (a FIFO)"},
		badCase{args: []string{"dc", "--key", notPEM}, want: "--key \"" + notPEM + "\": no RSA private key"},
		badCase{args: []string{"dc", "--key", hostile}, want: `\x1b]0;pwned\a.pem`},
		badCase{args: []string{"dc", "--pubkey-out", taken}, want: "exists; use --force"},
		badCase{args: []string{"dc", "--pubkey-out", missing}, want: "--pubkey-out \"" + missing + "\": folder"},
		badCase{args: []string{"dc", "--pubkey-out", folder, "--force"}, want: "not a regular file (a directory)"},
		badCase{args: []string{"dc", "--pubkey-out", fifo, "--force"}, want: "not a regular file (a FIFO)"},
		badCase{args: []string{"dc", "--state", garbage}, want: "--state \"" + garbage + "\": parse"},
		badCase{args: []string{"dc", "--state", future}, want: "version 99"},
		badCase{args: []string{"dc", "--state", folder}, want: "--state \"" + folder + "\": not a regular file (a directory)"},
		badCase{args: []string{"dc", "--state", fifo}, want: "not a regular file (a FIFO)"},
		badCase{args: []string{"dc", "--state", missing}, want: "--state \"" + missing + "\": folder"},
		badCase{args: []string{"dc", "--bot", "nocolon" + botSecret}, want: "--bot <", secret: []string{botSecret}},
		badCase{args: []string{"dc", "--bot", "12:short"}, want: "--bot 12:<5 characters hidden>: bot token"},
		badCase{args: []string{"dc", "--bot", "0012:" + botSecret}, want: "is not a bot id", secret: []string{botSecret}},
		badCase{args: []string{"dc", "--bot", "12:" + botSecret + "@9"}, want: "--bot 12:<34 characters hidden>@9: want 1..3", secret: []string{botSecret}},
		badCase{args: []string{"dc", "--bot", "12:" + botSecret + "@x"}, want: "is not a DC number", secret: []string{botSecret}},
		badCase{args: []string{"dc", "--bot", "12:" + botSecret + "@1", "--bot", "12:" + botSecret + "@3"}, want: "given for DC 1", secret: []string{botSecret}},
		badCase{args: []string{"dc", "extra"}, want: `unknown command "extra" for "tgpfs dc"`},
		// A good --state next to a bad flag: no state file appears.
		badCase{args: []string{"dc", "--state", at("new.state"), "--bot", "12:short"}, want: "--bot"},
		badCase{args: []string{"dc", "--password", pwSecret}, want: "--password <13 characters hidden>: want PHONE=PASSWORD", secret: []string{pwSecret}},
		badCase{args: []string{"dc", "--password", pwSecret + "=9996621234"}, want: "a test phone 99966XYYYY before the =", secret: []string{pwSecret}},
		badCase{args: []string{"dc", "--password", "9996691234=" + pwSecret}, want: "--password 9996691234=<13 characters hidden>: the phone lives on DC 9", secret: []string{pwSecret}},
		badCase{args: []string{"dc", "--password", "9996621234="}, want: "want a password of 1..256 bytes"},
		badCase{args: []string{"dc", "--password", "9996621234=" + pwSecret, "--password", "99966 2 1234=" + pwSecret}, want: "given already", secret: []string{pwSecret}},
		badCase{args: []string{"dc", "--fresh-reset", "-1s"}, want: "--fresh-reset -1s: want 0s..8760h0m0s"},
		badCase{args: []string{"dc", "--state", at("new.state"), "--listen", busy, "--dcs", "1"}, want: "--listen"},

		badCase{args: []string{"catalog", "a", "b"}, want: `want at most one METHOD, got 2: ["a" "b"]`},
		badCase{args: []string{"catalog", "noSuchMethod"}, want: `"noSuchMethod"`},
		badCase{args: []string{"catalog", "--search", "x", "bindTempAuthKey"}, want: "not both"},
		badCase{args: []string{"catalog", "--nope"}, want: "unknown flag: --nope"},
		badCase{args: []string{"inspect"}, want: "SESSION"},
		badCase{args: []string{"inspect", "--nope"}, want: "unknown flag: --nope"},
		badCase{args: []string{"convert", "--nope"}, want: "unknown flag: --nope"},

		badCase{args: []string{"fork"}, want: "SESSION"},
		badCase{args: []string{"fork", session}, want: "--to FORMAT is required", secret: []string{session}},
		badCase{args: []string{"fork", session, "--to", "nosuch"}, want: "--to: ", secret: []string{session}},
		badCase{args: []string{"fork", session, "--to", "tdata", "-o", at("out")}, want: "does not write it"},
		badCase{args: []string{"fork", session, "--to", "gotd"}, want: "give -o PATH"},
		badCase{args: []string{"fork", session, "--to", "telethon", "-o", taken}, want: "file exists (use --force"},
		badCase{args: []string{"fork", session, "--to", "gotd", "-o", folder, "--force"}, want: "is a directory"},
		badCase{args: []string{"fork", session, "--to", "gotd", "-o", missing}, want: "-o: "},
		badCase{args: []string{"fork", "not a session", "--to", "telethon"}, want: "SESSION"},
		badCase{args: []string{"fork", fakeSession, "--to", "telethon"}, want: "SESSION \"1QUJ…\"", secret: []string{fakeSession, fakeSession[:40]}},
		badCase{args: []string{"fork", session, "--to", "telethon", "--password-file", missing}, want: "--password-file \"" + missing + "\": no such file"},
		badCase{args: []string{"fork", session, "--to", "telethon", "--password-file", folder}, want: "not a regular file (a directory)"},
		badCase{args: []string{"fork", session, "--to", "telethon", "--password-file", fifo}, want: "not a regular file (a FIFO)"},
		badCase{args: []string{"fork", session, "--to", "telethon", "--password-file", empty}, want: "--password-file \"" + empty + "\": empty"},
		badCase{args: []string{"fork", session, "--to", "gotd", "-o", at("new.json"), "--password-file", missing}, want: "--password-file"},
		badCase{args: []string{"fork", bot, "--to", "telethon"}, want: "a bot session cannot be forked", secret: []string{bot}},
		badCase{args: []string{"fork", session, "--to", "telethon"}, want: "the embedded local DCs start empty", secret: []string{session}},
		badCase{args: []string{"--session", session, "--fork"}, want: "the embedded local DCs start empty", secret: []string{session}},
		badCase{args: []string{"fork", session, "--session", session, "--to", "telethon"}, want: "not --session", secret: []string{session}},
		badCase{args: []string{"fork", session, "--to", "telethon", "--timeout", "-1s"}, want: "--timeout -1s"},
		badCase{args: []string{"fork", session, "--to", "telethon", "--dc-id", "9"}, want: "--dc-id 9"},
		badCase{args: []string{"fork", session, "extra", "--to", "telethon"}, want: "want one SESSION"},
		badCase{args: []string{"fork", "-", "--to", "telethon"}, want: "SESSION -"},
		badCase{args: []string{"--fork"}, want: "--fork: needs --session"},
		badCase{args: []string{"--fork", "--session", bot}, want: "a bot session cannot be forked", secret: []string{bot}},

		badCase{args: []string{"authorizations", "--terminate", "5", "--terminate-others"}, want: "go alone"},
		badCase{args: []string{"authorizations", "--terminate", "0"}, want: "--terminate 0: hash 0"},
		badCase{args: []string{"authorizations", "--terminate", "x"}, want: `invalid argument "x" for "--terminate"`},
		badCase{args: []string{"authorizations", "extra"}, want: `unknown command "extra"`},
		badCase{args: []string{"authorizations", "--dc", "prod"}, env: app, want: "--session is required", secret: []string{appHash}},
		badCase{args: []string{"authorizations", "--session", "not a session"}, want: "--session"},
		badCase{args: []string{"authorizations", "--session", fakeSession}, want: "--session \"1QUJ…\"", secret: []string{fakeSession, fakeSession[:40]}},
		badCase{args: []string{"authorizations", "--timeout", "48h"}, want: "--timeout 48h0m0s"},
		badCase{args: []string{"authorizations", "--dc-id", "4"}, want: "--dc-id 4: want 1..3"},
	)

	if os.Geteuid() != 0 {
		// Root reads every file, whatever its mode.
		unreadable := write("unreadable.state", "{}")
		if err := os.Chmod(unreadable, 0); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, badCase{args: []string{"dc", "--state", unreadable}, want: "permission denied"})
	}

	for _, tc := range cases {
		name := strings.Join(tc.args, " ")
		if len(name) > 80 {
			name = name[:80]
		}
		t.Run(name, func(t *testing.T) {
			before := tree(t, dir)
			code, stdout, stderr := runBounded(t, tc.args, tc.env)
			checkRefused(t, tc, code, stdout, stderr)
			if after := tree(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("the disk changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// checkRefused checks a refused command line's outcome: exit 2, nothing on
// stdout, exactly one bounded line on stderr without control characters
// that names what is wrong and shows no secret.
func checkRefused(t *testing.T, tc badCase, code int, stdout, stderr string) {
	t.Helper()
	if code != ExitUsage {
		t.Errorf("exit %d, want %d; stderr %q", code, ExitUsage, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
	line, ok := strings.CutSuffix(stderr, "\n")
	if !ok || strings.Contains(line, "\n") {
		t.Fatalf("stderr %q: want exactly one line", stderr)
	}
	if len(line) > maxLine {
		t.Errorf("stderr line is %d bytes, want at most %d", len(line), maxLine)
	}
	if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		t.Errorf("stderr %q has control characters", line)
	}
	if !strings.Contains(line, tc.want) {
		t.Errorf("stderr %q lacks %q", line, tc.want)
	}
	for _, s := range tc.secret {
		if strings.Contains(line, s) {
			t.Errorf("stderr %q shows the secret %q", line, s)
		}
	}
}

// --dry-run refuses what the real run refuses, with the same line: both go
// through one validation.
func TestDryRunRefusesLikeTheRun(t *testing.T) {
	for _, args := range [][]string{
		{"--dc-id", "4"},
		{"--ttl", "0s"},
		{"--session", "not a session"},
		{"--dc", "test", "--dc-id", "7"},
		{"--proxy", "nohost"},
		{"audit", "--dc-id", "9"},
		{"audit", "--app-id", "5"},
	} {
		runCode, runOut, runErr := runBounded(t, args, nil)
		dryCode, dryOut, dryErr := runBounded(t, append(args[:len(args):len(args)], "--dry-run"), nil)
		if runCode != ExitUsage || dryCode != ExitUsage || runErr != dryErr || runOut+dryOut != "" {
			t.Errorf("%v: run exit %d %q, dry run exit %d %q; want the same refusal", args, runCode, runErr, dryCode, dryErr)
		}
	}
}
