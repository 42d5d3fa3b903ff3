// Package model holds tgpfs's state as plain Go values: keys, temporary-key
// lifetimes, the events the protocol layer reports, and the rules that turn
// events into state. It imports nothing of ours and performs no I/O, so every
// rule about lifetimes, countdowns and transitions is a plain unit test.
package model

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// KeyID is an auth_key_id as Telegram defines it: the 64 lower-order bits of
// SHA1(auth_key), i.e. bytes [12:20) of the digest read as a little-endian
// int64. It is the value that prefixes every encrypted MTProto packet.
type KeyID int64

// KeyIDFromWire reads an auth_key_id from its 8 wire bytes.
func KeyIDFromWire(b [8]byte) KeyID { return KeyID(binary.LittleEndian.Uint64(b[:])) }

// Wire returns the 8 bytes of the id as they travel on the wire.
func (id KeyID) Wire() [8]byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(id))
	return b
}

// String renders the id as 16 lower-case hex digits of its unsigned value.
// This is the one textual form tgpfs uses everywhere (UI, JSON, logs), so a
// key can be followed from screen to screen by eye.
func (id KeyID) String() string { return fmt.Sprintf("%016x", uint64(id)) }

// ParseKeyID parses the form produced by String.
func ParseKeyID(s string) (KeyID, error) {
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("parse key id %q: %w", s, err)
	}
	return KeyID(v), nil
}

// KeyKind tells a permanent key from a temporary one.
type KeyKind int

const (
	// Permanent keys are made with p_q_inner_data_dc and live until destroyed.
	Permanent KeyKind = iota
	// Temporary keys are made with p_q_inner_data_temp_dc and expire.
	Temporary
)

func (k KeyKind) String() string {
	if k == Temporary {
		return "temporary"
	}
	return "permanent"
}

// PermKey describes the permanent auth key of a DC without its bytes.
type PermKey struct {
	ID KeyID
	// Fingerprint is a short, non-secret digest of the key for humans to
	// compare (first 8 bytes of SHA256(key), hex). It is not the key id.
	Fingerprint string
	DC          int
	CreatedAt   time.Time // local time; zero when unknown (loaded from a file)
	Source      string    // "generated", "state file", "telethon session ~/x.session", ...
}

// TempEnd says how a temporary key stopped being the current one.
type TempEnd int

const (
	// Live keys have not ended.
	Live TempEnd = iota
	// Rotated keys were replaced by a newer bound key but may still work.
	Rotated
	// Dropped keys were removed by auth.dropTempAuthKeys.
	Dropped
	// Expired keys reached expires_at.
	Expired
	// NotFound keys were answered with transport error -404.
	NotFound
	// Failed keys never got bound.
	Failed
)

func (e TempEnd) String() string {
	switch e {
	case Live:
		return "live"
	case Rotated:
		return "rotated"
	case Dropped:
		return "dropped"
	case Expired:
		return "expired"
	case NotFound:
		return "-404"
	case Failed:
		return "bind failed"
	}
	return "unknown"
}

// TempKey describes a temporary auth key without its bytes.
type TempKey struct {
	ID        KeyID
	DC        int
	SessionID int64
	ExpiresIn time.Duration // as sent in p_q_inner_data_temp_dc
	CreatedAt time.Time     // local time the handshake finished
	// ExpiresAt is in server time (the clock of the DC), as sent in the bind.
	ExpiresAt time.Time
	Bound     bool
	BoundAt   time.Time
	End       TempEnd
	EndedAt   time.Time
	EndDetail string
}

// Remaining is the time left before expiry at local time now, given the
// offset of the server clock from the local one (server = local + offset).
// It is computed from ExpiresAt every time, never decremented, so a missed
// tick or a suspended laptop cannot make the countdown drift.
func (k TempKey) Remaining(now time.Time, offset time.Duration) time.Duration {
	if k.ExpiresAt.IsZero() {
		return 0
	}
	left := k.ExpiresAt.Sub(now.Add(offset))
	if left < 0 {
		return 0
	}
	return left
}

// Fraction is the part of the lifetime still left, in [0, 1].
func (k TempKey) Fraction(now time.Time, offset time.Duration) float64 {
	if k.ExpiresIn <= 0 {
		return 0
	}
	f := float64(k.Remaining(now, offset)) / float64(k.ExpiresIn)
	if f > 1 {
		return 1
	}
	return f
}

// User is who a permanent key is logged in as.
type User struct {
	ID        int64
	Phone     string
	FirstName string
	LastName  string
	Bot       bool
}

// Name is a display name for the user.
func (u User) Name() string {
	switch {
	case u.FirstName != "" && u.LastName != "":
		return u.FirstName + " " + u.LastName
	case u.FirstName != "":
		return u.FirstName
	}
	return "user " + strconv.FormatInt(u.ID, 10)
}
