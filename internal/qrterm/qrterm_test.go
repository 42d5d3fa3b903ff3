package qrterm

import (
	"strings"
	"testing"

	"rsc.io/qr"
)

// decode reads a Render drawing back into module rows, undoing the inversion.
func decode(s string) [][]bool {
	lines := strings.Split(s, "\n")
	var rows [][]bool
	for _, l := range lines {
		r := []rune(l)
		top, bottom := make([]bool, len(r)), make([]bool, len(r))
		for i, c := range r {
			switch c {
			case '█':
				top[i], bottom[i] = true, true
			case '▀':
				top[i] = true
			case '▄':
				bottom[i] = true
			}
		}
		rows = append(rows, top, bottom)
	}
	return rows
}

func TestRenderMatchesEncoder(t *testing.T) {
	for _, text := range []string{"tg://login?token=AQID", strings.Repeat("x", 120)} {
		s, err := Render(text)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := qr.Encode(text, qr.L)
		rows := decode(s)
		size := code.Size + 2*quiet
		if len(strings.Split(s, "\n")) != (size+1)/2 {
			t.Fatalf("%d lines, want %d", len(strings.Split(s, "\n")), (size+1)/2)
		}
		for y := 0; y < code.Size; y++ {
			for x := 0; x < code.Size; x++ {
				light := rows[y+quiet][x+quiet]
				if light == code.Black(x, y) {
					t.Fatalf("module (%d,%d): drawn light=%v, encoder black=%v", x, y, light, code.Black(x, y))
				}
			}
		}
		// The quiet zone is drawn as ink (light) all round.
		for x := 0; x < size; x++ {
			if !rows[0][x] || !rows[1][x] {
				t.Fatalf("quiet zone missing at top, column %d", x)
			}
		}
	}
}

func TestRenderFitsTerminal(t *testing.T) {
	// A login token URL is ~60 bytes (tg://login?token= and a 32-byte token
	// in base64url, as login.LoginURL writes it); the drawing must fit 80x24
	// with room for a caption.
	s, err := Render("tg://login?token=" + strings.Repeat("A", 43))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 20 || len([]rune(lines[0])) > 60 {
		t.Errorf("QR drawing is %dx%d; want it to fit 80x24", len([]rune(lines[0])), len(lines))
	}
}
