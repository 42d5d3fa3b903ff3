package soak

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/transport"

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
	// The duration counts connecting: 20 clients making permanent keys on
	// a busy 2-core machine can take 5 s before the first rotation.
	seconds := envInt(t, "TGPFS_LOAD_SECONDS", 10)

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

	for _, p := range loadProblems(loadRun{res: res, clients: clients, watch: watch,
		baseHeap: baseHeap, afterHeap: afterHeap, baseG: baseG, leftG: leftG}) {
		t.Error(p)
	}
	if leftG > baseG {
		t.Log(goroutineDump())
	}
}

// loadRun is what TestLoad measured.
type loadRun struct {
	res                 LoadResult
	clients             int
	watch               *ServerWatch
	baseHeap, afterHeap uint64
	baseG, leftG        int
}

// loadProblems is what TestLoad asserts, one line per broken promise: no
// request failed, every client connected and worked, no call went out on an
// unbound key, the DC's event watch saw every event (a count it missed
// events for proves nothing, so missing them fails the run rather than
// skipping the count) and the DC bound exactly the keys the clients
// finished, no driver event was dropped, and the heap and the goroutines
// came back down after close.
func loadProblems(r loadRun) []string {
	var bad []string
	res := r.res
	if res.Failures != 0 {
		bad = append(bad, fmt.Sprintf("%d failed requests; first: %q", res.Failures, res.Errors))
	}
	if res.Connects != int64(r.clients) {
		bad = append(bad, fmt.Sprintf("%d of %d clients connected", res.Connects, r.clients))
	}
	if res.Rotations == 0 || res.Calls == 0 {
		bad = append(bad, fmt.Sprintf("clients did no work: %s", res))
	}
	if n, samples := r.watch.PermEmpty(); n != 0 {
		bad = append(bad, fmt.Sprintf("%d calls on unbound temp keys (AUTH_KEY_PERM_EMPTY): %q", n, samples))
	}
	if m := r.watch.Missed(); m != 0 {
		bad = append(bad, fmt.Sprintf("the DC event watch missed %d events: its counts (bound keys, AUTH_KEY_PERM_EMPTY) are incomplete", m))
	} else if bound := r.watch.Count(model.SrvKeyBound); int64(bound) != res.Connects+res.Rotations {
		bad = append(bad, fmt.Sprintf("DC bound %d temp keys, clients finished %d connects and rotations", bound, res.Connects+res.Rotations))
	}
	if res.DroppedEvents != 0 {
		bad = append(bad, fmt.Sprintf("driver events dropped though drained: %d", res.DroppedEvents))
	}
	if r.afterHeap > r.baseHeap+heapAfterBound {
		bad = append(bad, fmt.Sprintf("heap in use %s after close, %s before: more than %s stayed",
			MiB(r.afterHeap), MiB(r.baseHeap), MiB(uint64(heapAfterBound))))
	}
	if r.leftG > r.baseG {
		bad = append(bad, fmt.Sprintf("%d goroutines left after close (%d before)", r.leftG, r.baseG))
	}
	return bad
}

func first(n int, _ []string) int { return n }

// TestLoadChecksFail shows that a watch that fell behind fails TestLoad's
// checks instead of quietly skipping the bound-keys count: a real DC gets
// more frames under unknown keys (each one a -404 event) than a subscriber
// may fall behind by, while the watch is held; the DC drops events for it
// and says so, and loadProblems reports the missed events.
func TestLoadChecksFail(t *testing.T) {
	dc := startDC(t, localdc.Config{DCs: 1})
	watch := NewServerWatch()
	watch.Watch(dc)

	raw, err := net.Dial("tcp", dc.Addr(1))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(time.Minute)) // a hang guard
	conn, err := transport.Intermediate.Handshake(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	unknownKey := func(i int) {
		t.Helper()
		frame := make([]byte, 64)
		binary.LittleEndian.PutUint64(frame, uint64(i)+1) // an auth_key_id the DC never made
		if err := conn.Send(ctx, &bin.Buffer{Buf: frame}); err != nil {
			t.Fatalf("send frame %d: %v", i, err)
		}
		var pe *codec.ProtocolErr
		if err := conn.Recv(ctx, &bin.Buffer{}); !errors.As(err, &pe) || pe.Code != codec.CodeAuthKeyNotFound {
			t.Fatalf("frame %d under an unknown key: got %v, want transport error -404", i, err)
		}
	}

	// Held: the watch takes one event and blocks; the DC buffers
	// dcBuffer more for it (localdc's subscriberBuffer) and drops the rest.
	const dcBuffer, held = 256, 400
	watch.mu.Lock()
	for i := range held {
		unknownKey(i)
	}
	watch.mu.Unlock()
	// Once the watch has caught up, one more event carries the DC's note
	// of how many it dropped.
	for deadline := time.Now().Add(time.Minute); watch.Count(model.SrvKeyNotFound) < 1+dcBuffer; {
		if time.Now().After(deadline) {
			t.Fatalf("the watch never caught up: %d events counted", watch.Count(model.SrvKeyNotFound))
		}
		time.Sleep(5 * time.Millisecond)
	}
	unknownKey(held)
	_ = dc.Close()
	watch.Wait()

	seen, missed := watch.Count(model.SrvKeyNotFound), watch.Missed()
	t.Logf("watch counted %d events, missed %d", seen, missed)
	if missed == 0 || seen+missed != held+1 {
		t.Fatalf("watch counted %d events and %d missed, want some missed and %d in all", seen, missed, held+1)
	}
	// A load run that did its work but whose watch missed events.
	res := LoadResult{Clients: 1, Connects: 1, Rotations: 1, Calls: 1}
	problems := loadProblems(loadRun{res: res, clients: 1, watch: watch})
	if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, "missed") }) {
		t.Errorf("a watch that missed %d events passed: problems %q", missed, problems)
	}
}
