package localdc

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/mtproxy"
	"github.com/gotd/td/mtproxy/obfuscated2"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"
)

// padded15 is padded intermediate as real clients send it: 0..15 random
// bytes after each payload, so an encrypted frame is not a multiple of 16.
type padded15 struct{ codec.PaddedIntermediate }

func (padded15) Write(w io.Writer, b *bin.Buffer) error {
	n, _ := rand.Int(rand.Reader, big.NewInt(16))
	pad := make([]byte, n.Int64())
	_, _ = rand.Read(pad)
	frame := make([]byte, 4, 4+b.Len()+len(pad))
	binary.LittleEndian.PutUint32(frame, uint32(b.Len()+len(pad)))
	frame = append(append(frame, b.Buf...), pad...)
	_, err := w.Write(frame)
	return err
}

// obfConn is a net.Conn whose bytes pass through obfuscated2.
type obfConn struct {
	net.Conn
	rw io.ReadWriter
}

func (c obfConn) Read(p []byte) (int, error)  { return c.rw.Read(p) }
func (c obfConn) Write(p []byte) (int, error) { return c.rw.Write(p) }

func dialObfuscated(t testing.TB, addr string, tag [4]byte, inner func() transport.Codec) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	o := obfuscated2.NewObfuscated2(rand.Reader, nc)
	if err := o.Handshake(tag, 1, mtproxy.Secret{}); err != nil {
		t.Fatalf("obfuscated2 handshake: %v", err)
	}
	p := transport.NewProtocol(func() transport.Codec { return codec.NoHeader{Codec: inner()} })
	return dialRawConn(t, obfConn{Conn: nc, rw: o}, p)
}

func dialRawConn(t testing.TB, nc net.Conn, p transport.Protocol) *rawClient {
	t.Helper()
	conn, err := p.Handshake(nc)
	if err != nil {
		t.Fatalf("transport handshake: %v", err)
	}
	c := newRawClient(t, conn)
	t.Cleanup(func() { _ = conn.Close() })
	return c
}

func TestTransports(t *testing.T) {
	c := startCluster(t, Config{})
	addr := c.Addr(1)
	dial := func(p transport.Protocol) func(t *testing.T) *rawClient {
		return func(t *testing.T) *rawClient { return dialRawProto(t, addr, p) }
	}
	tests := []struct {
		name string
		dial func(t *testing.T) *rawClient
	}{
		{"abridged", dial(transport.Abridged)},
		{"intermediate", dial(transport.Intermediate)},
		{"padded intermediate", dial(transport.PaddedIntermediate)},
		{"padded intermediate, 0-15 bytes", dial(transport.NewProtocol(func() transport.Codec { return padded15{} }))},
		{"full", dial(transport.Full)},
		{"obfuscated2 abridged", func(t *testing.T) *rawClient {
			return dialObfuscated(t, addr, [4]byte{0xef, 0xef, 0xef, 0xef}, func() transport.Codec { return codec.Abridged{} })
		}},
		{"obfuscated2 intermediate", func(t *testing.T) *rawClient {
			return dialObfuscated(t, addr, codec.IntermediateClientStart, func() transport.Codec { return codec.Intermediate{} })
		}},
		{"obfuscated2 padded intermediate", func(t *testing.T) *rawClient {
			return dialObfuscated(t, addr, codec.PaddedIntermediateClientStart, func() transport.Codec { return padded15{} })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := tt.dial(t)
			rc.mustExchange(1, 0)
			var cfg tg.Config
			for range 4 { // several frames, so padding and stream state are exercised
				rc.call(&tg.HelpGetConfigRequest{}).decode(t, &cfg)
			}
			if cfg.ThisDC != 1 {
				t.Fatalf("this_dc %d", cfg.ThisDC)
			}
			a := rc.call(&mt.PingRequest{PingID: 77})
			var pong mt.Pong
			if err := pong.Decode(&bin.Buffer{Buf: a.service}); err != nil || pong.PingID != 77 {
				t.Fatalf("pong %+v, %v", pong, err)
			}
		})
	}
}

func TestFrameReading(t *testing.T) {
	payload := bytes.Repeat([]byte{7}, 24)
	le32 := func(v uint32) []byte { var b [4]byte; binary.LittleEndian.PutUint32(b[:], v); return b[:] }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name   string
		stream []byte
		want   []byte // nil: the read must fail
	}{
		{"abridged", cat([]byte{0xef, 6}, payload), payload},
		{"abridged, quick ack", cat([]byte{0xef, 0x80 | 6}, payload), payload},
		{"abridged, long length", cat([]byte{0xef, 0x7f, 6, 0, 0}, payload), payload},
		{"abridged, quick ack on a long length", cat([]byte{0xef, 0xff, 6, 0, 0}, payload), payload},
		{"abridged, over the bound", cat([]byte{0xef, 0x7f, 0xff, 0xff, 0xff}, payload), nil},
		{"intermediate", cat(codec.IntermediateClientStart[:], le32(24), payload), payload},
		{"intermediate, quick ack", cat(codec.IntermediateClientStart[:], le32(24|quickAck), payload), payload},
		{"intermediate, over the bound", cat(codec.IntermediateClientStart[:], le32(1<<20), payload), nil},
		{"padded, 3 extra bytes kept", cat(codec.PaddedIntermediateClientStart[:], le32(27), payload, []byte{1, 2, 3}), cat(payload, []byte{1, 2, 3})},
		{"truncated", cat(codec.IntermediateClientStart[:], le32(24), payload[:10]), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rw := struct {
				io.Reader
				io.Writer
			}{bytes.NewReader(tt.stream), io.Discard}
			fc, err := detectTransport(rw, 1024)
			if err != nil {
				t.Fatalf("detect: %v", err)
			}
			b, err := fc.ReadFrame()
			if tt.want == nil {
				if err == nil {
					t.Fatalf("read %d bytes, want an error", b.Len())
				}
				return
			}
			if err != nil || !bytes.Equal(b.Buf, tt.want) {
				t.Fatalf("read %v, %v; want %x", b, err, tt.want)
			}
		})
	}
}
