package localdc

import (
	"crypto/rand"
	"crypto/sha1" // #nosec G505 -- the key exchange's answer is hashed with SHA1
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"

	"tgpfs/model"
	"tgpfs/proto/dh"
	"tgpfs/proto/pq"
)

func TestHostilePrime(t *testing.T) {
	p := hostilePrime
	half := new(big.Int).Rsh(new(big.Int).Sub(p, big.NewInt(1)), 1)
	switch {
	case p.BitLen() != 2048:
		t.Fatalf("%d bits", p.BitLen())
	case !p.ProbablyPrime(32):
		t.Fatal("not prime: it must fail the safe-prime check only")
	case half.ProbablyPrime(32):
		t.Fatal("(p-1)/2 is prime: a safe prime")
	case new(big.Int).Mod(p, big.NewInt(3)).Int64() != 2:
		t.Fatal("p mod 3 != 2: g = 3 would fail its own check first")
	case p.Cmp(dhPrime) == 0:
		t.Fatal("Telegram's prime")
	}
	low := new(big.Int).Lsh(big.NewInt(1), 2048-64)
	if hostileGA.Cmp(big.NewInt(1)) <= 0 || hostileGA.Cmp(low) >= 0 {
		t.Fatal("hostile g_a is not between 1 and 2^(2048-64)")
	}
	if err := dh.CheckSafeRange(hostileGA, dhPrime); err == nil {
		t.Fatal("the range check takes the hostile g_a")
	}
}

// carelessClient makes keys checking nothing the server says: the client
// each checks_server_dh verdict exists to catch. It goes on with every
// answer and sends a ping under the key it made.
type carelessClient struct{ *specClient }

func newCarelessClient(t testing.TB, c *Cluster) carelessClient {
	return carelessClient{newSpecClient(t, c, 2)}
}

// run makes a key and pings under it. It returns the DC's refusal (a
// transport error) at whatever step it came.
func (x carelessClient) run() error {
	_, _ = rand.Read(x.nonce[:])
	if err := x.send(&mt.ReqPqMultiRequest{Nonce: x.nonce}); err != nil {
		return err
	}
	var res mt.ResPQ
	if err := x.recv(&res); err != nil {
		return err
	}
	x.serverNonce, x.fps, x.pq = res.ServerNonce, res.ServerPublicKeyFingerprints, new(big.Int).SetBytes(res.Pq).Uint64()
	// specClient's reqDH checks the answer; this one reads it as it is.
	var answer mt.ServerDHParamsBox
	if err := x.reqDHUnchecked(&answer); err != nil {
		return err
	}
	ok := answer.Server_DH_Params.(*mt.ServerDHParamsOk)
	plain, err := decryptIGE(ok.EncryptedAnswer, x.aesKey, x.aesIV)
	if err != nil {
		return err
	}
	var inner mt.ServerDHInnerData
	if err := inner.Decode(&bin.Buffer{Buf: plain[sha1.Size:]}); err != nil {
		return err
	}
	p, ga := new(big.Int).SetBytes(inner.DhPrime), new(big.Int).SetBytes(inner.GA)
	b, _ := rand.Int(rand.Reader, p)
	gb := new(big.Int).Exp(big.NewInt(int64(inner.G)), b, p)
	enc, err := crypto.EncryptExchangeAnswer(rand.Reader, encode(x.t, &mt.ClientDHInnerData{Nonce: x.nonce, ServerNonce: x.serverNonce, GB: gb.Bytes()}), x.aesKey, x.aesIV)
	if err != nil {
		return err
	}
	if err := x.send(&mt.SetClientDHParamsRequest{Nonce: x.nonce, ServerNonce: x.serverNonce, EncryptedData: enc}); err != nil {
		return err
	}
	var gen mt.SetClientDHParamsAnswerBox
	if err := x.recv(&gen); err != nil {
		return err
	}
	var key crypto.Key
	new(big.Int).Exp(ga, b, p).FillBytes(key[:])
	rc := newRawClient(x.t, x.conn)
	rc.use(key.WithID(), crypto.ServerSalt(x.newNonce, x.serverNonce))
	if a := rc.call(&mt.PingRequest{PingID: 1}); a.transport != 0 {
		return &errRefused{code: a.transport}
	}
	return nil
}

// reqDHUnchecked is req_DH_params with p_q_inner_data_dc under RSA_PAD.
func (x carelessClient) reqDHUnchecked(into *mt.ServerDHParamsBox) error {
	pv, qv, err := factor(x.pq)
	if err != nil {
		return err
	}
	_, _ = rand.Read(x.newNonce[:])
	pqb := new(big.Int).SetUint64(x.pq).Bytes()
	data := encode(x.t, &mt.PQInnerDataDC{Pq: pqb, P: pv, Q: qv, Nonce: x.nonce, ServerNonce: x.serverNonce, NewNonce: x.newNonce, DC: x.dc})
	enc, err := crypto.RSAPad(data, x.pub, rand.Reader)
	if err != nil {
		return err
	}
	if err := x.send(&mt.ReqDHParamsRequest{Nonce: x.nonce, ServerNonce: x.serverNonce, P: pv, Q: qv, PublicKeyFingerprint: x.fps[0], EncryptedData: enc}); err != nil {
		return err
	}
	if err := x.recv(into); err != nil {
		return err
	}
	x.aesKey, x.aesIV = crypto.TempAESKeys(x.newNonce.BigInt(), x.serverNonce.BigInt())
	return nil
}

func factor(n uint64) (p, q []byte, err error) {
	a, b, err := pq.Factor(n)
	return big.NewInt(int64(a)).Bytes(), big.NewInt(int64(b)).Bytes(), err
}

// TestHostileHandshakeCarelessClient: a client that checks nothing goes
// on after each hostile answer and fails each check; its sixth exchange
// gets honest answers.
func TestHostileHandshakeCarelessClient(t *testing.T) {
	c := startCluster(t, Config{Scenarios: scenario(model.ScenarioHostileHandshake, 0)})
	for i, check := range model.HostileChecks() {
		x := newCarelessClient(t, c)
		var refused *errRefused
		if err := x.run(); !errors.As(err, &refused) || refused.code != 404 {
			t.Fatalf("exchange %d (%s): %v, want -404 when the client goes on", i+1, check, err)
		}
		_ = x.conn.Close()
	}
	x := newCarelessClient(t, c)
	if err := x.run(); err != nil {
		t.Fatalf("the sixth exchange is honest: %v", err)
	}
	r := c.Report()
	if len(r.Clients) != 1 {
		t.Fatalf("%d clients, want the one that made a key: %+v", len(r.Clients), r.Clients)
	}
	want := map[model.VerdictName]string{
		model.VerdictChecksNonce:        "sent req_DH_params after it",
		model.VerdictChecksAnswerSHA1:   "sent set_client_DH_params after it",
		model.VerdictChecksDHPrime:      "sent set_client_DH_params after it",
		model.VerdictChecksGARange:      "sent set_client_DH_params after it",
		model.VerdictChecksNewNonceHash: "sent a message under key",
	}
	for name, detail := range want {
		if v, _ := r.Clients[0].Verdict(name); v.Result != model.ResultFail || !strings.Contains(v.Detail, detail) {
			t.Errorf("%s = %s %q, want fail with %q", name, v.Result, v.Detail, detail)
		}
	}
}

// TestHostileHandshakeCarefulClients: gotd's exchange and tgpfs's own
// refuse each hostile answer, start over on a new connection, and come
// out ok on every check.
func TestHostileHandshakeCarefulClients(t *testing.T) {
	clients := []struct {
		name string
		run  func(rc *rawClient, c *Cluster) (crypto.AuthKey, error)
	}{
		{"gotd", func(rc *rawClient, _ *Cluster) (crypto.AuthKey, error) {
			r, err := rc.exchange(2, 0)
			return r.AuthKey, err
		}},
		{"tgpfs", func(rc *rawClient, c *Cluster) (crypto.AuthKey, error) {
			r, err := tgpfsExchange(rc, c, 2, model.Permanent)
			return r.Key, err
		}},
	}
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			c := startCluster(t, Config{Scenarios: scenario(model.ScenarioHostileHandshake, 0)})
			var key crypto.AuthKey
			for attempt := 1; ; attempt++ {
				rc := dialRaw(t, c.Addr(2))
				k, err := cl.run(rc, c)
				if err == nil {
					key = k
					break
				}
				if attempt > len(model.HostileChecks()) {
					t.Fatalf("exchange %d: %v", attempt, err)
				}
				t.Logf("exchange %d refused by the client: %v", attempt, err)
				_ = rc.conn.Close()
			}
			eventually(t, "every check ok", func() error {
				report := clientWith(t, c, key)
				for _, name := range model.HostileChecks() {
					if v, _ := report.Verdict(name); v.Result != model.ResultOK {
						return fmt.Errorf("%s = %s %q", name, v.Result, v.Detail)
					}
				}
				return nil
			})
		})
	}
}

// TestHostileHandshakeTakesNoKey: no key a hostile answer went into is
// kept by the DC, and the scenario is off after five.
func TestHostileHandshakeTakesNoKey(t *testing.T) {
	c := startCluster(t, Config{Scenarios: scenario(model.ScenarioHostileHandshake, 0)})
	for range model.HostileChecks() {
		x := newCarelessClient(t, c)
		_ = x.run()
		_ = x.conn.Close()
	}
	if keys := c.PermKeys(2); len(keys) != 0 {
		t.Fatalf("the DC kept %d keys from hostile exchanges", len(keys))
	}
	rc := dialRaw(t, c.Addr(2))
	rc.mustExchange(2, 0)
	if keys := c.PermKeys(2); len(keys) != 1 {
		t.Fatalf("%d keys after an honest exchange", len(keys))
	}
}
