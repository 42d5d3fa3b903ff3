//go:build unix

package perf

import (
	"context"
	"crypto/rand"
	"math/big"
	"syscall"
	"testing"
	"time"

	"tgpfs/proto/dh"
)

// cpuTime is this process's user+system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkClientHandshakeCPU measures the CPU a client spends on one
// permanent-key exchange, with the DC in a child process so that this
// process's CPU time (getrusage) is the client's alone, against the
// baseline the architecture names: two 2048-bit modular exponentiations
// (g^b and g_a^b mod dh_prime with a 2048-bit b), measured the same way.
// cpu-ms/op is the number to compare; ns/op is wall time.
//
//	go test -run '^$' -bench ClientHandshakeCPU -benchtime 20x -count 3 ./internal/perf/
func BenchmarkClientHandshakeCPU(b *testing.B) {
	b.Run("work=2-modexp-2048", func(b *testing.B) {
		p := dh.TelegramPrime()
		x, err := rand.Int(rand.Reader, p)
		if err != nil {
			b.Fatal(err)
		}
		g, y := big.NewInt(3), new(big.Int)
		start := cpuTime(b)
		for b.Loop() {
			ga := y.Exp(g, x, p)
			y.Exp(ga, x, p)
		}
		b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N)/1e6, "cpu-ms/op")
	})
	for _, cl := range []struct {
		name string
		run  client
	}{{"tgpfs", tgpfsClient}, {"gotd", gotdClient}} {
		b.Run("work=handshake/client="+cl.name, func(b *testing.B) {
			srv := startDCProcess(b)
			defer srv.close()
			ctx := context.Background()
			// One exchange first: the prime cache and the TL maps fill
			// once per process, not per handshake.
			if err := permKey(ctx, srv, cl.run); err != nil {
				b.Fatal(err)
			}
			start := cpuTime(b)
			for b.Loop() {
				if err := permKey(ctx, srv, cl.run); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
