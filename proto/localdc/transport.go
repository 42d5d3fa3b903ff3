package localdc

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mtproxy/obfuscated2"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/transport"
)

// Transport names, as detected from a connection's first bytes.
const (
	transportAbridged     = "abridged"
	transportIntermediate = "intermediate"
	transportPadded       = "padded intermediate"
	transportFull         = "full"
)

// frameConn reads and writes transport frames of one detected codec, with a
// bound on frame size checked before any frame is buffered. Writes use
// gotd's codecs.
type frameConn struct {
	name       string
	obfuscated bool
	codec      transport.Codec
	r          *bufio.Reader
	w          io.Writer
	maxFrame   int
}

var errFrameTooBig = errors.New("frame too big")

// detectTransport tells the codec from the first bytes a client sends, as
// Telegram does: 0xef is abridged, 0xeeeeeeee intermediate, 0xdddddddd
// padded intermediate; otherwise a zero second word (the full transport's
// seq_no 0) is full, and anything else is the 64-byte obfuscated2 header
// with one of the first three codecs inside.
func detectTransport(rw io.ReadWriter, maxFrame int) (*frameConn, error) {
	var head [8]byte
	if _, err := io.ReadFull(rw, head[:1]); err != nil {
		return nil, fmt.Errorf("read transport tag: %w", err)
	}
	fc := &frameConn{w: rw, maxFrame: maxFrame}
	if head[0] == codec.AbridgedClientStart[0] {
		fc.name, fc.codec, fc.r = transportAbridged, codec.Abridged{}, bufio.NewReader(rw)
		return fc, nil
	}
	if _, err := io.ReadFull(rw, head[1:4]); err != nil {
		return nil, fmt.Errorf("read transport tag: %w", err)
	}
	switch [4]byte(head[:4]) {
	case codec.IntermediateClientStart:
		fc.name, fc.codec, fc.r = transportIntermediate, codec.Intermediate{}, bufio.NewReader(rw)
		return fc, nil
	case codec.PaddedIntermediateClientStart:
		fc.name, fc.codec, fc.r = transportPadded, codec.PaddedIntermediate{}, bufio.NewReader(rw)
		return fc, nil
	}
	if _, err := io.ReadFull(rw, head[4:8]); err != nil {
		return nil, fmt.Errorf("read transport header: %w", err)
	}
	if binary.LittleEndian.Uint32(head[4:8]) == 0 {
		fc.name, fc.codec = transportFull, &codec.Full{}
		fc.r = bufio.NewReader(io.MultiReader(bytes.NewReader(head[:]), rw))
		return fc, nil
	}
	var init [64]byte
	copy(init[:], head[:])
	if _, err := io.ReadFull(rw, init[8:]); err != nil {
		return nil, fmt.Errorf("read obfuscated2 header: %w", err)
	}
	obf, md, err := obfuscated2.Accept(struct {
		io.Reader
		io.Writer
	}{io.MultiReader(bytes.NewReader(init[:]), rw), rw}, nil)
	if err != nil {
		return nil, fmt.Errorf("obfuscated2 header: %w", err)
	}
	fc.obfuscated, fc.w, fc.r = true, obf, bufio.NewReader(obf)
	switch md.Protocol {
	case [4]byte{0xef, 0xef, 0xef, 0xef}:
		fc.name, fc.codec = transportAbridged, codec.Abridged{}
	case codec.IntermediateClientStart:
		fc.name, fc.codec = transportIntermediate, codec.Intermediate{}
	case codec.PaddedIntermediateClientStart:
		fc.name, fc.codec = transportPadded, codec.PaddedIntermediate{}
	default:
		return nil, fmt.Errorf("obfuscated2: unknown protocol tag %x", md.Protocol)
	}
	return fc, nil
}

// quickAck is the bit a client sets in a frame's length to ask for a
// quick acknowledgement. The local DC does not send quick acks (clients
// treat them as optional) but must read such frames.
const quickAck = 0x80000000

// Read reads the next frame into b, refusing one longer than maxFrame
// before reading or buffering any of it. Abridged and intermediate frames
// are read here, with the quick-ack bit masked off; full frames go through
// gotd's codec, which also checks their seq_no and CRC.
func (f *frameConn) Read(b *bin.Buffer) error {
	var n int
	switch f.codec.(type) {
	case codec.Abridged:
		h, err := f.r.ReadByte()
		if err != nil {
			return err
		}
		words := int(h & 0x7f)
		if words == 0x7f {
			var l [3]byte
			if _, err := io.ReadFull(f.r, l[:]); err != nil {
				return err
			}
			words = int(l[0]) | int(l[1])<<8 | int(l[2])<<16
		}
		n = words * 4
	case codec.Intermediate, codec.PaddedIntermediate:
		var l [4]byte
		if _, err := io.ReadFull(f.r, l[:]); err != nil {
			return err
		}
		n = int(binary.LittleEndian.Uint32(l[:]) &^ quickAck)
	default:
		l, err := f.r.Peek(4)
		if err != nil {
			return err
		}
		if n := int(binary.LittleEndian.Uint32(l)); n > f.maxFrame {
			return fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
		}
		return f.codec.Read(f.r, b)
	}
	if n > f.maxFrame {
		return fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
	}
	if n == 0 {
		return fmt.Errorf("%w: empty frame", errMalformed)
	}
	b.ResetN(n)
	if _, err := io.ReadFull(f.r, b.Buf); err != nil {
		return err
	}
	return nil
}

// Write sends one frame.
func (f *frameConn) Write(b *bin.Buffer) error { return f.codec.Write(f.w, b) }

// writeTransportError sends a transport error: -code as a bare int32 frame.
func (f *frameConn) writeTransportError(code int32) error {
	var b bin.Buffer
	b.PutInt32(-code)
	return f.Write(&b)
}
