// Package session is a small MTProto 2.0 encrypted session on one transport
// connection: it sends requests under one auth key and reads until their
// rpc_result, handling the service messages a DC sends along the way
// (new_session_created, bad_server_salt, bad_msg_notification, msgs_ack,
// msg_container, gzip_packed, pong).
//
// tgpfs uses it for traffic on temporary keys instead of gotd's mtproto.Conn
// because the PFS story needs control gotd keeps private: the bind must
// choose its own msg_id and rebuild encrypted_message when the server asks
// for a resend; a -404 must surface as an event, not as a silent
// reconnect; and there must be no code path that runs a key exchange on
// the connection. The cryptography is gotd's (crypto.Cipher, KDF, IGE) and
// so are the TL types (mt, proto, tg); the session adds only the loop.
//
// A Session serves one call at a time and starts no goroutines: every read
// happens inside a call, under its context.
package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/transport"

	"tgpfs/model"
)

// ErrDecrypt is in the chain of every error from a server frame that does
// not decrypt under the session's key (wrong msg_key, bad padding, a
// flipped byte): the frame is dropped and the session is no good.
var ErrDecrypt = errors.New("decrypt server message")

// Note is a service message the session handled, for the UI's log.
type Note struct {
	Kind   string // "new_session_created", "bad_server_salt", "msgs_ack", "resend", ...
	Detail string
}

// Options tune a session. The zero value works.
type Options struct {
	Now     func() time.Time // local clock; nil = time.Now
	Rand    io.Reader        // nil = crypto/rand
	Offset  time.Duration    // server time minus local time, from the handshake
	Timeout time.Duration    // per call; 0 = 30 s
	// Wrap is applied to the query of the first Invoke (not to Call), for
	// invokeWithLayer(initConnection(...)). It is cleared once a call with
	// it got any answer from the server.
	Wrap func(query bin.Object) bin.Object
	// Notify sees every service message handled; may be nil. It is called
	// synchronously from the call that read the message.
	Notify func(Note)
	// MaxResends bounds resends of one call (bad_server_salt and friends).
	MaxResends int
}

// Session is an encrypted MTProto session under one auth key.
type Session struct {
	mu      sync.Mutex // one call at a time
	conn    transport.Conn
	key     crypto.AuthKey
	cipher  crypto.Cipher
	opts    Options
	salt    int64
	id      int64
	lastID  int64
	content int32   // content-related messages sent, for seq_no
	acks    []int64 // server msg_ids to acknowledge with the next send
	wrap    func(bin.Object) bin.Object
	buf     bin.Buffer
}

// New starts a session with a fresh random session_id.
func New(conn transport.Conn, key crypto.AuthKey, salt int64, opts Options) (*Session, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxResends == 0 {
		opts.MaxResends = 4
	}
	id, err := crypto.NewSessionID(opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("session id: %w", err)
	}
	return &Session{conn: conn, key: key, cipher: crypto.NewClientCipher(opts.Rand), opts: opts,
		salt: salt, id: id, wrap: opts.Wrap}, nil
}

// ID is the session_id every message of this session carries.
func (s *Session) ID() int64 { return s.id }

// KeyID is the auth_key_id of the session's key.
func (s *Session) KeyID() [8]byte { return s.key.ID }

// ServerNow is the current server time as this session estimates it.
func (s *Session) ServerNow() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Now().Add(s.opts.Offset)
}

// Invoke implements tg.Invoker: it sends in as an RPC query and decodes the
// result into out. RPC errors come back as NewRPCError makes them: errors.As
// finds both a *model.RPCError and gotd's *tgerr.Error.
func (s *Session) Invoke(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
	s.mu.Lock()
	wrap := s.wrap
	s.mu.Unlock()
	build := func(int64) (bin.Encoder, error) { return in, nil }
	if wrap != nil {
		build = func(int64) (bin.Encoder, error) { return wrap(object{in}), nil }
	}
	_, err := s.Call(ctx, build, out)
	if wrap != nil && !isTransport(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		s.mu.Lock()
		s.wrap = nil
		s.mu.Unlock()
	}
	return err
}

// Call sends the query that build returns for a msg_id and reads until its
// result. build is called again with a new msg_id whenever the server asks
// for a resend (bad_server_salt, msg_id out of range), so a query that
// embeds its own msg_id, like the bind, can be rebuilt. It returns the
// msg_id that got the answer.
func (s *Session) Call(ctx context.Context, build func(msgID int64) (bin.Encoder, error), out bin.Decoder) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()

	for attempt := 0; ; attempt++ {
		if attempt > s.opts.MaxResends {
			return 0, fmt.Errorf("gave up after %d resends", attempt-1)
		}
		msgID := s.newMsgID()
		q, err := build(msgID)
		if err != nil {
			return 0, fmt.Errorf("build query: %w", err)
		}
		if err := s.flushAcks(ctx); err != nil {
			return 0, err
		}
		if err := s.send(ctx, msgID, true, q); err != nil {
			return 0, err
		}
		resend, err := s.readResult(ctx, msgID, out)
		if err != nil {
			return msgID, err
		}
		if !resend {
			return msgID, s.flushAcks(ctx)
		}
	}
}

type object struct{ bin.Encoder }

func (object) Decode(*bin.Buffer) error { return errors.New("query is encode-only") }

func isTransport(err error) bool {
	_, ok := model.TransportCode(err)
	return ok
}

func (s *Session) newMsgID() int64 {
	id := int64(proto.NewMessageID(s.opts.Now().Add(s.opts.Offset), proto.MessageFromClient))
	if id <= s.lastID {
		id = s.lastID + 4
	}
	s.lastID = id
	return id
}

func (s *Session) seqNo(contentRelated bool) int32 {
	if !contentRelated {
		return s.content * 2
	}
	s.content++
	return s.content*2 - 1
}

func (s *Session) send(ctx context.Context, msgID int64, contentRelated bool, body bin.Encoder) error {
	data := crypto.EncryptedMessageData{
		Salt: s.salt, SessionID: s.id, MessageID: msgID, SeqNo: s.seqNo(contentRelated), Message: body,
	}
	if err := s.cipher.Encrypt(s.key, data, &s.buf); err != nil {
		return fmt.Errorf("encrypt message: %w", err)
	}
	if err := s.conn.Send(ctx, &s.buf); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

func (s *Session) flushAcks(ctx context.Context) error {
	if len(s.acks) == 0 {
		return nil
	}
	ack := &mt.MsgsAck{MsgIDs: s.acks}
	s.acks = nil
	return s.send(ctx, s.newMsgID(), false, ack)
}

func (s *Session) note(kind, format string, args ...any) {
	if s.opts.Notify != nil {
		s.opts.Notify(Note{Kind: kind, Detail: fmt.Sprintf(format, args...)})
	}
}

// readResult reads frames until the answer to msgID. resend reports that
// the server asked for the query again under a new msg_id.
func (s *Session) readResult(ctx context.Context, msgID int64, out bin.Decoder) (resend bool, err error) {
	for {
		s.buf.Reset()
		if err := s.conn.Recv(ctx, &s.buf); err != nil {
			var perr *codec.ProtocolErr
			if errors.As(err, &perr) {
				return false, &model.TransportError{Code: perr.Code}
			}
			return false, fmt.Errorf("receive: %w", err)
		}
		msg, err := s.cipher.DecryptFromBuffer(s.key, &s.buf)
		if err != nil {
			return false, fmt.Errorf("%w: %w", ErrDecrypt, err)
		}
		if msg.SessionID != s.id {
			return false, fmt.Errorf("server message for session %x, ours is %x", msg.SessionID, s.id)
		}
		if msg.MessageID&1 == 0 {
			return false, fmt.Errorf("server msg_id %x is even", msg.MessageID)
		}
		r := reader{s: s, want: msgID, out: out}
		if err := r.handle(msg.MessageID, msg.SeqNo, msg.Data()); err != nil {
			return false, err
		}
		if r.done || r.resend {
			return r.resend, r.err
		}
	}
}

// reader walks one server message (which may be a container) looking for
// the answer to want.
type reader struct {
	s      *Session
	want   int64
	out    bin.Decoder
	done   bool
	resend bool
	nested bool  // inside a container: containers do not nest
	err    error // the RPC error answered, if any
}

func (r *reader) handle(msgID int64, seqNo int32, body []byte) error {
	if seqNo&1 == 1 {
		r.s.acks = append(r.s.acks, msgID)
	}
	b := &bin.Buffer{Buf: body}
	id, err := b.PeekID()
	if err != nil {
		return fmt.Errorf("server message: %w", err)
	}
	switch id {
	case proto.MessageContainerTypeID:
		if r.nested {
			return errors.New("msg_container inside a msg_container")
		}
		var c proto.MessageContainer
		if err := c.Decode(b); err != nil {
			return fmt.Errorf("msg_container: %w", err)
		}
		r.s.note("msg_container", "%d messages", len(c.Messages))
		r.nested = true
		defer func() { r.nested = false }()
		for _, m := range c.Messages {
			if err := r.handle(m.ID, int32(m.SeqNo), m.Body); err != nil {
				return err
			}
		}
		return nil
	case proto.GZIPTypeID:
		var g proto.GZIP
		if err := g.Decode(b); err != nil {
			return fmt.Errorf("gzip_packed: %w", err)
		}
		return r.handle(msgID, 0, g.Data)
	case proto.ResultTypeID:
		return r.result(b)
	case mt.NewSessionCreatedTypeID:
		var m mt.NewSessionCreated
		if err := m.Decode(b); err != nil {
			return fmt.Errorf("new_session_created: %w", err)
		}
		r.s.salt = m.ServerSalt
		r.s.note("new_session_created", "first_msg_id %x, new salt", m.FirstMsgID)
		return nil
	case mt.BadServerSaltTypeID:
		var m mt.BadServerSalt
		if err := m.Decode(b); err != nil {
			return fmt.Errorf("bad_server_salt: %w", err)
		}
		if m.BadMsgID != r.want {
			return nil // not about the pending query: only trust what we sent
		}
		r.s.salt = m.NewServerSalt
		r.resend = true
		r.s.note("bad_server_salt", "msg %x: new salt, resending under a new msg_id", m.BadMsgID)
		return nil
	case mt.BadMsgNotificationTypeID:
		var m mt.BadMsgNotification
		if err := m.Decode(b); err != nil {
			return fmt.Errorf("bad_msg_notification: %w", err)
		}
		if m.BadMsgID != r.want {
			return nil
		}
		switch m.ErrorCode {
		case 16, 17: // msg_id too low / too high: take the time from the server's msg_id
			serverTime := time.Unix(msgID>>32, 0)
			r.s.opts.Offset = serverTime.Sub(r.s.opts.Now()).Truncate(time.Second)
			r.resend = true
			r.s.note("bad_msg_notification", "code %d: clock offset now %v, resending", m.ErrorCode, r.s.opts.Offset)
			return nil
		case 20, 64:
			r.resend = true
			r.s.note("bad_msg_notification", "code %d: resending", m.ErrorCode)
			return nil
		}
		return fmt.Errorf("bad_msg_notification code %d for msg %x", m.ErrorCode, m.BadMsgID)
	case mt.MsgsAckTypeID:
		var m mt.MsgsAck
		if err := m.Decode(b); err != nil {
			return fmt.Errorf("msgs_ack: %w", err)
		}
		r.s.note("msgs_ack", "%d ids", len(m.MsgIDs))
		return nil
	}
	// Anything else (updates, pong, future_salts) is not the answer; it
	// was acked above if content-related.
	return nil
}

func (r *reader) result(b *bin.Buffer) error {
	var res proto.Result
	if err := res.Decode(b); err != nil {
		return fmt.Errorf("rpc_result: %w", err)
	}
	if res.RequestMessageID != r.want {
		return nil
	}
	r.done = true
	body := &bin.Buffer{Buf: res.Result}
	if id, _ := body.PeekID(); id == proto.GZIPTypeID {
		var g proto.GZIP
		if err := g.Decode(body); err != nil {
			return fmt.Errorf("rpc_result gzip: %w", err)
		}
		body = &bin.Buffer{Buf: g.Data}
	}
	if id, _ := body.PeekID(); id == mt.RPCErrorTypeID {
		var e mt.RPCError
		if err := e.Decode(body); err != nil {
			return fmt.Errorf("rpc_error: %w", err)
		}
		r.err = NewRPCError(e.ErrorCode, e.ErrorMessage)
		return nil
	}
	if r.out == nil {
		return nil
	}
	if err := r.out.Decode(body); err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	return nil
}
