package localdc

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// eventLog collects a cluster's events for a test.
type eventLog struct {
	mu     sync.Mutex
	events []model.ServerEvent
	cond   *sync.Cond
}

func recordEvents(t testing.TB, c *Cluster) *eventLog {
	ch, cancel := c.Subscribe()
	l := &eventLog{}
	l.cond = sync.NewCond(&l.mu)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range ch {
			l.mu.Lock()
			l.events = append(l.events, ev)
			l.cond.Broadcast()
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return l
}

// waitFor blocks until an event matching ok has been recorded, or fails the
// test after a generous bound (a hang, not a timing assertion).
func (l *eventLog) waitFor(t testing.TB, what string, ok func(model.ServerEvent) bool) model.ServerEvent {
	t.Helper()
	ev, err := l.wait(what, ok)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// wait is waitFor for goroutines other than the test's own.
func (l *eventLog) wait(what string, ok func(model.ServerEvent) bool) (model.ServerEvent, error) {
	deadline := time.AfterFunc(60*time.Second, func() {
		l.mu.Lock()
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	defer deadline.Stop()
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		for _, ev := range l.events {
			if ok(ev) {
				return ev, nil
			}
		}
		if time.Since(start) > 60*time.Second {
			return model.ServerEvent{}, fmt.Errorf("no %s event; got %v", what, l.events)
		}
		l.cond.Wait()
	}
}

func (l *eventLog) all() []model.ServerEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]model.ServerEvent(nil), l.events...)
}

// gotdClient builds gotd's own telegram.Client pointed at DC dc of c.
func gotdClient(c *Cluster, dc int, pfs bool, ttl int) *telegram.Client {
	return gotdClientWith(c, dc, func(o *telegram.Options) { o.EnablePFS, o.TempKeyTTL = pfs, ttl })
}

// gotdClientWith is gotdClient with its options edited first.
func gotdClientWith(c *Cluster, dc int, edit func(*telegram.Options)) *telegram.Client {
	var opts []tg.DCOption
	for _, id := range c.DCs() {
		host, port := splitAddr(c.Addr(id))
		opts = append(opts, tg.DCOption{ID: id, IPAddress: host, Port: port})
	}
	o := telegram.Options{
		PublicKeys: []telegram.PublicKey{{RSA: c.PublicKey()}},
		DC:         dc,
		DCList:     dcs.List{Options: opts},
		Resolver:   dcs.Plain(dcs.PlainOptions{}),
		NoUpdates:  true,
	}
	edit(&o)
	return telegram.NewClient(17349, "344583e45741c457fe1862106095a5eb", o)
}

func splitAddr(addr string) (string, int) {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			p, _ := strconv.Atoi(addr[i+1:])
			return addr[:i], p
		}
	}
	return addr, 0
}

// TestGotdPFSClientRecoversFrom404 runs gotd's telegram.Client with PFS and
// a 60 s temporary key against a DC that caps temp keys at 2 s: the client
// binds, works, gets -404 when the DC forgets the key long before the
// client planned to renew it, and recovers by itself with a new bound key
// for the same permanent key.
func TestGotdPFSClientRecoversFrom404(t *testing.T) {
	c := startCluster(t, Config{MaxTTL: 2 * time.Second, SweepEvery: 100 * time.Millisecond})
	log := recordEvents(t, c)
	client := gotdClient(c, 2, true, 60)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := client.Run(ctx, func(ctx context.Context) error {
		cfg, err := client.API().HelpGetConfig(ctx)
		if err != nil {
			return fmt.Errorf("help.getConfig: %w", err)
		}
		if cfg.ThisDC != 2 {
			return fmt.Errorf("this_dc %d", cfg.ThisDC)
		}
		bound, err := log.wait("bind", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvKeyBound })
		if err != nil {
			return err
		}
		if bound.DC != 2 || bound.PermID == 0 {
			return fmt.Errorf("bind event %+v", bound)
		}
		if _, err := log.wait("expiry of the bound key", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvKeyExpired && ev.KeyID == bound.KeyID
		}); err != nil {
			return err
		}
		// The next call meets -404 on the forgotten key; gotd must make
		// and bind a new temporary key on its own and then succeed.
		for {
			_, err := client.API().HelpGetConfig(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("help.getConfig after expiry: %w", err)
			}
		}
		if _, err := log.wait("-404 on the forgotten key", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvKeyNotFound && ev.KeyID == bound.KeyID
		}); err != nil {
			return err
		}
		rebound, err := log.wait("a new bind", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvKeyBound && ev.KeyID != bound.KeyID
		})
		if err != nil {
			return err
		}
		if rebound.PermID != bound.PermID {
			return fmt.Errorf("new temp key bound to %s, want the same permanent key %s", rebound.PermID, bound.PermID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	perms := 0
	for _, ev := range log.all() {
		if ev.Kind == model.SrvKeyCreated && ev.KeyKind == model.Permanent {
			perms++
		}
	}
	if perms != 1 {
		t.Fatalf("gotd made %d permanent keys, want 1 (recovery must keep the permanent key)", perms)
	}
}

// TestGotdClientWithoutPFS runs gotd's client with a permanent key only,
// and logs in by the test-phone convention.
func TestGotdClientWithoutPFS(t *testing.T) {
	c := startCluster(t, Config{})
	log := recordEvents(t, c)
	client := gotdClient(c, 1, false, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := client.Run(ctx, func(ctx context.Context) error {
		if _, err := client.API().HelpGetConfig(ctx); err != nil {
			return fmt.Errorf("help.getConfig: %w", err)
		}
		flow := auth.NewFlow(auth.Test(rand.Reader, 1), auth.SendCodeOptions{})
		if err := client.Auth().IfNecessary(ctx, flow); err != nil {
			return fmt.Errorf("login: %w", err)
		}
		self, err := client.Self(ctx)
		if err != nil {
			return fmt.Errorf("self: %w", err)
		}
		if !self.Self || len(self.Phone) != 10 || self.Phone[:6] != "999661" {
			return fmt.Errorf("self: %+v", self)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	for _, ev := range log.all() {
		if ev.KeyKind == model.Temporary && ev.Kind == model.SrvKeyCreated {
			t.Fatalf("a non-PFS client made a temporary key: %+v", ev)
		}
	}
	log.waitFor(t, "login", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvLogin && ev.DC == 1 })
}
