package sessions

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// maxFileSize bounds what Load reads into memory from a non-SQLite file.
const maxFileSize = 1 << 20

// Load reads a session from input: a path to a file (gotd JSON, Telethon or
// Pyrogram SQLite, or a text file holding a session string), a path to a
// tdata folder (or to the Telegram Desktop folder that holds it), or a
// session string itself. Bad input gives a *FormatError naming the format
// the input looked like.
func Load(input string, opts LoadOptions) (*Session, error) {
	if opts.Format != "" {
		if _, err := ParseFormat(string(opts.Format)); err != nil {
			return nil, err
		}
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
		return nil, &FormatError{Err: errors.New("empty session string")}
	}
	// A string with a path separator or a file extension that names
	// nothing is a mistyped path, not a session string: say so.
	if looksLikePath(trimmed) {
		if errors.Is(statErr, fs.ErrNotExist) {
			return nil, &FormatError{Err: fmt.Errorf("%s: no such file or directory", input)}
		}
		return nil, &FormatError{Err: fmt.Errorf("%s: %w", input, statErr)}
	}
	s, err := DecodeString(trimmed, opts.Format)
	if err != nil {
		return nil, err
	}
	s.Source = "string"
	return s, nil
}

func looksLikePath(s string) bool {
	if strings.ContainsAny(s, `/\`) && !strings.HasPrefix(s, "1") && !strings.HasPrefix(s, "{") {
		return true
	}
	ext := filepath.Ext(s)
	return ext == ".session" || ext == ".json" || ext == ".txt"
}

func loadPath(path string, fi fs.FileInfo, opts LoadOptions) (*Session, error) {
	if fi.IsDir() {
		if opts.Format != "" && opts.Format != TData {
			return nil, formatErr(opts.Format, "%s is a directory", path)
		}
		root := os.DirFS(path)
		if !hasKeyData(root) {
			// The Telegram Desktop folder itself holds tdata/.
			if sub, err := fs.Sub(root, "tdata"); err == nil && hasKeyData(sub) {
				return decodeTData(sub, opts.Passcode, opts.Account)
			}
			return nil, formatErr(TData, "%s holds no key_datas (or key_data0/1): not a Telegram Desktop tdata folder", path)
		}
		return decodeTData(root, opts.Passcode, opts.Account)
	}
	head, err := readHead(path)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte(sqliteMagic)):
		want := opts.Format
		if want != "" && want != TelethonSQLite && want != PyrogramSQLite {
			return nil, formatErr(want, "%s is a SQLite database", path)
		}
		return decodeSQLite(path, want)
	case len(head) >= 6 && string(head[:6]) == sqliteMagic[:6]:
		return nil, formatErr(sqliteFile, "%s is truncated: %d bytes, shorter than a SQLite header", path, len(head))
	}
	if fi.Size() > maxFileSize {
		return nil, &FormatError{Err: fmt.Errorf("%s: %d bytes is too big for a session string or gotd JSON", path, fi.Size())}
	}
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return DecodeString(strings.TrimSpace(string(buf)), opts.Format)
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return head[:n], nil
}

// DecodeString reads a session given as text: a Telethon, GramJS or
// Pyrogram string, or gotd's JSON. With format "" it detects the format:
// JSON starts with '{'; Telethon and GramJS strings start with the version
// '1' (Telethon's are exactly 352 or 368 characters after it); Pyrogram
// strings are url-safe base64 of a binary layout whose first byte is the DC
// id, so they start with 'A' or 'B'.
func DecodeString(s string, format Format) (*Session, error) {
	if format == "" {
		format = detectString(s)
	}
	switch format {
	case Gotd:
		return decodeGotd([]byte(s))
	case Telethon:
		return decodeTelethon(s)
	case GramJS:
		return decodeGramJS(s)
	case Pyrogram:
		return decodePyrogram(s)
	case TelethonSQLite, PyrogramSQLite, TData:
		return nil, formatErr(format, "this format is a file or folder, give its path")
	case "":
		return nil, &FormatError{Err: fmt.Errorf("not a session file, folder or string: %s", describeUnknown(s))}
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

func detectString(s string) Format {
	switch {
	case s == "":
		return ""
	case s[0] == '{':
		return Gotd
	case s[0] == '1':
		if telethonShaped(s[1:]) {
			return Telethon
		}
		return GramJS
	case len(s) >= 100 && strings.Trim(s, base64URLAlphabet+"+/=") == "":
		// Base64 of either alphabet: decodePyrogram explains a wrong one.
		return Pyrogram
	}
	return ""
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// telethonShaped applies GramJS's rule for telling a Telethon string from
// its own (both start with '1'): 352 characters is Telethon IPv4, and an
// address length over 100 is really the first bytes of Telethon's IPv6
// address. A body in the url-safe alphabet that fits neither is a damaged
// Telethon string: GramJS writes standard base64.
func telethonShaped(body string) bool {
	if len(body) == telethonIPv4Chars {
		return true
	}
	if raw, err := base64.URLEncoding.DecodeString(body); err == nil && len(body) == telethonIPv6Chars {
		return len(raw) >= 3 && binary.BigEndian.Uint16(raw[1:]) > 100
	}
	return strings.ContainsAny(body, "-_") && !strings.ContainsAny(body, "+/")
}

func describeUnknown(s string) string {
	return fmt.Sprintf("%d characters starting with %q; Telethon and GramJS strings start with '1', Pyrogram strings are 351, 356 or 362 url-safe base64 characters, gotd sessions are JSON",
		len(s), firstRunes(s, 4))
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
