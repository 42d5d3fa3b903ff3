package proto

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

// The client's answers to what a DC does to it: a temporary key forgotten
// early, a restart that loses every key. tgpfs conform judges the same
// through the DC's verdicts (recovers_from_forgotten_key, bind_retry_policy).

// restartDC stops c and starts a DC without state at the same address, as
// a DC restart without --state does: every key is gone.
func restartDC(t *testing.T, c *localdc.Cluster) *localdc.Cluster {
	t.Helper()
	_, port, _ := net.SplitHostPort(c.Addr(1))
	p, _ := strconv.Atoi(port)
	_ = c.Close()
	for try := 0; ; try++ {
		again, err := localdc.Start(context.Background(), localdc.Config{DCs: 1, BasePort: p})
		if err == nil {
			t.Cleanup(func() { _ = again.Close() })
			return again
		}
		if try == 40 {
			t.Fatalf("restart the DC on port %d: %v", p, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// agePerm makes the driver's permanent key look made age ago, so that the
// 60 s rule can be walked without waiting for it.
func agePerm(d *Driver, age time.Duration) {
	d.act.Lock()
	defer d.act.Unlock()
	d.update(func(s *state) { s.permMd.CreatedAt = d.now().Add(-age) })
}

// callUntilNotFound calls help.getConfig until the DC answers -404 (a
// broken connection is redialled with the same key first).
func callUntilNotFound(t *testing.T, d *Driver) {
	t.Helper()
	for range 5 {
		if err := d.GetConfig(context.Background()); model.IsKeyNotFound(err) {
			return
		}
	}
	t.Fatal("no -404 for a key the DC no longer holds")
}

// After a restart the DC no longer knows the permanent key. The driver
// retries the bind while the key is young, drops both keys once it is 60 s
// old, and with ReplaceRefusedKeys binds a temporary key to a new permanent
// key; without it, the failure goes to the caller and the key is kept.
func TestDriverNewKeysAfterRestart(t *testing.T) {
	for _, replace := range []bool{true, false} {
		t.Run("replace="+strconv.FormatBool(replace), func(t *testing.T) {
			c := startCluster(t, localdc.Config{DCs: 1})
			opts := localOptions(c, 1)
			opts.ReplaceRefusedKeys = replace
			d := NewDriver(opts)
			col := collect(d)
			ctx := context.Background()
			if err := d.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			d.SetRenewalPaused(true)
			old := d.PermKey()
			// Young still: refused at 58 s and 58.25 s, then old at 61 s.
			agePerm(d, 58*time.Second)
			c = restartDC(t, c)
			callUntilNotFound(t, d)

			err := d.Rotate(ctx)
			perm := d.PermKey()
			temp, bound := d.TempKey()
			if replace {
				if err != nil {
					t.Fatalf("rotate after the restart: %v", err)
				}
				if perm.ID == old.ID || perm.Source != "generated" || !bound || !temp.Bound {
					t.Fatalf("perm %s (was %s), temp %+v: want a new permanent key with a bound temporary key", perm.ID, old.ID, temp)
				}
				if keys := c.TempKeys(1, perm.ID); len(keys) != 1 {
					t.Fatalf("the DC holds %d temp keys bound to the new permanent key", len(keys))
				}
			} else {
				var kr *keysRefused
				if !errors.As(err, &kr) || !kr.verdict.DropKeys || kr.verdict.LoggedOut {
					t.Fatalf("rotate: %v, want the keys refused for the caller to drop", err)
				}
				if perm.ID != old.ID {
					t.Fatal("the permanent key was replaced without ReplaceRefusedKeys")
				}
			}
			_ = d.Close()
			<-col.done
			var retried, dropped int
			for _, ev := range col.all() {
				if f, ok := ev.(model.BindFailed); ok {
					switch {
					case f.Verdict.Retry:
						retried++
					case f.Verdict.DropKeys:
						dropped++
					}
				}
			}
			if retried < 2 || dropped != 1 {
				t.Fatalf("%d binds retried and %d refusals dropping both keys; want the young key retried, then one drop", retried, dropped)
			}
		})
	}
}

// A login is never dropped by the driver, whatever ReplaceRefusedKeys says:
// the TUI asks first.
func TestDriverKeepsLoggedInKeys(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	opts := localOptions(c, 1)
	opts.ReplaceRefusedKeys = true
	d := NewDriver(opts)
	defer d.Close()
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Login(ctx, model.TestPhone(1)); err != nil {
		t.Fatal(err)
	}
	d.SetRenewalPaused(true)
	old := d.PermKey()
	agePerm(d, 5*time.Minute)
	restartDC(t, c)
	callUntilNotFound(t, d)
	err := d.Rotate(ctx)
	var kr *keysRefused
	if !errors.As(err, &kr) || !kr.verdict.LoggedOut {
		t.Fatalf("rotate: %v, want the refusal reported as logging out", err)
	}
	if d.PermKey().ID != old.ID || !d.Status().LoggedIn {
		t.Fatal("a logged-in permanent key was dropped without asking")
	}
}

// A temporary key the DC forgets early costs only that key: the next call
// gets -404, and the renewal policy binds a new temporary key to the same
// permanent key.
func TestDriverRecoversForgottenTempKey(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	d := NewDriver(localOptions(c, 1))
	defer d.Close()
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	perm := d.PermKey()
	first, _ := d.TempKey()
	if !c.ForgetTempKey(1, first.ID) {
		t.Fatal("the DC did not hold the temp key")
	}
	callUntilNotFound(t, d)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if k, ok := d.TempKey(); ok && k.ID != first.ID && k.Bound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no new temp key bound after the -404")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := d.GetConfig(ctx); err != nil {
		t.Fatalf("call on the new key: %v", err)
	}
	if d.PermKey().ID != perm.ID {
		t.Fatal("the permanent key was replaced for a forgotten temporary key")
	}
	if keys := c.TempKeys(1, perm.ID); len(keys) != 1 {
		t.Fatalf("the DC holds %d temp keys of the permanent key, want the new one", len(keys))
	}
}

// A permanent key the caller gave (a session's) is never replaced by the
// driver: the refusal is the caller's to act on.
func TestDriverKeepsGivenKeys(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	opts := localOptions(c, 1)
	opts.ReplaceRefusedKeys = true
	opts.PermKey = make([]byte, 256)
	opts.PermKey[0] = 1
	d := NewDriver(opts)
	defer d.Close()
	err := d.Connect(context.Background())
	var kr *keysRefused
	if !errors.As(err, &kr) || !kr.verdict.DropKeys {
		t.Fatalf("connect with a key the DC never saw: %v, want the keys refused", err)
	}
	if d.PermKey().Source != "given" {
		t.Fatalf("perm key %+v, want the given one kept", d.PermKey())
	}
}
