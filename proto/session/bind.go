package session

import (
	"context"
	"fmt"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
)

// BindRequest is what auth.bindTempAuthKey needs besides the session.
type BindRequest struct {
	Perm crypto.AuthKey // the permanent key; its bytes encrypt the inner message
	// ExpiresAt is the temp key's expiry in server time.
	ExpiresAt time.Time
	// Nonce is the random long shared by the outer call and the inner
	// message; 0 means draw one.
	Nonce int64
}

// BindResult describes a bind that the server accepted. It holds no key bytes.
type BindResult struct {
	Nonce     int64
	MsgID     int64 // of the message that carried the bind (and inside it)
	SessionID int64
	ExpiresAt time.Time
	Attempts  int // messages sent, > 1 when the server asked for a resend
}

// Bind binds this session's (temporary) key to req.Perm with
// auth.bindTempAuthKey, over this session.
//
// bind_auth_key_inner names the msg_id and session_id of the message that
// carries it, so encrypted_message is rebuilt (gotd's
// crypto.EncryptBindMessage, MTProto 1.0 under the permanent key) for every
// msg_id the session sends it under: a bad_server_salt resend gets a new
// encrypted_message, never a stale one. The bind is never wrapped in
// initConnection. RPC errors (ENCRYPTED_MESSAGE_INVALID, ...) come back as
// NewRPCError makes them; what to do about them is the caller's policy
// (model.Classify).
func (s *Session) Bind(ctx context.Context, req BindRequest) (BindResult, error) {
	nonce := req.Nonce
	if nonce == 0 {
		n, err := crypto.RandInt64(s.opts.Rand)
		if err != nil {
			return BindResult{}, fmt.Errorf("bind nonce: %w", err)
		}
		nonce = n
	}
	temp := s.key.IntID()
	perm := req.Perm.IntID()
	expires := int(req.ExpiresAt.Unix())
	attempts := 0
	build := func(msgID int64) (bin.Encoder, error) {
		attempts++
		enc, err := crypto.EncryptBindMessage(s.opts.Rand, req.Perm, msgID, &crypto.BindAuthKeyInner{
			Nonce: nonce, TempAuthKeyID: temp, PermAuthKeyID: perm, TempSessionID: s.id, ExpiresAt: expires,
		})
		if err != nil {
			return nil, fmt.Errorf("encrypt bind_auth_key_inner: %w", err)
		}
		return &tg.AuthBindTempAuthKeyRequest{PermAuthKeyID: perm, Nonce: nonce, ExpiresAt: expires, EncryptedMessage: enc}, nil
	}
	var ok tg.BoolBox
	msgID, err := s.Call(ctx, build, &ok)
	if err != nil {
		return BindResult{}, fmt.Errorf("auth.bindTempAuthKey: %w", err)
	}
	if _, yes := ok.Bool.(*tg.BoolTrue); !yes {
		return BindResult{}, fmt.Errorf("auth.bindTempAuthKey answered %v", ok.Bool)
	}
	return BindResult{Nonce: nonce, MsgID: msgID, SessionID: s.id, ExpiresAt: time.Unix(int64(expires), 0), Attempts: attempts}, nil
}
