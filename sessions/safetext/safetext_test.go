package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in, want string
		max            int
	}{
		{"plain", "no such file", "no such file", 300},
		{"ESC and BEL", "/tmp/\x1b[31mred\a.session", `/tmp/\x1b[31mred\x07.session`, 300},
		{"newline", "a\nb", `a\nb`, 300},
		{"C1 CSI", "x\u009b2J", `x\x9b2J`, 300},
		{"invalid UTF-8", "a\xffb", `a\xffb`, 300},
		{"exactly max", strings.Repeat("a", 10), strings.Repeat("a", 10), 10},
		{"cut", strings.Repeat("a", 11), strings.Repeat("a", 7) + "…", 10},
		{"cut inside an escape", strings.Repeat("a", 8) + "\x1b", "aaaaaaa…", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Line(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > tt.max || !utf8.ValidString(got) {
				t.Errorf("%q: %d bytes or invalid UTF-8", got, len(got))
			}
		})
	}
}

func TestLineBoundsHugeInput(t *testing.T) {
	in := strings.Repeat("\x1b", 1<<20)
	if got := Line(in, MaxLine); len(got) > MaxLine || strings.ContainsRune(got, 0x1b) {
		t.Fatalf("%d bytes, raw ESC %v", len(got), strings.ContainsRune(got, 0x1b))
	}
}

func TestQuote(t *testing.T) {
	long := "/home/" + strings.Repeat("x", 500) + "/end.session"
	got := Quote(long)
	if len(got) > MaxQuoted+len("…") || !strings.HasPrefix(got, `"/home/`) || !strings.HasSuffix(got, `/end.session"`) {
		t.Errorf("Quote(long) = %q", got)
	}
	if got := Quote("a\x1bb"); got != `"a\x1bb"` {
		t.Errorf("Quote(ESC) = %q", got)
	}
}

func TestRedact(t *testing.T) {
	secret := "1BVtsOK4" + strings.Repeat("Q", 344)
	got := Redact(secret)
	if got != `"1BVt…" (352 characters)` {
		t.Errorf("Redact = %q", got)
	}
	if strings.Contains(got, secret[4:12]) {
		t.Error("redacted text holds more than 4 characters")
	}
	if got := Redact("short"); got != "<5 characters hidden>" {
		t.Errorf("Redact(short) = %q", got)
	}
}
