//go:build unix

package perf

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tgpfs/proto/localdc"
)

// serveObservedEnv makes the test binary a DC with the observation on or
// off ("on", "off") that tells its own CPU time on request: each line on
// stdin is answered with the process's user+system CPU nanoseconds.
const serveObservedEnv = "TGPFS_PERF_SERVE_OBSERVED_DC"

func serveObservedDC(observe bool) int {
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 1, MaxConnsPerDC: 1024, NoObserve: !observe})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	fmt.Println(c.Addr(1))
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return 0
}

// cpuDC is a DC in a child process whose CPU time can be read.
type cpuDC struct {
	server
	ask func() time.Duration
}

func startObservedProcess(tb testing.TB, observe bool) cpuDC {
	tb.Helper()
	mode := "off"
	if observe {
		mode = "on"
	}
	srv, stdin, out := childDC(tb, serveObservedEnv+"="+mode)
	ask := func() time.Duration {
		if _, err := fmt.Fprintln(stdin); err != nil {
			tb.Fatalf("ask the DC process its CPU time: %v", err)
		}
		l, err := out.ReadString('\n')
		n, perr := strconv.ParseInt(strings.TrimSpace(l), 10, 64)
		if err != nil || perr != nil {
			tb.Fatalf("the DC process's CPU time: %q, %v, %v", l, err, perr)
		}
		return time.Duration(n)
	}
	return cpuDC{server: srv, ask: ask}
}

// benchObservedCPU is the DC's own CPU per handshake with the observation
// on and off: two child DCs, the same rounds against each in turns, each
// DC's CPU time (getrusage in the child) read around its rounds. Unlike
// wall time it does not move with the load of the machine.
func benchObservedCPU(b *testing.B, clients int) {
	on, off := startObservedProcess(b, true), startObservedProcess(b, false)
	defer on.close()
	defer off.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	for _, dc := range []cpuDC{on, off} { // the prime cache and TL maps, once per process
		if _, err := round(ctx, dc.server, tgpfsClient, clients); err != nil {
			b.Fatal(err)
		}
	}
	var cpuOn, cpuOff time.Duration
	for b.Loop() {
		for _, side := range []struct {
			dc  cpuDC
			sum *time.Duration
		}{{on, &cpuOn}, {off, &cpuOff}} {
			start := side.dc.ask()
			if _, err := round(ctx, side.dc.server, tgpfsClient, clients); err != nil {
				b.Fatal(err)
			}
			*side.sum += side.dc.ask() - start
		}
	}
	keys := float64(clients * b.N)
	b.ReportMetric(cpuOn.Seconds()*1e3/keys, "observed-dc-cpu-ms/handshake")
	b.ReportMetric(cpuOff.Seconds()*1e3/keys, "unobserved-dc-cpu-ms/handshake")
	b.ReportMetric(cpuOff.Seconds()/cpuOn.Seconds(), "ratio-on/off")
}
