package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tgpfs/sessions"
	"tgpfs/ui"
)

// TestLiveRealLoginForm drives the real-DC login forms (ui/loginform over
// proto/login over the driver's bound key) against the local DCs: the
// phone lives on DC 3, so DC 2 answers PHONE_MIGRATE_3, the driver moves
// its home to DC 3 (new permanent key, bound temporary key) and the login
// finishes there, typed key by key into the form.
func TestLiveRealLoginForm(t *testing.T) {
	h, sess := startLive(t, with(func(c *Config) { c.TTL = 90 * time.Second; c.NoLogin = true; c.LoginForms = true }), 120, 40,
		func(_ *Session, o *ui.Options) {
			if o.RealLogin == nil || o.LoginTarget != "local DC 2" || !o.TestDCs {
				t.Fatalf("LoginForms: real login %v, target %q, test DCs %v", o.RealLogin != nil, o.LoginTarget, o.TestDCs)
			}
		})
	h.await("connect", done("connect"))

	h.keys("l")
	h.await("the login menu", func(c ui.Capture) bool { return contains(c.View, "Phone number") && contains(c.View, "QR code") })
	h.keys("1", "9996631234", "enter")
	h.await("the code step on DC 3", func(c ui.Capture) bool { return contains(c.View, "+9996631234") })
	h.keys("33333", "enter")
	h.await("the sign-up step", func(c ui.Capture) bool { return contains(c.View, "auth.signUp") || contains(c.View, "name") })
	h.keys("Form Test", "enter")
	c := h.await("the login", func(c ui.Capture) bool { return c.State.User != nil })
	st := c.State
	if st.HomeDC != 3 || st.User.FirstName != "Form" {
		t.Fatalf("logged in as %+v on DC %d; want Form on DC 3\n%s", st.User, st.HomeDC, logText(st))
	}
	c = h.await("the moved keys", func(c ui.Capture) bool {
		cur, ok := c.State.Current()
		return ok && cur.Bound && cur.DC == 3 && c.State.Perm.DC == 3
	})
	if got := sess.Driver.HomeDC(); got != 3 {
		t.Fatalf("driver home DC %d, want 3", got)
	}
	// The form is closed and the Keys screen is back.
	if contains(c.View, "with a phone number") {
		t.Fatalf("the form is still open:\n%s", c.View)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestLiveKeyProblemAsksBeforeDropping starts with a permanent key the DC
// does not know (a stale session): the bind fails with
// ENCRYPTED_MESSAGE_INVALID, the UI explains it and asks; n keeps the keys
// and changes nothing, y drops both and binds a new key to a new permanent
// key.
func TestLiveKeyProblemAsksBeforeDropping(t *testing.T) {
	stale := make([]byte, 256)
	stale[0] = 7
	path := filepath.Join(t.TempDir(), "stale.json")
	if err := sessions.WriteFile(path, &sessions.Session{DC: 2, AuthKey: stale}, sessions.Gotd, false); err != nil {
		t.Fatal(err)
	}
	h, _ := startLive(t, with(func(c *Config) { c.TTL = 90 * time.Second; c.Session = path }), 120, 40, nil)
	asks := func(c ui.Capture) bool {
		return strings.Contains(c.View, "ENCRYPTED_MESSAGE_INVALID") && strings.Contains(c.View, "Drop both keys now?")
	}
	c := h.await("the key problem dialog", asks)
	staleID, staleSource := c.State.Perm.ID, c.State.Perm.Source
	if !strings.Contains(staleSource, path) {
		t.Fatalf("permanent key source %q does not name the session %s", staleSource, path)
	}

	h.keys("n")
	c = h.await("the dialog to close", func(c ui.Capture) bool { return !asks(c) })
	if c.State.Perm.ID != staleID {
		t.Fatalf("n changed the permanent key to %s", c.State.Perm.ID)
	}

	// Binding again fails the same way and asks again; this time yes.
	h.keys("b")
	h.await("the dialog again", asks)
	h.keys("y")
	c = h.await("new keys", func(c ui.Capture) bool {
		cur, ok := c.State.Current()
		return c.State.Perm.ID != staleID && ok && cur.Bound && len(c.Busy) == 0
	})
	if c.State.Perm.Source == staleSource {
		t.Fatalf("permanent key source still %q", c.State.Perm.Source)
	}
}
