package localdc

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"

	"tgpfs/model"
)

// headerTimeout bounds how long a new connection may take to send its
// transport header.
const headerTimeout = 30 * time.Second

// maxContainerMessages is the most messages a msg_container may hold.
const maxContainerMessages = 1024

// serverConn is one client TCP connection to a DC. One goroutine reads a
// frame, handles it and writes the answers, so nothing here needs locking
// except the cluster state it touches.
type serverConn struct {
	c     *Cluster
	d     *dcServer
	conn  net.Conn
	flood bool

	fc *frameConn
	x  serverExchange

	layer        int         // from invokeWithLayer; 0 until the client names one
	disconnectAt time.Time   // from ping_delay_disconnect
	client       *connClient // from initConnection, and the peer's address

	// wmu orders whole messages (msg_id, seq_no, write): besides this
	// connection's goroutine, the DC may push an update on it.
	wmu sync.Mutex
}

// errMalformed closes the connection: a frame that does not parse or
// decrypt. Only this connection is affected.
var errMalformed = errors.New("malformed frame")

func (s *serverConn) serve() {
	_ = s.conn.SetReadDeadline(time.Now().Add(headerTimeout))
	fc, err := detectTransport(s.conn, s.c.cfg.MaxFrame)
	if err != nil {
		return
	}
	s.fc = fc
	if s.flood {
		_ = s.fc.writeTransportError(codec.CodeTransportFlood)
		return
	}
	s.x = serverExchange{dc: s.d.protocolID, key: s.c.key, fp: s.c.fp, now: s.c.now}
	for {
		deadline := time.Now().Add(s.c.cfg.IdleTimeout)
		if !s.disconnectAt.IsZero() && s.disconnectAt.Before(deadline) {
			deadline = s.disconnectAt
		}
		_ = s.conn.SetReadDeadline(deadline)
		frame, err := s.fc.ReadFrame()
		if err != nil {
			return
		}
		err = s.handleFrame(frame.Buf)
		releaseFrame(frame)
		if err != nil {
			return
		}
	}
}

// handleFrame handles one transport frame. A returned error closes the
// connection.
func (s *serverConn) handleFrame(frame []byte) error {
	if len(frame) < 8 {
		return fmt.Errorf("%w: %d bytes", errMalformed, len(frame))
	}
	id := model.KeyID(binary.LittleEndian.Uint64(frame))
	if id == 0 {
		return s.handleUnencrypted(frame)
	}
	return s.handleEncrypted(id, frame)
}

// handleUnencrypted runs one step of a key exchange:
// auth_key_id = 0 | msg_id | length | body.
func (s *serverConn) handleUnencrypted(frame []byte) error {
	if len(frame) < 20 {
		return fmt.Errorf("%w: unencrypted message of %d bytes", errMalformed, len(frame))
	}
	msgID := int64(binary.LittleEndian.Uint64(frame[8:]))
	n := int(binary.LittleEndian.Uint32(frame[16:]))
	// Padded intermediate may leave up to 15 random bytes after the body.
	if n > len(frame)-20 || msgID%4 != 0 {
		_ = s.fc.writeTransportError(codec.CodeAuthKeyNotFound)
		return fmt.Errorf("%w: unencrypted message header", errMalformed)
	}
	answer, made, err := s.x.handle(frame[20 : 20+n])
	if err != nil {
		code := int32(codec.CodeAuthKeyNotFound)
		var xe *exchangeError
		if errors.As(err, &xe) {
			code = xe.code
		}
		_ = s.fc.writeTransportError(code)
		return err
	}
	var body bin.Buffer
	if err := answer.Encode(&body); err != nil {
		return fmt.Errorf("encode handshake answer: %w", err)
	}
	out := proto.UnencryptedMessage{MessageID: s.c.msgIDs.New(proto.MessageServerResponse), MessageData: body.Buf}
	var b bin.Buffer
	if err := out.Encode(&b); err != nil {
		return fmt.Errorf("encode unencrypted message: %w", err)
	}
	// The key must exist before the client hears dh_gen_ok: it may use it
	// on another connection at once.
	if made != nil {
		s.c.addKey(s.d, made)
	}
	return s.fc.Write(&b)
}

// handleEncrypted decrypts an MTProto 2.0 message and handles it.
func (s *serverConn) handleEncrypted(id model.KeyID, frame []byte) error {
	k, ok := s.c.lookupKey(s.d, id)
	if !ok {
		return s.fc.writeTransportError(codec.CodeAuthKeyNotFound)
	}
	if len(frame) < 24+32 {
		return fmt.Errorf("%w: encrypted message of %d bytes", errMalformed, len(frame))
	}
	data := frame[24:]
	// Padded intermediate appends 0..15 random bytes; the ciphertext is the
	// longest multiple of 16 that fits.
	data = data[:len(data)-len(data)%16]
	em := &crypto.EncryptedMessage{AuthKeyID: id.Wire(), EncryptedData: data}
	copy(em.MsgKey[:], frame[8:24])
	msg, err := s.c.cipher.Decrypt(k.key, em)
	if err != nil {
		return fmt.Errorf("%w: %v", errMalformed, err)
	}
	if len(msg.MessageDataWithPadding)-int(msg.MessageDataLen) < 12 {
		return fmt.Errorf("%w: padding under 12 bytes", errMalformed)
	}
	return s.handleMessage(k, msg)
}

// inMsg is one client message being handled: the carrying key, session and
// header fields, and the body.
type inMsg struct {
	key    *authKey
	sess   *session
	msgID  int64
	seqNo  int32
	body   []byte
	nested bool // inside a container
}

func (s *serverConn) handleMessage(k *authKey, msg *crypto.EncryptedMessageData) error {
	now := s.c.now()
	s.c.mu.Lock()
	sess := k.session(msg.SessionID, now)
	code := sess.checkMsgID(msg.MessageID, now)
	saltOK := msg.Salt == k.salt
	fresh := false
	if code == 0 && saltOK {
		sess.remember(msg.MessageID)
		fresh, sess.created = !sess.created, true
	}
	s.c.mu.Unlock()

	if code < 0 && isContainer(msg.Data()) {
		// A container may not reuse an earlier msg_id (error 19); any
		// other repeated message is a replay and is ignored.
		code = badMsgIDDuplicate
	}
	switch {
	case code < 0:
		return nil // a replay: ignored
	case code > 0:
		return s.send(k, sess, false, &mt.BadMsgNotification{BadMsgID: msg.MessageID, BadMsgSeqno: int(msg.SeqNo), ErrorCode: code})
	case !saltOK:
		return s.send(k, sess, false, &mt.BadServerSalt{BadMsgID: msg.MessageID, BadMsgSeqno: int(msg.SeqNo), ErrorCode: badServerSalt, NewServerSalt: k.salt})
	}
	if fresh {
		unique, _ := crypto.RandInt64(rand.Reader)
		if err := s.send(k, sess, true, &mt.NewSessionCreated{FirstMsgID: msg.MessageID, UniqueID: unique, ServerSalt: k.salt}); err != nil {
			return err
		}
	}
	s.c.live.note(s, k, sess)
	return s.dispatch(inMsg{key: k, sess: sess, msgID: msg.MessageID, seqNo: msg.SeqNo, body: msg.Data()})
}

// Service message constructors the DC acts on or ignores.
const (
	idMsgsAck      = 0x62d6b459
	idHTTPWait     = 0x9299359f
	idMsgsStateReq = 0xda69fb52
	idMsgResendReq = 0x7d861a08
	idMsgsStateInf = 0x04deb57d
	idMsgsAllInfo  = 0x8cc0d131
)

// dispatch handles one message body: a service message, a container, gzip,
// or an API call.
func (s *serverConn) dispatch(m inMsg) error {
	b := &bin.Buffer{Buf: m.body}
	id, err := b.PeekID()
	if err != nil {
		return fmt.Errorf("%w: empty message", errMalformed)
	}
	contentRelated := m.seqNo%2 == 1
	bad := func(code int) error {
		return s.send(m.key, m.sess, false, &mt.BadMsgNotification{BadMsgID: m.msgID, BadMsgSeqno: int(m.seqNo), ErrorCode: code})
	}
	switch id {
	case proto.MessageContainerTypeID:
		if m.nested {
			return bad(badContainer)
		}
		if contentRelated {
			return bad(badSeqNoEvenExpected)
		}
		return s.container(m, b)
	case proto.GZIPTypeID:
		inner, err := gunzip(b, s.c.cfg.MaxFrame*4)
		if err != nil {
			return fmt.Errorf("%w: %v", errMalformed, err)
		}
		m.body = inner
		return s.dispatch(m)
	case idMsgsAck:
		if contentRelated {
			return bad(badSeqNoEvenExpected)
		}
		return nil
	case idHTTPWait, idMsgsStateReq, idMsgResendReq, idMsgsStateInf, idMsgsAllInfo:
		return nil
	case mt.PingRequestTypeID:
		var r mt.PingRequest
		if err := r.Decode(b); err != nil {
			return fmt.Errorf("%w: ping: %v", errMalformed, err)
		}
		return s.send(m.key, m.sess, true, &mt.Pong{MsgID: m.msgID, PingID: r.PingID})
	case mt.PingDelayDisconnectRequestTypeID:
		var r mt.PingDelayDisconnectRequest
		if err := r.Decode(b); err != nil {
			return fmt.Errorf("%w: ping_delay_disconnect: %v", errMalformed, err)
		}
		// The DC closes the connection disconnect_delay seconds after the
		// last such ping unless another one comes.
		s.disconnectAt = time.Now().Add(time.Duration(r.DisconnectDelay) * time.Second)
		return s.send(m.key, m.sess, true, &mt.Pong{MsgID: m.msgID, PingID: r.PingID})
	case mt.GetFutureSaltsRequestTypeID:
		var r mt.GetFutureSaltsRequest
		if err := r.Decode(b); err != nil {
			return fmt.Errorf("%w: get_future_salts: %v", errMalformed, err)
		}
		now := int(s.c.now().Unix())
		// One salt per key that never rotates: a local DC has no reason
		// to, and clients must handle any valid answer.
		return s.send(m.key, m.sess, true, &mt.FutureSalts{ReqMsgID: m.msgID, Now: now,
			Salts: []mt.FutureSalt{{ValidSince: now - 60, ValidUntil: now + 24*3600, Salt: m.key.salt}}})
	case mt.DestroySessionRequestTypeID:
		var r mt.DestroySessionRequest
		if err := r.Decode(b); err != nil {
			return fmt.Errorf("%w: destroy_session: %v", errMalformed, err)
		}
		var res bin.Encoder = &mt.DestroySessionNone{SessionID: r.SessionID}
		if s.c.destroySession(m.key, r.SessionID) {
			res = &mt.DestroySessionOk{SessionID: r.SessionID}
		}
		return s.result(m, res)
	case mt.RPCDropAnswerRequestTypeID:
		return s.result(m, &mt.RPCAnswerUnknown{})
	}
	if !contentRelated {
		return bad(badSeqNoOddExpected)
	}
	res, err := s.call(m, b)
	if err != nil {
		return err
	}
	return s.result(m, res)
}

// container handles msg_container: each inner message gets the msg_id
// checks of a message of its own.
func (s *serverConn) container(m inMsg, b *bin.Buffer) error {
	var c proto.MessageContainer
	if err := c.Decode(b); err != nil || len(c.Messages) > maxContainerMessages {
		return s.send(m.key, m.sess, false, &mt.BadMsgNotification{BadMsgID: m.msgID, BadMsgSeqno: int(m.seqNo), ErrorCode: badContainer})
	}
	now := s.c.now()
	for _, in := range c.Messages {
		code := 0
		if in.ID >= m.msgID {
			code = badContainer
		}
		s.c.mu.Lock()
		if code == 0 {
			code = m.sess.checkMsgID(in.ID, now)
			if in.ID == m.msgID {
				code = badMsgIDDuplicate
			}
			if code == 0 {
				m.sess.remember(in.ID)
			}
		}
		s.c.mu.Unlock()
		if code < 0 {
			continue
		}
		if code > 0 {
			if err := s.send(m.key, m.sess, false, &mt.BadMsgNotification{BadMsgID: in.ID, BadMsgSeqno: in.SeqNo, ErrorCode: code}); err != nil {
				return err
			}
			continue
		}
		if err := s.dispatch(inMsg{key: m.key, sess: m.sess, msgID: in.ID, seqNo: int32(in.SeqNo), body: in.Body, nested: true}); err != nil {
			return err
		}
	}
	return nil
}

func isContainer(body []byte) bool {
	id, err := (&bin.Buffer{Buf: body}).PeekID()
	return err == nil && id == proto.MessageContainerTypeID
}

// gunzip unpacks gzip_packed, refusing more than limit bytes of output.
func gunzip(b *bin.Buffer, limit int) ([]byte, error) {
	if err := b.ConsumeID(proto.GZIPTypeID); err != nil {
		return nil, err
	}
	packed, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("gzip_packed: %w", err)
	}
	r, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return nil, fmt.Errorf("gzip_packed: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("gzip_packed: %w", err)
	}
	if len(out) > limit {
		return nil, fmt.Errorf("gzip_packed: more than %d bytes unpacked", limit)
	}
	return out, nil
}

// result answers an RPC call with rpc_result.
func (s *serverConn) result(m inMsg, res bin.Encoder) error {
	var b bin.Buffer
	if err := res.Encode(&b); err != nil {
		return fmt.Errorf("encode result %T: %w", res, err)
	}
	return s.send(m.key, m.sess, true, &proto.Result{RequestMessageID: m.msgID, Result: b.Buf})
}

// send encrypts one server message for the session and writes it.
func (s *serverConn) send(k *authKey, sess *session, contentRelated bool, msg bin.Encoder) error {
	var body bin.Buffer
	if err := msg.Encode(&body); err != nil {
		return fmt.Errorf("encode %T: %w", msg, err)
	}
	typ := proto.MessageFromServer
	if contentRelated {
		typ = proto.MessageServerResponse
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.c.mu.Lock()
	seq := sess.nextSeq(contentRelated)
	s.c.mu.Unlock()
	data := crypto.EncryptedMessageData{
		Salt:                   k.salt,
		SessionID:              sess.id,
		MessageID:              s.c.msgIDs.New(typ),
		SeqNo:                  seq,
		MessageDataLen:         int32(body.Len()),
		MessageDataWithPadding: body.Buf,
	}
	var out bin.Buffer
	if err := s.c.cipher.Encrypt(k.key, data, &out); err != nil {
		return fmt.Errorf("encrypt %T: %w", msg, err)
	}
	return s.fc.Write(&out)
}
