package localdc

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
	"tgpfs/proto/localdc/observe"
)

// pfsMethods are the bind and the drop
// (https://core.telegram.org/api/pfs). The bind is one of the three
// methods an unbound temporary key may call.
var pfsMethods = []method{
	{id: tg.AuthBindTempAuthKeyRequestTypeID, unbound: true, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthBindTempAuthKeyRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.bindTempKey(s.d, m, r)
	})},
	{id: tg.AuthDropTempAuthKeysRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthDropTempAuthKeysRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.dropTempKeys(s.d, m, r.ExceptAuthKeys), nil
	})},
}

// bindEnvelope is what a DC reads out of auth.bindTempAuthKey's
// encrypted_message after opening it with the permanent key.
type bindEnvelope struct {
	PermKeyID model.KeyID // the key id prefixing encrypted_message
	MsgID     int64
	SeqNo     int32
	Inner     crypto.BindAuthKeyInner
}

// bindInnerLen is the size of a serialised bind_auth_key_inner.
const bindInnerLen = 40

// errBindOpen is any failure to open encrypted_message. The causes are
// deliberately not told apart to the client: they all become
// ENCRYPTED_MESSAGE_INVALID.
var errBindOpen = errors.New("encrypted_message does not open")

// bindKeyID reads the permanent key id that prefixes encrypted_message.
func bindKeyID(encrypted []byte) (model.KeyID, error) {
	if len(encrypted) < 8 {
		return 0, fmt.Errorf("%w: %d bytes", errBindOpen, len(encrypted))
	}
	return model.KeyID(binary.LittleEndian.Uint64(encrypted)), nil
}

// openBindMessage decrypts auth.bindTempAuthKey's encrypted_message with the
// permanent key perm, the MTProto 1.0 way (pfs-protocol.md §4.2):
//
//	perm_auth_key_id (8) | msg_key (16) | AES-IGE(random16 | msg_id | seq_no | len | inner | pad 0..15)
//
// where msg_key = SHA1(plaintext without padding)[4:20] and the AES key and
// IV come from the MTProto 1.0 KDF with x = 0.
func openBindMessage(perm crypto.AuthKey, encrypted []byte) (*bindEnvelope, error) {
	const header = 8 + 16
	id, err := bindKeyID(encrypted)
	if err != nil {
		return nil, err
	}
	if id.Wire() != perm.ID {
		return nil, fmt.Errorf("%w: key id %s is not the permanent key's", errBindOpen, id)
	}
	if len(encrypted) < header+32+bindInnerLen || (len(encrypted)-header)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes", errBindOpen, len(encrypted))
	}
	body := encrypted[header:]
	var msgKey bin.Int128
	copy(msgKey[:], encrypted[8:header])

	key, iv := crypto.KeysV1(perm.Value, msgKey)
	plain, err := decryptIGE(body, key[:], iv[:])
	if err != nil {
		return nil, fmt.Errorf("bind %w", err)
	}

	n := int(int32(binary.LittleEndian.Uint32(plain[28:32])))
	if n != bindInnerLen || 32+n > len(plain) || len(plain)-(32+n) >= aes.BlockSize {
		return nil, fmt.Errorf("%w: message length %d in %d bytes", errBindOpen, n, len(plain))
	}
	want := crypto.MessageKeyV1(plain[:32+n])
	if subtle.ConstantTimeCompare(want[:], msgKey[:]) != 1 {
		return nil, fmt.Errorf("%w: msg_key mismatch", errBindOpen)
	}
	env := &bindEnvelope{
		PermKeyID: id,
		MsgID:     int64(binary.LittleEndian.Uint64(plain[16:24])),
		SeqNo:     int32(binary.LittleEndian.Uint32(plain[24:28])),
	}
	if err := env.Inner.Decode(&bin.Buffer{Buf: plain[32 : 32+n]}); err != nil {
		return nil, fmt.Errorf("%w: %v", errBindOpen, err)
	}
	return env, nil
}

// bindCarrier is what the DC knows about the message that carried
// auth.bindTempAuthKey: the fields the inner message must repeat.
type bindCarrier struct {
	MsgID     int64
	SessionID int64
	TempKeyID model.KeyID
	PermKeyID model.KeyID // outer perm_auth_key_id
	Nonce     int64
	ExpiresAt int
}

// checkBindEnvelope compares the opened inner message with the carrier and
// the outer arguments. Any difference is ENCRYPTED_MESSAGE_INVALID.
func checkBindEnvelope(env *bindEnvelope, c bindCarrier) error {
	in := env.Inner
	switch {
	case env.PermKeyID != c.PermKeyID:
		return fmt.Errorf("encrypted_message key %s, perm_auth_key_id %s", env.PermKeyID, c.PermKeyID)
	case model.KeyID(in.PermAuthKeyID) != c.PermKeyID:
		return fmt.Errorf("inner perm_auth_key_id %s, outer %s", model.KeyID(in.PermAuthKeyID), c.PermKeyID)
	case env.MsgID != c.MsgID:
		return fmt.Errorf("inner msg_id %#x, carrying message %#x", env.MsgID, c.MsgID)
	case in.TempSessionID != c.SessionID:
		return fmt.Errorf("temp_session_id %#x, carrying session %#x", in.TempSessionID, c.SessionID)
	case model.KeyID(in.TempAuthKeyID) != c.TempKeyID:
		return fmt.Errorf("temp_auth_key_id %s, request arrived on %s", model.KeyID(in.TempAuthKeyID), c.TempKeyID)
	case in.Nonce != c.Nonce:
		return fmt.Errorf("inner nonce %#x, outer %#x", in.Nonce, c.Nonce)
	case in.ExpiresAt != c.ExpiresAt:
		return fmt.Errorf("inner expires_at %d, outer %d", in.ExpiresAt, c.ExpiresAt)
	}
	return nil
}

// bindTempKey is auth.bindTempAuthKey.
func (c *Cluster) bindTempKey(d *dcServer, m inMsg, r *tg.AuthBindTempAuthKeyRequest) (bin.Encoder, *tgerr.Error) {
	temp := m.key
	if temp.kind != model.Temporary {
		return nil, rpcErr(400, "TEMP_AUTH_KEY_EMPTY")
	}
	invalid := rpcErr(400, "ENCRYPTED_MESSAGE_INVALID")
	encID, err := bindKeyID(r.EncryptedMessage)
	if err != nil {
		return nil, invalid
	}
	c.mu.Lock()
	perm, ok := d.keys[encID]
	c.mu.Unlock()
	if !ok || perm.kind != model.Permanent {
		return nil, invalid
	}
	env, err := openBindMessage(perm.key, r.EncryptedMessage)
	if err != nil {
		return nil, invalid
	}
	if err := checkBindEnvelope(env, bindCarrier{
		MsgID: m.msgID, SessionID: m.sess.id, TempKeyID: temp.id,
		PermKeyID: model.KeyID(r.PermAuthKeyID), Nonce: r.Nonce, ExpiresAt: r.ExpiresAt,
	}); err != nil {
		return nil, invalid
	}

	now := c.now()
	expiresAt := time.Unix(int64(r.ExpiresAt), 0)
	c.mu.Lock()
	defer c.mu.Unlock()
	if temp.permID != 0 && temp.permID != perm.id {
		return nil, rpcErr(400, "TEMP_AUTH_KEY_ALREADY_BOUND")
	}
	// expires_at is checked against the expiry the client asked for: the
	// DC may have capped (and may forget the key earlier than) that, as
	// Telegram may, without the client knowing.
	if !expiresAt.After(now) || expiresAt.After(temp.created.Add(temp.requested+bindSlack)) {
		return nil, rpcErr(400, "EXPIRES_AT_INVALID")
	}
	temp.permID, temp.boundAt = perm.id, now
	if expiresAt.Before(temp.expiresAt) {
		temp.expiresAt = expiresAt
	}
	c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvKeyBound, KeyID: temp.id, KeyKind: model.Temporary,
		PermID: perm.id, ExpiresAt: temp.expiresAt, UserID: perm.userID})
	return &tg.BoolTrue{}, nil
}

// dropTempKeys is auth.dropTempAuthKeys: every temporary key bound to the
// caller's permanent key, except the listed ones, is forgotten.
func (c *Cluster) dropTempKeys(d *dcServer, m inMsg, except []int64) bin.Encoder {
	keep := make(map[model.KeyID]bool, len(except))
	for _, id := range except {
		keep[model.KeyID(id)] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	perm := d.permFor(m.key)
	if perm == nil {
		return &tg.BoolFalse{}
	}
	now := c.now()
	for id, k := range d.keys {
		if k.kind == model.Temporary && k.permID == perm.id && !keep[id] {
			delete(d.keys, id)
			c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvKeyDropped, KeyID: id, KeyKind: model.Temporary, PermID: perm.id, Detail: "auth.dropTempAuthKeys"})
			c.observeKeyEnd(id, observe.Dropped)
		}
	}
	return &tg.BoolTrue{}
}
