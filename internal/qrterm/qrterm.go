// Package qrterm draws QR codes with Unicode half blocks, two modules per
// character cell, so a QR login token fits an 80x24 terminal. It uses
// rsc.io/qr for the encoding: a small, well-tested encoder by the Go team's
// Russ Cox, where writing Reed-Solomon by hand would be wasted risk.
package qrterm

import (
	"fmt"
	"strings"

	"rsc.io/qr"
)

// quiet is the light border, in modules, that scanners need around the code.
const quiet = 2

// Render encodes text and returns the drawing, one line per two module rows,
// dark modules drawn as ink on the terminal's background. Lines have no
// trailing newline after the last one.
func Render(text string) (string, error) {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return "", fmt.Errorf("encode QR code: %w", err)
	}
	size := code.Size + 2*quiet
	dark := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		return x >= 0 && y >= 0 && x < code.Size && y < code.Size && code.Black(x, y)
	}
	var b strings.Builder
	for y := 0; y < size; y += 2 {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := 0; x < size; x++ {
			// The drawing is inverted (light modules are ink) so it scans on
			// dark terminals, where ink is light: a scanner needs dark modules
			// darker than the quiet zone.
			top, bottom := !dark(x, y), !dark(x, y+1)
			if y+1 >= size {
				bottom = false
			}
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
	}
	return b.String(), nil
}
