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
// bound on frame size checked before any frame is buffered.
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

// frameLen peeks at the length prefix of the next frame without consuming it.
func (f *frameConn) frameLen() (int, error) {
	switch f.codec.(type) {
	case codec.Abridged:
		b, err := f.r.Peek(1)
		if err != nil {
			return 0, err
		}
		if b[0]&0x7f != 0x7f {
			return int(b[0]&0x7f) * 4, nil
		}
		b, err = f.r.Peek(4)
		if err != nil {
			return 0, err
		}
		return int(uint32(b[1])|uint32(b[2])<<8|uint32(b[3])<<16) * 4, nil
	default:
		b, err := f.r.Peek(4)
		if err != nil {
			return 0, err
		}
		return int(binary.LittleEndian.Uint32(b)), nil
	}
}

// Read reads the next frame into b. A transport error code sent by the
// client (a 4-byte frame) is returned as a *codec.ProtocolErr.
func (f *frameConn) Read(b *bin.Buffer) error {
	n, err := f.frameLen()
	if err != nil {
		return err
	}
	if n > f.maxFrame {
		return fmt.Errorf("%w: %d bytes", errFrameTooBig, n)
	}
	return f.codec.Read(f.r, b)
}

// Write sends one frame.
func (f *frameConn) Write(b *bin.Buffer) error { return f.codec.Write(f.w, b) }

// writeTransportError sends a transport error: -code as a bare int32 frame.
func (f *frameConn) writeTransportError(code int32) error {
	var b bin.Buffer
	b.PutInt32(-code)
	return f.Write(&b)
}
