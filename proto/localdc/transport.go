package localdc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sync"

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

// framing is how a codec delimits frames on the wire.
type framing int

const (
	frameAbridged     framing = iota // 1 or 4 length bytes counting 4-byte words
	frameIntermediate                // 4 length bytes counting bytes (padded intermediate too)
	frameFull                        // length, seq_no, payload, CRC32
)

// frameConn reads and writes transport frames of one detected codec.
//
// Reading is written here rather than left to gotd's codecs, for three
// reasons a hostile peer makes matter: a length is checked against maxFrame
// before anything is buffered; the frame buffer grows as bytes arrive
// instead of being allocated at the size the header claims; and a frame too
// short for its own header (gotd's full codec slices out of range on a
// length under 12) is refused before any decoding. There is no bufio
// reader: a header is one small read and a body one more, so an idle
// connection holds no buffer at all. Writes use gotd's codecs.
type frameConn struct {
	name       string
	obfuscated bool
	framing    framing
	codec      transport.Codec // writes
	r          io.Reader
	w          io.Writer
	maxFrame   int
	fullSeq    uint32     // full transport: the seq_no the next client frame must carry
	wmu        sync.Mutex // one frame at a time: the DC may push on a connection
}

// Framing errors: the peer sent something no client of any transport
// sends. Each closes the connection.
var (
	errFrameTooBig = errors.New("frame too big")
	errFrameShort  = errors.New("frame too short")
	errFrameCheck  = errors.New("frame check failed")
	errTransport   = errors.New("unknown transport")
)

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
	fc := &frameConn{r: rw, w: rw, maxFrame: maxFrame}
	if head[0] == codec.AbridgedClientStart[0] {
		fc.set(transportAbridged)
		return fc, nil
	}
	if _, err := io.ReadFull(rw, head[1:4]); err != nil {
		return nil, fmt.Errorf("read transport tag: %w", err)
	}
	switch [4]byte(head[:4]) {
	case codec.IntermediateClientStart:
		fc.set(transportIntermediate)
		return fc, nil
	case codec.PaddedIntermediateClientStart:
		fc.set(transportPadded)
		return fc, nil
	}
	if _, err := io.ReadFull(rw, head[4:8]); err != nil {
		return nil, fmt.Errorf("read transport header: %w", err)
	}
	if binary.LittleEndian.Uint32(head[4:8]) == 0 {
		// The full transport has no tag: these 8 bytes are the first
		// frame's length and seq_no.
		fc.set(transportFull)
		fc.r = io.MultiReader(bytes.NewReader(head[:]), rw)
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
	fc.obfuscated, fc.r, fc.w = true, obf, obf
	switch md.Protocol {
	case [4]byte{0xef, 0xef, 0xef, 0xef}:
		fc.set(transportAbridged)
	case codec.IntermediateClientStart:
		fc.set(transportIntermediate)
	case codec.PaddedIntermediateClientStart:
		fc.set(transportPadded)
	default:
		return nil, fmt.Errorf("%w: obfuscated2 header names protocol tag %x", errTransport, md.Protocol)
	}
	return fc, nil
}

// set picks the framing and write codec for a transport name.
func (f *frameConn) set(name string) {
	f.name = name
	switch name {
	case transportAbridged:
		f.framing, f.codec = frameAbridged, codec.Abridged{}
	case transportIntermediate:
		f.framing, f.codec = frameIntermediate, codec.Intermediate{}
	case transportPadded:
		f.framing, f.codec = frameIntermediate, codec.PaddedIntermediate{}
	case transportFull:
		f.framing, f.codec = frameFull, &codec.Full{}
	}
}

// quickAck is the bit a client sets in a frame's length to ask for a
// quick acknowledgement. The local DC does not send quick acks (clients
// treat them as optional) but must read such frames.
const quickAck = 0x80000000

// fullOverhead is what the full transport adds around a payload: length,
// seq_no and CRC32.
const fullOverhead = 12

// ReadFrame reads the next frame's payload into a buffer from the frame
// pool; the caller gives it back with releaseFrame once the frame is
// handled. A length over maxFrame, or too short to hold a payload, is
// refused before any of the frame is buffered.
func (f *frameConn) ReadFrame() (*bin.Buffer, error) {
	var hdr [8]byte
	var n int
	switch f.framing {
	case frameAbridged:
		if _, err := io.ReadFull(f.r, hdr[:1]); err != nil {
			return nil, err
		}
		words := int(hdr[0] & 0x7f)
		if words == 0x7f {
			if _, err := io.ReadFull(f.r, hdr[1:4]); err != nil {
				return nil, err
			}
			words = int(hdr[1]) | int(hdr[2])<<8 | int(hdr[3])<<16
		}
		n = words * 4
	case frameIntermediate:
		if _, err := io.ReadFull(f.r, hdr[:4]); err != nil {
			return nil, err
		}
		n = int(binary.LittleEndian.Uint32(hdr[:4]) &^ quickAck)
	case frameFull:
		if _, err := io.ReadFull(f.r, hdr[:8]); err != nil {
			return nil, err
		}
		total := int64(binary.LittleEndian.Uint32(hdr[:4]))
		if total < fullOverhead {
			return nil, fmt.Errorf("%w: full frame of %d bytes, under its own %d-byte envelope", errFrameShort, total, fullOverhead)
		}
		if seq := binary.LittleEndian.Uint32(hdr[4:8]); seq != f.fullSeq {
			return nil, fmt.Errorf("%w: full frame seq_no %d, want %d", errFrameCheck, seq, f.fullSeq)
		}
		f.fullSeq++
		n = int(total - fullOverhead)
	}
	if n > f.maxFrame {
		return nil, fmt.Errorf("%w: %d bytes, over the %d-byte bound", errFrameTooBig, n, f.maxFrame)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: empty frame", errFrameShort)
	}
	b := getFrame()
	if err := readGrowing(f.r, b, n); err != nil {
		releaseFrame(b)
		return nil, err
	}
	if f.framing == frameFull {
		var crc [4]byte
		if _, err := io.ReadFull(f.r, crc[:]); err != nil {
			releaseFrame(b)
			return nil, err
		}
		sum := crc32.Update(crc32.ChecksumIEEE(hdr[:8]), crc32.IEEETable, b.Buf)
		if binary.LittleEndian.Uint32(crc[:]) != sum {
			releaseFrame(b)
			return nil, fmt.Errorf("%w: full frame CRC32", errFrameCheck)
		}
	}
	return b, nil
}

// Frame buffers come from a pool and go back after each frame, so that a
// connection holds no buffer while it waits for the next frame; one that
// grew past keepFrame (a big upload, or a peer that claimed a lot) is left
// to the garbage collector instead.
const (
	growStep  = 4 << 10  // the first allocation for a frame, and the least a buffer grows by
	keepFrame = 64 << 10 // frame buffers above this are not pooled
)

var framePool = sync.Pool{New: func() any { return new(bin.Buffer) }}

func getFrame() *bin.Buffer { return framePool.Get().(*bin.Buffer) }

func releaseFrame(b *bin.Buffer) {
	if cap(b.Buf) > keepFrame {
		return
	}
	b.Reset()
	framePool.Put(b)
}

// readGrowing reads exactly n bytes into b, growing it as they arrive, at
// most doubling what has already come: memory follows what a peer sends,
// not what its header claims.
func readGrowing(r io.Reader, b *bin.Buffer, n int) error {
	buf := b.Buf[:0]
	for len(buf) < n {
		if len(buf) == cap(buf) {
			more := min(n-len(buf), max(len(buf), growStep))
			buf = slices.Grow(buf, more)
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if err != nil && len(buf) < n {
			b.Buf = buf
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	b.Buf = buf
	return nil
}

// Write sends one frame.
func (f *frameConn) Write(b *bin.Buffer) error {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	return f.codec.Write(f.w, b)
}

// writeTransportError sends a transport error: -code as a bare int32 frame.
func (f *frameConn) writeTransportError(code int32) error {
	var b bin.Buffer
	b.PutInt32(-code)
	return f.Write(&b)
}
