package sessions

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// Pyrogram is Pyrogram's string session: url-safe base64 without padding.
// pyrogram/storage/storage.py tells its layouts apart by the text length
// only: 351 is the old layout with a 32-bit user id, 356 the old layout
// with a 64-bit one, anything else the current layout.
//
// Pyrogram decodes with Python's base64.urlsafe_b64decode, which maps '-'
// and '_' to '+' and '/' and then accepts either alphabet: a string in the
// standard alphabet (some tools write it) is a Pyrogram string to Pyrogram,
// and so it is here.
const Pyrogram Format = "pyrogram"

const (
	pyrogramOldChars   = 351 // '>B?256sI?', 263 bytes
	pyrogramOld64Chars = 356 // '>B?256sQ?', 267 bytes
	pyrogramBytes      = 1 + 4 + 1 + KeySize + 8 + 1
)

var pyrogramFormat = &Descriptor{
	Format:  Pyrogram,
	Name:    "Pyrogram string session",
	Kind:    KindString,
	Records: Recorded{TestMode: true, UserID: true, APIID: true, IsBot: true},
	Needs:   []Field{FieldAPIID, FieldUserID},
	text: &textCodec{
		detect: detectPyrogram,
		decode: decodePyrogram,
		encode: encodePyrogram,
	},
}

// detectPyrogram looks at the alphabet, the first character and the size
// only: a Pyrogram string has no structure to check, and decodePyrogram
// explains a bad length. Its first byte is the DC id (1 to 5), so its
// first character is 'A' or 'B'; GramJS and Telethon strings start with
// '1'.
func detectPyrogram(s string) match {
	if len(s) < 100 || strings.Trim(s, base64URLAlphabet+"+/=") != "" {
		return noMatch
	}
	if s[0] != 'A' && s[0] != 'B' {
		return possible
	}
	switch n := base64.RawStdEncoding.DecodedLen(len(strings.TrimRight(s, "="))); n {
	case 263, 267, pyrogramBytes:
		return likely
	}
	return possible
}

func decodePyrogram(s string) (*Session, error) {
	alphabet := "url-safe base64"
	if strings.ContainsAny(s, "+/") {
		alphabet = "standard base64 (Pyrogram's urlsafe_b64decode takes it too)"
	}
	url := strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimRight(s, "="))
	raw, err := base64.RawURLEncoding.DecodeString(url)
	if err != nil {
		return nil, formatErr(Pyrogram, "bad base64: %v", err)
	}
	out := &Session{Format: Pyrogram, TestModeKnown: true}
	switch len(s) {
	case pyrogramOldChars, pyrogramOld64Chars:
		idLen, want, name := 4, 263, "old layout, 32-bit user id"
		if len(s) == pyrogramOld64Chars {
			idLen, want, name = 8, 267, "old layout, 64-bit user id"
		}
		if len(raw) != want {
			return nil, formatErr(Pyrogram, "%d characters (%s) decode to %d bytes, want %d", len(s), name, len(raw), want)
		}
		out.Version = name
		out.Why = fmt.Sprintf("%d characters of %s without padding: Pyrogram's %s (dc, test_mode, key, user_id, is_bot)", len(s), alphabet, name)
		out.DC = int(raw[0])
		out.TestMode = raw[1] != 0
		out.AuthKey = append([]byte(nil), raw[2:2+KeySize]...)
		if idLen == 4 {
			out.UserID = int64(binary.BigEndian.Uint32(raw[2+KeySize:]))
		} else {
			out.UserID = int64(binary.BigEndian.Uint64(raw[2+KeySize:]))
		}
		out.IsBot = raw[2+KeySize+idLen] != 0
	default:
		if len(raw) != pyrogramBytes {
			return nil, formatErr(Pyrogram, "%d characters decode to %d bytes, want %d (current layout) or 351/356 characters (old layouts)", len(s), len(raw), pyrogramBytes)
		}
		out.Version = "current layout"
		out.Why = fmt.Sprintf("%d characters of %s = %d bytes: Pyrogram's current layout (dc, api_id, test_mode, key, user_id, is_bot)", len(s), alphabet, len(raw))
		out.DC = int(raw[0])
		out.APIID = int(binary.BigEndian.Uint32(raw[1:]))
		out.TestMode = raw[5] != 0
		out.AuthKey = append([]byte(nil), raw[6:6+KeySize]...)
		out.UserID = int64(binary.BigEndian.Uint64(raw[6+KeySize:]))
		out.IsBot = raw[6+KeySize+8] != 0
	}
	out.fillAddr()
	return out, nil
}

// encodePyrogram writes the current layout, the only one Pyrogram writes.
func encodePyrogram(s *Session) ([]byte, error) {
	if err := checkPyrogramFields(Pyrogram, s); err != nil {
		return nil, err
	}
	raw := make([]byte, 0, pyrogramBytes)
	raw = append(raw, byte(s.DC))
	raw = binary.BigEndian.AppendUint32(raw, uint32(s.APIID))
	raw = append(raw, boolByte(s.TestMode))
	raw = append(raw, s.AuthKey...)
	raw = binary.BigEndian.AppendUint64(raw, uint64(s.UserID))
	raw = append(raw, boolByte(s.IsBot))
	return []byte(base64.RawURLEncoding.EncodeToString(raw)), nil
}

// checkPyrogramFields refuses what Pyrogram's struct format cannot hold: an
// unsigned 32-bit api_id and a positive user id.
func checkPyrogramFields(f Format, s *Session) error {
	if s.APIID < 0 || s.APIID > 0xffffffff {
		return cannotStore(f, "api_id %d", s.APIID)
	}
	if s.UserID < 0 {
		return cannotStore(f, "user id %d", s.UserID)
	}
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
