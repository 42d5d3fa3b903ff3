package soak

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// PeakRSS is the process's peak resident set size in bytes (VmHWM in
// /proc/self/status). It is Linux-only; elsewhere it returns an error.
func PeakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	return parseStatusKB(b, "VmHWM")
}

// parseStatusKB reads a "Name:   1234 kB" line of /proc/<pid>/status, in bytes.
func parseStatusKB(status []byte, name string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("%s: unexpected value %q", name, v)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 || n > math.MaxInt64>>10 {
			return 0, fmt.Errorf("%s: unexpected value %q", name, v)
		}
		return n << 10, nil
	}
	return 0, fmt.Errorf("no %s line in /proc/self/status", name)
}

// HeapInuse collects garbage and returns the bytes of in-use heap spans,
// the number that stays put once everything a run made is unreachable.
func HeapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// MiB formats a byte count for a report.
func MiB[T int64 | uint64](n T) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
