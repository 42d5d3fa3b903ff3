package sessions

import (
	"fmt"
	"time"

	"tgpfs/model"
)

// TempKey is a temporary auth key a session file stores next to its
// permanent key. PFS rests on temporary keys living in memory only: one
// that is written down can be read back, and with it everything that was
// recorded on the wire under it.
type TempKey struct {
	DC int
	// Index is the connection the key belongs to (mtcute keeps one per
	// main connection); 0 where the format has one slot.
	Index int
	// Key is the key itself, KeySize bytes: never print or log it.
	Key []byte
	// ExpiresAt is when the server stops accepting the key, as the client
	// wrote it down; zero when the format does not record it.
	ExpiresAt time.Time
}

// KeyID is the temporary key's auth_key_id, as it appears on the wire.
func (k TempKey) KeyID() model.KeyID { return KeyIDOf(k.Key) }

// TempKeyState is where a stored temporary key stands at some moment.
type TempKeyState int

// The states of a stored temporary key.
const (
	// TempKeyLive keys are still accepted by the server: whoever holds the
	// file can also use them, until they expire.
	TempKeyLive TempKeyState = iota + 1
	// TempKeyExpired keys are refused by the server, but they still
	// decrypt whatever was recorded under them.
	TempKeyExpired
	// TempKeyExpiryUnknown keys come from a format that keeps no expiry.
	TempKeyExpiryUnknown
)

// State says whether k is live at now.
func (k TempKey) State(now time.Time) TempKeyState {
	switch {
	case k.ExpiresAt.IsZero():
		return TempKeyExpiryUnknown
	case now.Before(k.ExpiresAt):
		return TempKeyLive
	}
	return TempKeyExpired
}

// TempKeyVerdict is the judgement on what a file's stored temporary keys
// give whoever holds the file.
type TempKeyVerdict struct {
	// OK is set when the file stores no temporary key.
	OK bool
	// Stored and Live count the stored keys and those still live.
	Stored, Live int
	// Text is the verdict as one sentence.
	Text string
}

// JudgeTempKeys judges s's stored temporary keys at now. A temporary key
// that never touches the disk is gone for everyone once the client drops
// it; one in a file decrypts the traffic recorded under it for as long as
// the file exists, expired or not, and a live one also lets the holder talk
// to Telegram as this client until it expires.
func JudgeTempKeys(s *Session, now time.Time) TempKeyVerdict {
	v := TempKeyVerdict{Stored: len(s.TempKeys)}
	for _, k := range s.TempKeys {
		if k.State(now) != TempKeyExpired {
			v.Live++
		}
	}
	it := plural(v.Stored, "it", "them")
	switch known := live(s, now); {
	case v.Stored == 0 && s.Records().TempKeys:
		v.OK = true
		v.Text = "no temporary key stored: a copy of this file cannot decrypt traffic recorded under this client's temporary keys, which is what PFS gives"
	case v.Stored == 0:
		v.OK = true
		v.Text = fmt.Sprintf("this %s %s has no place for temporary keys: a copy of it cannot decrypt traffic recorded under this client's temporary keys", s.Format, kindNoun[s.Format.Kind()])
	default:
		var use string
		switch {
		case v.Live > known:
			use = "and may still use " + it + ": the file records no expiry"
		case v.Live == 0:
			use = plural(v.Stored, "an expired key still decrypts it", "expired keys still decrypt it")
		case v.Live == v.Stored:
			use = "and use " + it + " until " + plural(v.Stored, "it expires", "they expire")
		case v.Live == 1:
			use = "and use the live one until it expires"
		default:
			use = fmt.Sprintf("and use the %d live ones until they expire", v.Live)
		}
		v.Text = fmt.Sprintf("%d temporary %s stored: whoever holds this file can decrypt the traffic recorded under %s (%s); storing temporary keys gives back part of what PFS gives",
			v.Stored, plural(v.Stored, "key", "keys"), it, use)
	}
	return v
}

// live counts the keys known to be live at now.
func live(s *Session, now time.Time) int {
	n := 0
	for _, k := range s.TempKeys {
		if k.State(now) == TempKeyLive {
			n++
		}
	}
	return n
}

var kindNoun = map[Kind]string{KindString: "string", KindFile: "file", KindFolder: "folder"}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
