package sessions

import (
	"fmt"
	"time"

	"tgpfs/sessions/atomicfile"
)

// Encode renders s in format to. String formats give one line of text
// (without a newline); gotd gives its JSON. The SQLite formats are files:
// use WriteFile.
//
// A target field the session lacks is a *MissingFieldError: set it on s
// (Session.APIID, Session.UserID, ...) and call again. A missing address is
// filled from the DC's well-known address, as Pyrogram itself would do.
func Encode(s *Session, to Format) ([]byte, error) {
	s, err := prepare(s, to)
	if err != nil {
		return nil, err
	}
	switch to {
	case Telethon:
		str, err := encodeTelethon(s)
		return []byte(str), err
	case Pyrogram:
		str, err := encodePyrogram(s)
		return []byte(str), err
	case GramJS:
		str, err := encodeGramJS(s)
		return []byte(str), err
	case Gotd:
		return encodeGotd(s)
	case TelethonSQLite, PyrogramSQLite:
		return nil, fmt.Errorf("%s is a SQLite file: write it with WriteFile", to)
	}
	return nil, fmt.Errorf("cannot write %s sessions", to)
}

// WriteFile writes s to path in format to: a 0600 file, written atomically,
// never replacing an existing file unless force is set. String formats are
// written as one line.
func WriteFile(path string, s *Session, to Format, force bool) error {
	return writeFileAt(path, s, to, force, time.Now())
}

func writeFileAt(path string, s *Session, to Format, force bool, now time.Time) error {
	if to == TelethonSQLite || to == PyrogramSQLite {
		s, err := prepare(s, to)
		if err != nil {
			return err
		}
		return writeSQLite(path, force, s, to, now)
	}
	data, err := Encode(s, to)
	if err != nil {
		return err
	}
	if to.IsString() {
		data = append(data, '\n')
	}
	return atomicfile.Write(path, data, force)
}

// prepare checks what every format needs and returns a copy with the
// address filled in from the DC when the source had none.
func prepare(s *Session, to Format) (*Session, error) {
	if to == TData {
		return nil, fmt.Errorf("tdata is read only: tgpfs does not write Telegram Desktop folders")
	}
	if _, err := ParseFormat(string(to)); err != nil {
		return nil, err
	}
	if len(s.AuthKey) != KeySize {
		return nil, fmt.Errorf("session has a %d-byte key, want %d", len(s.AuthKey), KeySize)
	}
	if s.DC <= 0 || s.DC > 255 {
		return nil, &MissingFieldError{Target: to, Field: "dc"}
	}
	c := s.clone()
	c.fillAddr()
	return c, nil
}
