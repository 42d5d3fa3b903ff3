package soak

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"tgpfs/internal/faultnet"
	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/session"
)

// cutPhase is what the driver's errors call the part of a connection each
// cut kind hits ("connect: temporary key exchange: send ...", "rotate:
// auth.bindTempAuthKey: ...", "getConfig: help.getConfig: ..."). A user
// reads these messages, so they are checked as text: the test is about
// what the message tells, not about the error's type.
var cutPhase = map[string]string{
	CutHandshake: "key exchange",
	CutBind:      "auth.bindTempAuthKey",
	CutRPC:       "help.getConfig",
}

// namesStep reports whether err, the error of the run's step, says what
// failed: it starts with the action ("connect: ...") and something after
// it, and for a cut it names the part of the connection that was cut.
func namesStep(kind, step string, err error) bool {
	rest, ok := strings.CutPrefix(err.Error(), step+": ")
	if !ok || strings.TrimSpace(rest) == "" {
		return false
	}
	phase, isCut := cutPhase[kind]
	return !isCut || strings.Contains(rest, phase)
}

// Classify names an error for counting: the step that failed and the
// cause.
func Classify(step string, err error) string { return step + ": " + Cause(err) }

// Cause names what ended a step, from the error's chain: errors.Is and
// errors.As on the types the layers wrap with %w, never the error's text.
// The real server's rules (RPC errors, transport codes) are read by their
// one owner, model.Classify; everything else here is the network and the
// client's checks.
func Cause(err error) string {
	var (
		check  *handshake.CheckError
		netErr net.Error
	)
	switch rule := model.Classify(err, model.KeyState{}).Kind; {
	case errors.Is(err, faultnet.ErrInjected):
		return "cut"
	case rule == model.EncryptedMessageInvalid:
		return "ENCRYPTED_MESSAGE_INVALID"
	case rule == model.AuthKeyPermEmpty:
		return "AUTH_KEY_PERM_EMPTY"
	case rule == model.TransportNotFound:
		return "-404"
	case rule == model.TransportFlood:
		return "-429"
	case rule == model.TransportBadDC:
		return "-444"
	case errors.As(err, &check):
		return "check failed"
	case errors.Is(err, session.ErrDecrypt):
		return "decrypt failed"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return "closed"
	}
	return "other"
}
