package soak

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"tgpfs/proto/localdc"
)

// envInt reads a sizing knob from the environment, def when unset.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

func startDC(t testing.TB, cfg localdc.Config) *localdc.Cluster {
	t.Helper()
	c, err := localdc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start local DC: %v", err)
	}
	return c
}

// settleGoroutines waits for the goroutine count to come back to base and
// returns what it came back to; a hang guard, not a timing assertion.
func settleGoroutines(base int) int {
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= base || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
