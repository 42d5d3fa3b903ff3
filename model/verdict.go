package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrorKind names a rule of the real server that an error falls under.
type ErrorKind int

const (
	// OtherError is any error no rule below covers: show it as it is.
	OtherError ErrorKind = iota
	// Migrate is 303 PHONE_MIGRATE_X, USER_MIGRATE_X or NETWORK_MIGRATE_X:
	// the account (or this request) lives on DC X; repeat it there.
	Migrate
	// FloodWait is 420 FLOOD_WAIT_X (or FLOOD_PREMIUM_WAIT_X): the method
	// may not be called again for X seconds.
	FloodWait
	// AuthKeyDuplicated is 406 AUTH_KEY_DUPLICATED: the authorization was
	// used from two connections at once; the server revoked it.
	AuthKeyDuplicated
	// AuthKeyUnregistered is 401 AUTH_KEY_UNREGISTERED: the key is not
	// logged in (never was, or was logged out).
	AuthKeyUnregistered
	// SessionRevoked is 401 SESSION_REVOKED or SESSION_EXPIRED: the user
	// ended this authorization (Settings > Devices) or it timed out.
	SessionRevoked
	// AuthKeyPermEmpty is 401 AUTH_KEY_PERM_EMPTY: a call other than the
	// bind went out on a temporary key that is not bound.
	AuthKeyPermEmpty
	// EncryptedMessageInvalid is ENCRYPTED_MESSAGE_INVALID from
	// auth.bindTempAuthKey; what to do depends on the permanent key's age.
	EncryptedMessageInvalid
	// PasswordRequired is 401 SESSION_PASSWORD_NEEDED: the account has a
	// 2FA password; send it with SRP.
	PasswordRequired
	// TransportNotFound is transport error -404: the DC does not know the
	// auth key (a temporary key expired or was dropped).
	TransportNotFound
	// TransportFlood is transport error -429: too many connections or
	// messages from this address.
	TransportFlood
	// TransportBadDC is transport error -444: the dc id in the key
	// exchange (or the MTProxy's dc) does not fit this server.
	TransportBadDC
)

var errorKindNames = [...]string{
	OtherError:              "other",
	Migrate:                 "migrate",
	FloodWait:               "flood-wait",
	AuthKeyDuplicated:       "auth-key-duplicated",
	AuthKeyUnregistered:     "auth-key-unregistered",
	SessionRevoked:          "session-revoked",
	AuthKeyPermEmpty:        "auth-key-perm-empty",
	EncryptedMessageInvalid: "encrypted-message-invalid",
	PasswordRequired:        "password-needed",
	TransportNotFound:       "transport-404",
	TransportFlood:          "transport-429",
	TransportBadDC:          "transport-444",
}

func (k ErrorKind) String() string {
	if k >= 0 && int(k) < len(errorKindNames) {
		return errorKindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// PermYoung is the age under which a permanent key may not have reached
// every server of its DC yet (pfs-protocol.md §5.1, [DOC:pfs]): an
// ENCRYPTED_MESSAGE_INVALID on the bind is then retried, not taken to mean
// the key is gone.
const PermYoung = 60 * time.Second

// YoungBindRetries is how often a bind with a young permanent key is retried
// after ENCRYPTED_MESSAGE_INVALID before the key is given up.
const YoungBindRetries = 3

// KeyState is what the classifier must know about the keys in use to apply
// the ENCRYPTED_MESSAGE_INVALID policy of the spec.
type KeyState struct {
	// PermAge is how long ago the permanent key was made; 0 = unknown (a
	// key loaded from a session file), which counts as old.
	PermAge time.Duration
	// HomeDC is true when the permanent key is the one the user logged in
	// with, so losing it logs the user out.
	HomeDC bool
	// Retried is how often this bind was already retried after
	// ENCRYPTED_MESSAGE_INVALID with a young key.
	Retried int
}

// Young reports whether the permanent key is under PermYoung old. A key of
// unknown age is not young.
func (ks KeyState) Young() bool { return ks.PermAge > 0 && ks.PermAge < PermYoung }

// Verdict is how the real server's rules read an error.
type Verdict struct {
	Kind ErrorKind
	Code int    // RPC error code (303, 420, ...) or the transport code (404, 429, 444)
	Type string // RPC error type without its argument ("FLOOD_WAIT"), "" for transport errors
	// DC is the DC to move to, for Migrate.
	DC int
	// Wait is how long to wait, for FloodWait. The UI turns it into an
	// until-time once, when the error arrives, and counts down from that.
	Wait time.Duration
	// Retry: the same request may be sent again as it is (after Wait, or
	// on DC for Migrate).
	Retry bool
	// DropKeys: the keys in use are no good any more and must be replaced.
	// For EncryptedMessageInvalid this means both the permanent and the
	// temporary key.
	DropKeys bool
	// LoggedOut: replacing the keys ends the user's login (the permanent
	// key was the home DC's), so the UI asks before doing it.
	LoggedOut bool
	// Advice is one line for the user.
	Advice string
}

// Destructive reports whether acting on the verdict loses something the
// user cannot get back without logging in again: the UI must ask first.
func (v Verdict) Destructive() bool { return v.DropKeys && v.LoggedOut }

// Explained reports whether a rule covers the error: a known kind, or an
// RPC error whose type the advice table knows. An unexplained verdict's
// advice is the error text itself.
func (v Verdict) Explained() bool {
	if v.Kind != OtherError {
		return true
	}
	_, ok := rpcAdvice[v.Type]
	return ok
}

// Classify reads err by the real server's rules, finding a *TransportError
// or an *RPCError in its chain with errors.As. ks is only consulted for
// ENCRYPTED_MESSAGE_INVALID. A nil error gives the zero Verdict.
func Classify(err error, ks KeyState) Verdict {
	if err == nil {
		return Verdict{}
	}
	var v Verdict
	var rpc *RPCError
	if code, ok := TransportCode(err); ok {
		v = classifyTransport(code)
	} else if errors.As(err, &rpc) {
		v = classifyRPC(rpc, ks)
	} else {
		v = Verdict{Kind: OtherError, Advice: err.Error()}
	}
	// Error messages come from the server: whatever they hold, the advice
	// stays one printable line.
	v.Advice = oneLine(v.Advice)
	if v.Advice == "" {
		v.Advice = "unexplained error"
	}
	return v
}

// FloodUntil is the time a FLOOD_WAIT ends, fixed when the error arrived:
// a countdown computed from it stays right however often it is redrawn.
func FloodUntil(err error, arrived time.Time) (time.Time, bool) {
	v := Classify(err, KeyState{})
	if v.Kind != FloodWait {
		return time.Time{}, false
	}
	return arrived.Add(v.Wait), true
}

func classifyTransport(code int32) Verdict {
	v := Verdict{Code: int(code)}
	switch code {
	case CodeKeyNotFound:
		v.Kind, v.DropKeys = TransportNotFound, true
		v.Advice = "transport error -404: the DC does not know this auth key (a temporary key expired or was dropped): make a new temp key and bind it"
	case CodeTransportFlood:
		v.Kind, v.Retry = TransportFlood, true
		v.Advice = "transport error -429: too many connections from this address: close other clients and reconnect after a pause"
	case CodeWrongDC:
		v.Kind = TransportBadDC
		v.Advice = "transport error -444: the server rejected the dc id: check --dc test|prod against the address (test DCs use 10000+id), or the MTProxy's DC"
	default:
		v.Kind = OtherError
		v.Advice = fmt.Sprintf("transport error -%d", code)
	}
	return v
}

func classifyRPC(e *RPCError, ks KeyState) Verdict {
	v := Verdict{Kind: OtherError, Code: e.Code, Type: e.Type}
	switch {
	case e.Code == 303 && migrateType(e.Type):
		v.Kind, v.DC, v.Retry = Migrate, e.Argument, true
		if e.Argument <= 0 {
			v.Kind, v.Retry = OtherError, false
			v.Advice = fmt.Sprintf("%s without a DC number: the server's answer is malformed", e.Message)
			return v
		}
		v.Advice = fmt.Sprintf("%s: this account lives on DC %d; moving there and repeating the request", e.Message, e.Argument)
	case e.Type == "FLOOD_WAIT" || e.Type == "FLOOD_PREMIUM_WAIT":
		v.Kind, v.Wait, v.Retry = FloodWait, floodWait(e.Argument), true
		v.Advice = fmt.Sprintf("too many requests: Telegram asks to wait %s before calling this method again", v.Wait)
	case e.Type == "AUTH_KEY_DUPLICATED":
		v.Kind, v.DropKeys, v.LoggedOut = AuthKeyDuplicated, true, true
		v.Advice = "the same authorization was used from two connections at once (a copied session?): the server revoked it; make a new key and log in again"
	case e.Type == "AUTH_KEY_UNREGISTERED":
		v.Kind = AuthKeyUnregistered
		v.Advice = "this key is not logged in (never was, or was logged out): log in, or import an authorization from the home DC"
	case e.Type == "SESSION_REVOKED" || e.Type == "SESSION_EXPIRED":
		v.Kind, v.DropKeys, v.LoggedOut = SessionRevoked, true, true
		v.Advice = "this authorization was ended (Settings > Devices, or it expired): the key is useless now; log in again"
	case e.Type == "AUTH_KEY_PERM_EMPTY":
		v.Kind = AuthKeyPermEmpty
		v.Advice = "the temporary key is not bound to a permanent key: bind it (auth.bindTempAuthKey) before any other call"
	case e.Type == "SESSION_PASSWORD_NEEDED":
		v.Kind = PasswordRequired
		v.Advice = "this account has a two-step verification password: enter it (it is checked with SRP and never sent)"
	case e.Type == "ENCRYPTED_MESSAGE_INVALID":
		v.Kind = EncryptedMessageInvalid
		encryptedMessageInvalid(&v, ks)
	case e.Type == "PASSWORD_HASH_INVALID":
		// Only the password form meets it: say it plainly, without the name.
		v.Advice = rpcAdvice[e.Type]
	default:
		if a, ok := rpcAdvice[e.Type]; ok {
			v.Advice = e.Type + ": " + a
		} else {
			v.Advice = e.Error()
		}
	}
	return v
}

// encryptedMessageInvalid is the spec's policy for ENCRYPTED_MESSAGE_INVALID
// on the bind (pfs-protocol.md §5.1): a permanent key under 60 s old may not
// have reached every server yet, so the bind is retried a few times; an
// older key (or one of unknown age) is gone, and both keys must be dropped.
func encryptedMessageInvalid(v *Verdict, ks KeyState) {
	if ks.Young() && ks.Retried < YoungBindRetries {
		v.Retry = true
		v.Advice = "the permanent key is under 60 s old and may not have reached every server yet: retrying the bind"
		return
	}
	v.DropKeys, v.LoggedOut = true, ks.HomeDC
	switch {
	case ks.Young():
		v.Advice = fmt.Sprintf("still invalid after %d retries: the DC does not accept the permanent key; drop both keys, "+
			"make a new permanent key and temp key, bind again", ks.Retried)
		if ks.HomeDC {
			v.Advice += "; as it is the home DC's key the user will be logged out"
		}
	case ks.HomeDC:
		v.Advice = "the DC no longer accepts this permanent key: both keys must be dropped, and as it is the home DC's key the user will be logged out"
	default:
		v.Advice = "the DC no longer accepts this permanent key: drop both keys, make new ones, bind, then import the authorization from the home DC"
	}
}

// rpcAdvice explains the errors a login form and the bind meet most.
var rpcAdvice = map[string]string{
	"PHONE_CODE_INVALID":          "wrong code: check it and type it again",
	"PHONE_CODE_EXPIRED":          "the code expired: go back (esc) and ask for a new one",
	"PHONE_CODE_EMPTY":            "type the code Telegram sent",
	"PHONE_NUMBER_INVALID":        "Telegram does not accept this number: check the country code (test DCs take only 99966XYYYY)",
	"PHONE_NUMBER_BANNED":         "this number is banned from Telegram",
	"PHONE_NUMBER_FLOOD":          "too many login attempts for this number: try again later",
	"PHONE_NUMBER_UNOCCUPIED":     "no account uses this number yet",
	"PHONE_PASSWORD_FLOOD":        "too many password attempts: try again later",
	"PASSWORD_HASH_INVALID":       "wrong two-step verification password: try again (the hint may help)",
	"API_ID_INVALID":              "Telegram rejected the app id / hash: check --app-id and --app-hash (my.telegram.org)",
	"API_ID_PUBLISHED_FLOOD":      "this app id is published and rate-limited: use your own from my.telegram.org",
	"ACCESS_TOKEN_INVALID":        "Telegram does not know this bot token: copy it again from @BotFather",
	"ACCESS_TOKEN_EXPIRED":        "this bot token was revoked: get a new one from @BotFather",
	"AUTH_TOKEN_EXPIRED":          "the QR login token expired before it was accepted: a new code follows",
	"AUTH_TOKEN_INVALID":          "the QR login token is not valid: ask for a new code",
	"AUTH_RESTART":                "Telegram asks to start the login again",
	"TEMP_AUTH_KEY_ALREADY_BOUND": "this temp key is bound to another permanent key: make a new temp key",
	"TEMP_AUTH_KEY_EMPTY":         "the bind named no temporary key: make a new temp key and bind it",
	"EXPIRES_AT_INVALID":          "expires_at is out of range for this key's expires_in: check the server clock offset",
}

func migrateType(t string) bool {
	switch t {
	case "PHONE_MIGRATE", "USER_MIGRATE", "NETWORK_MIGRATE":
		return true
	}
	return false
}

// oneLine keeps the first line of s and replaces other control characters.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s))
}

// maxFloodWait bounds a FLOOD_WAIT: Telegram's longest real waits are about a
// day, and a hostile or broken server's huge number must not overflow
// time.Duration into a negative (that is, no) wait.
const maxFloodWait = 366 * 24 * time.Hour

func floodWait(seconds int) time.Duration {
	if seconds <= 0 {
		return 0
	}
	if int64(seconds) > int64(maxFloodWait/time.Second) {
		return maxFloodWait
	}
	return time.Duration(seconds) * time.Second
}
