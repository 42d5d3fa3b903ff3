//go:build !unix

package perf

import "testing"

const serveObservedEnv = "TGPFS_PERF_SERVE_OBSERVED_DC"

func serveObservedDC(bool) int { return 1 }

func benchObservedCPU(b *testing.B, _ int) { b.Skip("getrusage is unix-only") }
