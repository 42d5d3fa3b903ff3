package tap

import (
	"context"
	"crypto/rsa"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/localdc"
	"tgpfs/proto/session"
)

func TestTapOnLocalDC(t *testing.T) {
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ring := NewRing(64, nil)
	dial := func(label string) *Conn {
		nc, err := net.Dial("tcp", c.Addr(1))
		if err != nil {
			t.Fatal(err)
		}
		tc, err := transport.Intermediate.Handshake(nc)
		if err != nil {
			t.Fatal(err)
		}
		conn := ring.Wrap(tc, label)
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	ctx := context.Background()
	cfg := func(kind model.KeyKind) handshake.Config {
		return handshake.Config{Kind: kind, DC: 1, ExpiresIn: time.Minute, Keys: []*rsa.PublicKey{c.PublicKey()}}
	}
	perm, err := handshake.Run(ctx, dial("perm"), cfg(model.Permanent))
	if err != nil {
		t.Fatal(err)
	}
	conn := dial("temp")
	temp, err := handshake.Run(ctx, conn, cfg(model.Temporary))
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.New(conn, temp.Key, temp.Salt, session.Options{Offset: temp.Offset})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bind(ctx, session.BindRequest{Perm: perm.Key, ExpiresAt: temp.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	conn.Seal()
	if _, err := tg.NewClient(s).HelpGetConfig(ctx); err != nil {
		t.Fatal(err)
	}

	// The guard: once sealed, no unencrypted frame (a key exchange) leaves.
	unenc := &bin.Buffer{Buf: make([]byte, 40)}
	if err := conn.Send(ctx, unenc); !errors.Is(err, ErrSealed) {
		t.Fatalf("unencrypted send on a sealed conn: err = %v", err)
	}
	if _, err := handshake.Run(ctx, conn, cfg(model.Temporary)); !errors.Is(err, ErrSealed) {
		t.Fatalf("handshake on a sealed conn: err = %v", err)
	}

	frames := ring.Frames()
	var names []string
	for _, f := range frames {
		if f.Conn == 2 && !f.Encrypted() {
			names = append(names, f.Type)
		}
	}
	want := "req_pq_multi resPQ req_DH_params server_DH_params_ok set_client_DH_params dh_gen_ok"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("handshake frames = %q, want %q", got, want)
	}

	tempID := model.KeyIDFromWire(temp.Key.ID)
	var sentBind *Frame
	for i, f := range frames {
		if f.Encrypted() && f.Dir == model.Sent && f.AuthKeyID == tempID {
			sentBind = &frames[i]
			break
		}
	}
	if sentBind == nil {
		t.Fatal("no encrypted frame under the temp key")
	}
	// Before AddKey the ring cannot name it.
	if sentBind.Type != "" {
		t.Fatalf("frame named %q without a key", sentBind.Type)
	}
	name, err := CanOpen(*sentBind, temp.Key)
	if err != nil || !strings.Contains(name, "auth.bindTempAuthKey") {
		t.Fatalf("CanOpen(temp) = %q, %v", name, err)
	}
	// The PFS proof: the permanent key does not open the temp key's frames.
	// It is a real decryption that fails (the msg_key check), not just an
	// id comparison.
	if _, err := CanOpen(*sentBind, perm.Key); err == nil || !strings.Contains(err.Error(), "msg_key") {
		t.Fatalf("CanOpen(perm) = %v; want a failed msg_key check", err)
	}
	// Even forcing the perm key's id onto the frame, msg_key check fails.
	forged := *sentBind
	forged.AuthKeyID = model.KeyIDFromWire(perm.Key.ID)
	forged.raw = append([]byte(nil), sentBind.raw...)
	copy(forged.raw[:8], perm.Key.ID[:])
	if _, err := CanOpen(forged, perm.Key); err == nil {
		t.Fatal("the permanent key opened a temp-key frame relabelled with its id")
	}

	ring.AddKey(temp.Key)
	var replies []string
	for _, f := range ring.Frames() {
		if f.Encrypted() && f.AuthKeyID == tempID {
			replies = append(replies, f.Dir.String()+" "+f.Type)
		}
	}
	joined := strings.Join(replies, ", ")
	if !strings.Contains(joined, "send auth.bindTempAuthKey") || !strings.Contains(joined, "help.getConfig") || !strings.Contains(joined, "recv rpc_result(") {
		t.Fatalf("named frames = %s", joined)
	}
}

func TestRingBounded(t *testing.T) {
	r := NewRing(3, nil)
	for i := 0; i < 5; i++ {
		r.record(1, "x", model.Sent, []byte{byte(i), 0, 0, 0})
	}
	fs := r.Frames()
	if len(fs) != 3 || fs[0].Seq != 3 || fs[2].Seq != 5 {
		t.Fatalf("frames = %+v", fs)
	}
	if fs[2].TransportError != -4 {
		t.Fatalf("4-byte frame not read as a transport error: %+v", fs[2])
	}
}

func FuzzRecord(f *testing.F) {
	f.Add([]byte{0x6c, 0xfe, 0xff, 0xff}) // -404
	f.Add(make([]byte, 24))
	f.Add(append(make([]byte, 20), 0xf1, 0x8e, 0x7e, 0xbe))
	f.Add(append([]byte{1, 2, 3, 4, 5, 6, 7, 8}, make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewRing(2, nil)
		r.record(1, "fuzz", model.Received, b)
		fs := r.Frames()
		if len(fs) != 1 || fs[0].Size != len(b) {
			t.Fatalf("frames = %+v", fs)
		}
		if fs[0].Type == "" && !fs[0].Encrypted() && len(b) >= 4 {
			t.Fatalf("unencrypted frame left unnamed: %+v", fs[0])
		}
		_ = contentName(b)
	})
}
