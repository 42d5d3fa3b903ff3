package session

import (
	"errors"

	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

// RPC and transport errors cross the gotd boundary here. tgpfs reads them
// with errors.As as *model.RPCError and *model.TransportError (model,
// gotd-free, owns what they mean); gotd's own code (telegram/auth, tgerr.As)
// reads *tgerr.Error. An error made here is both.

// dualError is one error seen two ways: gotd's and model's.
type dualError struct {
	gotd  error // *tgerr.Error, or a chain holding gotd's error
	model error // *model.RPCError or *model.TransportError
}

func (e *dualError) Error() string   { return e.gotd.Error() }
func (e *dualError) Unwrap() []error { return []error{e.gotd, e.model} }

// NewRPCError is the error of an rpc_error answer: errors.As finds it as a
// *model.RPCError and as gotd's *tgerr.Error. The type and argument are
// split from the message once, by gotd.
func NewRPCError(code int, message string) error {
	g := tgerr.New(code, message)
	return &dualError{gotd: g, model: modelRPC(g)}
}

// ModelError makes an error that only gotd can read (a *tgerr.Error or a
// *codec.ProtocolErr from gotd's own code, or a test's) readable as model's
// too, keeping its chain and its text. Errors model can already read, and
// errors of neither kind, are returned as they are.
func ModelError(err error) error {
	var mr *model.RPCError
	var mt *model.TransportError
	if err == nil || errors.As(err, &mr) || errors.As(err, &mt) {
		return err
	}
	if g, ok := tgerr.As(err); ok {
		return &dualError{gotd: err, model: modelRPC(g)}
	}
	var pe *codec.ProtocolErr
	if errors.As(err, &pe) {
		return &dualError{gotd: err, model: &model.TransportError{Code: pe.Code}}
	}
	return err
}

func modelRPC(g *tgerr.Error) *model.RPCError {
	return &model.RPCError{Code: g.Code, Message: g.Message, Type: g.Type, Argument: g.Argument}
}

// WithRPCError makes err, an error gotd's code turned an rpc_error into (as
// telegram/auth turns PASSWORD_HASH_INVALID into ErrPasswordInvalid), readable
// as that rpc_error by model again, keeping err's chain and text.
func WithRPCError(err error, code int, message string) error {
	return &dualError{gotd: err, model: modelRPC(tgerr.New(code, message))}
}
