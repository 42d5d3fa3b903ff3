package model

import (
	"errors"
	"fmt"
)

// Transport error codes a DC sends instead of a frame (a bare int32 -code;
// https://core.telegram.org/mtproto/mtproto-transports#transport-errors).
const (
	// CodeKeyNotFound (-404): the DC does not know the auth key. On a
	// temporary key it means the key expired, was dropped or never was.
	CodeKeyNotFound int32 = 404
	// CodeTransportFlood (-429): too many connections or messages.
	CodeTransportFlood int32 = 429
	// CodeWrongDC (-444): the dc id of the key exchange or of an MTProxy
	// does not fit this server.
	CodeWrongDC int32 = 444
)

// TransportError is a transport error code that came back instead of an
// MTProto message, from a key exchange or from an encrypted session. Code is
// positive (404 for -404); a negative code is read as its absolute value.
type TransportError struct{ Code int32 }

func (e *TransportError) Error() string { return fmt.Sprintf("transport error -%d", absCode(e.Code)) }

// TransportCode finds a transport error in err's chain and returns its
// positive code.
func TransportCode(err error) (int32, bool) {
	var te *TransportError
	if !errors.As(err, &te) {
		return 0, false
	}
	return absCode(te.Code), true
}

// IsKeyNotFound reports whether err is transport error -404: the DC no
// longer knows the key the call went out under.
func IsKeyNotFound(err error) bool {
	code, ok := TransportCode(err)
	return ok && code == CodeKeyNotFound
}

func absCode(c int32) int32 {
	if c < 0 {
		return -c
	}
	return c
}

// RPCError is an rpc_error a DC answered (420 FLOOD_WAIT_30, ...), as tgpfs
// reads it without gotd. The client (proto) returns RPC errors that
// errors.As finds both as *RPCError and as gotd's *tgerr.Error, so code on
// either side of the gotd boundary reads the same error.
type RPCError struct {
	Code     int    // 420
	Message  string // FLOOD_WAIT_30, as sent
	Type     string // FLOOD_WAIT: Message without its numeric argument
	Argument int    // 30
}

// Error reads as gotd's tgerr.Error does, so an error's text does not depend
// on which of the two a caller looked at.
func (e *RPCError) Error() string {
	if e.Type != e.Message {
		return fmt.Sprintf("rpc error code %d: %s (%d)", e.Code, e.Type, e.Argument)
	}
	return fmt.Sprintf("rpc error code %d: %s", e.Code, e.Message)
}
