// Package termtext makes text that came from outside (a client's name, an
// error that quotes input) safe to put on a terminal, for the command
// line's lines and the TUIs' screens alike.
package termtext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes s safe to print: nothing in it can move the cursor, ring the
// bell, set a title or reorder the text around it. Control characters (ESC,
// BEL, newlines, C1 codes), format characters such as bidirectional
// overrides and invalid UTF-8 are escaped as Go writes them in quotes; a
// tab becomes a space.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			b.WriteString(escapeRune(r))
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// escapeRune is r as an escape: \n, \a, \x1b, \u202e.
func escapeRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\a':
		return `\a`
	}
	if r < 0x100 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}
