package localdc

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"

	"tgpfs/model"
)

// maxContainerMessages is the most messages a msg_container may hold.
const maxContainerMessages = 1024

// serverConn is one client TCP connection to a DC. One goroutine reads a
// frame, handles it and writes the answers, so nothing here needs locking
// except the cluster state it touches.
type serverConn struct {
	c    *Cluster
	d    *dcServer
	conn net.Conn
	slot *connSlot // the DC's record of this connection
	// authed: the connection made a key or sent a frame under a key the
	// DC holds (see Config.KeyExchangeTimeout).
	authed bool
	// progress is when an unauthenticated connection last got somewhere:
	// accepted, or a key exchange step answered.
	progress time.Time

	fc *frameConn
	x  serverExchange

	// layer is from invokeWithLayer, 0 until the client names one. The
	// connection's goroutine sets it; a push from another reads it.
	layer        atomic.Int32
	reqBuf       []byte      // the last call in layer 229's form (layer.go)
	disconnectAt time.Time   // from ping_delay_disconnect
	client       *connClient // from initConnection, and the peer's address

	// wmu orders whole messages (msg_id, seq_no, write): besides this
	// connection's goroutine, the DC may push an update on it.
	wmu sync.Mutex

	obs   connObs   // observe.go
	probe connProbe // scenario_handshake.go
}

// errMalformed closes the connection: a frame that does not parse or
// decrypt. Only this connection is affected.
var errMalformed = errors.New("malformed frame")

func (s *serverConn) serve() {
	defer s.observeClosed()
	s.progress = s.slot.accepted
	_ = s.conn.SetReadDeadline(s.progress.Add(s.c.cfg.KeyExchangeTimeout))
	fc, err := detectTransport(s.conn, s.c.cfg.MaxFrame)
	if err != nil {
		s.closedBy(err)
		return
	}
	s.fc = fc
	s.x = serverExchange{dc: s.d.protocolID, key: s.c.key, fp: s.c.fp, now: s.c.now}
	for {
		_ = s.conn.SetReadDeadline(s.deadline())
		frame, err := s.fc.ReadFrame()
		if err != nil {
			s.closedBy(err)
			return
		}
		err = s.handleFrame(frame.Buf)
		releaseFrame(frame)
		if err != nil {
			return
		}
	}
}

// deadline is when the connection is closed unless its next frame has
// arrived: IdleTimeout from now; KeyExchangeTimeout from its last progress
// while it has not authenticated (a socket that trickles bytes never makes
// progress); earlier if a ping_delay_disconnect asks for it.
func (s *serverConn) deadline() time.Time {
	d := time.Now().Add(s.c.cfg.IdleTimeout)
	if !s.authed {
		d = earliest(d, s.progress.Add(s.c.cfg.KeyExchangeTimeout))
	}
	if !s.disconnectAt.IsZero() {
		d = earliest(d, s.disconnectAt)
	}
	return d
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// closedBy notes why reading ended on a connection that has not
// authenticated: a KeyExchangeTimeout is counted, and bytes no client of
// any transport sends are an event, so that tgpfs dc -v explains a client
// that could not even start a key exchange. A peer that just went away is
// neither.
func (s *serverConn) closedBy(err error) {
	switch {
	case s.authed:
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.timedOut()
	case errors.Is(err, errTransport), errors.Is(err, errFrameTooBig), errors.Is(err, errFrameShort), errors.Is(err, errFrameCheck):
		transport := "transport"
		if s.fc != nil {
			transport = s.fc.name
		}
		s.c.emit(model.ServerEvent{DC: s.d.id, Kind: model.SrvHandshakeFailed, Detail: transport + ": " + err.Error() + ", connection closed"})
	}
}

// refuse answers a connection the DC has no room for with transport error
// -429, in the client's framing once its transport header has come.
func (s *serverConn) refuse() {
	_ = s.conn.SetReadDeadline(time.Now().Add(min(refuseTimeout, s.c.cfg.KeyExchangeTimeout)))
	fc, err := detectTransport(s.conn, s.c.cfg.MaxFrame)
	if err != nil {
		return
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(refuseTimeout))
	_ = fc.writeTransportError(codec.CodeTransportFlood)
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
// auth_key_id = 0 | msg_id | length | body. A refused step is answered
// with its transport error and reported as an event naming the step and
// the reason, then the connection closes.
func (s *serverConn) handleUnencrypted(frame []byte) error {
	answer, made, err := s.exchangeStepProbed(frame)
	if err != nil {
		s.observeRefused()
		xe := asExchangeError(err)
		s.c.emit(model.ServerEvent{DC: s.d.id, Kind: model.SrvHandshakeFailed,
			Detail: xe.Error() + " over " + s.fc.name})
		_ = s.fc.writeTransportError(xe.code)
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
	s.progress = time.Now()
	// The key must exist before the client hears dh_gen_ok: it may use it
	// on another connection at once.
	if made != nil {
		s.c.addKey(s.d, made, s.fc.name)
		s.observeKeyMade(made)
		s.authenticate()
	}
	return s.fc.Write(&b)
}

// exchangeStep checks an unencrypted message's envelope and runs the key
// exchange step it carries.
func (s *serverConn) exchangeStep(frame []byte) (bin.Encoder, *madeKey, error) {
	if len(frame) < 20 {
		return nil, nil, refused("message", refuseEnvelope, "%d bytes, under the 20-byte header", len(frame))
	}
	msgID := int64(binary.LittleEndian.Uint64(frame[8:]))
	n := int64(binary.LittleEndian.Uint32(frame[16:]))
	// Padded intermediate may leave up to 15 random bytes after the body.
	if n > int64(len(frame)-20) {
		return nil, nil, refused("message", refuseEnvelope, "message_data_length %d in a %d-byte frame", n, len(frame))
	}
	if msgID%4 != 0 {
		return nil, nil, refused("message", refuseEnvelope, "msg_id %#x not divisible by 4", msgID)
	}
	return s.x.handle(frame[20 : 20+n])
}

// handleEncrypted decrypts an MTProto 2.0 message and handles it.
func (s *serverConn) handleEncrypted(id model.KeyID, frame []byte) error {
	k, ok := s.c.lookupKey(s.d, id)
	if !ok {
		s.observeUnknownKey(id)
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
	s.authenticate()
	s.observeKeyUse(k)
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
		s.observeReplay(k)
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
