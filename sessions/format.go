package sessions

import (
	"database/sql"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"tgpfs/sessions/safetext"
)

// Format names a session layout.
type Format string

// Kind says how a format travels.
type Kind int

// The kinds of session formats.
const (
	// KindString is one line of text: printed, pasted, kept in a variable.
	KindString Kind = iota + 1
	// KindFile is a file of its own (JSON or SQLite), written with -o.
	KindFile
	// KindFolder is a folder of files (Telegram Desktop's tdata), read only.
	KindFolder
)

// Field names a value a format may need and another may lack; the command
// line maps each to the flag that supplies it.
type Field string

// The fields a writer can ask for.
const (
	FieldDC     Field = "dc"
	FieldAddr   Field = "addr"
	FieldPort   Field = "port"
	FieldAPIID  Field = "api_id"
	FieldUserID Field = "user_id"
)

// Recorded says which optional facts a format stores. A fact a format does
// not store is shown as "not recorded", never as a zero.
type Recorded struct {
	Addr, TestMode, UserID, APIID, IsBot bool
	// TempKeys is set when the format has a place for temporary keys.
	TempKeys bool
}

// Descriptor is everything tgpfs knows about one session format: how to
// tell it, read it and write it, what it records and what it needs. Each
// format's file defines one and registry lists it; nothing else in the
// package switches on a format.
type Descriptor struct {
	Format Format
	// Name is what the format is, for people: "Telethon StringSession".
	Name string
	Kind Kind
	// Records is what the format stores; one decoded file may store less
	// (a Telethon 1.x file without tmp_auth_key, an mtcute string without
	// a user) and says so on its Session.
	Records Recorded
	// Needs lists what Encode needs beyond a DC id and a 256-byte key.
	Needs []Field

	// Exactly one reader is set, matching Kind (gotd's JSON is a file
	// read as text).
	text   *textCodec
	sqlite *sqliteCodec
	folder *folderCodec
}

// textCodec reads and writes a format that is text: a string, or JSON.
type textCodec struct {
	// detect says how sure it is that s is this format. The first format
	// that is sure wins, else the first that finds s likely, else the first
	// that finds it possible.
	detect func(s string) match
	decode func(s string) (*Session, error)
	// encode is nil for read-only formats.
	encode func(s *Session) ([]byte, error)
}

// sqliteCodec reads and writes a SQLite session file.
type sqliteCodec struct {
	// detect says whether the schema is this format's.
	detect func(sc schema) bool
	read   func(q querier, sc schema) (*Session, error)
	// check refuses, before any file is made, what write cannot store.
	check func(s *Session) error
	// write creates the schema the library creates for a new file and
	// stores s in it; nil for read-only formats.
	write func(tx *sql.Tx, s *Session, now time.Time) error
}

// folderCodec reads a folder of files.
type folderCodec struct {
	// find returns the folder that holds the session: root itself or a
	// sub-folder (Telegram Desktop's folder holds tdata/); its error says
	// what root lacks.
	find func(root fs.FS) (fs.FS, error)
	read func(root fs.FS, opts LoadOptions) (*Session, error)
}

type match int

const (
	noMatch  match = iota
	possible       // the alphabet fits
	likely         // the alphabet and the size fit
	sure           // the structure parsed
)

// registry lists every format's descriptor, in the order Formats gives
// them and detection tries them. A new format is one file with its
// descriptor and one line here.
var registry = []*Descriptor{
	gotdFormat,
	telethonFormat,
	telethonSQLiteFormat,
	pyrogramFormat,
	pyrogramSQLiteFormat,
	gramJSFormat,
	tdataFormat,
	mtcuteFormat,
	mtcuteSQLiteFormat,
}

// Formats lists every format in a stable order; Writable those that Encode
// and WriteFile produce.
var (
	Formats  = formatsWhere(func(*Descriptor) bool { return true })
	Writable = formatsWhere((*Descriptor).writable)
)

func formatsWhere(keep func(*Descriptor) bool) []Format {
	var out []Format
	for _, d := range registry {
		if keep(d) {
			out = append(out, d.Format)
		}
	}
	return out
}

func lookup(f Format) *Descriptor {
	for _, d := range registry {
		if d.Format == f {
			return d
		}
	}
	return nil
}

// Describe returns format f's descriptor; ok is false for an unknown name.
func Describe(f Format) (d Descriptor, ok bool) {
	if p := lookup(f); p != nil {
		return *p, true
	}
	return Descriptor{}, false
}

func (d *Descriptor) writable() bool {
	return (d.text != nil && d.text.encode != nil) || (d.sqlite != nil && d.sqlite.write != nil)
}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	if d := lookup(Format(s)); d != nil {
		return d.Format, nil
	}
	return "", fmt.Errorf("unknown session format %s (known: %s)", safetext.Quote(s), FormatList(Formats))
}

// FormatList names formats for a message: "gotd, telethon, ...".
func FormatList(fs []Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Kind says how the format travels; 0 for an unknown format.
func (f Format) Kind() Kind {
	if d := lookup(f); d != nil {
		return d.Kind
	}
	return 0
}

// IsString reports whether the format is a single line of text rather than a file.
func (f Format) IsString() bool { return f.Kind() == KindString }

// Writable reports whether Encode and WriteFile produce the format.
func (f Format) Writable() bool {
	d := lookup(f)
	return d != nil && d.writable()
}

// Records reports what format f stores.
func (f Format) Records() Recorded {
	if d := lookup(f); d != nil {
		return d.Records
	}
	return Recorded{}
}

// detectString picks the text format of s: the first that is sure, else
// the first that finds it likely, then possible, else "".
func detectString(s string) Format {
	var best Format
	bestMatch := noMatch
	for _, d := range registry {
		if d.text == nil {
			continue
		}
		m := d.text.detect(s)
		if m == sure {
			return d.Format
		}
		if m > bestMatch {
			best, bestMatch = d.Format, m
		}
	}
	return best
}
