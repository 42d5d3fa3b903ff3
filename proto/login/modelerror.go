package login

import (
	"errors"

	"github.com/gotd/td/telegram/auth"

	"tgpfs/model"
	"tgpfs/proto/session"
)

// The real server's rules live in model (model.Classify and its verdicts).
// What stays here is the bridge from gotd's login errors to them: every
// error Flow returns has passed modelError, so callers read it with
// model.Classify as it is.

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
