package soak

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"tgpfs/internal/app"
)

// LoadConfig sizes a load run.
type LoadConfig struct {
	// Target is what every client's driver is built from (see Target):
	// the DC every client talks to.
	Target app.Config
	// Clients is how many drivers run at once, each with its own
	// permanent key and connection.
	Clients int
	// Duration is how long the clients keep working, counted from the
	// start (connecting included).
	Duration time.Duration
	// CallsPerRotation is how many help.getConfig calls a client makes on
	// each temp key before rotating to the next; 0 means 4.
	CallsPerRotation int
	// Timeout bounds each action; 0 means 60 s. A load run wants to see
	// slowness as a number, not as a failure.
	Timeout time.Duration
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Clients  int
	Elapsed  time.Duration // first Connect to the last client's stop
	Connects int64         // Connect: perm key, temp key, bind, help.getConfig
	// Rotations are Rotate actions: a temp-key exchange and a bind on a new
	// connection.
	Rotations int64
	// Calls are help.getConfig calls made by GetConfig on a bound key.
	Calls    int64
	Failures int64
	// Errors holds the first few failures, for the test's message.
	Errors []string
	// DroppedEvents is how many driver events the drain missed (it never
	// should: it does nothing but read).
	DroppedEvents int
}

// Requests counts every request a client finished: each Connect, Rotate and
// GetConfig is one user-level request to the DC.
func (r LoadResult) Requests() int64 { return r.Connects + r.Rotations + r.Calls }

// PerSecond is Requests over Elapsed.
func (r LoadResult) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests()) / r.Elapsed.Seconds()
}

func (r LoadResult) String() string {
	return fmt.Sprintf("%d clients, %s: %d requests (%d connects, %d rotations, %d getConfig), %.1f requests/s, %d failures",
		r.Clients, r.Elapsed.Round(time.Millisecond), r.Requests(), r.Connects, r.Rotations, r.Calls, r.PerSecond(), r.Failures)
}

type loadCounters struct {
	connects, rotations, calls, failures atomic.Int64
	dropped                              atomic.Int64

	mu     sync.Mutex
	errors []string
}

func (c *loadCounters) fail(err error) {
	c.failures.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errors) < 10 {
		c.errors = append(c.errors, err.Error())
	}
}

// Load runs cfg.Clients drivers against cfg.Target for cfg.Duration: each
// connects (making its permanent key), then calls help.getConfig
// CallsPerRotation times per temp key and rotates, until the time is up.
// Every driver is closed before Load returns. A failed request is counted
// and the client goes on; only ctx ends the run early.
func Load(ctx context.Context, cfg LoadConfig) LoadResult {
	if cfg.CallsPerRotation <= 0 {
		cfg.CallsPerRotation = 4
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	var c loadCounters
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loadClient(ctx, cfg, deadline, &c)
		}()
	}
	wg.Wait()
	return LoadResult{
		Clients: cfg.Clients, Elapsed: time.Since(start),
		Connects: c.connects.Load(), Rotations: c.rotations.Load(), Calls: c.calls.Load(),
		Failures: c.failures.Load(), Errors: c.errors, DroppedEvents: int(c.dropped.Load()),
	}
}

func loadClient(ctx context.Context, cfg LoadConfig, deadline time.Time, c *loadCounters) {
	dcfg := cfg.Target
	dcfg.Frames = 64 // the tap ring is per driver; keep a run's memory about the clients
	d, err := newDriver(ctx, dcfg)
	if err != nil {
		c.fail(err)
		return
	}
	// The driver never blocks on its event channel, but undrained events
	// (transcripts included) would sit in every driver's buffer.
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range d.Events() {
		}
	}()
	defer func() {
		c.dropped.Add(int64(d.DroppedEvents()))
		_ = d.Close()
		<-drained
	}()

	do := func(f func(context.Context) error, n *atomic.Int64) bool {
		actx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
		if err := f(actx); err != nil {
			if !errors.Is(ctx.Err(), context.Canceled) {
				c.fail(err)
			}
			return false
		}
		n.Add(1)
		return true
	}
	connected := false
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if !connected {
			// A client whose connect failed tries again: a failure is
			// counted once, not as every request it could not make.
			connected = do(d.Connect, &c.connects)
			continue
		}
		for i := 0; i < cfg.CallsPerRotation && time.Now().Before(deadline); i++ {
			do(d.GetConfig, &c.calls)
		}
		if time.Now().Before(deadline) {
			do(d.Rotate, &c.rotations)
		}
	}
}
