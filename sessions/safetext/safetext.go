// Package safetext turns text that came from outside (a path, a session
// string, a value read from a file) into something safe to put in a
// one-line message: control characters and terminal escapes made visible,
// the length bounded, and secrets reduced to a redacted excerpt. It is the
// one owner of those rules for the session packages.
package safetext

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLine bounds a message: long enough for a path and a reason, short
// enough for one terminal line or two.
const MaxLine = 300

// MaxQuoted bounds a quoted input (a path, a format name) inside a message.
const MaxQuoted = 120

// Line makes s one line of at most max bytes: control characters, C1
// codes, invalid UTF-8 and so every terminal escape become visible \x..
// escapes, and a longer text is cut with "…".
func Line(s string, max int) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
		if b.Len() > max {
			break
		}
	}
	out := b.String()
	if len(out) <= max {
		return out
	}
	out = out[:max-len("…")]
	for !utf8.ValidString(out) {
		out = out[:len(out)-1]
	}
	return out + "…"
}

// Quote quotes something a user typed that is not a secret (a path, a
// format name): escaped as a Go string, and cut in the middle when long so
// that both its start and its file name stay visible.
func Quote(s string) string {
	q := strconv.Quote(s)
	if len(q) <= MaxQuoted {
		return q
	}
	head, tail := q[:MaxQuoted/2], q[len(q)-MaxQuoted/2:]
	for !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	for !utf8.ValidString(tail) {
		tail = tail[1:]
	}
	return head + "…" + tail
}

// Redact describes an input that may be a secret (a session string)
// without giving it away: its first 4 characters, escaped, and its length;
// a short one by its length only. Every message that names such an input
// (the sessions package, internal/app's --session) says it this way.
func Redact(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 8 {
		return fmt.Sprintf("<%d characters hidden>", n)
	}
	i, seen := 0, 0
	for j := range s {
		if seen == 4 {
			i = j
			break
		}
		seen++
	}
	return fmt.Sprintf("%s (%d characters)", strconv.Quote(s[:i]+"…"), n)
}

// FileKind names what a file that is not a regular file is, for a message:
// "a FIFO", "a character device", "a symbolic link". internal/app and the
// session packages name files by it alike.
func FileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsDir():
		return "a directory"
	}
	return "a file of mode " + m.String()
}
