package sessions

import (
	"errors"
	"fmt"
)

// FormatError is bad input: the format the input looked like and what is
// wrong with it. Its message is the one line a user sees.
type FormatError struct {
	Format Format // the format the input looked like; "" when none did
	Err    error
}

func (e *FormatError) Error() string {
	if e.Format == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s session: %v", e.Format, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(f Format, format string, args ...any) error {
	return &FormatError{Format: f, Err: fmt.Errorf(format, args...)}
}

// MissingFieldError reports a value the target format needs and the source
// session does not have (Pyrogram's api_id, for instance).
type MissingFieldError struct {
	Target Format
	Field  string // "api_id", "user_id", "addr", "port", "dc"
}

func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("%s needs %s, which the source session does not record", e.Target, e.Field)
}

// ErrCannotStore reports a value the target format has no room for (a
// GramJS port above 32767, a host name in a Telethon string).
var ErrCannotStore = errors.New("cannot store")

func cannotStore(f Format, format string, args ...any) error {
	return fmt.Errorf("%s %w %s", f, ErrCannotStore, fmt.Sprintf(format, args...))
}

// IsBadInput reports whether err is about the input (exit status 2) rather
// than a failure of the machine (a disk error, say).
func IsBadInput(err error) bool {
	var fe *FormatError
	var me *MissingFieldError
	return errors.As(err, &fe) || errors.As(err, &me) || errors.Is(err, ErrCannotStore)
}
