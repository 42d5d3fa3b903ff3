package localdc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/localdc/observe"
)

// The observation through a real DC: raw clients that keep each rule and
// raw clients that break it, and the verdicts the DC reaches about them.

// asClient wraps q the way clients name themselves on a new connection.
func asClient(q bin.Object) bin.Encoder {
	return &tg.InvokeWithLayerRequest{Layer: tg.Layer, Query: &tg.InitConnectionRequest{
		APIID: 4, DeviceModel: "raw test client", SystemVersion: "go test", AppVersion: "1.0",
		SystemLangCode: "en", LangCode: "en", Query: q}}
}

var rawIdentity = model.ClientIdentity{APIID: 4, DeviceModel: "raw test client", SystemVersion: "go test", AppVersion: "1.0", LangCode: "en", Layer: tg.Layer}

// bindBody is the encoded bind b, wrapped by wrap when it is not nil.
func (p *pfsClient) bindBody(t testing.TB, b bindParts, wrap func(bin.Object) bin.Encoder) []byte {
	t.Helper()
	enc, err := crypto.EncryptBindMessage(rand.Reader, b.sealWith, b.innerID, &b.inner)
	if err != nil {
		t.Fatalf("encrypt bind: %v", err)
	}
	var req bin.Object = &tg.AuthBindTempAuthKeyRequest{PermAuthKeyID: b.outerPerm, Nonce: b.nonce, ExpiresAt: b.expiresAt, EncryptedMessage: enc}
	if wrap != nil {
		return encode(t, wrap(req))
	}
	return encode(t, req)
}

// clientWith is the report's client that holds key.
func clientWith(t testing.TB, c *Cluster, key crypto.AuthKey) model.ClientReport {
	t.Helper()
	r := c.Report()
	id := model.KeyID(key.IntID()).String()
	for _, cl := range r.Clients {
		for _, k := range cl.PermKeys {
			if k.ID == id {
				return cl
			}
		}
		for _, k := range cl.TempKeys {
			if k.ID == id {
				return cl
			}
		}
	}
	raw, _ := json.MarshalIndent(r, "", "  ")
	t.Fatalf("no client holds key %s: %s", id, raw)
	return model.ClientReport{}
}

// wantVerdict checks one verdict of the client that holds key.
func wantVerdict(t testing.TB, c *Cluster, key crypto.AuthKey, name model.VerdictName, result model.VerdictResult, detail string) {
	t.Helper()
	cl := clientWith(t, c, key)
	v, ok := cl.Verdict(name)
	if !ok || v.Result != result || !strings.Contains(v.Detail, detail) {
		t.Fatalf("%s = %s %q; want %s with %q", name, v.Result, v.Detail, result, detail)
	}
}

// tgpfsExchange makes a key on rc's connection with tgpfs's own client
// (proto/handshake): every check of the server's answers, and cheaper
// than gotd's, which proves dh_prime on every exchange.
func tgpfsExchange(rc *rawClient, c *Cluster, dc int, kind model.KeyKind) (handshake.Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := handshake.Config{Kind: kind, DC: c.ProtocolDC(dc), Keys: []*rsa.PublicKey{c.PublicKey()}, Timeout: time.Minute}
	if kind == model.Temporary {
		cfg.ExpiresIn = time.Hour
	}
	return handshake.Run(ctx, rc.conn, cfg)
}

// eventually retries check until it passes, or fails the test after a
// generous bound: for what the DC notes when a client goes away.
func eventually(t testing.TB, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReportOfAPFSClient(t *testing.T) {
	c := startCluster(t, Config{})
	log := recordEvents(t, c)
	p := newPFSClient(t, c, 2, time.Hour)
	var cfg tg.Config
	p.call(asClient(&tg.HelpGetConfigRequest{})).decode(t, &cfg)
	p.mustBind(t)
	// A second temporary key on its own connection, bound inside
	// invokeWithLayer(initConnection(...)), as tdlib does.
	q := newTempClient(t, c, 2, time.Hour, p.perm, p.permSalt, nil)
	b := q.goodBind()
	var ok tg.BoolBox
	q.callWithID(b.msgID, q.bindBody(t, b, asClient)).decode(t, &ok)
	var near tg.NearestDC
	q.call(&tg.HelpGetNearestDCRequest{}).decode(t, &near)

	r := c.Report()
	if len(r.Clients) != 1 {
		t.Fatalf("%d clients, want 1: %+v", len(r.Clients), r.Clients)
	}
	cl := r.Clients[0]
	if cl.Client != rawIdentity || len(cl.Transports) != 1 || cl.Transports[0] != "intermediate" || len(cl.DCs) != 1 || cl.DCs[0] != 2 {
		t.Fatalf("identity %+v, transports %v, dcs %v", cl.Client, cl.Transports, cl.DCs)
	}
	if len(cl.PermKeys) != 1 || cl.PermKeys[0].Exchange != (model.KeyExchange{Inner: "p_q_inner_data_dc", Scheme: "rsa_pad", Transport: "intermediate"}) {
		t.Fatalf("perm keys %+v", cl.PermKeys)
	}
	if len(cl.TempKeys) != 2 {
		t.Fatalf("temp keys %+v", cl.TempKeys)
	}
	for i, k := range cl.TempKeys {
		if k.ExpiresIn != 3600 || !k.Bound || k.PermID != cl.PermKeys[0].ID || k.WrappedBind != (i == 1) || k.Ended != "" || k.Exchange.Inner != "p_q_inner_data_temp_dc" {
			t.Fatalf("temp key %d: %+v", i, k)
		}
	}
	want := map[model.VerdictName]model.VerdictResult{model.VerdictUsesPFS: model.ResultOK, model.VerdictNoCallsBeforeBind: model.ResultOK, model.VerdictTempTTL: model.ResultOK}
	for _, v := range cl.Verdicts {
		w, named := want[v.Name]
		if !named {
			w = model.ResultNotSeen
		}
		if v.Result != w {
			t.Errorf("%s = %s (%s), want %s", v.Name, v.Result, v.Detail, w)
		}
	}
	if v, _ := cl.Verdict(model.VerdictNoCallsBeforeBind); v.Detail != "only help.getConfig, auth.bindTempAuthKey on unbound temporary keys" {
		t.Errorf("no_calls_before_bind detail %q", v.Detail)
	}
	if cl.Counts.Calls != 4 {
		t.Errorf("calls %d, want 4", cl.Counts.Calls)
	}
	log.waitFor(t, "the client named on the event stream", func(ev model.ServerEvent) bool {
		return ev.Kind == model.SrvClient && ev.Client == cl.ID && strings.Contains(ev.Detail, "raw test client")
	})
}

func TestVerdictsFailOnTheDC(t *testing.T) {
	t.Run("downgrade", func(t *testing.T) {
		c := startCluster(t, Config{})
		log := recordEvents(t, c)
		p := newPFSClient(t, c, 2, time.Hour)
		p.mustBind(t)
		rc := dialRaw(t, c.Addr(2))
		rc.use(p.perm, p.permSalt)
		var cfg tg.Config
		rc.call(&tg.HelpGetConfigRequest{}).decode(t, &cfg)
		wantVerdict(t, c, p.perm, model.VerdictUsesPFS, model.ResultFail, "PFS downgrade at ")
		wantVerdict(t, c, p.perm, model.VerdictUsesPFS, model.ResultFail, "help.getConfig under permanent key "+model.KeyID(p.perm.IntID()).String()+", after the first bind")
		log.waitFor(t, "the downgrade on the event stream", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvRule && strings.HasPrefix(ev.Detail, "uses_pfs: fail: PFS downgrade")
		})
	})
	t.Run("never binds", func(t *testing.T) {
		c := startCluster(t, Config{})
		rc := dialRaw(t, c.Addr(2))
		perm := rc.mustExchange(2, 0)
		var cfg tg.Config
		rc.call(asClient(&tg.HelpGetConfigRequest{})).decode(t, &cfg)
		wantVerdict(t, c, perm, model.VerdictUsesPFS, model.ResultFail, "no temporary key bound: every call under the permanent key (1 call)")
		wantVerdict(t, c, perm, model.VerdictNoCallsBeforeBind, model.ResultNotSeen, "no temporary key")
	})
	t.Run("calls before the bind", func(t *testing.T) {
		c := startCluster(t, Config{})
		p := newPFSClient(t, c, 2, time.Hour)
		if got := p.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).errType(); got != "AUTH_KEY_PERM_EMPTY" {
			t.Fatalf("users.getUsers on an unbound key: %q", got)
		}
		p.mustBind(t)
		wantVerdict(t, c, p.perm, model.VerdictNoCallsBeforeBind, model.ResultFail, "users.getUsers on unbound temporary key "+model.KeyID(p.temp.IntID()).String())
		wantVerdict(t, c, p.perm, model.VerdictUsesPFS, model.ResultOK, "1 bind")
	})
}

// TestTempTTLVerdict: a client renews before its key's declared expiry
// (ok), then sends under the old key after it (fail).
func TestTempTTLVerdict(t *testing.T) {
	clock := &testClock{}
	c := startCluster(t, Config{Now: clock.Now, SweepEvery: time.Hour})
	p := newPFSClient(t, c, 2, 2*time.Minute)
	p.mustBind(t)
	q := newTempClient(t, c, 2, 2*time.Minute, p.perm, p.permSalt, nil)
	q.mustBind(t)
	wantVerdict(t, c, p.perm, model.VerdictTempTTL, model.ResultOK, "expires_in 2m0s; renewed 1 time before the key in use expired")

	clock.add(2*time.Minute + time.Second)
	if a := p.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("a call under the expired key: %+v, want -404", a)
	}
	wantVerdict(t, c, p.perm, model.VerdictTempTTL, model.ResultFail, "after its declared expiry")
	// The DC forgot the key at the expiry the client declared, not early:
	// nothing to recover from.
	wantVerdict(t, c, p.perm, model.VerdictRecoversForgottenKey, model.ResultNotSeen, "")
}

func TestCountsAndNoKeyBytes(t *testing.T) {
	c := startCluster(t, Config{})
	p := newPFSClient(t, c, 2, time.Hour)
	p.mustBind(t)
	// msg_id with the low bits set: bad_msg_notification 18.
	id, seq := p.nextMsg(true)
	if a := p.roundTrip(p.salt, p.sess, id|1, seq, encode(t, &tg.HelpGetConfigRequest{})); a.badMsg != 18 {
		t.Fatalf("odd msg_id: %+v", a)
	}
	// A wrong salt: bad_server_salt 48.
	id, seq = p.nextMsg(true)
	if a := p.roundTrip(p.salt+1, p.sess, id, seq, encode(t, &tg.HelpGetConfigRequest{})); a.badMsg != 48 {
		t.Fatalf("wrong salt: %+v", a)
	}
	var res tg.BoolBox
	p.call(&tg.AuthDropTempAuthKeysRequest{ExceptAuthKeys: []int64{p.temp.IntID()}}).decode(t, &res)
	cl := clientWith(t, c, p.perm)
	if cl.Counts.BadMsgCodes[18] != 1 || cl.Counts.BadMsgCodes[48] != 1 || cl.Counts.MsgIDProblems != 1 || cl.Counts.Drops != 1 {
		t.Fatalf("counts %+v", cl.Counts)
	}
	raw, err := json.Marshal(c.Report())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []crypto.AuthKey{p.perm, p.temp} {
		for _, form := range []string{hex.EncodeToString(k.Value[:16]), base64.StdEncoding.EncodeToString(k.Value[:15]), base64.RawURLEncoding.EncodeToString(k.Value[:15])} {
			if strings.Contains(string(raw), form) {
				t.Fatalf("the report holds key bytes (%s)", form)
			}
		}
	}
}

func TestObservationOff(t *testing.T) {
	c := startCluster(t, Config{NoObserve: true, Scenarios: []model.Scenario{{Name: model.ScenarioRejectFirstBind}}})
	p := newPFSClient(t, c, 2, time.Hour)
	if got := p.bind(t, p.goodBind()).errType(); got != "ENCRYPTED_MESSAGE_INVALID" {
		t.Fatalf("scenarios work without observation: first bind %q", got)
	}
	p.mustBind(t)
	if r := c.Report(); len(r.Clients) != 0 || len(r.Scenarios) != 1 {
		t.Fatalf("report with observation off: %+v", r)
	}
}

// TestReportWhileClientsRun takes reports while clients make keys, bind
// and call, for the race detector.
func TestReportWhileClientsRun(t *testing.T) {
	c := startCluster(t, Config{Observe: observe.Config{MaxClients: 2}})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				if _, err := json.Marshal(c.Report()); err != nil {
					panic(err)
				}
				time.Sleep(time.Millisecond) // a live view polls; it does not spin
			}
		}
	}()
	var clients sync.WaitGroup
	errs := make(chan error, 3)
	for i := range 3 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			rc := dialRaw(t, c.Addr(1+i%3))
			if _, err := tgpfsExchange(rc, c, 1+i%3, model.Permanent); err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
			}
		}()
	}
	p := newPFSClient(t, c, 2, time.Hour)
	p.mustBind(t)
	clients.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r := c.Report()
	if len(r.Clients) != 2 || r.Forgotten < 2 {
		t.Fatalf("%d clients and %d forgotten, want the bound of 2 and at least 2 forgotten", len(r.Clients), r.Forgotten)
	}
}
