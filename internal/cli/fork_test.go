package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tgpfs/internal/app"
	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/localdc"
	"tgpfs/sessions"
)

// attach makes the commands of the test use a running cluster of their
// own, which the test's source sessions belong to.
func attach(t *testing.T, cfg localdc.Config) *localdc.Cluster {
	t.Helper()
	if cfg.DCs == 0 {
		cfg.DCs = 3
	}
	c, err := localdc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	editConfig = func(cfg *app.Config) { cfg.Attach = c }
	t.Cleanup(func() {
		editConfig = func(*app.Config) {}
		_ = c.Close()
	})
	return c
}

// sourceSession logs a new key in on c with the test phone of DC 2 and
// returns it as a Telethon string session.
func sourceSession(t *testing.T, c *localdc.Cluster) string {
	t.Helper()
	key := session(t, c, false).Driver.RevealKey(model.Permanent)
	b, err := sessions.Encode(&sessions.Session{DC: 2, Addr: "127.0.0.1", Port: 1, AuthKey: key}, sessions.Telethon)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// session is a tgpfs session on c, connected, and logged in with the test
// phone of DC 2 unless noLogin; it closes when the test ends.
func session(t *testing.T, c *localdc.Cluster, noLogin bool) *app.Session {
	t.Helper()
	cfg := app.Defaults()
	cfg.Attach, cfg.NoLogin = c, noLogin
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.ConnectAndLogIn(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

type authorizationOut struct {
	Hash        string  `json:"hash"`
	Current     bool    `json:"current"`
	DeviceModel string  `json:"device_model"`
	Platform    string  `json:"platform"`
	AppName     string  `json:"app_name"`
	AppVersion  string  `json:"app_version"`
	APIID       int     `json:"api_id"`
	DateCreated int64   `json:"date_created"`
	DateActive  int64   `json:"date_active"`
	IP          string  `json:"ip"`
	PermKeyID   *string `json:"perm_key_id"`
	PermDC      int     `json:"perm_dc"`
	UsesPFS     *bool   `json:"uses_pfs"`
}

// listJSON runs `tgpfs authorizations --json` with session.
func listJSON(t *testing.T, session string, extra ...string) []authorizationOut {
	t.Helper()
	code, out, errOut := runSessionCLI("", nil, append([]string{"authorizations", "--session", session, "--json"}, extra...)...)
	if code != 0 {
		t.Fatalf("authorizations: exit %d: %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var list []authorizationOut
	if err := dec.Decode(&list); err != nil || dec.More() {
		t.Fatalf("stdout is not one JSON array (%v):\n%s", err, out)
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, o := range raw {
		for _, k := range []string{"hash", "current", "device_model", "platform", "app_name", "app_version", "api_id",
			"date_created", "date_active", "ip", "perm_key_id", "uses_pfs"} {
			if _, ok := o[k]; !ok {
				t.Fatalf("an object lacks %q: %v", k, o)
			}
		}
	}
	return list
}

// byKey finds the session of a permanent key: device names follow whichever
// client used a key last (its latest initConnection), keys do not.
func byKey(t *testing.T, list []authorizationOut, id model.KeyID) authorizationOut {
	t.Helper()
	for _, a := range list {
		if a.PermKeyID != nil && *a.PermKeyID == id.String() {
			return a
		}
	}
	t.Fatalf("no session of key %s in %+v", id, list)
	return authorizationOut{}
}

// fork runs `tgpfs fork source --to telethon` and returns the fork's
// session string and its stderr.
func fork(t *testing.T, source string, extra ...string) (string, string) {
	t.Helper()
	code, out, errOut := runSessionCLI("", nil, append([]string{"fork", source, "--to", "telethon"}, extra...)...)
	if code != 0 {
		t.Fatalf("fork: exit %d: %s", code, errOut)
	}
	return strings.TrimSpace(out), errOut
}

// TestForkCommand forks a session from the command line and manages the
// account's sessions with `tgpfs authorizations`: after the fork the
// account lists two sessions; ending the source leaves the fork logged in,
// and the other way round.
func TestForkCommand(t *testing.T) {
	for _, end := range []string{"source", "fork"} {
		t.Run("end the "+end, func(t *testing.T) {
			source := sourceSession(t, attach(t, localdc.Config{}))
			forked, errOut := fork(t, source)
			src, err := sessions.Load(source, sessions.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := sessions.Load(forked, sessions.LoadOptions{})
			if err != nil {
				t.Fatalf("the fork's output is no session: %v", err)
			}
			if f.KeyID() == src.KeyID() || f.DC != 2 || !strings.Contains(errOut, "forked: a new device") ||
				!strings.Contains(errOut, "used for nothing else") || strings.Contains(errOut, "AUTH_KEY_DUPLICATED") {
				t.Fatalf("fork key %s (source %s) on DC %d; stderr:\n%s", f.KeyID(), src.KeyID(), f.DC, errOut)
			}
			// Before the fork's key is used again, the account names the
			// fork as the fork named itself, and the source as before.
			fromSrc := listJSON(t, source)
			if len(fromSrc) != 2 || byKey(t, fromSrc, f.KeyID()).DeviceModel != app.ForkDeviceModel || fromSrc[0].DeviceModel != "tgpfs" {
				t.Fatalf("the source lists %+v", fromSrc)
			}
			forkHash := byKey(t, fromSrc, f.KeyID()).Hash
			fromFork := listJSON(t, forked)
			own, other := byKey(t, fromFork, f.KeyID()), byKey(t, fromFork, src.KeyID())
			if len(fromFork) != 2 || !own.Current || own.Hash != "0" || fromFork[0] != own || own.UsesPFS != nil || own.APIID != 1 ||
				own.DateCreated == 0 || own.PermDC != 2 || other.Hash == "0" {
				t.Fatalf("the fork lists %+v", fromFork)
			}
			if !strings.Contains(errOut, "session hash "+forkHash) {
				t.Fatalf("stderr names another hash than %s:\n%s", forkHash, errOut)
			}
			alive, gone := forked, source
			if end == "source" {
				listJSON(t, forked, "--terminate", other.Hash)
			} else {
				alive, gone = source, forked
				listJSON(t, source, "--terminate", forkHash)
			}
			if list := listJSON(t, alive); len(list) != 1 {
				t.Fatalf("after ending the %s, the other lists %+v", end, list)
			}
			code, out, errOut := runSessionCLI("", nil, "authorizations", "--session", gone)
			if code != ExitFailure || out != "" || !strings.Contains(errOut, "this key is not logged in") || strings.Count(errOut, "\n") != 2 {
				t.Fatalf("the ended %s: exit %d, stdout %q, stderr %q", end, code, out, errOut)
			}
		})
	}
}

// TestForkCommandWritesAFile: a file format goes to -o, 0600, and lists as
// the fork.
func TestForkCommandWritesAFile(t *testing.T) {
	c := attach(t, localdc.Config{})
	path := filepath.Join(t.TempDir(), "fork.session")
	code, out, errOut := runSessionCLI("", nil, "fork", sourceSession(t, c), "--to", "telethon-sqlite", "-o", path)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(errOut, "(mode 0600)") {
		t.Fatalf("%v %v: %s", fi, err, errOut)
	}
	back, err := sessions.Load(path, sessions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if list := listJSON(t, path); len(list) != 2 || byKey(t, list, back.KeyID()) != list[0] {
		t.Fatalf("the written fork lists %+v", list)
	}
}

// TestForkCommandPassword: the account has a 2FA password. From
// --password-file the fork logs in; a wrong one is bad input, writes
// nothing and leaves no half-made session in the account's list; without
// one (standard input is no terminal here) the fork says how to give it.
func TestForkCommandPassword(t *testing.T) {
	const password = "correct horse battery"
	c := attach(t, localdc.Config{Passwords: map[string]string{app.TestPhone(2): password}})
	source := sourceSession(t, c)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out := filepath.Join(dir, "fork.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--password-file", file("wrong", "not it\n")}, "wrong two-step verification password"},
		{nil, "give --password-file PATH"},
	} {
		code, stdout, errOut := runSessionCLI("", nil, append([]string{"fork", source, "--to", "gotd", "-o", out}, tc.args...)...)
		if code != ExitUsage || stdout != "" || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "not it") {
			t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("%v: %s was written", tc.args, out)
		}
		if list := listJSON(t, source); len(list) != 1 {
			t.Fatalf("%v left sessions behind: %+v", tc.args, list)
		}
	}
	if _, errOut := fork(t, source, "--password-file", file("right", password+"\n")); !strings.Contains(errOut, "forked") {
		t.Fatal(errOut)
	}
	if list := listJSON(t, source); len(list) != 2 {
		t.Fatalf("after the fork the account lists %+v", list)
	}
}

// TestForkCommandRefusesBots: a bot's session is refused before any key is
// made when the session says it is a bot, and on the server's answer when
// it does not; both the same way.
func TestForkCommandRefusesBots(t *testing.T) {
	const token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	c := attach(t, localdc.Config{Bots: map[string]int{token: 2}})
	s := session(t, c, true)
	ctx := context.Background()
	open, _ := app.RealLogin(s.Driver, endpoints.LocalApp)
	if _, err := open().Bot(ctx, token); err != nil {
		t.Fatal(err)
	}
	key := s.Driver.RevealKey(model.Permanent)
	says, err := sessions.Encode(&sessions.Session{DC: 2, AuthKey: key, APIID: 1, UserID: 123456, IsBot: true}, sessions.Pyrogram)
	if err != nil {
		t.Fatal(err)
	}
	silent, err := sessions.Encode(&sessions.Session{DC: 2, Addr: "127.0.0.1", Port: 1, AuthKey: key}, sessions.Telethon)
	if err != nil {
		t.Fatal(err)
	}
	keys := len(c.PermKeys(2))
	for _, tc := range []struct {
		name, session string
		io            bool
	}{{"says so", string(says), false}, {"found out", string(silent), true}} {
		code, out, errOut := runSessionCLI("", nil, "fork", tc.session, "--to", "telethon")
		if code != ExitUsage || out != "" || !strings.Contains(errOut, "SESSION") || !strings.Contains(errOut, "a bot session cannot be forked") ||
			strings.Contains(errOut, tc.session[:40]) {
			t.Fatalf("%s: exit %d, stderr %q", tc.name, code, errOut)
		}
		if made := len(c.PermKeys(2)) - keys; (made > 0) != tc.io {
			t.Fatalf("%s: %d keys made", tc.name, made)
		}
		keys = len(c.PermKeys(2))
	}
}

// TestRootForkSnapshot: `tgpfs --session S --fork` runs on a fork; off a
// terminal that is the one-shot snapshot, logged in as the account.
func TestRootForkSnapshot(t *testing.T) {
	c := attach(t, localdc.Config{})
	source := sourceSession(t, c)
	code, out, errOut := runSessionCLI("", nil, "--session", source, "--fork", "--snapshot-wait", "5s")
	if code != 0 || !strings.Contains(errOut, "forked: a new device") || !strings.Contains(out, "Test") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if list := listJSON(t, source); len(list) != 2 {
		t.Fatalf("the account lists %+v", list)
	}
}

// TestAuthorizationsText: the table names every session, marks this one,
// and on local DCs shows each permanent key.
func TestAuthorizationsText(t *testing.T) {
	c := attach(t, localdc.Config{})
	source := sourceSession(t, c)
	code, out, errOut := runSessionCLI("", nil, "authorizations", "--session", source)
	src, _ := sessions.Load(source, sessions.LoadOptions{})
	if code != 0 || !strings.HasPrefix(out, "1 session (account.getAuthorizations)") || !strings.Contains(out, src.KeyID().String()+" (DC 2)") ||
		!strings.Contains(out, "USES PFS") || !strings.Contains(out, "unknown") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}

// TestAuthorizationsFreshReset: Telegram's rule for young sessions is one
// line, exit status 1, and the list stays as it was.
func TestAuthorizationsFreshReset(t *testing.T) {
	c := attach(t, localdc.Config{FreshReset: 24 * time.Hour})
	first, second := sourceSession(t, c), sourceSession(t, c)
	for _, args := range [][]string{{"--terminate-others"}, {"--terminate", byKey(t, listJSON(t, second), keyOf(t, first)).Hash}} {
		code, out, errOut := runSessionCLI("", nil, append([]string{"authorizations", "--session", second}, args...)...)
		want := "tgpfs: " + args[0]
		if code != ExitFailure || out != "" || strings.Count(errOut, "\n") != 2 ||
			!strings.Contains(errOut, want) || !strings.Contains(errOut, ": FRESH_RESET_AUTHORISATION_FORBIDDEN: this session is less than a day old") {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if n := len(listJSON(t, first)); n != 2 {
		t.Fatalf("the account lists %d sessions, want both", n)
	}
}

func keyOf(t *testing.T, session string) model.KeyID {
	t.Helper()
	s, err := sessions.Load(session, sessions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.KeyID()
}
