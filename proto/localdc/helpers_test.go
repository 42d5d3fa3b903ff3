package localdc

import (
	"errors"
	"sync"
	"time"

	"github.com/gotd/td/proto/codec"
)

// testClock is the DC's notion of time for a test: the real clock, moved
// on by add. It keeps running, so that a slow run (a loaded machine) does
// not leave the client's msg_ids more than 30 s ahead of the DC.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

func containsCode(err error, code int32) bool {
	var pe *codec.ProtocolErr
	return errors.As(err, &pe) && pe.Code == code
}
