package soak

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

// heapAfterBound is how far the in-use heap may stay above where it was
// before the run once every client and the DC are closed. What a run makes
// (keys, sessions, frames, transcripts) must all become garbage; the slack
// is for caches that fill once per process (TL type maps, the prime cache).
const heapAfterBound = 16 << 20

// TestLoad runs clients that connect, call help.getConfig and rotate
// against one local DC, and asserts that no request failed, that the heap
// comes back down after the clients close, and that no goroutine outlives
// the run. Size it with TGPFS_LOAD_CLIENTS and TGPFS_LOAD_SECONDS.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped under -short")
	}
	clients := envInt(t, "TGPFS_LOAD_CLIENTS", 20)
	seconds := envInt(t, "TGPFS_LOAD_SECONDS", 5)

	baseG := runtime.NumGoroutine()
	baseHeap := HeapInuse()

	dc := startDC(t, localdc.Config{DCs: 1, MaxConnsPerDC: 2*clients + 16})
	watch := NewServerWatch()
	watch.Watch(dc)

	// Sample the heap while the run goes, for the report.
	var peakHeap atomic.Uint64
	stopSampling := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peakHeap.Load() {
					peakHeap.Store(m.HeapInuse)
				}
			}
		}
	}()

	res := Load(context.Background(), LoadConfig{Target: Target(dc), Clients: clients, Duration: time.Duration(seconds) * time.Second})
	close(stopSampling)
	sampling.Wait()
	_ = dc.Close()
	watch.Wait()

	leftG := settleGoroutines(baseG)
	afterHeap := HeapInuse()
	rss, rssErr := PeakRSS()

	t.Logf("load: %s", res)
	t.Logf("load: heap in use %s before, %s peak, %s after close; peak RSS %s (%v); goroutines %d before, %d after close",
		MiB(baseHeap), MiB(peakHeap.Load()), MiB(afterHeap), MiB(rss), rssErr, baseG, leftG)
	t.Logf("load: DC made %d keys, bound %d, answered %d RPC errors (%d AUTH_KEY_PERM_EMPTY), watch missed %d events",
		watch.Count(model.SrvKeyCreated), watch.Count(model.SrvKeyBound), watch.Count(model.SrvRPCError), first(watch.PermEmpty()), watch.Missed())

	if res.Failures != 0 {
		t.Errorf("%d failed requests; first: %q", res.Failures, res.Errors)
	}
	if res.Connects != int64(clients) {
		t.Errorf("%d of %d clients connected", res.Connects, clients)
	}
	if res.Rotations == 0 || res.Calls == 0 {
		t.Errorf("clients did no work: %s", res)
	}
	if n, samples := watch.PermEmpty(); n != 0 {
		t.Errorf("%d calls on unbound temp keys (AUTH_KEY_PERM_EMPTY): %q", n, samples)
	}
	if bound := watch.Count(model.SrvKeyBound); watch.Missed() == 0 && int64(bound) != res.Connects+res.Rotations {
		t.Errorf("DC bound %d temp keys, clients finished %d connects and rotations", bound, res.Connects+res.Rotations)
	}
	if res.DroppedEvents != 0 {
		t.Errorf("driver events dropped though drained: %d", res.DroppedEvents)
	}
	if afterHeap > baseHeap+heapAfterBound {
		t.Errorf("heap in use %s after close, %s before: more than %s stayed", MiB(afterHeap), MiB(baseHeap), MiB(uint64(heapAfterBound)))
	}
	if leftG > baseG {
		t.Errorf("%d goroutines left after close (%d before):\n%s", leftG, baseG, goroutineDump())
	}
}

func first(n int, _ []string) int { return n }
