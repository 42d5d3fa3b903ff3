package perf

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tgpfs/proto"
	"tgpfs/proto/localdc"
)

// observedDC starts one DC with the observation of its clients on or off
// (localdc.Config.NoObserve), with room for every client.
func observedDC(tb testing.TB, observe bool) (server, *localdc.Cluster) {
	tb.Helper()
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 1, MaxConnsPerDC: 1024, NoObserve: !observe})
	if err != nil {
		tb.Fatalf("start local DC: %v", err)
	}
	return server{addr: c.Addr(1), dc: 1, pub: c.PublicKey(), close: func() { _ = c.Close() }}, c
}

// BenchmarkHandshakeRatioObserve is BenchmarkHandshakeRatio's pairing for
// what observing clients costs the DC: each op runs one round of
// handshakes against a DC that observes its clients and one against a DC
// that does not, in turns that swap which goes first, and reports both
// throughputs and ratio-on/off (1.0 = free; the bound is 0.95).
// The client is tgpfs's, the cheaper one, so that the DC's own work is as
// large a share of a handshake as it can be. calls= does the same for API
// calls over bound temporary keys, where a hook runs per call. dc-cpu=
// measures the DC's own CPU time per handshake instead of wall time, with
// each DC in a child process: the pair to quote on a loaded machine.
//
//	go test -run '^$' -bench HandshakeRatioObserve -benchtime 20x -count 3 ./internal/perf/
func BenchmarkHandshakeRatioObserve(b *testing.B) {
	for _, n := range clientsObserve() {
		b.Run(fmt.Sprintf("client=tgpfs/clients=%d", n), func(b *testing.B) {
			on, _ := observedDC(b, true)
			off, _ := observedDC(b, false)
			defer on.close()
			defer off.close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
			defer cancel()
			var tOn, tOff time.Duration
			i := 0
			for b.Loop() {
				first, second := on, off
				if i%2 == 1 {
					first, second = off, on
				}
				d1, err := round(ctx, first, tgpfsClient, n)
				if err != nil {
					b.Fatal(err)
				}
				d2, err := round(ctx, second, tgpfsClient, n)
				if err != nil {
					b.Fatal(err)
				}
				if i%2 == 1 {
					d1, d2 = d2, d1
				}
				tOn, tOff = tOn+d1, tOff+d2
				i++
			}
			keys := float64(n * b.N)
			b.ReportMetric(keys/tOn.Seconds(), "observed-handshakes/s")
			b.ReportMetric(keys/tOff.Seconds(), "unobserved-handshakes/s")
			b.ReportMetric(tOff.Seconds()/tOn.Seconds(), "ratio-on/off")
		})
	}
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprintf("dc-cpu/client=tgpfs/clients=%d", n), func(b *testing.B) { benchObservedCPU(b, n) })
	}
	b.Run("calls/clients=8", func(b *testing.B) {
		const clients, calls = 8, 20
		_, on := observedDC(b, true)
		_, off := observedDC(b, false)
		defer on.Close()
		defer off.Close()
		dOn, dOff := connected(b, on, clients), connected(b, off, clients)
		var tOn, tOff time.Duration
		i := 0
		for b.Loop() {
			if i%2 == 0 {
				tOn += callRound(b, dOn, calls)
				tOff += callRound(b, dOff, calls)
			} else {
				tOff += callRound(b, dOff, calls)
				tOn += callRound(b, dOn, calls)
			}
			i++
		}
		n := float64(clients * calls * b.N)
		b.ReportMetric(n/tOn.Seconds(), "observed-calls/s")
		b.ReportMetric(n/tOff.Seconds(), "unobserved-calls/s")
		b.ReportMetric(tOff.Seconds()/tOn.Seconds(), "ratio-on/off")
	})
}

// clientsObserve are the concurrent clients of the handshake pairs; -short
// leaves out the 64-client rounds.
func clientsObserve() []int {
	if testing.Short() {
		return []int{1, 8}
	}
	return []int{1, 8, 64}
}

// connected is n drivers with a bound temporary key on DC 1 of c.
func connected(b *testing.B, c *localdc.Cluster, n int) []*proto.Driver {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var ds []*proto.Driver
	for range n {
		d := proto.NewDriver(tgpfsOptions(c, nil))
		go func() {
			for range d.Events() {
			}
		}()
		b.Cleanup(func() { _ = d.Close() })
		if err := d.Connect(ctx); err != nil {
			b.Fatalf("connect: %v", err)
		}
		ds = append(ds, d)
	}
	return ds
}

// callRound has every driver make calls help.getConfig calls at once and
// returns how long the slowest took.
func callRound(b *testing.B, ds []*proto.Driver, calls int) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	errs := make(chan error, len(ds))
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				if err := d.GetConfig(ctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("help.getConfig: %v", err)
	}
	return time.Since(start)
}
