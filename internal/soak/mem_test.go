package soak

import "testing"

func TestParseStatusKB(t *testing.T) {
	status := []byte("Name:\tsoak.test\nVmPeak:\t  123456 kB\nVmHWM:\t   20480 kB\nVmRSS:\t 1 kB\nBad:\t12 MB\nHuge:\t9007199254740993 kB\n")
	for _, tc := range []struct {
		name    string
		want    int64
		wantErr bool
	}{
		{"VmHWM", 20480 << 10, false},
		{"VmPeak", 123456 << 10, false},
		{"VmRSS", 1 << 10, false},
		{"Bad", 0, true},
		{"Huge", 0, true},
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

// FuzzParseStatusKB: any status text gives a size or an error, never a
// panic, and a size is what the line said.
func FuzzParseStatusKB(f *testing.F) {
	f.Add([]byte("VmHWM:\t   20480 kB\n"), "VmHWM")
	f.Add([]byte("VmHWM: 1 MB\n"), "VmHWM")
	f.Add([]byte("VmHWM:\n"), "VmHWM")
	f.Add([]byte("VmHWM: -5 kB\n"), "VmHWM")
	f.Add([]byte("VmHWM: 99999999999999999999 kB\n"), "VmHWM")
	f.Add([]byte("VmHWM: 9223372036854775807 kB\n"), "VmHWM")
	f.Add([]byte(""), "")
	f.Fuzz(func(t *testing.T, status []byte, name string) {
		n, err := parseStatusKB(status, name)
		if err != nil {
			if n != 0 {
				t.Fatalf("error %v with size %d", err, n)
			}
			return
		}
		if n < 0 || n%1024 != 0 {
			t.Fatalf("size %d is not a whole number of kB", n)
		}
	})
}
