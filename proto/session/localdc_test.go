package session

import (
	"context"
	"crypto/rsa"
	"net"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/localdc"
)

func startDC(t *testing.T, cfg localdc.Config) *localdc.Cluster {
	t.Helper()
	c, err := localdc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func dial(t *testing.T, addr string) transport.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := transport.Intermediate.Handshake(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func exchange(t *testing.T, c *localdc.Cluster, conn transport.Conn, kind model.KeyKind) handshake.Result {
	t.Helper()
	res, err := handshake.Run(context.Background(), conn, handshake.Config{
		Kind: kind, DC: c.ProtocolDC(2), ExpiresIn: time.Minute, Keys: []*rsa.PublicKey{c.PublicKey()},
	})
	if err != nil {
		t.Fatalf("%v handshake: %v\n%+v", kind, err, res.Transcript.Checks)
	}
	return res
}

func TestBindAndCallOnLocalDC(t *testing.T) {
	c := startDC(t, localdc.Config{DCs: 2})
	ctx := context.Background()
	perm := exchange(t, c, dial(t, c.Addr(2)), model.Permanent)

	conn := dial(t, c.Addr(2))
	temp := exchange(t, c, conn, model.Temporary)
	var notes []Note
	wrapped := 0
	s, err := New(conn, temp.Key, temp.Salt, Options{
		Offset: temp.Offset,
		Notify: func(n Note) { notes = append(notes, n) },
		Wrap: func(q bin.Object) bin.Object {
			wrapped++
			return &tg.InvokeWithLayerRequest{Layer: tg.Layer, Query: &tg.InitConnectionRequest{
				APIID: 1, DeviceModel: "test", SystemVersion: "test", AppVersion: "test",
				SystemLangCode: "en", LangCode: "en", Query: q}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	api := tg.NewClient(s)

	// An unbound temp key may not call ordinary methods.
	if _, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}}); !tgerr.Is(err, "AUTH_KEY_PERM_EMPTY") {
		t.Fatalf("unbound call: err = %v, want AUTH_KEY_PERM_EMPTY", err)
	}

	res, err := s.Bind(ctx, BindRequest{Perm: perm.Key, ExpiresAt: temp.ExpiresAt})
	if err != nil {
		t.Fatalf("bind: %v", err)
	}
	if res.SessionID != s.ID() || res.MsgID == 0 || res.Nonce == 0 {
		t.Fatalf("bind result %+v", res)
	}
	keys := c.TempKeys(2, model.KeyIDFromWire(perm.Key.ID))
	found := false
	for _, k := range keys {
		if k.ID == model.KeyIDFromWire(temp.Key.ID) {
			found = true
		}
	}
	if !found {
		t.Fatalf("DC does not list the temp key as bound to the perm key: %+v", keys)
	}

	// A second bind of the same temp key to the same perm key is fine;
	// a bind with a wrong expires_at is not.
	if _, err := s.Bind(ctx, BindRequest{Perm: perm.Key, ExpiresAt: temp.ExpiresAt.Add(time.Hour)}); !tgerr.Is(err, "EXPIRES_AT_INVALID", "ENCRYPTED_MESSAGE_INVALID") {
		t.Fatalf("bind past expiry: err = %v", err)
	}

	cfg, err := api.HelpGetConfig(ctx)
	if err != nil {
		t.Fatalf("help.getConfig: %v", err)
	}
	if cfg.ThisDC != 2 || wrapped != 1 {
		t.Fatalf("this_dc = %d, wrapped = %d", cfg.ThisDC, wrapped)
	}
	if _, err := api.HelpGetConfig(ctx); err != nil || wrapped != 1 {
		t.Fatalf("second call: %v, wrapped = %d", err, wrapped)
	}

	// The DC forgets the key: the next call gets -404, reported as such.
	if !c.ForgetTempKey(2, model.KeyIDFromWire(temp.Key.ID)) {
		t.Fatal("ForgetTempKey found nothing")
	}
	if _, err := api.HelpGetConfig(ctx); !model.IsKeyNotFound(err) {
		t.Fatalf("after forget: err = %v, want -404", err)
	}
}

// TestBindAfterBadServerSalt starts the session with a wrong salt: the DC
// answers bad_server_salt and the bind must go out again under a new msg_id
// with a rebuilt encrypted_message (the old one names the old msg_id and
// would be ENCRYPTED_MESSAGE_INVALID).
func TestBindAfterBadServerSalt(t *testing.T) {
	c := startDC(t, localdc.Config{DCs: 1})
	perm := exchange2(t, c, model.Permanent, nil)
	conn := dial(t, c.Addr(1))
	temp := exchange2(t, c, model.Temporary, conn)
	var notes []Note
	s, err := New(conn, temp.Key, temp.Salt^0x5a5a, Options{Offset: temp.Offset, Notify: func(n Note) { notes = append(notes, n) }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Bind(context.Background(), BindRequest{Perm: perm.Key, ExpiresAt: temp.ExpiresAt})
	if err != nil {
		t.Fatalf("bind: %v (notes %+v)", err, notes)
	}
	if res.Attempts != 2 {
		t.Fatalf("attempts = %d, want 2 (notes %+v)", res.Attempts, notes)
	}
	saw := false
	for _, n := range notes {
		saw = saw || n.Kind == "bad_server_salt"
	}
	if !saw {
		t.Fatalf("no bad_server_salt note: %+v", notes)
	}
}

func exchange2(t *testing.T, c *localdc.Cluster, kind model.KeyKind, conn transport.Conn) handshake.Result {
	t.Helper()
	if conn == nil {
		conn = dial(t, c.Addr(1))
	}
	res, err := handshake.Run(context.Background(), conn, handshake.Config{
		Kind: kind, DC: c.ProtocolDC(1), ExpiresIn: time.Minute, Keys: []*rsa.PublicKey{c.PublicKey()},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
