package app

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tgpfs/sessions/safetext"
)

// InputError is bad input: what it is about (a flag such as "--ttl", an
// environment variable, an argument), the value it got, and what is wrong
// with it. The value is already redacted where it is a secret. Every
// subcommand exits with status 2 on one, and nothing has been started or
// written when it is returned.
type InputError struct {
	Name   string // "--ttl", "TG_APP_ID", ...
	Value  string // as given, redacted where secret; "" when Err names it
	Reason error
}

func (e *InputError) Error() string {
	if e.Value == "" {
		return e.Name + ": " + e.Reason.Error()
	}
	return e.Name + " " + e.Value + ": " + e.Reason.Error()
}

func (e *InputError) Unwrap() error { return e.Reason }

// bad builds an InputError whose reason is formatted.
func bad(name, value, format string, args ...any) *InputError {
	return &InputError{Name: name, Value: value, Reason: fmt.Errorf(format, args...)}
}

// badErr builds an InputError around an error that already names the value.
func badErr(name string, err error) *InputError {
	return &InputError{Name: name, Reason: err}
}

// Hidden stands for a secret in a message: its length only.
func Hidden(s string) string { return fmt.Sprintf("<%d characters hidden>", len(s)) }

// minScrub is the shortest secret scrub looks for: a shorter one is no
// secret worth the name (a bot token's is 35 characters, a proxy's 32 hex
// digits), and would match ordinary words of the message.
const minScrub = 8

// scrub replaces every appearance of secret in msg (plain or as Go quotes
// it) with its hidden form, for errors of parsers that echo their input.
func scrub(msg, secret string) string {
	if len(secret) < minScrub {
		return msg
	}
	h := Hidden(secret)
	msg = strings.ReplaceAll(msg, strconv.Quote(secret), h)
	if q := strconv.Quote(secret); len(q) > 2 {
		msg = strings.ReplaceAll(msg, q[1:len(q)-1], h)
	}
	return strings.ReplaceAll(msg, secret, h)
}

// scrubbed is err with secret scrubbed from its text.
func scrubbed(err error, secret string) error {
	return errors.New(scrub(err.Error(), secret))
}

// intIn checks that a numeric flag fits what it feeds.
func intIn(name string, v, lo, hi int, why string) error {
	if v < lo || v > hi {
		return bad(name, strconv.Itoa(v), "want %d..%d (%s)", lo, hi, why)
	}
	return nil
}

// DurationIn checks that a duration flag lies in lo..hi; why says what
// bounds it. Subcommands use it for the flags they keep to themselves, so
// every range reads the same way.
func DurationIn(name string, v, lo, hi time.Duration, why string) error {
	if v < lo || v > hi {
		return bad(name, v.String(), "want %s..%s (%s)", lo, hi, why)
	}
	return nil
}

// maxInt32 is the largest TL int: expires_in, expires_at, api_id and dc ids
// travel as int32.
const maxInt32 = 1<<31 - 1

// MaxTTL is the longest temporary key lifetime the wire can carry at now:
// expires_in is an int32 of seconds, and the bind's expires_at (server time
// plus expires_in) an int32 unix time, which ends in January 2038. An hour
// is left for the server clock's offset.
func MaxTTL(now time.Time) time.Duration {
	left := time.Unix(maxInt32, 0).Sub(now) - time.Hour
	return max(min(left, maxInt32*time.Second), 0).Truncate(time.Hour)
}

// smallFileLimit bounds the files the command line reads whole (RSA keys):
// a PEM of a 4096-bit key is about 3 KiB.
const smallFileLimit = 64 << 10

// readSmallFile reads a regular file of at most smallFileLimit bytes. A
// FIFO, a device or a directory is refused before it is opened, so it can
// neither hang the read nor feed it forever.
func readSmallFile(name, path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, bad(name, strconv.Quote(path), "%w", Pathless(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, bad(name, strconv.Quote(path), "not a regular file (%s)", safetext.FileKind(fi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, bad(name, strconv.Quote(path), "%w", Pathless(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, smallFileLimit+1))
	if err != nil {
		return nil, bad(name, strconv.Quote(path), "%w", Pathless(err))
	}
	if len(data) > smallFileLimit {
		return nil, bad(name, strconv.Quote(path), "larger than %d KiB", smallFileLimit>>10)
	}
	return data, nil
}

// CheckOutputPath checks, before anything starts, that a file can be
// written at path: its folder exists and is writable, and what is there
// already is a regular file that force allows replacing. Nothing on disk
// changes.
func CheckOutputPath(name, path string, force bool) error {
	q := strconv.Quote(path)
	if path == "" {
		return bad(name, `""`, "want a path")
	}
	fi, err := os.Lstat(path)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		return bad(name, q, "exists and is not a regular file (%s); tgpfs replaces only regular files", safetext.FileKind(fi.Mode()))
	case err == nil && !force:
		return bad(name, q, "exists; use --force to overwrite")
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return bad(name, q, "%w", Pathless(err))
	}
	return checkWritableDir(name, path)
}

// checkWritableDir checks that path's folder exists and takes new files.
func checkWritableDir(name, path string) error {
	q := strconv.Quote(path)
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return bad(name, q, "folder %s: %w", strconv.Quote(dir), Pathless(err))
	}
	if !di.IsDir() {
		return bad(name, q, "%s is not a folder", strconv.Quote(dir))
	}
	if err := writable(dir); err != nil {
		return bad(name, q, "folder %s is not writable: %w", strconv.Quote(dir), Pathless(err))
	}
	return nil
}

// Pathless drops the path an *fs.PathError repeats, for messages that name
// the file already ("--state "x": permission denied", "write stdout: no
// space left on device").
func Pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
