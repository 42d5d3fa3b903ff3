package login

import (
	"errors"
	"time"

	"github.com/gotd/td/telegram/auth"

	"tgpfs/model"
	"tgpfs/proto/session"
)

// The real server's rules live in model (model.Classify and its verdicts).
// What stays here is the bridge from gotd's login errors to them, and the
// old names, kept until the UI has moved to model.

// modelError makes err readable by model.Classify: gotd's *tgerr.Error and
// *codec.ProtocolErr, and the sentinels gotd's auth client puts in place of
// the rpc_error it got (a wrong password, a password needed).
func modelError(err error) error {
	var rpc *model.RPCError
	switch {
	case err == nil || errors.As(err, &rpc):
		return err
	case errors.Is(err, auth.ErrPasswordInvalid):
		return session.WithRPCError(err, 400, "PASSWORD_HASH_INVALID")
	case errors.Is(err, auth.ErrPasswordAuthNeeded):
		return session.WithRPCError(err, 401, "SESSION_PASSWORD_NEEDED")
	}
	return session.ModelError(err)
}

// Classify reads err by the real server's rules, as model.Classify does,
// and also reads errors that only gotd's types describe.
//
// Deprecated: use model.Classify; errors from the driver and from Flow are
// readable by it as they are.
func Classify(err error, ks KeyState) Verdict { return model.Classify(modelError(err), ks) }

// FloodUntil is the time a FLOOD_WAIT ends, fixed when the error arrived.
//
// Deprecated: use model.FloodUntil.
func FloodUntil(err error, arrived time.Time) (time.Time, bool) {
	return model.FloodUntil(modelError(err), arrived)
}

// Kind names a rule of the real server that an answer falls under.
//
// Deprecated: use model.ErrorKind.
type Kind = model.ErrorKind

// KeyState is what the classifier must know about the keys in use.
//
// Deprecated: use model.KeyState.
type KeyState = model.KeyState

// Verdict is how the real server's rules read an error.
//
// Deprecated: use model.Verdict.
type Verdict = model.Verdict

// PermYoung is the age under which a permanent key may not have reached
// every server of its DC yet.
//
// Deprecated: use model.PermYoung.
const PermYoung = model.PermYoung

// The kinds, under their old names.
//
// Deprecated: use model's (model.OtherError, model.Migrate, ...).
const (
	Other                   = model.OtherError
	Migrate                 = model.Migrate
	FloodWait               = model.FloodWait
	AuthKeyDuplicated       = model.AuthKeyDuplicated
	AuthKeyUnregistered     = model.AuthKeyUnregistered
	SessionRevoked          = model.SessionRevoked
	AuthKeyPermEmpty        = model.AuthKeyPermEmpty
	EncryptedMessageInvalid = model.EncryptedMessageInvalid
	PasswordRequired        = model.PasswordRequired
	TransportNotFound       = model.TransportNotFound
	TransportFlood          = model.TransportFlood
	TransportBadDC          = model.TransportBadDC
)
