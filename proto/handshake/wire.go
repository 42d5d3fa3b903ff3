package handshake

import (
	"context"
	"crypto/sha1" // #nosec G505 -- MTProto's handshake is defined with SHA1
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"

	"tgpfs/model"
	"tgpfs/proto/pq"
)

// This file is the exchange's wire: the unencrypted envelope every
// handshake message travels in, and the small checks the steps share.

// send writes one unencrypted message and records it.
func (hs *clientHandshakeState) send(ctx context.Context, name string, msg bin.Encoder) error {
	hs.buf.Reset()
	if err := msg.Encode(&hs.buf); err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	size := hs.buf.Len()
	id := int64(proto.NewMessageID(hs.now(), proto.MessageFromClient))
	if id <= hs.lastMsg {
		id = hs.lastMsg + 4
	}
	hs.lastMsg = id
	env := proto.UnencryptedMessage{MessageID: id, MessageData: append([]byte(nil), hs.buf.Buf...)}
	hs.buf.Reset()
	if err := env.Encode(&hs.buf); err != nil {
		return fmt.Errorf("encode %s envelope: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, hs.cfg.Timeout)
	defer cancel()
	if err := hs.conn.Send(ctx, &hs.buf); err != nil {
		return fmt.Errorf("send %s: %w", name, err)
	}
	hs.tr.Messages = append(hs.tr.Messages, model.TranscriptMessage{Dir: model.Sent, Type: name, Size: size, At: hs.now()})
	return nil
}

// recv reads one unencrypted message, records it, and decodes its body.
// A name of "" means the type is only known after decoding (renameLast).
func (hs *clientHandshakeState) recv(ctx context.Context, name string, decode func(*bin.Buffer) error) error {
	ctx, cancel := context.WithTimeout(ctx, hs.cfg.Timeout)
	defer cancel()
	hs.buf.Reset()
	if err := hs.conn.Recv(ctx, &hs.buf); err != nil {
		var perr *codec.ProtocolErr
		if errors.As(err, &perr) {
			return fmt.Errorf("waiting for %s: %w", orAnswer(name), &model.TransportError{Code: perr.Code})
		}
		return fmt.Errorf("waiting for %s: %w", orAnswer(name), err)
	}
	var env proto.UnencryptedMessage
	if err := env.Decode(&hs.buf); err != nil {
		return fmt.Errorf("decode %s envelope: %w", orAnswer(name), err)
	}
	if proto.MessageID(env.MessageID).Type() != proto.MessageServerResponse {
		return fmt.Errorf("%s: msg_id %x is not a server response id", orAnswer(name), env.MessageID)
	}
	hs.tr.Messages = append(hs.tr.Messages, model.TranscriptMessage{Dir: model.Received, Type: name, Size: len(env.MessageData), At: hs.now()})
	if err := decode(&bin.Buffer{Buf: env.MessageData}); err != nil {
		return fmt.Errorf("decode %s: %w", orAnswer(name), err)
	}
	return nil
}

func (hs *clientHandshakeState) renameLast(name string) {
	hs.tr.Messages[len(hs.tr.Messages)-1].Type = name
}

func orAnswer(name string) string {
	if name == "" {
		return "answer"
	}
	return name
}

// NewNonceHash is new_nonce_hash1/2/3: SHA1(new_nonce | n | aux_hash)[4:20].
func NewNonceHash(newNonce bin.Int256, n byte, aux [8]byte) (h bin.Int128) {
	var buf [32 + 1 + 8]byte
	copy(buf[:], newNonce[:])
	buf[32] = n
	copy(buf[33:], aux[:])
	sum := sha1.Sum(buf[:])
	copy(h[:], sum[4:20])
	return h
}

func factor(wire []byte) (p, q uint64, err error) {
	if len(wire) == 0 || len(wire) > 8 {
		return 0, 0, fmt.Errorf("pq is %d bytes, want 1..8", len(wire))
	}
	var n uint64
	for _, b := range wire {
		n = n<<8 | uint64(b)
	}
	if n > maxPQ {
		return 0, 0, fmt.Errorf("pq %d is above 2^63-1", n)
	}
	p, q, err = pq.Factor(n)
	if err != nil {
		return 0, 0, err
	}
	if p == q {
		return 0, 0, fmt.Errorf("pq %d is a square, factors must be distinct", n)
	}
	return p, q, nil
}

func beUint(v uint64) []byte {
	return new(big.Int).SetUint64(v).Bytes()
}

func sameNonce(got, want bin.Int128) error {
	if got != want {
		return fmt.Errorf("got %x, want %x", got[:], want[:])
	}
	return nil
}

// sameHash compares a hash the server sent with the one we computed, in
// constant time, as the server side does: how much of a hash matched must
// not show in how long the check took.
func sameHash(got, want []byte) error {
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return errors.New("mismatch")
	}
	return nil
}

func blockAligned(b []byte) error {
	if len(b) == 0 || len(b)%16 != 0 {
		return fmt.Errorf("%d bytes is not whole AES blocks", len(b))
	}
	return nil
}
