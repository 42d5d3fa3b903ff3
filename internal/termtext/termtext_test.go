package termtext

import (
	"testing"
	"unicode"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"gotd 0.162.0", "gotd 0.162.0"},
		{"Pixel 8 Pro — Android 15", "Pixel 8 Pro — Android 15"},
		{"a\tb", "a b"},
		{"line\nnext\r", `line\nnext\r`},
		{"\x1b]0;pwned\a", `\x1b]0;pwned\a`},
		{"\u202egnp.exe", `\u202egnp.exe`},
		{"\xff\xfe", `\xff\xfe`},
		{"\u0085c1", `\x85c1`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Whatever goes in, nothing that comes out moves the cursor or reorders
// text: no control or format character survives.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "\u202e", "\xff", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Escape(s) {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar && !containsReplacement(s) {
				t.Fatalf("Escape(%q) kept %U", s, r)
			}
		}
	})
}

func containsReplacement(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar {
			return true
		}
	}
	return false
}
