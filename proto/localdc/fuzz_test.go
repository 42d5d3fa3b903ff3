package localdc

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// fuzzConn is a server connection whose answers go nowhere, on a cluster
// that holds one bound temporary key (the §8.1 sample key as permanent key).
type fuzzConn struct {
	s    *serverConn
	perm *authKey
	temp *authKey
}

func newFuzzConn(tb testing.TB) *fuzzConn {
	c, err := Start(context.Background(), Config{DCs: 2, SweepEvery: time.Hour})
	if err != nil {
		tb.Fatalf("start: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	d := c.dc(1)
	perm := &authKey{key: sampleKey(tb), kind: model.Permanent, dc: 1, created: time.Now(), salt: 7}
	perm.id = model.KeyID(perm.key.IntID())
	var tk crypto.Key
	tk[0], tk[255] = 0x42, 0x24
	temp := &authKey{key: tk.WithID(), kind: model.Temporary, dc: 1, created: time.Now(), salt: 9,
		requested: time.Hour, expiresAt: time.Now().Add(time.Hour), permID: perm.id}
	temp.id = model.KeyID(temp.key.IntID())
	c.mu.Lock()
	d.keys[perm.id], d.keys[temp.id] = perm, temp
	c.mu.Unlock()
	s := &serverConn{c: c, d: d, fc: &frameConn{codec: codec.Intermediate{}, w: io.Discard, maxFrame: 1 << 16}}
	s.x = serverExchange{dc: 1, key: c.key, fp: c.fp, now: c.now}
	return &fuzzConn{s: s, perm: perm, temp: temp}
}

// sealed encrypts body as a client message under k with a valid header.
func sealed(tb testing.TB, k *authKey, body []byte) []byte {
	var b bin.Buffer
	data := crypto.EncryptedMessageData{Salt: k.salt, SessionID: 1, MessageID: int64(proto.NewMessageID(time.Now(), proto.MessageFromClient)),
		SeqNo: 1, MessageDataLen: int32(len(body)), MessageDataWithPadding: body}
	if err := crypto.NewClientCipher(rand.Reader).Encrypt(k.key, data, &b); err != nil {
		tb.Fatalf("encrypt: %v", err)
	}
	return b.Buf
}

func unencrypted(tb testing.TB, body bin.Encoder) []byte {
	var b bin.Buffer
	m := proto.UnencryptedMessage{MessageID: int64(proto.NewMessageID(time.Now(), proto.MessageFromClient)), MessageData: encode(tb, body)}
	if err := m.Encode(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Buf
}

// FuzzHandleFrame feeds whole transport frames to a DC connection: it must
// never panic, whatever the frame says.
func FuzzHandleFrame(f *testing.F) {
	fc := newFuzzConn(f)
	f.Add(unencrypted(f, &mt.ReqPqMultiRequest{}))
	f.Add(unencrypted(f, &mt.ReqDHParamsRequest{EncryptedData: make([]byte, 256)}))
	f.Add(unencrypted(f, &mt.SetClientDHParamsRequest{EncryptedData: make([]byte, 32)}))
	f.Add(sealed(f, fc.temp, encode(f, &tg.HelpGetConfigRequest{})))
	f.Add(sealed(f, fc.perm, encode(f, &mt.PingRequest{PingID: 1})))
	f.Add(bytes.Repeat([]byte{0xff}, 64))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, frame []byte) {
		fc.s.x = serverExchange{dc: 1, key: fc.s.c.key, fp: fc.s.c.fp, now: fc.s.c.now}
		_ = fc.s.handleFrame(frame)
	})
}

// FuzzDispatch feeds decrypted message bodies (service messages,
// containers, gzip, wrapped API calls) to the message handler.
func FuzzDispatch(f *testing.F) {
	fc := newFuzzConn(f)
	inner := encode(f, &tg.HelpGetConfigRequest{})
	var wrapped bin.Buffer
	wrapped.PutID(idInvokeWithLayer)
	wrapped.PutInt(200)
	_ = (&tg.InitConnectionRequest{APIID: 1, Query: &rawQuery{body: inner}}).Encode(&wrapped)
	var cont bin.Buffer
	_ = (&proto.MessageContainer{Messages: []proto.Message{{ID: 4, SeqNo: 1, Bytes: len(inner), Body: inner}}}).Encode(&cont)
	var gz bin.Buffer
	_ = (proto.GZIP{Data: inner}).Encode(&gz)
	for _, seed := range [][]byte{inner, wrapped.Buf, cont.Buf, gz.Buf,
		encode(f, &mt.MsgsAck{MsgIDs: []int64{1, 2}}),
		encode(f, &mt.PingDelayDisconnectRequest{PingID: 1, DisconnectDelay: 75}),
		encode(f, &mt.GetFutureSaltsRequest{Num: 3}),
		encode(f, &tg.AuthDropTempAuthKeysRequest{ExceptAuthKeys: []int64{1}}),
		encode(f, &tg.AuthSendCodeRequest{PhoneNumber: "9996612345"}),
		encode(f, &tg.AuthBindTempAuthKeyRequest{EncryptedMessage: make([]byte, 104)}),
	} {
		f.Add(seed, int32(1))
	}
	f.Fuzz(func(t *testing.T, body []byte, seq int32) {
		for _, k := range []*authKey{fc.temp, fc.perm} {
			sess := &session{id: 1}
			msgID := int64(proto.NewMessageID(time.Now(), proto.MessageFromClient))
			_ = fc.s.dispatch(inMsg{key: k, sess: sess, msgID: msgID, seqNo: seq, body: body})
		}
	})
}

// FuzzOpenBindMessage feeds encrypted_message values to the bind decoder.
func FuzzOpenBindMessage(f *testing.F) {
	key := sampleKey(f)
	f.Add(unhex(f, vecEncryptedMessage))
	f.Add(unhex(f, vecEncryptedMessage)[:50])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, enc []byte) {
		env, err := openBindMessage(key, enc)
		if err == nil && env.PermKeyID != model.KeyID(key.IntID()) {
			t.Fatalf("opened a message for key %s with key %s", env.PermKeyID, model.KeyID(key.IntID()))
		}
	})
}
