package sessions

import (
	"fmt"
	"time"

	"tgpfs/sessions/atomicfile"
	"tgpfs/sessions/safetext"
)

// Encode renders s in format to. String formats give one line of text
// (without a newline); gotd gives its JSON. The SQLite formats are files:
// use WriteFile.
//
// A target field the session lacks is a *MissingFieldError: set it on s
// (Session.APIID, Session.UserID, ...) and call again. A missing address is
// filled from the DC's well-known address, as Pyrogram itself would do.
// Temporary keys are never written: they belong to the connection of the
// program that made them.
func Encode(s *Session, to Format) ([]byte, error) {
	d, s, err := prepare(s, to)
	if err != nil {
		return nil, err
	}
	if d.text == nil {
		return nil, fmt.Errorf("%s is a SQLite file: write it with WriteFile", to)
	}
	return d.text.encode(s)
}

// WriteFile writes s to path in format to: a 0600 file, written atomically,
// never replacing an existing file unless force is set, and then only a
// regular file (atomicfile.Fill). String formats are written as one line.
func WriteFile(path string, s *Session, to Format, force bool) error {
	return writeFileAt(path, s, to, force, time.Now())
}

func writeFileAt(path string, s *Session, to Format, force bool, now time.Time) error {
	d, s, err := prepare(s, to)
	if err != nil {
		return err
	}
	if d.sqlite != nil {
		if d.sqlite.check != nil {
			if err := d.sqlite.check(s); err != nil {
				return err
			}
		}
		return writeSQLite(path, force, s, d, now)
	}
	data, err := d.text.encode(s)
	if err != nil {
		return err
	}
	if d.Kind == KindString {
		data = append(data, '\n')
	}
	return atomicfile.Write(path, data, force)
}

// prepare checks what every format needs and returns to's descriptor and a
// copy of s with the address filled in from the DC when the source had none.
func prepare(s *Session, to Format) (*Descriptor, *Session, error) {
	d := lookup(to)
	switch {
	case d == nil:
		return nil, nil, fmt.Errorf("unknown session format %s", safetext.Quote(string(to)))
	case !d.writable():
		return nil, nil, fmt.Errorf("%s is read only: tgpfs does not write %s", to, d.Name)
	}
	if len(s.AuthKey) != KeySize {
		return nil, nil, fmt.Errorf("session has a %d-byte key, want %d", len(s.AuthKey), KeySize)
	}
	if s.DC <= 0 || s.DC > 255 {
		return nil, nil, &MissingFieldError{Target: to, Field: FieldDC}
	}
	c := s.clone()
	c.fillAddr()
	for _, f := range d.Needs {
		if c.lacks(f) {
			return nil, nil, &MissingFieldError{Target: to, Field: f}
		}
	}
	return d, c, nil
}

// lacks reports whether s has no value for f.
func (s *Session) lacks(f Field) bool {
	switch f {
	case FieldDC:
		return s.DC == 0
	case FieldAddr:
		return s.Addr == ""
	case FieldPort:
		return s.Port == 0
	case FieldAPIID:
		return s.APIID == 0
	case FieldUserID:
		return s.UserID == 0
	}
	return false
}
