// Package sessions reads and writes the session files and strings of other
// Telegram libraries (gotd, Telethon, Pyrogram, GramJS, mtcute, Telegram
// Desktop), offline. It detects the format of an input and says why it
// believes so, extracts the permanent auth key with whatever the format also
// records (DC, address, user, stored temporary keys), and writes the same
// session out in another format.
//
// Each format is one Descriptor in a file of its own (format.go says what a
// descriptor holds). Input is treated as hostile: only regular files (or a
// tdata folder of them) are opened, every read is bounded, SQLite files are
// opened read-only and immutable, and no error quotes a session string.
//
// Nothing here prints or logs key bytes; callers show KeyID and Fingerprint.
package sessions

import (
	"crypto/sha1" // #nosec G505 -- auth_key_id is defined with SHA1
	"net"
	"strconv"

	"tgpfs/model"
)

// KeySize is the length of an MTProto auth key.
const KeySize = 256

// Session is what a session file or string says about one login.
// Fields a format does not record are zero; the *Known flags tell a zero
// value from an unknown one where zero is a legal value.
type Session struct {
	Format Format
	// Why says how the format was recognised: length, prefix, schema.
	Why string
	// Version is the format's own version: "string v1", "schema 7", ...
	Version string

	DC int
	// Addr is the server's IP address or host name, without the port.
	Addr string
	Port int
	// AddrFromDC is set when the format stores no address and Addr/Port
	// were filled in from the well-known address of DC (Pyrogram, tdata
	// without a config).
	AddrFromDC bool
	TestMode   bool
	// TestModeKnown is set when the format records test mode.
	TestModeKnown bool

	UserID int64
	APIID  int
	IsBot  bool

	// AuthKey is the permanent auth key, KeySize bytes. It is a password to
	// the account: never print or log it.
	AuthKey []byte
	// TempKeys are the temporary keys the file stores (mtcute's storage,
	// Telethon schema 8). tgpfs never uses or converts them; it shows them
	// because a stored temporary key undoes part of what PFS gives.
	TempKeys []TempKey
	// TakeoutID is Telethon's takeout session id, when set.
	TakeoutID int64

	// Source is where the session came from: a path or "string".
	Source string
	// Extra holds format-specific facts worth showing (tdata accounts, ...).
	Extra []string

	// recorded, when set, is what this file stores where it differs from
	// its format's Records (Telethon 2 adds the user, an mtcute string may
	// lack it).
	recorded *Recorded
}

// KeyID is the permanent key's auth_key_id: the low 64 bits of SHA1(key).
func (s *Session) KeyID() model.KeyID { return KeyIDOf(s.AuthKey) }

// Fingerprint is a short non-secret digest of the permanent key for humans.
func (s *Session) Fingerprint() string { return model.Fingerprint(s.AuthKey) }

// HostPort is Addr and Port joined, "" when the address is unknown.
func (s *Session) HostPort() string {
	if s.Addr == "" {
		return ""
	}
	return net.JoinHostPort(s.Addr, strconv.Itoa(s.Port))
}

// PermKey describes the session's key for the model, without its bytes.
func (s *Session) PermKey() model.PermKey {
	src := string(s.Format) + " session"
	if s.Source != "" && s.Source != "string" {
		src += " " + s.Source
	}
	return model.PermKey{ID: s.KeyID(), Fingerprint: s.Fingerprint(), DC: s.DC, Source: src}
}

// KeyIDOf computes Telegram's auth_key_id of key: bytes [12:20) of SHA1(key)
// read as a little-endian integer.
func KeyIDOf(key []byte) model.KeyID {
	sum := sha1.Sum(key) // #nosec G401
	var w [8]byte
	copy(w[:], sum[12:20])
	return model.KeyIDFromWire(w)
}

// clone returns a deep copy, so a caller changing fields for a conversion
// does not touch the session it loaded.
func (s *Session) clone() *Session {
	c := *s
	c.AuthKey = append([]byte(nil), s.AuthKey...)
	c.Extra = append([]string(nil), s.Extra...)
	c.TempKeys = nil // never carried into another format
	return &c
}

// Records reports what this session's file stores: its format's facts, or
// what the decoder found this one file to hold.
func (s *Session) Records() Recorded {
	if s.recorded != nil {
		return *s.recorded
	}
	return s.Format.Records()
}

// DuplicateWarning is what to tell a user before using a session's key:
// Telegram revokes a key it sees in use from two places at once.
const DuplicateWarning = "this permanent key may be in use by another program: if both connect at once, Telegram can revoke it with AUTH_KEY_DUPLICATED and that login is gone"
