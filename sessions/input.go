package sessions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"tgpfs/sessions/safetext"
)

// LoadOptions tune Load.
type LoadOptions struct {
	// Passcode unlocks a passcode-protected tdata folder.
	Passcode []byte
	// Account picks an account of a multi-account tdata folder (0-based).
	Account int
	// Format, when set, skips detection and reads the input as this format.
	Format Format
}

// MaxTextSize bounds a session given as text: a string argument, standard
// input, or a file read whole (a string in a text file, gotd's JSON). The
// longest string format is under 1 KB, and a gotd file holding gotd's 19
// built-in DC options is 4 KB (a real config's list is a little longer);
// 64 KiB is ten times that and still costs nothing.
// SQLite files are not read whole (SQLite reads the pages it needs, and
// every value is length-checked before it is fetched), and a tdata folder's
// files have their own bound (maxTDataFile).
const MaxTextSize = 64 << 10

// Load reads a session from input: a path to a file (gotd JSON, a Telethon,
// Pyrogram or mtcute SQLite file, or a text file holding a session string),
// a path to a tdata folder (or to the Telegram Desktop folder that holds
// it), or a session string itself.
//
// An input that names something on disk is a path, even when it could be a
// string too; else an input shaped like a session string is a string; else
// it is a path that does not exist. Only a regular file or a folder is
// opened, never a FIFO, device or socket (nor a symbolic link to one), and
// reading never blocks on one. Every error is bad input (IsBadInput), one
// bounded line, and quotes neither a session string nor a key.
func Load(input string, opts LoadOptions) (*Session, error) {
	if opts.Format != "" {
		if _, err := ParseFormat(string(opts.Format)); err != nil {
			return nil, &FormatError{Err: err}
		}
	}
	if len(input) > MaxTextSize {
		return nil, inputErr("a session of %d bytes: no session file name or string is longer than %d KiB", len(input), MaxTextSize>>10)
	}
	fi, statErr := os.Stat(input)
	if statErr == nil {
		s, err := loadPath(input, fi, opts)
		if err != nil {
			return nil, err
		}
		s.Source = input
		return s, nil
	}
	trimmed := strings.TrimSpace(input)
	if trimmed == "" {
		return nil, inputErr("empty session string")
	}
	asText := detectString(trimmed) != ""
	if opts.Format != "" {
		asText = opts.Format.codec().text != nil
	}
	if asText {
		s, err := DecodeString(trimmed, opts.Format)
		if err != nil {
			return nil, err
		}
		s.Source = "string"
		return s, nil
	}
	// Neither a path that exists nor a session string. Name the path only
	// when it could not be a mistyped secret.
	if mayBeSecret(trimmed) {
		return nil, inputErr("not a session string, file or folder: %s; %s", safetext.Redact(trimmed), stringShapes)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		return nil, inputErr("%s: no such file or directory, and not a session string (%s)", safetext.Quote(input), stringShapes)
	}
	return nil, pathErr(input, statErr)
}

// stringShapes says what the string formats look like, for an input that
// is none of them.
const stringShapes = "Telethon and GramJS strings start with '1', Pyrogram and mtcute strings are url-safe base64, gotd sessions are JSON"

// mayBeSecret reports whether s could be a session string (long, and all
// base64 or JSON-free text) that merely failed detection: such an input is
// never echoed.
func mayBeSecret(s string) bool {
	return len(s) >= 64 && strings.Trim(s, base64URLAlphabet+"+/=") == ""
}

func loadPath(path string, fi fs.FileInfo, opts LoadOptions) (*Session, error) {
	if fi.IsDir() {
		return loadFolder(path, opts)
	}
	if !fi.Mode().IsRegular() {
		return nil, inputErr("%s is %s, not a session file: tgpfs reads only regular files and folders", safetext.Quote(path), safetext.FileKind(fi.Mode()))
	}
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, pathErr(path, err)
	}
	head = head[:n]
	switch {
	case bytes.Equal(head, []byte(sqliteMagic)):
		if opts.Format != "" && opts.Format.codec().sqlite == nil {
			return nil, formatErr(opts.Format, "%s is a SQLite database", safetext.Quote(path))
		}
		return decodeSQLite(path, opts.Format)
	case n >= 6 && string(head[:6]) == sqliteMagic[:6]:
		return nil, formatErr(sqliteFile, "%s is truncated: %d bytes, shorter than a SQLite header", safetext.Quote(path), n)
	}
	if opts.Format != "" && opts.Format.codec().text == nil {
		return nil, formatErr(opts.Format, "%s is not a SQLite database", safetext.Quote(path))
	}
	if fi.Size() > MaxTextSize {
		return nil, inputErr("%s: %d bytes is too big for a session string or gotd JSON (at most %d KiB)", safetext.Quote(path), fi.Size(), MaxTextSize>>10)
	}
	rest, err := readAtMost(f, MaxTextSize-int64(n))
	if err != nil {
		return nil, pathErr(path, err)
	}
	return DecodeString(strings.TrimSpace(string(head)+string(rest)), opts.Format)
}

// loadFolder reads a folder with the first folder format that finds its
// files in it.
func loadFolder(path string, opts LoadOptions) (*Session, error) {
	root := dirFS(path)
	var first error
	for _, d := range registry {
		if d.folder == nil || (opts.Format != "" && opts.Format != d.Format) {
			continue
		}
		sub, err := d.folder.find(root)
		if err == nil {
			return d.folder.read(sub, opts)
		}
		if first == nil {
			first = formatErr(d.Format, "%s %v", safetext.Quote(path), err)
		}
	}
	if first != nil {
		return nil, first
	}
	return nil, formatErr(opts.Format, "%s is a directory", safetext.Quote(path))
}

// openRegular opens path for reading without blocking (a FIFO swapped in
// after the stat would otherwise hang the open) and checks that what it
// opened is a regular file.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, pathErr(path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, pathErr(path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, inputErr("%s is %s, not a session file", safetext.Quote(path), safetext.FileKind(fi.Mode()))
	}
	return f, nil
}

// readAtMost reads r to its end, failing when it holds more than max bytes.
func readAtMost(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("more than %d bytes", max)
	}
	return b, nil
}

// ReadText reads a session string from r (standard input), at most
// MaxTextSize bytes.
func ReadText(r io.Reader) (string, error) {
	b, err := readAtMost(r, MaxTextSize)
	if err != nil {
		return "", inputErr("read the session from standard input: %v (a session string is under %d KiB)", err, MaxTextSize>>10)
	}
	return strings.TrimSpace(string(b)), nil
}

// DecodeString reads a session given as text: a Telethon, GramJS, mtcute or
// Pyrogram string, or gotd's JSON. With format "" it detects the format
// (each format's detect says how sure it is; see format.go).
func DecodeString(s string, format Format) (*Session, error) {
	if len(s) > MaxTextSize {
		return nil, inputErr("a session string of %d bytes: none is longer than %d KiB", len(s), MaxTextSize>>10)
	}
	if strings.TrimSpace(s) == "" {
		return nil, inputErr("empty session string")
	}
	if format == "" {
		format = detectString(s)
		if format == "" {
			return nil, inputErr("not a session file, folder or string: %s; %s", safetext.Redact(s), stringShapes)
		}
	}
	d := lookup(format)
	switch {
	case d == nil:
		return nil, inputErr("unknown session format %s", safetext.Quote(string(format)))
	case d.text == nil:
		return nil, formatErr(format, "this format is a file or folder, give its path")
	}
	return d.text.decode(s)
}

// codec is f's descriptor, or an empty one for an unknown format.
func (f Format) codec() *Descriptor {
	if d := lookup(f); d != nil {
		return d
	}
	return &Descriptor{}
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
