package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
	"tgpfs/sessions"
	"tgpfs/ui"
)

// cluster is a running local cluster the sessions of a test attach to.
func cluster(t *testing.T, cfg localdc.Config) *localdc.Cluster {
	t.Helper()
	if cfg.DCs == 0 {
		cfg.DCs = DefaultDCs
	}
	c, err := localdc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// loggedInSession is a tgpfs session on c logged in with the test phone of
// DC 2, and its key as a Telethon string: the source of a fork.
func loggedInSession(t *testing.T, c *localdc.Cluster) (*Session, string) {
	t.Helper()
	ctx := context.Background()
	s := start(t, ctx, with(func(cfg *Config) { cfg.Attach = c }))
	if err := s.Driver.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Driver.Login(ctx, TestPhone(2)); err != nil {
		t.Fatal(err)
	}
	key := s.Driver.RevealKey(model.Permanent)
	b, err := sessions.Encode(&sessions.Session{DC: 2, Addr: "127.0.0.1", Port: 1, AuthKey: key}, sessions.Telethon)
	if err != nil {
		t.Fatal(err)
	}
	return s, string(b)
}

func forkConfig(c *localdc.Cluster, source string) Config {
	return with(func(cfg *Config) { cfg.Attach, cfg.Session, cfg.Fork = c, source, true })
}

func hashOf(t *testing.T, list []Authorization, device string) Authorization {
	t.Helper()
	for _, a := range list {
		if a.DeviceModel == device {
			return a
		}
	}
	t.Fatalf("no session of %q in %+v", device, list)
	return Authorization{}
}

// TestFork forks a session through the composition root: the driver never
// gets the source's key, the account lists both sessions with the keys the
// DCs hold for them, and the fork writes out as a session of its own.
func TestFork(t *testing.T) {
	c := cluster(t, localdc.Config{})
	src, source := loggedInSession(t, c)
	ctx := context.Background()
	a, err := New(forkConfig(c, source))
	if err != nil {
		t.Fatal(err)
	}
	if w := a.Warnings(); len(w) != 1 || strings.Contains(w[0], "AUTH_KEY_DUPLICATED") || !strings.Contains(w[0], "forking") {
		t.Fatalf("warnings %q", w)
	}
	s, err := a.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.opts.PermKey != nil {
		t.Fatal("the fork's driver was given the source's key")
	}
	r, err := s.Fork(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != src.Driver.PermKey().ID || r.KeyID != s.Driver.PermKey().ID || r.KeyID == r.Source || r.Hash == 0 {
		t.Fatalf("forked %+v", r)
	}
	list, err := s.Authorizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	own, other := hashOf(t, list, ForkDeviceModel), hashOf(t, list, "tgpfs")
	if len(list) != 2 || !own.Current || !own.Local || own.PermKey != r.KeyID || own.PermDC != 2 || other.PermKey != r.Source || own.UsesPFS != nil {
		t.Fatalf("the fork lists %+v", list)
	}
	if fromSrc, err := src.Authorizations(ctx); err != nil || hashOf(t, fromSrc, ForkDeviceModel).Hash != r.Hash {
		t.Fatalf("the source lists %+v, %v", fromSrc, err)
	}

	path := filepath.Join(t.TempDir(), "fork.session")
	out, err := s.ForkedSession(sessions.Gotd, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := sessions.WriteFile(path, out, sessions.Gotd, false); err != nil {
		t.Fatal(err)
	}
	clear(out.AuthKey)
	back, err := sessions.Load(path, sessions.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); back.KeyID() != r.KeyID || back.DC != 2 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("written %+v (mode %v)", back, fi.Mode())
	}
}

// TestForkPasswordFile: the password comes from --password-file; a wrong
// one is bad input and leaves no half-made session in the account's list.
func TestForkPasswordFile(t *testing.T) {
	const password = "correct horse"
	c := cluster(t, localdc.Config{Passwords: map[string]string{TestPhone(2): password}})
	src, source := loggedInSession(t, c)
	ctx := context.Background()
	for _, tc := range []struct {
		file    string
		wantErr bool
	}{{"wrong\n", true}, {password + "\n", false}} {
		path := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
			t.Fatal(err)
		}
		pw, err := ReadPasswordFile(path)
		if err != nil || strings.HasSuffix(pw, "\n") {
			t.Fatalf("read %q: %v", pw, err)
		}
		s := start(t, ctx, forkConfig(c, source))
		_, err = s.Fork(ctx, PasswordFromFile(path, pw))
		var ie *InputError
		if tc.wantErr != errors.As(err, &ie) || (tc.wantErr && (ie.Name != "--password-file" || strings.Contains(err.Error(), "wrong\n"))) {
			t.Fatalf("fork with %q: %v", tc.file, err)
		}
		list, err := src.Authorizations(ctx)
		if want := map[bool]int{true: 1, false: 2}[tc.wantErr]; err != nil || len(list) != want {
			t.Fatalf("after the fork with %q the source lists %+v (%v), want %d sessions", tc.file, list, err, want)
		}
	}
}

// TestForkRefusesBeforeStarting: what New can tell is wrong with a fork
// stops it before anything starts.
func TestForkRefusesBeforeStarting(t *testing.T) {
	bot, err := sessions.Encode(&sessions.Session{DC: 2, AuthKey: make([]byte, 256), APIID: 1, UserID: 42, IsBot: true}, sessions.Pyrogram)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{with(func(c *Config) { c.Session, c.Fork = string(bot), true }), "a bot session cannot be forked"},
		{with(func(c *Config) { c.Fork = true }), "--fork: needs --session"},
	} {
		_, err := New(tc.cfg)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New: %v, want an InputError with %q", err, tc.want)
		}
		if strings.Contains(tc.want, "bot") && !errors.Is(err, proto.ErrBotSource) {
			t.Errorf("%v is not ErrBotSource", err)
		}
	}
	for _, content := range []string{"", "\n"} {
		path := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPasswordFile(path); err == nil || !strings.Contains(err.Error(), "empty") {
			t.Errorf("password file %q: %v", content, err)
		}
	}
	if _, err := ReadPasswordFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder as the password file: %v", err)
	}
}

// TestSessionsBackendFork is the TUI's fork: a driver of its own whose
// token the TUI's driver accepts, through the password.
func TestSessionsBackendFork(t *testing.T) {
	const password = "correct horse"
	c := cluster(t, localdc.Config{Passwords: map[string]string{TestPhone(2): password}})
	s, _ := loggedInSession(t, c)
	ctx := context.Background()
	b := newSessionsBackend(s)
	_, err := b.Fork(ctx)
	var need *login.PasswordNeeded
	if !errors.As(err, &need) {
		t.Fatalf("fork: %v, want the password asked", err)
	}
	if _, err := b.ForkPassword(ctx, "wrong"); model.Classify(err, model.KeyState{}).Type != "PASSWORD_HASH_INVALID" {
		t.Fatalf("wrong password: %v", err)
	}
	k, err := b.ForkPassword(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	defer clear(k.Key)
	if len(k.Key) != 256 || k.DC != 2 || k.Hash == 0 || k.Addr != c.Addr(2) {
		t.Fatalf("forked key on DC %d at %s, hash %d, %d bytes", k.DC, k.Addr, k.Hash, len(k.Key))
	}
	list, err := b.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Device != "tgpfs" || list[1].Device != ForkDeviceModel || list[1].Hash != k.Hash ||
		list[1].PermKeyID != sessions.KeyIDOf(k.Key) || list[0].UsesPFS != ui.PFSUnknown {
		t.Fatalf("list %+v", list)
	}
	if err := b.Terminate(ctx, k.Hash); err != nil {
		t.Fatal(err)
	}
	if list, err := b.List(ctx); err != nil || len(list) != 1 {
		t.Fatalf("after ending the fork: %+v, %v", list, err)
	}
	// A fork given up while it waits for the password leaves nothing.
	if _, err := b.Fork(ctx); !errors.As(err, &need) {
		t.Fatal(err)
	}
	if err := b.ForkCancel(ctx); err != nil {
		t.Fatal(err)
	}
	if list, err := b.List(ctx); err != nil || len(list) != 1 {
		t.Fatalf("after a fork given up: %+v, %v", list, err)
	}
}

// TestUIAuthorizationIsSafeToPrint: what a client says of itself reaches
// the screen with its control characters made visible and bounded.
func TestUIAuthorizationIsSafeToPrint(t *testing.T) {
	yes := true
	a := uiAuthorization(Authorization{Authorization: proto.Authorization{DeviceModel: "\x1b]0;pwned\a" + strings.Repeat("x", 500)}, UsesPFS: &yes})
	if strings.ContainsAny(a.Device, "\x1b\a") || len(a.Device) > maxClientText || a.UsesPFS != ui.PFSYes {
		t.Fatalf("device %q, PFS %v", a.Device, a.UsesPFS)
	}
}

// clip is a clipboard that keeps what it was given.
type clip struct {
	mu   sync.Mutex
	text []string
}

func (c *clip) Copy(text string, _ bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text = append(c.text, text)
	return "test clipboard", nil
}

// TestLiveSessionsScreen drives the Sessions screen with the keys a person
// presses, against the real driver and the embedded DCs: the list, a fork
// copied as a session, and ending the fork again.
func TestLiveSessionsScreen(t *testing.T) {
	cb := &clip{}
	h, s := startLive(t, Defaults(), 120, 40, func(_ *Session, o *ui.Options) { o.Clipboard = cb })
	h.await("login", done("login"))
	own := s.Driver.PermKey().ID.String()
	h.keys("7")
	h.await("the list", func(c ui.Capture) bool {
		return strings.Contains(c.View, "1 · account.getAuthorizations") && strings.Contains(c.View, "◆ tgpfs") && strings.Contains(c.View, own)
	})
	h.keys("f")
	h.await("the formats", func(c ui.Capture) bool { return strings.Contains(c.View, "telethon session (secret)") })
	h.keys("enter")
	c := h.await("the fork", func(c ui.Capture) bool {
		return strings.Contains(c.View, "forked: a new device") && strings.Contains(c.View, "2 · account.getAuthorizations")
	})
	if !strings.Contains(c.View, ForkDeviceModel) {
		t.Fatalf("the fork is not listed:\n%s", c.View)
	}
	cb.mu.Lock()
	copied := append([]string(nil), cb.text...)
	cb.mu.Unlock()
	if len(copied) != 1 {
		t.Fatalf("copied %d texts", len(copied))
	}
	forked, err := sessions.Load(copied[0], sessions.LoadOptions{})
	if err != nil || forked.KeyID() == s.Driver.PermKey().ID || !strings.Contains(c.View, forked.KeyID().String()) {
		t.Fatalf("the copied session %v (%v) is not the listed fork:\n%s", forked, err, c.View)
	}
	h.keys("down", "t")
	h.await("the question", func(c ui.Capture) bool { return strings.Contains(c.View, "End the session of "+ForkDeviceModel) })
	h.keys("y")
	h.await("the fork ended", func(c ui.Capture) bool {
		return strings.Contains(c.View, "1 · account.getAuthorizations") && strings.Contains(c.View, "ended")
	})
}
