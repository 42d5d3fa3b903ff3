package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"tgpfs/internal/app"
)

// maxLine bounds every line tgpfs writes about an error: an error that
// quotes a megabyte of input must not become a megabyte on the terminal.
const maxLine = 300

// Line is msg as one line for the terminal: control characters (ESC, BEL,
// newlines, C1 codes), bidirectional overrides and invalid UTF-8 escaped as
// Go writes them in quotes, cut with "…" to at most maxLine bytes.
func Line(msg string) string {
	return bound(Escape(msg), maxLine)
}

// Escape makes s safe to print: nothing in it can move the cursor, ring the
// bell, set a title or reorder the text around it.
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

// bound cuts s to at most n bytes on a rune boundary, ending in "…".
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// exitCode is the exit status for err: 2 for bad input or usage, 1 for a
// failure after a good start.
func exitCode(err error) int {
	var ee *ExitError
	var ie *app.InputError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ie):
		return ExitUsage
	}
	return ExitFailure
}

// checkedOut is stdout as the commands see it: it remembers the first
// failed write, so that a full disk fails the command even where a write's
// error was not looked at.
type checkedOut struct {
	w   io.Writer
	err error
}

func (c *checkedOut) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

// terminal is the file behind w, when w is stdout as Run hands it out.
func terminal(w io.Writer) (*os.File, bool) {
	if c, ok := w.(*checkedOut); ok {
		w = c.w
	}
	f, ok := w.(*os.File)
	return f, ok
}

// raw is w without Run's check, for the UI (which needs the terminal
// itself).
func raw(w io.Writer) io.Writer {
	if c, ok := w.(*checkedOut); ok {
		return c.w
	}
	return w
}
