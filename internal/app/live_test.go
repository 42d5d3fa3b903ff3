package app

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"tgpfs/model"
	"tgpfs/ui"
)

// harness runs the real UI against a real local session.
type harness struct {
	t       *testing.T
	tm      *teatest.TestModel
	backend ui.Backend
}

// with is Defaults() changed by edit.
func with(edit func(*Config)) Config {
	c := Defaults()
	edit(&c)
	return c
}

// start validates cfg and starts it; the session closes when the test ends.
func start(t *testing.T, ctx context.Context, cfg Config) *Session {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := a.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	return sess
}

func (h *harness) keys(ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			h.tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "down":
			h.tm.Send(tea.KeyMsg{Type: tea.KeyDown})
		default:
			h.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

func (h *harness) await(what string, cond func(ui.Capture) bool) ui.Capture {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ch := make(chan ui.Capture, 1)
		h.tm.Send(ui.CaptureMsg{Reply: ch})
		var c ui.Capture
		select {
		case c = <-ch:
		case <-time.After(5 * time.Second):
			h.t.Fatalf("waiting for %s: no capture", what)
		}
		if cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("waiting for %s; log:\n%s\nscreen:\n%s", what, logText(c.State), c.View)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startLive runs the real UI at w x h against a new local session, with
// Connect set; edit, if given, adjusts the UI's options. The UI quits, then
// the session closes, when the test ends.
func startLive(t *testing.T, cfg Config, w, h int, edit func(*Session, *ui.Options)) (*harness, *Session) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sess := start(t, ctx, cfg)
	opts := sess.UIOptions()
	opts.Connect = true
	if edit != nil {
		edit(sess, &opts)
	}
	hs := &harness{t: t, tm: teatest.NewTestModel(t, ui.New(opts), teatest.WithInitialTermSize(w, h)), backend: opts.Backend}
	t.Cleanup(func() {
		hs.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		hs.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	})
	return hs, sess
}

func logText(st *model.State) string {
	var b strings.Builder
	for _, e := range st.Log {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

// done holds once action has been logged as done and nothing runs.
func done(action string) func(ui.Capture) bool {
	return func(c ui.Capture) bool {
		for i := len(c.State.Log) - 1; i >= 0; i-- {
			t := c.State.Log[i].Text
			if strings.HasPrefix(t, action+" done") {
				return len(c.Busy) == 0
			}
			if strings.HasPrefix(t, action+" failed") {
				return true
			}
		}
		return false
	}
}

// TestLiveSession drives the UI, with the keys a person presses, against the
// real driver and the embedded DCs, and checks the state after each action.
func TestLiveSession(t *testing.T) {
	h, _ := startLive(t, with(func(c *Config) { c.TTL = 90 * time.Second }), 120, 40, nil)

	// Start: permanent key on DC 2, a bound temporary key, logged in.
	c := h.await("login", done("login"))
	st := c.State
	first, ok := st.Current()
	if !ok || !first.Bound || !st.HasPerm || st.Perm.DC != 2 || st.User == nil || st.User.Phone != TestPhone(2) {
		t.Fatalf("after start: current %+v (%v), perm %+v, user %+v\n%s", first, ok, st.Perm, st.User, logText(st))
	}
	if left := time.Until(first.ExpiresAt); left <= 60*time.Second || left > 91*time.Second {
		t.Fatalf("expires_at is %s away, want about 90 s", left)
	}
	if !st.Handshake.Passed() || len(st.Handshake.Checks) == 0 {
		t.Fatalf("last handshake: %+v", st.Handshake)
	}
	if !strings.Contains(c.View, first.ID.String()) {
		t.Fatalf("the Keys screen lacks the current key:\n%s", c.View)
	}

	// b: a fresh key replaces it.
	h.keys("b")
	st = h.await("rotate", done("rotate")).State
	second, _ := st.Current()
	if second.ID == first.ID || !second.Bound {
		t.Fatalf("after rotate: current %+v", second)
	}
	if k, _ := st.Temp(first.ID); k.End != model.Rotated {
		t.Fatalf("first key ended %s, want rotated", k.End)
	}

	// d, y: the first key is dropped and proven gone by -404.
	h.keys("d", "y")
	st = h.await("drop", done("drop")).State
	if k, _ := st.Temp(first.ID); k.End != model.Dropped || !strings.Contains(k.EndDetail, "-404") {
		t.Fatalf("first key after drop: %+v", k)
	}
	if cur, _ := st.Current(); cur.ID != second.ID {
		t.Fatalf("current after drop = %s, want %s", cur.ID, second.ID)
	}
	if sk := st.Server[first.ID]; sk.Held() {
		t.Fatalf("the DC still holds the dropped key: %+v", sk)
	}

	// e, 2: export to DC 3 (the picker offers 1 and 3).
	h.keys("e", "2")
	st = h.await("export", done("export")).State
	if _, ok := st.Authorized[3]; !ok {
		t.Fatalf("authorized = %v\n%s", st.Authorized, logText(st))
	}
	if cur, _ := st.Current(); cur.ID != second.ID {
		t.Fatalf("the export replaced the current key: %s", cur.ID)
	}

	// 4, then o on the frame that bound the second key: only its own key
	// opens it.
	h.keys("4")
	c = h.await("frames", func(c ui.Capture) bool { return strings.Contains(c.View, "frames ·") })
	frames := h.backend.Frames()
	pick := -1
	for i := len(frames) - 1; i >= 0; i-- {
		if frames[i].KeyID == first.ID && frames[i].Dir == model.Sent {
			pick = len(frames) - 1 - i
			break
		}
	}
	if pick < 0 {
		t.Fatalf("no frame under the first key among %d", len(frames))
	}
	for range pick {
		h.keys("down")
	}
	h.keys("o")
	c = h.await("the opened frame", func(c ui.Capture) bool { return strings.Contains(c.View, "Frame #") })
	for _, want := range []string{"✗ permanent key " + st.Perm.ID.String() + ": does not open", "✓ its own temporary key " + first.ID.String() + ": opens"} {
		if !strings.Contains(c.View, want) {
			t.Errorf("traffic screen lacks %q:\n%s", want, c.View)
		}
	}

	// p: renewal paused, and the header says so.
	h.keys("p")
	c = h.await("paused", func(c ui.Capture) bool { return c.State.RenewalPaused })
	if !strings.Contains(c.View, "renewal paused") {
		t.Fatalf("header does not say paused:\n%s", c.View)
	}
}

// Closing a session ends every goroutine it started, the driver's and the
// DCs'.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := New(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := a.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.UIOptions().Backend.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// With renewal paused a short-lived key expires, the DC forgets it, and b
// binds a fresh one.
func TestLiveExpiry(t *testing.T) {
	h, _ := startLive(t, with(func(c *Config) { c.TTL = 3 * time.Second; c.NoLogin = true }), 80, 24, nil)
	h.keys("p")
	st := h.await("a bound key", func(c ui.Capture) bool {
		k, ok := c.State.Current()
		return ok && k.Bound && c.State.RenewalPaused && len(c.Busy) == 0
	}).State
	first, _ := st.Current()
	c := h.await("the expiry", func(c ui.Capture) bool {
		k, _ := c.State.Temp(first.ID)
		return k.End == model.Expired && c.State.Server[first.ID].State == model.SrvKeyExpired
	})
	if _, ok := c.State.Current(); ok {
		t.Fatalf("an expired key is still current:\n%s", c.View)
	}
	if !strings.Contains(c.View, "none in use") {
		t.Fatalf("Keys screen:\n%s", c.View)
	}
	h.keys("b")
	st = h.await("a fresh key", done("rotate")).State
	if k, ok := st.Current(); !ok || k.ID == first.ID || !k.Bound {
		t.Fatalf("after b: %+v, %v\n%s", k, ok, logText(st))
	}
}
