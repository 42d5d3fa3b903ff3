package model

import "testing"

func TestTestPhone(t *testing.T) {
	for _, tc := range []struct {
		phone string
		dc    int
		code  string
	}{
		{"9996621234", 2, "22222"},
		{"9996611234", 1, "11111"},
		{"9996691234", 9, "99999"},
		{"9996601234", 0, ""}, // no DC 0
		{"999662123", 0, ""},  // too short
		{"99966212345", 0, ""},
		{"99966212a4", 0, ""},
		{"1234567890", 0, ""},
		{"+9996621234", 0, ""}, // digits only: normalise first
		{"", 0, ""},
	} {
		dc, ok := TestPhoneDC(tc.phone)
		if dc != tc.dc || ok != (tc.dc != 0) {
			t.Errorf("TestPhoneDC(%q) = %d, %v; want %d", tc.phone, dc, ok, tc.dc)
		}
		code, ok := TestPhoneCode(tc.phone)
		if code != tc.code || ok != (tc.code != "") {
			t.Errorf("TestPhoneCode(%q) = %q, %v; want %q", tc.phone, code, ok, tc.code)
		}
	}
	for dc := 1; dc <= 9; dc++ {
		p := TestPhone(dc)
		if got, ok := TestPhoneDC(p); !ok || got != dc {
			t.Errorf("TestPhone(%d) = %q lives on DC %d, %v", dc, p, got, ok)
		}
	}
	if TestPhone(2) != "9996621234" {
		t.Errorf("TestPhone(2) = %q", TestPhone(2))
	}
}

func TestFingerprint(t *testing.T) {
	// Vectors from Python's hashlib.sha256(key).hexdigest()[:16].
	for _, tc := range []struct {
		key  []byte
		want string
	}{
		{make([]byte, 256), "5341e6b2646979a7"},
		{func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}(), "40aff2e9d2d8922e"},
	} {
		if got := Fingerprint(tc.key); got != tc.want {
			t.Errorf("Fingerprint = %s, want %s", got, tc.want)
		}
	}
}
