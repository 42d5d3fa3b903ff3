package perf

import (
	"context"
	"crypto/rsa"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	gotdsession "github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/localdc"
)

// permKeyOn makes a permanent key with DC 1 of c through our driver and
// returns its bytes, so that the clients below start from a known
// permanent key and do only the PFS part.
func permKeyOn(b *testing.B, c *localdc.Cluster) []byte {
	b.Helper()
	d := proto.NewDriver(tgpfsOptions(c, nil))
	go func() {
		for range d.Events() {
		}
	}()
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Connect(ctx); err != nil {
		b.Fatalf("make permanent key: %v", err)
	}
	return d.RevealKey(model.Permanent)
}

func tgpfsOptions(c *localdc.Cluster, perm []byte) proto.Options {
	return proto.Options{
		Target:  proto.Target{Env: "local", DC: 1, Addr: c.Addr(1), ProtocolDC: 1, PublicKeys: []*rsa.PublicKey{c.PublicKey()}},
		TempTTL: time.Hour, PermKey: perm, AppID: 1, AppHash: "tgpfs-bench",
	}
}

// BenchmarkPFSConnect connects with an existing permanent key under PFS:
// a temp-key exchange, auth.bindTempAuthKey, and help.getConfig wrapped in
// invokeWithLayer(initConnection). client=tgpfs is proto.Driver.Connect,
// client=gotd is gotd's telegram.Client with EnablePFS (its own PFS path)
// running the same call. Both start from the same stored permanent key on
// the same local DC and close everything after each op.
//
//	go test -run '^$' -bench PFSConnect -benchtime 10x -count 3 ./internal/perf/
func BenchmarkPFSConnect(b *testing.B) {
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	perm := permKeyOn(b, c)
	ctx := context.Background()

	b.Run("client=tgpfs", func(b *testing.B) {
		keys := countKeys(c)
		ops := 0
		defer func() { keys.check(b, ops) }()
		for b.Loop() {
			d := proto.NewDriver(tgpfsOptions(c, perm))
			go func() {
				for range d.Events() {
				}
			}()
			if err := d.Connect(ctx); err != nil {
				b.Fatal(err)
			}
			_ = d.Close()
			ops++
		}
	})
	b.Run("client=gotd", func(b *testing.B) {
		keys := countKeys(c)
		ops := 0
		defer func() { keys.check(b, ops) }()
		host, portS, _ := net.SplitHostPort(c.Addr(1))
		port, _ := strconv.Atoi(portS)
		var k crypto.Key
		copy(k[:], perm)
		id := k.WithID().ID
		for b.Loop() {
			storage := new(gotdsession.StorageMemory)
			err := (&gotdsession.Loader{Storage: storage}).Save(ctx, &gotdsession.Data{DC: 1, Addr: c.Addr(1), AuthKey: perm, AuthKeyID: id[:]})
			if err != nil {
				b.Fatal(err)
			}
			client := telegram.NewClient(1, "tgpfs-bench", telegram.Options{
				PublicKeys:     []telegram.PublicKey{{RSA: c.PublicKey()}},
				DC:             1,
				DCList:         dcs.List{Options: []tg.DCOption{{ID: 1, IPAddress: host, Port: port}}},
				Resolver:       dcs.Plain(dcs.PlainOptions{}),
				SessionStorage: storage,
				NoUpdates:      true,
				EnablePFS:      true,
				TempKeyTTL:     3600,
			})
			err = client.Run(ctx, func(ctx context.Context) error {
				_, err := client.API().HelpGetConfig(ctx)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			ops++
		}
	})
}

// keyCounter counts the keys a DC makes and binds while a benchmark runs,
// to check that a client did the PFS work and only that.
type keyCounter struct {
	cancel            func()
	done              chan struct{}
	perm, temp, bound int
}

func countKeys(c *localdc.Cluster) *keyCounter {
	ch, cancel := c.Subscribe()
	k := &keyCounter{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(k.done)
		for ev := range ch {
			switch {
			case ev.Kind == model.SrvKeyCreated && ev.KeyKind == model.Permanent:
				k.perm++
			case ev.Kind == model.SrvKeyCreated:
				k.temp++
			case ev.Kind == model.SrvKeyBound:
				k.bound++
			}
		}
	}()
	return k
}

// check fails b unless the DC made exactly ops temp keys, bound ops of
// them, and made no permanent key.
func (k *keyCounter) check(b *testing.B, ops int) {
	b.Helper()
	// The DC publishes an event before it answers the message that caused
	// it, so every event of the ops is in the channel before cancel closes it.
	k.cancel()
	<-k.done
	if k.perm != 0 || k.temp != ops || k.bound != ops {
		b.Fatalf("%d ops made %d permanent keys, %d temp keys, %d binds; want 0, %d, %d", ops, k.perm, k.temp, k.bound, ops, ops)
	}
}

// BenchmarkRotate is proto.Driver.Rotate alone: a temp-key exchange and a
// bind on a new connection, the old key left to expire.
//
//	go test -run '^$' -bench 'Rotate$' -benchtime 50x -count 3 ./internal/perf/
func BenchmarkRotate(b *testing.B) {
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	d := proto.NewDriver(tgpfsOptions(c, nil))
	go func() {
		for range d.Events() {
		}
	}()
	defer d.Close()
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		b.Fatal(err)
	}
	keys := countKeys(c)
	ops := 0
	defer func() { keys.check(b, ops) }()
	for b.Loop() {
		if err := d.Rotate(ctx); err != nil {
			b.Fatal(err)
		}
		ops++
	}
}
