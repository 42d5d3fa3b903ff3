package localdc

import (
	"errors"
	"sync"
	"time"

	"github.com/gotd/td/proto/codec"
)

// testClock is a settable clock for the DC's notion of time.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func containsCode(err error, code int32) bool {
	var pe *codec.ProtocolErr
	return errors.As(err, &pe) && pe.Code == code
}
