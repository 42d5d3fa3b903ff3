package layers

import "testing"

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"133-229", "133-229", true},
		{"133", "133", true},
		{"140-141,133-134,150", "133-134,140-141,150", true},
		{"229,228", "228-229", true},
		{"132-140", "", false},
		{"150-140", "", false},
		{"230", "", false},
		{"", "", false},
		{"x", "", false},
		{"140-", "", false},
	} {
		s, err := Parse(tc.in)
		if tc.ok != (err == nil) {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if tc.ok && s.String() != tc.out {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, s.String(), tc.out)
		}
	}
	a, _ := Parse("133-140")
	b, _ := Parse("140-150")
	c, _ := Parse("141-150")
	if !a.Overlaps(&b) || a.Overlaps(&c) || a.First() != 133 || c.First() != 141 {
		t.Error("Overlaps or First wrong")
	}
	a.Union(&c)
	if a.String() != "133-150" {
		t.Errorf("Union: %s", a.String())
	}
	var empty Set
	if empty.First() != Max+1 || empty.String() != "" {
		t.Error("empty set")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("133-151,160-229")
	f.Add("140")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			return
		}
		again, err := Parse(s.String())
		if err != nil || again != s {
			t.Fatalf("%q -> %q does not read back: %v", in, s.String(), err)
		}
	})
}
