package localdc

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
)

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
//
// The seqno's parity is checked only where Telegram checks it: an API call
// with an even seqno gets bad_msg_notification 35. Service messages and
// containers are taken with either parity, as Telegram takes them (the
// spec asks for an even seqno on acks and containers, error 34; mtcute
// sends its acks, state requests and resend requests odd). See the
// leniency table in doc.go.
func (s *serverConn) dispatch(m inMsg) error {
	b := &bin.Buffer{Buf: m.body}
	id, err := b.PeekID()
	if err != nil {
		return fmt.Errorf("%w: empty message", errMalformed)
	}
	bad := func(code int) error {
		return s.send(m.key, m.sess, false, &mt.BadMsgNotification{BadMsgID: m.msgID, BadMsgSeqno: int(m.seqNo), ErrorCode: code})
	}
	switch id {
	case proto.MessageContainerTypeID:
		if m.nested {
			return bad(badContainer)
		}
		return s.container(m, b)
	case proto.GZIPTypeID:
		inner, err := gunzip(b, s.c.cfg.MaxFrame*4)
		if err != nil {
			return fmt.Errorf("%w: %v", errMalformed, err)
		}
		m.body = inner
		return s.dispatch(m)
	case idMsgsAck, idHTTPWait, idMsgsStateReq, idMsgResendReq, idMsgsStateInf, idMsgsAllInfo:
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
		// Answered as a message of its own, not in rpc_result: mtcute,
		// Telethon and tdlib read destroy_session_ok/none that way.
		var res bin.Encoder = &mt.DestroySessionNone{SessionID: r.SessionID}
		if s.c.destroySession(m.key, r.SessionID) {
			res = &mt.DestroySessionOk{SessionID: r.SessionID}
		}
		return s.send(m.key, m.sess, true, res)
	case idDestroyAuthKey:
		// Answered as a message of its own under the key, which the DC
		// then no longer has (mtcute reads destroy_auth_key_ok that way).
		var res = destroyAuthKeyRes(idDestroyAuthKeyNone)
		if s.c.destroyAuthKey(s.d, m.key) {
			res = idDestroyAuthKeyOk
		}
		return s.send(m.key, m.sess, true, res)
	case mt.RPCDropAnswerRequestTypeID:
		return s.result(m, &mt.RPCAnswerUnknown{})
	}
	if m.seqNo%2 == 0 {
		return bad(badSeqNoOddExpected)
	}
	res, err := s.call(m, b)
	if err != nil || res == nil {
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
	s.observeSent(k, msg)
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
