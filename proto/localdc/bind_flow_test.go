package localdc

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

func startCluster(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// pfsClient is a raw client holding a permanent and a temporary key of one
// DC, made on one connection, currently speaking over the temporary key.
type pfsClient struct {
	*rawClient
	perm      crypto.AuthKey
	permSalt  int64
	temp      crypto.AuthKey
	tempSalt  int64
	expiresAt int
}

func newPFSClient(t testing.TB, c *Cluster, dc int, ttl time.Duration) *pfsClient {
	t.Helper()
	rc := dialRaw(t, c.Addr(dc))
	p, err := rc.exchange(dc, 0)
	if err != nil {
		t.Fatalf("perm exchange: %v", err)
	}
	return newTempClient(t, c, dc, ttl, p.AuthKey, p.ServerSalt, rc)
}

// newTempClient makes a new temporary key for an existing permanent key,
// on rc or, when rc is nil, on a new connection.
func newTempClient(t testing.TB, c *Cluster, dc int, ttl time.Duration, perm crypto.AuthKey, permSalt int64, rc *rawClient) *pfsClient {
	t.Helper()
	if rc == nil {
		rc = dialRaw(t, c.Addr(dc))
	}
	tk, err := rc.exchange(dc, ttl)
	if err != nil {
		t.Fatalf("temp exchange: %v", err)
	}
	rc.use(tk.AuthKey, tk.ServerSalt)
	return &pfsClient{rawClient: rc, perm: perm, permSalt: permSalt, temp: tk.AuthKey, tempSalt: tk.ServerSalt,
		expiresAt: int(time.Now().Add(ttl).Unix())}
}

// bindParts are the fields of one bind; a test corrupts one of them.
type bindParts struct {
	sealWith  crypto.AuthKey // key encrypted_message is made with
	msgID     int64          // carrying message
	innerID   int64          // msg_id inside encrypted_message
	inner     crypto.BindAuthKeyInner
	outerPerm int64
	nonce     int64
	expiresAt int
	flipByte  int // >0: flip this byte of encrypted_message
}

func (p *pfsClient) goodBind() bindParts {
	msgID, _ := p.nextMsg(false)
	nonce, _ := crypto.RandInt64(rand.Reader)
	return bindParts{
		sealWith: p.perm,
		msgID:    msgID,
		innerID:  msgID,
		inner: crypto.BindAuthKeyInner{Nonce: nonce, TempAuthKeyID: p.temp.IntID(), PermAuthKeyID: p.perm.IntID(),
			TempSessionID: p.sess, ExpiresAt: p.expiresAt},
		outerPerm: p.perm.IntID(),
		nonce:     nonce,
		expiresAt: p.expiresAt,
	}
}

func (p *pfsClient) bind(t testing.TB, b bindParts) answer {
	t.Helper()
	enc, err := crypto.EncryptBindMessage(rand.Reader, b.sealWith, b.innerID, &b.inner)
	if err != nil {
		t.Fatalf("encrypt bind: %v", err)
	}
	if b.flipByte > 0 {
		enc[b.flipByte] ^= 0x40
	}
	req := &tg.AuthBindTempAuthKeyRequest{PermAuthKeyID: b.outerPerm, Nonce: b.nonce, ExpiresAt: b.expiresAt, EncryptedMessage: enc}
	return p.callWithID(b.msgID, encode(t, req))
}

func (p *pfsClient) mustBind(t testing.TB) {
	t.Helper()
	a := p.bind(t, p.goodBind())
	var res tg.BoolBox
	a.decode(t, &res)
	if _, ok := res.Bool.(*tg.BoolTrue); !ok {
		t.Fatalf("bind: got %v", res.Bool)
	}
}

func TestBindThenGetConfig(t *testing.T) {
	c := startCluster(t, Config{})
	p := newPFSClient(t, c, 2, time.Hour)

	// Unbound: the three allowed methods work, anything else is refused.
	var cfg tg.Config
	p.call(&tg.HelpGetConfigRequest{}).decode(t, &cfg)
	if cfg.ThisDC != 2 || !cfg.TestMode || len(cfg.DCOptions) != 3 {
		t.Fatalf("config: this_dc %d test_mode %v options %d", cfg.ThisDC, cfg.TestMode, len(cfg.DCOptions))
	}
	for _, o := range cfg.DCOptions {
		if got := c.Addr(o.ID); got == "" || o.IPAddress != "127.0.0.1" {
			t.Fatalf("dc option %+v, cluster addr %q", o, got)
		}
	}
	var near tg.NearestDC
	p.call(&tg.HelpGetNearestDCRequest{}).decode(t, &near)
	if near.ThisDC != 2 {
		t.Fatalf("nearest: this_dc %d", near.ThisDC)
	}
	if got := p.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).errType(); got != "AUTH_KEY_PERM_EMPTY" {
		t.Fatalf("users.getUsers on unbound temp key: %q, want AUTH_KEY_PERM_EMPTY", got)
	}
	if got := p.call(&tg.AuthDropTempAuthKeysRequest{}).errType(); got != "AUTH_KEY_PERM_EMPTY" {
		t.Fatalf("dropTempAuthKeys on unbound temp key: %q, want AUTH_KEY_PERM_EMPTY", got)
	}

	p.mustBind(t)
	keys := c.TempKeys(2, model.KeyID(p.perm.IntID()))
	if len(keys) != 1 || keys[0].ID != model.KeyID(p.temp.IntID()) || !keys[0].Bound {
		t.Fatalf("temp keys after bind: %+v", keys)
	}
	// Bound but not logged in: the permanent key's rules apply now.
	if got := p.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).errType(); got != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("users.getUsers on bound key, not logged in: %q", got)
	}
	// Binding again to the same permanent key is fine.
	p.mustBind(t)
}

func TestBindErrors(t *testing.T) {
	c := startCluster(t, Config{})
	base := newPFSClient(t, c, 1, time.Hour)
	other := dialRaw(t, c.Addr(1)).mustExchange(1, 0) // a second permanent key of DC 1
	foreign := dialRaw(t, c.Addr(2)).mustExchange(2, 0)

	tests := []struct {
		name    string
		corrupt func(p *pfsClient, b *bindParts)
		want    string
	}{
		{"inner msg_id", func(p *pfsClient, b *bindParts) { b.innerID -= 4 }, "ENCRYPTED_MESSAGE_INVALID"},
		{"temp_session_id", func(p *pfsClient, b *bindParts) { b.inner.TempSessionID++ }, "ENCRYPTED_MESSAGE_INVALID"},
		{"temp_auth_key_id", func(p *pfsClient, b *bindParts) { b.inner.TempAuthKeyID++ }, "ENCRYPTED_MESSAGE_INVALID"},
		{"inner perm_auth_key_id", func(p *pfsClient, b *bindParts) { b.inner.PermAuthKeyID = other.IntID() }, "ENCRYPTED_MESSAGE_INVALID"},
		{"outer perm_auth_key_id", func(p *pfsClient, b *bindParts) { b.outerPerm = other.IntID() }, "ENCRYPTED_MESSAGE_INVALID"},
		{"inner nonce", func(p *pfsClient, b *bindParts) { b.inner.Nonce++ }, "ENCRYPTED_MESSAGE_INVALID"},
		{"outer nonce", func(p *pfsClient, b *bindParts) { b.nonce++ }, "ENCRYPTED_MESSAGE_INVALID"},
		{"inner expires_at", func(p *pfsClient, b *bindParts) { b.inner.ExpiresAt-- }, "ENCRYPTED_MESSAGE_INVALID"},
		{"outer expires_at", func(p *pfsClient, b *bindParts) { b.expiresAt-- }, "ENCRYPTED_MESSAGE_INVALID"},
		{"msg_key", func(p *pfsClient, b *bindParts) { b.flipByte = 10 }, "ENCRYPTED_MESSAGE_INVALID"},
		{"ciphertext", func(p *pfsClient, b *bindParts) { b.flipByte = 60 }, "ENCRYPTED_MESSAGE_INVALID"},
		{"perm key of another DC", func(p *pfsClient, b *bindParts) {
			b.sealWith, b.inner.PermAuthKeyID, b.outerPerm = foreign, foreign.IntID(), foreign.IntID()
		}, "ENCRYPTED_MESSAGE_INVALID"},
		{"expires_at in the past", func(p *pfsClient, b *bindParts) {
			b.inner.ExpiresAt = int(time.Now().Add(-time.Minute).Unix())
			b.expiresAt = b.inner.ExpiresAt
		}, "EXPIRES_AT_INVALID"},
		{"expires_at past the key's expiry", func(p *pfsClient, b *bindParts) {
			b.inner.ExpiresAt += int((time.Hour).Seconds())
			b.expiresAt = b.inner.ExpiresAt
		}, "EXPIRES_AT_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newTempClient(t, c, 1, time.Hour, base.perm, base.permSalt, nil)
			b := p.goodBind()
			tt.corrupt(p, &b)
			if got := p.bind(t, b).errType(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for _, k := range c.TempKeys(1, 0) {
				if k.ID == model.KeyID(p.temp.IntID()) && k.Bound {
					t.Fatalf("a failed bind left the key bound: %+v", k)
				}
			}
			// The same key binds fine with honest fields afterwards.
			p.mustBind(t)
		})
	}

	t.Run("over a permanent key", func(t *testing.T) {
		p := newTempClient(t, c, 1, time.Hour, base.perm, base.permSalt, nil)
		b := p.goodBind()
		p.use(p.perm, p.permSalt)
		b.inner.TempSessionID = p.sess
		if got := p.bind(t, b).errType(); got != "TEMP_AUTH_KEY_EMPTY" {
			t.Fatalf("got %q, want TEMP_AUTH_KEY_EMPTY", got)
		}
	})
	t.Run("already bound to another permanent key", func(t *testing.T) {
		p := newTempClient(t, c, 1, time.Hour, base.perm, base.permSalt, nil)
		p.mustBind(t)
		b := p.goodBind()
		b.sealWith, b.inner.PermAuthKeyID, b.outerPerm = other, other.IntID(), other.IntID()
		if got := p.bind(t, b).errType(); got != "TEMP_AUTH_KEY_ALREADY_BOUND" {
			t.Fatalf("got %q, want TEMP_AUTH_KEY_ALREADY_BOUND", got)
		}
	})
}

func TestSeveralTempKeysPerPermKey(t *testing.T) {
	c := startCluster(t, Config{})
	p := newPFSClient(t, c, 1, time.Hour)
	p.mustBind(t)
	// A second temporary key for the same permanent key, on its own connection.
	q := dialRaw(t, c.Addr(1))
	tk := q.mustExchange(1, time.Hour)
	p2 := &pfsClient{rawClient: q, perm: p.perm, temp: tk, tempSalt: q.salt, expiresAt: p.expiresAt}
	p2.mustBind(t)
	if keys := c.TempKeys(1, model.KeyID(p.perm.IntID())); len(keys) != 2 {
		t.Fatalf("want both temp keys bound, got %+v", keys)
	}
	// Both still work.
	var cfg tg.Config
	p.call(&tg.HelpGetConfigRequest{}).decode(t, &cfg)
	p2.call(&tg.HelpGetConfigRequest{}).decode(t, &cfg)

	// dropTempAuthKeys from p keeps p's key only; p2's key then gets -404.
	var ok tg.BoolBox
	p.call(&tg.AuthDropTempAuthKeysRequest{ExceptAuthKeys: []int64{p.temp.IntID()}}).decode(t, &ok)
	if keys := c.TempKeys(1, model.KeyID(p.perm.IntID())); len(keys) != 1 || keys[0].ID != model.KeyID(p.temp.IntID()) {
		t.Fatalf("after drop: %+v", keys)
	}
	if a := p2.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("dropped key: got %+v, want transport error -404", a)
	}
	p.call(&tg.HelpGetConfigRequest{}).decode(t, &cfg)
}

func TestExpiredTempKeyGets404(t *testing.T) {
	clock := &testClock{}
	c := startCluster(t, Config{MaxTTL: time.Minute, Now: clock.Now})
	p := newPFSClient(t, c, 1, time.Hour) // asks for an hour, the DC caps it to a minute
	p.mustBind(t)
	keys := c.TempKeys(1, 0)
	if len(keys) != 1 || keys[0].ExpiresIn != time.Hour || !keys[0].ExpiresAt.Equal(keys[0].Created.Add(time.Minute)) {
		t.Fatalf("temp key: %+v", keys)
	}
	events, cancel := c.Subscribe()
	defer cancel()
	clock.add(61 * time.Second)
	c.sweep()
	ev := <-events
	if ev.Kind != model.SrvKeyExpired || ev.KeyID != model.KeyID(p.temp.IntID()) {
		t.Fatalf("event %+v, want the key expired", ev)
	}
	if len(c.TempKeys(1, 0)) != 0 {
		t.Fatalf("sweep left the key")
	}
	if a := p.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("expired key: got %+v, want transport error -404", a)
	}
}

func TestWrongDCGets444(t *testing.T) {
	c := startCluster(t, Config{})
	rc := dialRaw(t, c.Addr(1))
	_, err := rc.exchange(2, 0)
	if err == nil {
		t.Fatal("exchange naming dc 2 on dc 1 succeeded")
	}
	if !containsCode(err, 444) {
		t.Fatalf("err %v, want transport error -444", err)
	}
}

// TestBindWrappedOrInContainer sends the bind the ways real clients do:
// inside invokeWithLayer(initConnection(...)) as tdlib does, and as one
// message of a container, where the inner msg_id is the message's own.
func TestBindWrappedOrInContainer(t *testing.T) {
	c := startCluster(t, Config{})
	base := newPFSClient(t, c, 3, time.Hour)

	t.Run("invokeWithLayer(initConnection(bind))", func(t *testing.T) {
		p := newTempClient(t, c, 3, time.Hour, base.perm, base.permSalt, nil)
		b := p.goodBind()
		enc, err := crypto.EncryptBindMessage(rand.Reader, b.sealWith, b.innerID, &b.inner)
		if err != nil {
			t.Fatal(err)
		}
		req := &tg.AuthBindTempAuthKeyRequest{PermAuthKeyID: b.outerPerm, Nonce: b.nonce, ExpiresAt: b.expiresAt, EncryptedMessage: enc}
		var ok tg.BoolBox
		p.callWithID(b.msgID, encode(t, withLayer(229, req))).decode(t, &ok)
		if keys := c.TempKeys(3, model.KeyID(base.perm.IntID())); len(keys) != 1 || keys[0].ID != model.KeyID(p.temp.IntID()) {
			t.Fatalf("temp keys %+v", keys)
		}
	})
	t.Run("in a container", func(t *testing.T) {
		p := newTempClient(t, c, 3, time.Hour, base.perm, base.permSalt, nil)
		b := p.goodBind()
		_, seq := p.nextMsg(true)
		enc, err := crypto.EncryptBindMessage(rand.Reader, b.sealWith, b.innerID, &b.inner)
		if err != nil {
			t.Fatal(err)
		}
		body := encode(t, &tg.AuthBindTempAuthKeyRequest{PermAuthKeyID: b.outerPerm, Nonce: b.nonce, ExpiresAt: b.expiresAt, EncryptedMessage: enc})
		ping := encode(t, &mt.PingRequest{PingID: 9})
		pingID, pseq := p.nextMsg(true)
		var cont bin.Buffer
		_ = (&proto.MessageContainer{Messages: []proto.Message{
			{ID: b.msgID, SeqNo: int(seq), Bytes: len(body), Body: body},
			{ID: pingID, SeqNo: int(pseq), Bytes: len(ping), Body: ping},
		}}).Encode(&cont)
		cid, _ := p.nextMsg(false)
		p.sendRaw(p.salt, p.sess, cid, pseq+1, cont.Buf)
		var ok tg.BoolBox
		p.await(b.msgID).decode(t, &ok)
		if _, isTrue := ok.Bool.(*tg.BoolTrue); !isTrue {
			t.Fatalf("bind in a container: %v", ok.Bool)
		}
	})
}

// TestBindWhileAnotherConnectionUsesTheKey runs a bind on one connection
// while a second connection uses the same temporary key (run with -race).
func TestBindWhileAnotherConnectionUsesTheKey(t *testing.T) {
	c := startCluster(t, Config{})
	p := newPFSClient(t, c, 1, time.Hour)
	q := dialRaw(t, c.Addr(1))
	q.use(p.temp, p.tempSalt)
	got := make(chan string, 20)
	go func() {
		defer close(got)
		for range 20 {
			a := q.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}})
			if a.rpcErr == nil {
				got <- fmt.Sprintf("%+v", a)
				continue
			}
			got <- a.errType()
		}
	}()
	p.mustBind(t)
	var last string
	for e := range got {
		if e != "AUTH_KEY_PERM_EMPTY" && e != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("users.getUsers on a key being bound: %q", e)
		}
		last = e
	}
	if e := q.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).errType(); e != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("after the bind: %q (last during: %q)", e, last)
	}
}
