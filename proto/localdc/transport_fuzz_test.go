package localdc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mtproxy"
	"github.com/gotd/td/mtproxy/obfuscated2"
	"github.com/gotd/td/proto/codec"
)

// fuzzMaxFrame is the frame bound the framing fuzzers run with.
const fuzzMaxFrame = 1024

// readFrames runs a byte stream through transport detection and framing,
// as a connection's goroutine does: it must never panic, never return a
// frame over the bound or an empty one, and never buffer more than twice
// what the stream holds (the stream is the most a peer can have sent).
func readFrames(t *testing.T, stream []byte) {
	rw := struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(stream), io.Discard}
	fc, err := detectTransport(rw, fuzzMaxFrame)
	if err != nil {
		return
	}
	for range 16 {
		b, err := fc.ReadFrame()
		if err != nil {
			return
		}
		if b.Len() == 0 || b.Len() > fuzzMaxFrame {
			t.Fatalf("%s: read a %d-byte frame, bound %d", fc.name, b.Len(), fuzzMaxFrame)
		}
		if cap(b.Buf) > max(growStep, 2*len(stream)) && cap(b.Buf) > keepFrame {
			t.Fatalf("%s: a %d-byte stream made a %d-byte buffer", fc.name, len(stream), cap(b.Buf))
		}
		releaseFrame(b)
	}
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// fullFrame is one full-transport frame with a correct CRC.
func fullFrame(seq uint32, payload []byte) []byte {
	b := cat(le32(uint32(len(payload)+fullOverhead)), le32(seq), payload)
	return cat(b, le32(crc32.ChecksumIEEE(b)))
}

// Seeds shared by the framing fuzzers: payloads that are empty, shorter
// than any MTProto message, ordinary, and claimed far over the bound.
var framingPayloads = [][]byte{{}, {1, 2, 3, 4}, bytes.Repeat([]byte{7}, 24), bytes.Repeat([]byte{9}, 400)}

func FuzzFramingAbridged(f *testing.F) {
	for _, p := range framingPayloads {
		f.Add(cat([]byte{byte(len(p) / 4)}, p))
		f.Add(cat([]byte{0x7f}, le32(uint32(len(p) / 4))[:3], p))
	}
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff}) // 64 MiB claimed
	f.Add([]byte{0x00})                   // empty frame
	f.Add([]byte{0x80 | 6, 1, 2})         // quick ack, truncated body
	f.Fuzz(func(t *testing.T, rest []byte) { readFrames(t, cat([]byte{0xef}, rest)) })
}

func FuzzFramingIntermediate(f *testing.F) {
	for _, p := range framingPayloads {
		f.Add(cat(le32(uint32(len(p))), p))
	}
	f.Add(le32(0x7fffffff))            // 2 GiB claimed
	f.Add(le32(0xffffffff))            // the same with the quick-ack bit
	f.Add(cat(le32(1<<20), []byte{1})) // 1 MiB claimed, one byte sent
	f.Fuzz(func(t *testing.T, rest []byte) { readFrames(t, cat(codec.IntermediateClientStart[:], rest)) })
}

func FuzzFramingPadded(f *testing.F) {
	for _, p := range framingPayloads {
		f.Add(cat(le32(uint32(len(p)+3)), p, []byte{1, 2, 3}))
	}
	f.Add(le32(0x7fffffff))
	f.Add(cat(le32(5), []byte{1, 2, 3, 4, 5}))
	f.Fuzz(func(t *testing.T, rest []byte) { readFrames(t, cat(codec.PaddedIntermediateClientStart[:], rest)) })
}

// The full transport has no tag: the stream starts with the first frame,
// whose seq_no 0 is what tells it apart.
func FuzzFramingFull(f *testing.F) {
	for _, p := range framingPayloads {
		f.Add(cat(fullFrame(0, p), fullFrame(1, p)))
	}
	for n := range uint32(fullOverhead + 1) { // every length under the envelope
		f.Add(cat(le32(n), le32(0), []byte{1, 2, 3, 4}))
	}
	f.Add(cat(le32(0xffffffff), le32(0)))
	f.Add(cat(fullFrame(0, framingPayloads[2]), fullFrame(5, framingPayloads[2]))) // seq_no skips
	f.Fuzz(func(t *testing.T, stream []byte) { readFrames(t, stream) })
}

// FuzzFramingObfuscated2 wraps the fuzzed bytes (an inner codec's frames)
// in obfuscated2 with a fixed key, so that the fuzzer works on the framing
// inside the obfuscation rather than on random ciphertext.
func FuzzFramingObfuscated2(f *testing.F) {
	for _, p := range framingPayloads {
		f.Add(byte(0), cat([]byte{byte(len(p) / 4)}, p))
		f.Add(byte(1), cat(le32(uint32(len(p))), p))
		f.Add(byte(2), cat(le32(uint32(len(p)+1)), p, []byte{0}))
	}
	f.Add(byte(1), le32(0x7fffffff))
	f.Add(byte(0), []byte{0x7f, 0xff, 0xff, 0xff})
	tags := [][4]byte{{0xef, 0xef, 0xef, 0xef}, codec.IntermediateClientStart, codec.PaddedIntermediateClientStart}
	f.Fuzz(func(t *testing.T, which byte, inner []byte) {
		var out bytes.Buffer
		o := obfuscated2.NewObfuscated2(rand.NewChaCha8([32]byte{1}), struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(nil), &out})
		if err := o.Handshake(tags[int(which)%len(tags)], 2, mtproxy.Secret{}); err != nil {
			t.Fatalf("obfuscated2 handshake: %v", err)
		}
		if _, err := o.Write(inner); err != nil {
			t.Fatalf("obfuscated2 write: %v", err)
		}
		readFrames(t, out.Bytes())
	})
}

// A header that claims a big frame costs memory only as the bytes come.
func TestFrameMemoryFollowsBytes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stream []byte
	}{
		{"intermediate", cat(codec.IntermediateClientStart[:], le32(1<<20), bytes.Repeat([]byte{1}, 100))},
		{"abridged", cat([]byte{0xef, 0x7f}, le32(1 << 18)[:3], bytes.Repeat([]byte{1}, 100))},
		{"full", cat(le32(1<<20+fullOverhead), le32(0), bytes.Repeat([]byte{1}, 100))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fc, err := detectTransport(struct {
				io.Reader
				io.Writer
			}{bytes.NewReader(tt.stream), io.Discard}, 2<<20)
			if err != nil {
				t.Fatal(err)
			}
			b := &bin.Buffer{}
			// ReadFrame gives the buffer back to the pool on error; read
			// the body the way it does to see what it allocated.
			hdr := map[string]int{"intermediate": 8, "abridged": 5, "full": 8}[tt.name]
			err = readGrowing(bytes.NewReader(tt.stream[hdr:]), b, 1<<20)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err %v, want unexpected EOF", err)
			}
			if b.Len() != 100 || cap(b.Buf) > growStep {
				t.Fatalf("100 bytes of a claimed 1 MiB: len %d cap %d, want cap <= %d", b.Len(), cap(b.Buf), growStep)
			}
			if _, err := fc.ReadFrame(); err == nil {
				t.Fatal("a truncated frame was read")
			}
		})
	}
}

// readGrowing never offers a read more room than about what has come so
// far (growStep at first): the buffer grows by doubling at most.
func TestReadGrowingSteps(t *testing.T) {
	const n = 1 << 20
	src := bytes.NewReader(bytes.Repeat([]byte{3}, n))
	b := &bin.Buffer{}
	got, reads := 0, 0
	r := readerFunc(func(p []byte) (int, error) {
		if room := 2 * max(growStep, got); len(p) > room {
			t.Fatalf("after %d bytes a read was offered %d bytes of buffer, want at most %d", got, len(p), room)
		}
		m, err := src.Read(p[:min(len(p), 1000)])
		got += m
		reads++
		return m, err
	})
	if err := readGrowing(r, b, n); err != nil {
		t.Fatal(err)
	}
	if reads < n/1000 {
		t.Fatalf("%d reads", reads)
	}
	if b.Len() != n || !bytes.Equal(b.Buf, bytes.Repeat([]byte{3}, n)) {
		t.Fatalf("read %d bytes", b.Len())
	}
	if cap(b.Buf) > 2*n {
		t.Fatalf("cap %d for %d bytes", cap(b.Buf), n)
	}
}

type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
