package proto

import (
	"context"
	"crypto/rsa"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/proto/tap"
)

func startCluster(t testing.TB, cfg localdc.Config) *localdc.Cluster {
	t.Helper()
	c, err := localdc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func localOptions(c *localdc.Cluster, dc int) Options {
	return Options{
		Target:  Target{Env: "local", DC: dc, Addr: c.Addr(dc), ProtocolDC: c.ProtocolDC(dc), PublicKeys: []*rsa.PublicKey{c.PublicKey()}},
		TempTTL: time.Hour,
		AppID:   1, AppHash: "tgpfs-local",
	}
}

// collector drains a driver's events.
type collector struct {
	mu     sync.Mutex
	events []model.Event
	done   chan struct{}
}

func collect(d *Driver) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ev := range d.Events() {
			c.mu.Lock()
			c.events = append(c.events, ev)
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *collector) all() []model.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]model.Event(nil), c.events...)
}

// waitGoroutines fails if the goroutine count does not return to base; a
// hang guard, not a timing assertion.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left (base %d):\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDriverLifecycle(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 2})
	base := runtime.NumGoroutine()
	ctx := context.Background()
	d := NewDriver(localOptions(c, 1))
	col := collect(d)

	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	perm := d.PermKey()
	first, ok := d.TempKey()
	if !ok || !first.Bound || perm.ID == 0 || perm.Source != "generated" {
		t.Fatalf("after connect: perm %+v temp %+v", perm, first)
	}
	if err := d.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	second, _ := d.TempKey()
	if second.ID == first.ID || !second.Bound {
		t.Fatalf("rotate kept %v", second.ID)
	}
	// Both are bound on the DC until the drop.
	if n := len(c.TempKeys(1, perm.ID)); n < 2 {
		t.Fatalf("DC lists %d temp keys for the perm key before the drop", n)
	}
	if err := d.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.GetConfig(ctx); err != nil {
		t.Fatalf("current key after drop: %v", err)
	}

	// The PFS proof on a frame sent under the first (now dropped) key.
	var under *tap.Frame
	frames := d.Frames()
	for i, f := range frames {
		if f.Encrypted() && f.Dir == model.Sent && f.AuthKeyID == first.ID {
			under = &frames[i]
		}
	}
	if under == nil {
		t.Fatal("no frame under the first temp key in the tap")
	}
	res := d.OpenFrame(*under)
	if res.WithPerm || !res.WithOwn || res.Content == "" {
		t.Fatalf("OpenFrame = %+v", res)
	}

	if err := d.Login(ctx, "9996611234"); err != nil {
		t.Fatal(err)
	}
	if err := d.Export(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if k := d.RevealKey(model.Permanent); len(k) != 256 {
		t.Fatalf("RevealKey(perm) = %d bytes", len(k))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	<-col.done

	var (
		dropped  *model.KeysDropped
		exported *model.Exported
		logged   *model.LoggedIn
		bound    int
		starts   = map[string]int{}
		dones    = map[string]int{}
	)
	for _, ev := range col.all() {
		switch e := ev.(type) {
		case model.KeysDropped:
			dropped = &e
		case model.Exported:
			exported = &e
		case model.LoggedIn:
			logged = &e
		case model.TempKeyBound:
			bound++
			if e.PermID != perm.ID && e.ExpiresAt.IsZero() {
				t.Errorf("bound event %+v", e)
			}
		case model.ActionStarted:
			starts[e.Action]++
		case model.ActionDone:
			dones[e.Action]++
			if e.Err != "" {
				t.Errorf("action %s failed: %s", e.Action, e.Err)
			}
		case model.HandshakeDone:
			if !e.Transcript.Passed() {
				t.Errorf("handshake transcript failed: %+v", e.Transcript.Checks)
			}
		}
	}
	if dropped == nil || len(dropped.Gone) != 1 || dropped.Gone[0] != first.ID || dropped.Except[0] != second.ID {
		t.Fatalf("KeysDropped = %+v", dropped)
	}
	if logged == nil || logged.User.Phone != "9996611234" {
		t.Fatalf("LoggedIn = %+v", logged)
	}
	if exported == nil || exported.ToDC != 2 || exported.User.ID != logged.User.ID {
		t.Fatalf("Exported = %+v", exported)
	}
	if bound != 3 { // connect, rotate, export's own temp key on DC 2
		t.Fatalf("%d binds", bound)
	}
	for _, a := range []string{ActConnect, ActRotate, ActDrop, ActGetConfig, ActLogin, ActExport} {
		if starts[a] != 1 || dones[a] != 1 {
			t.Errorf("action %s: %d starts, %d dones", a, starts[a], dones[a])
		}
	}
	waitGoroutines(t, base)
}

// TestDriverRenewsOn404 makes the DC forget the current key: the next call
// gets -404, the driver reports it and the renewal policy binds a new key.
func TestDriverRenewsOn404(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	base := runtime.NumGoroutine()
	d := NewDriver(localOptions(c, 1))
	col := collect(d)
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	first, _ := d.TempKey()
	c.ForgetTempKey(1, first.ID)
	err := d.GetConfig(ctx)
	if !model.IsKeyNotFound(err) {
		t.Fatalf("GetConfig after forget: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		k, ok := d.TempKey()
		if ok && k.ID != first.ID && k.Bound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no renewal after -404")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := d.GetConfig(ctx); err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
	<-col.done
	saw := false
	for _, ev := range col.all() {
		if e, ok := ev.(model.TempKeyEnded); ok && e.ID == first.ID && e.How == model.NotFound {
			saw = true
		}
	}
	if !saw {
		t.Fatal("no TempKeyEnded{NotFound} for the forgotten key")
	}
	waitGoroutines(t, base)
}

// TestDriverPausedRenewalLetsKeyExpire asks for a 2 s key with renewal
// paused: the driver reports the expiry and the DC then answers -404.
func TestDriverPausedRenewalLetsKeyExpire(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1, SweepEvery: 50 * time.Millisecond})
	opts := localOptions(c, 1)
	opts.TempTTL = 2 * time.Second
	d := NewDriver(opts)
	col := collect(d)
	d.SetRenewalPaused(true)
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	first, _ := d.TempKey()
	var ended bool
	for deadline := time.Now().Add(30 * time.Second); !ended && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, ev := range col.all() {
			if e, ok := ev.(model.TempKeyEnded); ok && e.ID == first.ID && e.How == model.Expired {
				ended = true
			}
		}
	}
	if !ended {
		t.Fatal("no expiry reported")
	}
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = d.GetConfig(ctx); model.IsKeyNotFound(err) {
			break
		}
	}
	if !model.IsKeyNotFound(err) {
		t.Fatalf("call after expiry: %v", err)
	}
	if k, ok := d.TempKey(); ok {
		t.Fatalf("paused driver renewed to %v", k.ID)
	}
	_ = d.Close()
	<-col.done
}

func TestDriverGivenPermKeyUnknownToDC(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	opts := localOptions(c, 1)
	opts.PermKey = make([]byte, 256)
	opts.PermKey[0] = 1
	opts.PermSource = "test"
	d := NewDriver(opts)
	col := collect(d)
	err := d.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ENCRYPTED_MESSAGE_INVALID") {
		t.Fatalf("connect with an unknown perm key: %v", err)
	}
	_ = d.Close()
	<-col.done
	var advice string
	for _, ev := range col.all() {
		if e, ok := ev.(model.BindFailed); ok {
			advice = e.Advice
		}
	}
	if !strings.Contains(advice, "drop both keys") {
		t.Fatalf("advice = %q", advice)
	}
}

func TestEmitNeverBlocks(t *testing.T) {
	d := NewDriver(Options{Events: 2})
	for i := 0; i < 5; i++ {
		d.emit(model.ActionStarted{Action: string(rune('a' + i))})
	}
	if d.DroppedEvents() != 3 {
		t.Fatalf("dropped = %d", d.DroppedEvents())
	}
	got := (<-d.Events()).(model.ActionStarted).Action + (<-d.Events()).(model.ActionStarted).Action
	if got != "de" {
		t.Fatalf("kept %q, want the newest two", got)
	}
	_ = d.Close()
	d.emit(model.ActionStarted{}) // after Close: must not panic
	if _, open := <-d.Events(); open {
		t.Fatal("events channel open after Close")
	}
}
