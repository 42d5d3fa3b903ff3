// Package tap records the frames of transport connections in a bounded ring,
// so the UI can show the traffic and prove PFS: a frame sent under a temp
// key opens with that key and not with the permanent key.
//
// Recording is cheap: a frame is copied (up to MaxCapture bytes) and its
// auth_key_id and msg_key are read from the first 24 bytes. Decrypting to
// find the TL type name happens lazily, when the ring is read, and only with
// the keys the owner registered with AddKey.
package tap

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/model"
)

// MaxCapture bounds the bytes kept per frame; longer frames are kept
// truncated and cannot be opened.
const MaxCapture = 64 << 10

// Frame is one transport frame in either direction.
type Frame struct {
	Seq       uint64 // position in the ring's history, from 1
	Conn      int    // connection number within the ring, from 1
	Label     string // what the connection is for, e.g. "dc2 temp"
	Dir       model.Direction
	At        time.Time
	Size      int         // bytes of the frame payload
	AuthKeyID model.KeyID // 0 for unencrypted handshake messages
	MsgKey    [16]byte    // zero for unencrypted frames
	// TransportError is the code of a bare transport error frame (404 for
	// -404), 0 otherwise.
	TransportError int32
	// Type is the TL name of the content when known: unencrypted handshake
	// messages always, encrypted ones when a registered key opens them.
	Type string
	raw  []byte
}

// Encrypted reports whether the frame carries an encrypted message.
func (f Frame) Encrypted() bool { return f.AuthKeyID != 0 }

// Ring is a bounded ring of frames shared by the connections it wraps.
type Ring struct {
	mu    sync.Mutex
	buf   []Frame
	next  int
	full  bool
	seq   uint64
	conns int
	keys  map[model.KeyID]crypto.AuthKey
	now   func() time.Time
}

// NewRing keeps the last n frames; now may be nil (time.Now).
func NewRing(n int, now func() time.Time) *Ring {
	if n <= 0 {
		n = 256
	}
	if now == nil {
		now = time.Now
	}
	return &Ring{buf: make([]Frame, n), keys: make(map[model.KeyID]crypto.AuthKey), now: now}
}

// AddKey lets the ring name the content of frames under key. The key stays
// in memory only; it is never part of a Frame.
func (r *Ring) AddKey(key crypto.AuthKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys[model.KeyIDFromWire(key.ID)] = key
}

// ForgetKey drops a key registered with AddKey, e.g. a dropped temp key:
// its frames are then shown as ciphertext only, as anyone else sees them.
func (r *Ring) ForgetKey(id model.KeyID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.keys, id)
}

// Frames returns the frames in the ring, oldest first.
func (r *Ring) Frames() []Frame {
	r.mu.Lock()
	var out []Frame
	if r.full {
		out = append(out, r.buf[r.next:]...)
	}
	out = append(out, r.buf[:r.next]...)
	keys := make(map[model.KeyID]crypto.AuthKey, len(r.keys))
	for id, k := range r.keys {
		keys[id] = k
	}
	r.mu.Unlock()
	for i := range out {
		if out[i].Type == "" && out[i].Encrypted() {
			if k, ok := keys[out[i].AuthKeyID]; ok {
				out[i].Type, _ = CanOpen(out[i], k)
			}
		}
	}
	return out
}

func (r *Ring) record(conn int, label string, dir model.Direction, b []byte) {
	f := Frame{Conn: conn, Label: label, Dir: dir, At: r.now(), Size: len(b)}
	switch {
	case len(b) == 4:
		f.TransportError = -int32(binary.LittleEndian.Uint32(b))
		f.Type = fmt.Sprintf("transport error %d", -f.TransportError)
	case len(b) < 8:
		f.Type = "short frame"
	default:
		f.AuthKeyID = model.KeyIDFromWire([8]byte(b[:8]))
		if f.AuthKeyID == 0 {
			f.Type = unencryptedType(b)
		} else if len(b) >= 24 {
			copy(f.MsgKey[:], b[8:24])
		}
	}
	f.raw = append([]byte(nil), b[:min(len(b), MaxCapture)]...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	f.Seq = r.seq
	r.buf[r.next] = f
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
}

var mtNames = mt.TypesMap()
var tgNames = tg.TypesMap()

func typeName(id uint32) string {
	if n, ok := mtNames[id]; ok {
		return n
	}
	if n, ok := tgNames[id]; ok {
		return n
	}
	switch id {
	case proto.MessageContainerTypeID:
		return "msg_container"
	case proto.ResultTypeID:
		return "rpc_result"
	case proto.GZIPTypeID:
		return "gzip_packed"
	}
	return fmt.Sprintf("#%08x", id)
}

// unencryptedType names the body of auth_key_id=0 | msg_id | len | body.
func unencryptedType(b []byte) string {
	if len(b) < 24 {
		return "unencrypted (short)"
	}
	return stripHash(typeName(binary.LittleEndian.Uint32(b[20:24])))
}

// stripHash turns gotd's "resPQ#5162463" into "resPQ".
func stripHash(n string) string {
	for i := 0; i < len(n); i++ {
		if n[i] == '#' && i > 0 {
			return n[:i]
		}
	}
	return n
}

// ErrNotEncrypted is returned by CanOpen for frames that carry no encrypted message.
var ErrNotEncrypted = errors.New("frame is not encrypted")

// CanOpen tries to decrypt f with key, checking msg_key as a receiver would.
// It returns the TL name of the content when it opens. A frame under a temp
// key does not open with the permanent key: that is the PFS proof the UI
// shows. Frames sent by the client are opened with the client-side KDF
// (x=0), frames from the server with x=8.
func CanOpen(f Frame, key crypto.AuthKey) (string, error) {
	body, err := Open(f, key)
	if err != nil {
		return "", err
	}
	return contentName(body), nil
}

// Open decrypts f with key as CanOpen does and returns the message body
// (the TL object the frame carried). The body may hold secrets of the
// session; it is for checks, never for display.
func Open(f Frame, key crypto.AuthKey) ([]byte, error) {
	if !f.Encrypted() {
		return nil, ErrNotEncrypted
	}
	if len(f.raw) < f.Size {
		return nil, errors.New("frame was captured truncated")
	}
	raw := append([]byte(nil), f.raw...)
	foreign := model.KeyIDFromWire(key.ID) != f.AuthKeyID
	if foreign {
		// Comparing ids would already say no, but that proves nothing
		// about secrecy. Decrypt for real, as someone holding this key
		// and a recording would: relabel the frame with the key's id and
		// run the KDF and the msg_key check.
		copy(raw[:8], key.ID[:])
	}
	c := crypto.NewClientCipher(nil) // decrypts server frames (x=8)
	if f.Dir == model.Sent {
		c = crypto.NewServerCipher(nil) // decrypts client frames (x=0)
	}
	msg, err := c.DecryptFromBuffer(key, &bin.Buffer{Buf: raw})
	if err != nil {
		if foreign {
			return nil, fmt.Errorf("tried anyway: %w", err)
		}
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return msg.Data(), nil
}

// contentName names a decrypted message body, looking one level inside
// rpc_result, containers and the invokeWithLayer/initConnection wrappers.
func contentName(body []byte) string {
	b := &bin.Buffer{Buf: body}
	id, err := b.PeekID()
	if err != nil {
		return "(empty)"
	}
	name := stripHash(typeName(id))
	switch id {
	case proto.ResultTypeID:
		if len(body) >= 16 {
			return name + "(" + contentName(body[12:]) + ")"
		}
	case proto.MessageContainerTypeID:
		if len(body) >= 8 {
			return fmt.Sprintf("%s[%d]", name, binary.LittleEndian.Uint32(body[4:8]))
		}
	case tg.InvokeWithLayerRequestTypeID:
		if len(body) >= 12 {
			return name + "(" + contentName(body[8:]) + ")"
		}
	case tg.InitConnectionRequestTypeID:
		return name + "(…)"
	}
	return name
}

// Conn wraps a transport.Conn and records every frame into a Ring.
type Conn struct {
	inner transport.Conn
	ring  *Ring
	id    int
	label string

	mu     sync.Mutex
	sealed bool
}

// ErrSealed is returned when an unencrypted (auth_key_id = 0) frame is sent
// on a sealed connection.
var ErrSealed = errors.New("refusing to send an unencrypted frame on a connection with a bound key: no key exchange may run here")

// Wrap records c's frames under label.
func (r *Ring) Wrap(c transport.Conn, label string) *Conn {
	r.mu.Lock()
	r.conns++
	id := r.conns
	r.mu.Unlock()
	return &Conn{inner: c, ring: r, id: id, label: label}
}

// Seal forbids unencrypted frames from now on. The driver seals a
// connection once its temp key is bound, so nothing (not gotd, not a bug of
// ours) can silently run a new key exchange and use an unbound key there.
func (c *Conn) Seal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sealed = true
}

// Send records and forwards one frame.
func (c *Conn) Send(ctx context.Context, b *bin.Buffer) error {
	c.mu.Lock()
	sealed := c.sealed
	c.mu.Unlock()
	if sealed && (b.Len() < 8 || binary.LittleEndian.Uint64(b.Buf[:8]) == 0) {
		return ErrSealed
	}
	c.ring.record(c.id, c.label, model.Sent, b.Buf)
	return c.inner.Send(ctx, b)
}

// Recv forwards and records one frame.
func (c *Conn) Recv(ctx context.Context, b *bin.Buffer) error {
	err := c.inner.Recv(ctx, b)
	if err == nil {
		c.ring.record(c.id, c.label, model.Received, b.Buf)
		return nil
	}
	// gotd's codec turns a 4-byte error frame into an error; record it as
	// the frame it was so -404 shows in the traffic.
	if code, ok := protocolCode(err); ok {
		var w [4]byte
		binary.LittleEndian.PutUint32(w[:], uint32(-code))
		c.ring.record(c.id, c.label, model.Received, w[:])
	}
	return err
}

// Close closes the wrapped connection.
func (c *Conn) Close() error { return c.inner.Close() }
