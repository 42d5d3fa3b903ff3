package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/proto/session"
)

// The demo account's sessions: this tgpfs, a fork of it, a phone and a
// script still waiting for its password.
const (
	forkHash   = -4012345678901234567
	phoneHash  = 7012345678901234567
	scriptHash = 1234567
)

func demoSessions() []Authorization {
	return []Authorization{
		{Current: true, Device: "tgpfs", Platform: "linux", System: "linux amd64", APIID: 1, App: "app 1", AppVersion: "0.1.0",
			Created: sec(0), Active: sec(66), IP: "127.0.0.1", Country: "Localhost",
			Local: true, PermKeyID: permID, PermDC: 2, UsesPFS: PFSYes},
		{Hash: forkHash, Device: "tgpfs fork", Platform: "linux", System: "linux amd64", APIID: 1, App: "app 1", AppVersion: "0.1.0",
			Created: sec(30), Active: sec(60), IP: "127.0.0.1", Country: "Localhost",
			Local: true, PermKeyID: kid(0x4e2d9a7c1b3f5086), PermDC: 2, UsesPFS: PFSYes},
		{Hash: phoneHash, Device: "Pixel 8", Platform: "Android", System: "SDK 34", APIID: 6, App: "Telegram Android", AppVersion: "11.4.2",
			Official: true, Created: t0.Add(-72 * time.Hour), Active: t0.Add(-2 * time.Hour), IP: "192.168.1.20", Country: "Local network",
			Local: true, PermKeyID: kid(0x1f8b3c5d7e9a2406), PermDC: 2},
		{Hash: scriptHash, Device: "Telethon script", Platform: "Linux", System: "Linux 6.8", APIID: 12345, App: "app 12345", AppVersion: "1.36",
			Created: sec(50), Active: sec(50), IP: "10.0.0.7", Country: "Local network", PasswordPending: true,
			Local: true, PermKeyID: kid(0x6a0c4e8f2b1d3957), PermDC: 2, UsesPFS: PFSNo},
	}
}

// fakeSessions is the account the Sessions screen manages in the tests.
type fakeSessions struct {
	mu       sync.Mutex
	list     []Authorization
	calls    []string
	resetErr error
	password string // the account's 2FA password; "" = none
	pending  bool
}

func newFakeSessions() *fakeSessions { return &fakeSessions{list: demoSessions()} }

func (f *fakeSessions) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeSessions) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeSessions) List(context.Context) ([]Authorization, error) {
	f.record("list")
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.list), nil
}

func (f *fakeSessions) Terminate(_ context.Context, hash int64) error {
	f.record("terminate " + hashText(hash))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.resetErr != nil {
		return f.resetErr
	}
	f.list = slices.DeleteFunc(f.list, func(a Authorization) bool { return a.Hash == hash })
	return nil
}

func (f *fakeSessions) TerminateOthers(context.Context) error {
	f.record("terminate others")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.resetErr != nil {
		return f.resetErr
	}
	f.list = f.list[:1]
	return nil
}

func (f *fakeSessions) forked() ForkedKey {
	f.list = append(f.list, Authorization{Hash: 99, Device: "tgpfs fork", APIID: 1, Created: goldenNow, Active: goldenNow})
	return ForkedKey{Key: make([]byte, 256), DC: 2, Addr: "127.0.0.1:44302", UserID: user.ID, Hash: 99}
}

func (f *fakeSessions) Fork(context.Context) (ForkedKey, error) {
	f.record("fork")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.password != "" {
		f.pending = true
		return ForkedKey{}, &login.PasswordNeeded{Hint: "the usual"}
	}
	return f.forked(), nil
}

func (f *fakeSessions) ForkPassword(_ context.Context, pw string) (ForkedKey, error) {
	f.record("fork password")
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.pending {
		return ForkedKey{}, errors.New("no fork waits for a password")
	}
	if pw != f.password {
		return ForkedKey{}, session.NewRPCError(400, "PASSWORD_HASH_INVALID")
	}
	f.pending = false
	return f.forked(), nil
}

func (f *fakeSessions) ForkCancel(context.Context) error {
	f.record("fork cancel")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = false
	return nil
}

// lists counts the listings so far.
func (f *fakeSessions) lists() int {
	n := 0
	for _, c := range f.Calls() {
		if c == "list" {
			n++
		}
	}
	return n
}

func TestSessionsTerminateAsksFirst(t *testing.T) {
	h := newHarness(t, 120, 40, demoEvents())
	showSessions(h)
	h.keys("down", "down", "t")
	h.await("the question", contains("End the session of Pixel 8"))
	h.keys("n")
	h.await("the list again", contains("Sessions of the account"))
	if slices.Contains(h.sess.Calls(), "terminate "+hashText(phoneHash)) {
		t.Fatal("terminated without a yes")
	}
	h.keys("t")
	h.await("the question", contains("End the session of Pixel 8"))
	h.keys("y")
	c := h.await("the shorter list", func(c Capture) bool {
		return !strings.Contains(c.View, "Pixel 8") && strings.Contains(c.View, "session "+hashText(phoneHash)+" ended")
	})
	if n := h.sess.lists(); n != 2 {
		t.Fatalf("listed %d times, want on show and after the action", n)
	}
	if !strings.Contains(c.View, "3 · account.getAuthorizations") {
		t.Fatalf("screen:\n%s", c.View)
	}
}

// The caller's own session is not ended by hash (it has none to itself).
func TestSessionsOwnSessionIsNotTerminated(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	showSessions(h)
	h.keys("t")
	h.await("the note", contains("this is tgpfs's own session"))
	if slices.ContainsFunc(h.sess.Calls(), func(c string) bool { return strings.HasPrefix(c, "terminate") }) {
		t.Fatalf("calls %v", h.sess.Calls())
	}
}

func TestSessionsTerminateOthers(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	showSessions(h)
	h.keys("T")
	h.await("the question", contains("End every other session of this account (3)?"))
	h.keys("y")
	h.await("one session left", func(c Capture) bool {
		return strings.Contains(c.View, "1 · account.getAuthorizations") && strings.Contains(c.View, "3 other sessions ended")
	})
}

// Telegram's rule for young sessions reaches the screen as one line of
// advice, and the list stays.
func TestSessionsFreshResetIsOneLine(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.sess.resetErr = session.NewRPCError(406, "FRESH_RESET_AUTHORISATION_FORBIDDEN")
	showSessions(h)
	h.keys("T")
	h.await("the question", contains("End every other session"))
	h.keys("y")
	c := h.await("the advice", contains("✗ FRESH_RESET_AUTHORISATION_FORBIDDEN: this session is less than a day old"))
	if !strings.Contains(c.View, "4 · account.getAuthorizations") {
		t.Fatalf("screen:\n%s", c.View)
	}
}

// showSessions shows the Sessions screen with the demo account's list.
func showSessions(h *harness) {
	h.t.Helper()
	h.keys("7")
	h.await("the list", contains("Pixel 8"))
}

// startFork shows the Sessions screen and forks as a Telethon session.
func startFork(h *harness) {
	h.t.Helper()
	showSessions(h)
	h.keys("f")
	h.await("the formats", contains("Telethon session (secret)"))
	h.keys("enter")
}

func TestSessionsFork(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	startFork(h)
	c := h.await("the fork", contains("forked: a new device (session 99)"))
	if got := h.clip.Copied(); !slices.Equal(got, []string{"telethon:2:127.0.0.1:44302:256"}) {
		t.Fatalf("copied %q", got)
	}
	if !strings.Contains(c.View, "5 · account.getAuthorizations") {
		t.Fatalf("the list was not loaded again:\n%s", c.View)
	}
	if !slices.ContainsFunc(c.State.Log, func(e model.LogEntry) bool { return strings.HasPrefix(e.Text, "fork done") }) {
		t.Fatal("the fork is not in the log")
	}
}

// A fork of an account with a 2FA password asks for it (masked), asks
// again after a wrong one, and finishes with the right one.
func TestSessionsForkPassword(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.sess.password = "hunter2"
	startFork(h)
	h.await("the password dialog", contains("Hint: the usual"))
	h.keys("w", "r", "o", "n", "g")
	c := h.await("typed", contains("› *****"))
	if strings.Contains(c.View, "wrong") {
		t.Fatal("the password is shown")
	}
	h.keys("enter")
	h.await("asked again", contains("wrong two-step verification password"))
	h.keys("h", "u", "n", "t", "e", "r", "2", "enter")
	h.await("the fork", contains("forked: a new device (session 99)"))
	if got := h.sess.Calls(); !slices.Equal(got[len(got)-4:], []string{"fork", "fork password", "fork password", "list"}) {
		t.Fatalf("calls %v", got)
	}
}

func TestSessionsForkPasswordCancelled(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.sess.password = "hunter2"
	startFork(h)
	h.await("the password dialog", contains("Two-step verification"))
	h.keys("esc")
	h.await("given up", contains("fork given up"))
	if got := h.sess.Calls(); !slices.Contains(got, "fork cancel") || len(h.clip.Copied()) != 0 {
		t.Fatalf("calls %v, copied %q", got, h.clip.Copied())
	}
}

// Without a Sessions backend the screen says why it is empty.
func TestSessionsWithoutAccount(t *testing.T) {
	m := New(Options{Clock: func() time.Time { return goldenNow }})
	m.Update(tea80x24())
	m.show(ScreenSessions)
	m.refresh()
	if v := m.View(); !strings.Contains(v, "Not connected") {
		t.Fatalf("screen:\n%s", v)
	}
}

func TestAgo(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "now"}, {4 * time.Second, "now"}, {42 * time.Second, "42s ago"}, {59 * time.Minute, "59m ago"},
		{47 * time.Hour, "47h ago"}, {72 * time.Hour, "3d ago"}, {1e5 * time.Hour, "999d ago"},
	} {
		if got := ago(t0.Add(tc.d), t0); got != tc.want || len(got) > 8 {
			t.Errorf("ago(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := ago(t0, time.Time{}); got != "—" {
		t.Errorf("ago(zero) = %q", got)
	}
}

func tea80x24() tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: 80, Height: 24} }
