package sessions

import (
	"errors"
	"fmt"
	"io/fs"

	"tgpfs/sessions/atomicfile"
	"tgpfs/sessions/safetext"
)

// FormatError is bad input: the format the input looked like and what is
// wrong with it. Its message is the one line a user sees: bounded, with
// control characters escaped, and never holding a session string or a key.
type FormatError struct {
	Format Format // the format the input looked like; "" when none did
	Err    error
}

func (e *FormatError) Error() string {
	msg := e.Err.Error()
	if e.Format != "" {
		msg = string(e.Format) + " session: " + msg
	}
	return safetext.Line(msg, safetext.MaxLine)
}

func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(f Format, format string, args ...any) error {
	return &FormatError{Format: f, Err: fmt.Errorf(format, args...)}
}

// inputErr is bad input that belongs to no format: a missing path, a FIFO.
func inputErr(format string, args ...any) error {
	return &FormatError{Err: fmt.Errorf(format, args...)}
}

// MissingFieldError reports a value the target format needs and the source
// session does not have (Pyrogram's api_id, for instance).
type MissingFieldError struct {
	Target Format
	Field  Field
}

func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("%s needs %s, which the source session does not record", e.Target, e.Field)
}

// ErrCannotStore reports a value the target format has no room for (a
// GramJS port above 32767, a host name in a Telethon string).
var ErrCannotStore = errors.New("cannot store")

func cannotStore(f Format, format string, args ...any) error {
	return fmt.Errorf("%s %w %s", f, ErrCannotStore, safetext.Line(fmt.Sprintf(format, args...), safetext.MaxLine))
}

// IsBadInput reports whether err is about the input (exit status 2) rather
// than a failure of the machine (a disk error, say).
func IsBadInput(err error) bool {
	var fe *FormatError
	var me *MissingFieldError
	var te *atomicfile.TargetError
	return errors.As(err, &fe) || errors.As(err, &me) || errors.As(err, &te) || errors.Is(err, ErrCannotStore)
}

// pathErr says what went wrong with a path without the raw path that
// os errors carry: the reason, after the quoted path.
func pathErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return inputErr("%s: %v", safetext.Quote(path), err)
}
