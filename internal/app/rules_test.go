package app

import (
	"strings"
	"testing"
	"time"

	"tgpfs/proto/localdc"
	"tgpfs/ui"
)

// TestLiveFloodWaitCountsDown: the DC answers the first API call with
// FLOOD_WAIT_42; the status bar shows the wait counting down to a fixed
// end, as the real server's rule asks.
func TestLiveFloodWaitCountsDown(t *testing.T) {
	h, _ := startLive(t, with(func(c *Config) {
		c.TTL, c.NoLogin = 90*time.Second, true
		c.Cluster.Faults = localdc.Faults{FloodWait: 42 * time.Second, FloodWaitCount: 1}
	}), 120, 40, nil)
	c := h.await("the flood banner", func(c ui.Capture) bool {
		status := c.View[strings.LastIndex(c.View, "\n")+1:]
		return strings.Contains(status, "FLOOD_WAIT") && strings.Contains(status, "until")
	})
	status := c.View[strings.LastIndex(c.View, "\n")+1:]
	if !strings.Contains(status, "wait 4") && !strings.Contains(status, "wait 3") {
		t.Fatalf("status bar %q: want a wait of about 42 s", status)
	}
	// The wait is over once the user tries again later; here: b (rotate)
	// still works, the flood was for one call only.
	h.keys("b")
	h.await("rotate", done("rotate"))
}

// TestLiveAuthKeyDuplicatedAsks: a logged-in key's next call gets
// AUTH_KEY_DUPLICATED; the UI explains that the login is gone and asks
// before making new keys.
func TestLiveAuthKeyDuplicatedAsks(t *testing.T) {
	h, _ := startLive(t, with(func(c *Config) {
		c.TTL = 90 * time.Second
		c.Cluster.Faults = localdc.Faults{AuthKeyDuplicated: true}
	}), 120, 40, nil)
	h.await("login", done("login"))
	// d, y: auth.dropTempAuthKeys is the next API call of the logged-in key.
	h.keys("d", "y")
	c := h.await("the dialog", func(c ui.Capture) bool { return strings.Contains(c.View, "AUTH_KEY_DUPLICATED") })
	if !strings.Contains(c.View, "logs this account out") {
		t.Fatalf("the dialog does not say the login goes:\n%s", c.View)
	}
	first := c.State.Perm.ID
	h.keys("y")
	h.await("new keys", func(c ui.Capture) bool {
		cur, ok := c.State.Current()
		return c.State.Perm.ID != first && ok && cur.Bound && len(c.Busy) == 0
	})
}
