package soak

import "testing"

func TestParseStatusKB(t *testing.T) {
	status := []byte("Name:\tsoak.test\nVmPeak:\t  123456 kB\nVmHWM:\t   20480 kB\nVmRSS:\t 1 kB\nBad:\t12 MB\n")
	for _, tc := range []struct {
		name    string
		want    int64
		wantErr bool
	}{
		{"VmHWM", 20480 << 10, false},
		{"VmPeak", 123456 << 10, false},
		{"VmRSS", 1 << 10, false},
		{"Bad", 0, true},
		{"VmSwap", 0, true},
	} {
		got, err := parseStatusKB(status, tc.name)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("parseStatusKB(%s) = %d, %v; want %d, error %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestPeakRSS(t *testing.T) {
	n, err := PeakRSS()
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if n < 1<<20 {
		t.Errorf("peak RSS %d bytes: a Go test binary is bigger than 1 MiB", n)
	}
}
