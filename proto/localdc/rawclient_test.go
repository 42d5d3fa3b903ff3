package localdc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/handshake"
)

// rawClient is a deliberately low-level MTProto client for tests: it makes
// keys with gotd's exchange and then builds every message itself, so a
// test can corrupt any single field of what it sends.
type rawClient struct {
	t      testing.TB
	conn   transport.Conn
	key    crypto.AuthKey
	salt   int64
	sess   int64
	cipher crypto.Cipher
	ids    *proto.MessageIDGen
	seq    int32
	// pending holds messages read while waiting for something else.
	pending []*crypto.EncryptedMessageData
	// skipped records every message await read past.
	skipped []*crypto.EncryptedMessageData
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	return dialRawProto(t, addr, transport.Intermediate)
}

func dialRawProto(t testing.TB, addr string, p transport.Protocol) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return dialRawConn(t, nc, p)
}

func newRawClient(t testing.TB, conn transport.Conn) *rawClient {
	return &rawClient{t: t, conn: conn, cipher: crypto.NewClientCipher(rand.Reader), ids: proto.NewMessageIDGen(time.Now)}
}

func testPublicKeys() []exchange.PublicKey {
	return []exchange.PublicKey{{RSA: &TestPrivateKey().PublicKey}}
}

// exchange makes a key; ttl > 0 makes a temporary key.
func (c *rawClient) exchange(dc int, ttl time.Duration) (exchange.ClientExchangeResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x := exchange.NewExchanger(c.conn, dc).WithTimeout(30 * time.Second)
	if ttl > 0 {
		x = x.WithTempMode(int(ttl / time.Second))
	}
	return x.Client(testPublicKeys()).Run(ctx)
}

func (c *rawClient) mustExchange(dc int, ttl time.Duration) crypto.AuthKey {
	c.t.Helper()
	r, err := c.exchange(dc, ttl)
	if err != nil {
		c.t.Fatalf("key exchange: %v", err)
	}
	c.use(r.AuthKey, r.ServerSalt)
	return r.AuthKey
}

// use switches the client to key with a fresh session.
func (c *rawClient) use(key crypto.AuthKey, salt int64) {
	c.key, c.salt = key, salt
	c.sess, _ = crypto.RandInt64(rand.Reader)
	c.seq = 0
	c.pending = nil
}

func (c *rawClient) nextMsg(content bool) (int64, int32) {
	id := c.ids.New(proto.MessageFromClient)
	seq := c.seq * 2
	if content {
		seq++
		c.seq++
	}
	return id, seq
}

// sendRaw sends one encrypted message with the given header fields.
func (c *rawClient) sendRaw(salt, sess, msgID int64, seq int32, body []byte) {
	c.t.Helper()
	var b bin.Buffer
	data := crypto.EncryptedMessageData{Salt: salt, SessionID: sess, MessageID: msgID, SeqNo: seq,
		MessageDataLen: int32(len(body)), MessageDataWithPadding: body}
	if err := c.cipher.Encrypt(c.key, data, &b); err != nil {
		c.t.Fatalf("encrypt: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.conn.Send(ctx, &b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func encode(t testing.TB, e bin.Encoder) []byte {
	t.Helper()
	var b bin.Buffer
	if err := e.Encode(&b); err != nil {
		t.Fatalf("encode %T: %v", e, err)
	}
	return b.Buf
}

// recv reads the next server message, or the transport error code (e.g.
// 404) the server sent instead.
func (c *rawClient) recv() (*crypto.EncryptedMessageData, int32, error) {
	if len(c.pending) > 0 {
		m := c.pending[0]
		c.pending = c.pending[1:]
		return m, 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b bin.Buffer
	if err := c.conn.Recv(ctx, &b); err != nil {
		var pe *codec.ProtocolErr
		if errors.As(err, &pe) {
			return nil, pe.Code, nil
		}
		return nil, 0, err
	}
	m, err := c.cipher.DecryptFromBuffer(c.key, &b)
	if err != nil {
		return nil, 0, fmt.Errorf("decrypt server message: %w", err)
	}
	return m, 0, nil
}

// answer is what came back for one request.
type answer struct {
	result    []byte       // rpc_result body
	rpcErr    *tgerr.Error // rpc_error inside rpc_result
	transport int32        // transport error code
	badMsg    int          // bad_msg_notification / bad_server_salt code
	newSalt   int64
	service   []byte // a direct (non rpc_result) reply, e.g. pong
}

// roundTrip sends body as a message with the given header and waits for the
// server's reaction to that msg_id.
func (c *rawClient) roundTrip(salt, sess, msgID int64, seq int32, body []byte) answer {
	c.t.Helper()
	c.sendRaw(salt, sess, msgID, seq, body)
	return c.await(msgID)
}

func (c *rawClient) await(msgID int64) answer {
	c.t.Helper()
	for {
		m, code, err := c.recv()
		if err != nil {
			c.t.Fatalf("recv: %v", err)
		}
		if code != 0 {
			return answer{transport: code}
		}
		c.skipped = append(c.skipped, m)
		b := &bin.Buffer{Buf: m.Data()}
		id, _ := b.PeekID()
		switch id {
		case proto.ResultTypeID:
			var r proto.Result
			if err := r.Decode(b); err != nil {
				c.t.Fatalf("decode rpc_result: %v", err)
			}
			if r.RequestMessageID != msgID {
				continue
			}
			rb := &bin.Buffer{Buf: r.Result}
			if rid, _ := rb.PeekID(); rid == mt.RPCErrorTypeID {
				var e mt.RPCError
				if err := e.Decode(rb); err != nil {
					c.t.Fatalf("decode rpc_error: %v", err)
				}
				return answer{rpcErr: tgerr.New(e.ErrorCode, e.ErrorMessage)}
			}
			return answer{result: r.Result}
		case mt.BadMsgNotificationTypeID:
			var n mt.BadMsgNotification
			_ = n.Decode(b)
			if n.BadMsgID == msgID {
				return answer{badMsg: n.ErrorCode}
			}
		case mt.BadServerSaltTypeID:
			var n mt.BadServerSalt
			_ = n.Decode(b)
			if n.BadMsgID == msgID {
				return answer{badMsg: n.ErrorCode, newSalt: n.NewServerSalt}
			}
		case mt.PongTypeID:
			var p mt.Pong
			_ = p.Decode(b)
			if p.MsgID == msgID {
				return answer{service: m.Data()}
			}
		case mt.FutureSaltsTypeID, mt.DestroySessionOkTypeID, mt.DestroySessionNoneTypeID, idDestroyAuthKeyOk, idDestroyAuthKeyNone:
			return answer{service: m.Data()}
		}
	}
}

// call sends req as a content-related message in the current session.
func (c *rawClient) call(req bin.Encoder) answer {
	c.t.Helper()
	id, seq := c.nextMsg(true)
	return c.roundTrip(c.salt, c.sess, id, seq, encode(c.t, req))
}

// callBody is call for a pre-encoded body with a chosen msg_id.
func (c *rawClient) callWithID(id int64, body []byte) answer {
	c.t.Helper()
	_, seq := c.nextMsg(true)
	return c.roundTrip(c.salt, c.sess, id, seq, body)
}

func (a answer) errType() string {
	if a.rpcErr == nil {
		return ""
	}
	return a.rpcErr.Message
}

func (a answer) decode(t testing.TB, into bin.Decoder) {
	t.Helper()
	if a.rpcErr != nil || a.transport != 0 || a.badMsg != 0 {
		t.Fatalf("want a result, got %+v", a)
	}
	if err := into.Decode(&bin.Buffer{Buf: a.result}); err != nil {
		t.Fatalf("decode %T: %v", into, err)
	}
}

// quickClient makes a permanent key with tgpfs's own exchange client,
// which costs little more than its two modular exponentiations (gotd's
// proves the prime every time): on a loaded machine the DC's short
// deadlines in these tests must not be raced by the client's own work.
func quickClient(t testing.TB, c *Cluster, dc int) *rawClient {
	t.Helper()
	rc := dialRaw(t, c.Addr(dc))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := handshake.Run(ctx, rc.conn, handshake.Config{Kind: model.Permanent, DC: c.ProtocolDC(dc), Keys: []*rsa.PublicKey{c.PublicKey()}})
	if err != nil {
		t.Fatalf("key exchange on dc %d: %v", dc, err)
	}
	rc.use(res.Key, res.Salt)
	return rc
}
