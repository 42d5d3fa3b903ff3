package localdc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // #nosec G505 -- the spec's key exchange
	"errors"
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/transport"

	"tgpfs/proto/pq"
)

// specClient is a key exchange client written from the spec
// (https://core.telegram.org/mtproto/auth_key), one method per step, with
// a field for every choice a real client makes: which p_q_inner_data
// constructor, which RSA scheme, and a hook per step that can break what
// it is about to send. It is how the tests play Telethon (legacy
// p_q_inner_data under the SHA1 RSA scheme) and every kind of broken
// client.
type specClient struct {
	t    testing.TB
	conn transport.Conn
	dc   int

	inner     string         // "p_q_inner_data_dc" (default), "p_q_inner_data_temp_dc", "p_q_inner_data"
	scheme    rsaScheme      // schemeRSAPad (default) or schemeRSASHA1
	expiresIn int            // for p_q_inner_data_temp_dc
	pub       *rsa.PublicKey // the DC's key; the test key by default
	pause     time.Duration  // between steps: a slow client

	// Hooks: each may change what its step sends.
	editInner    func(inner []byte) []byte            // serialised p_q_inner_data*, before RSA
	editReqDH    func(r *mt.ReqDHParamsRequest)       // before it is sent
	editClientDH func(d *mt.ClientDHInnerData)        // before it is hashed and encrypted
	editSetDH    func(r *mt.SetClientDHParamsRequest) // before it is sent

	nonce, serverNonce bin.Int128
	newNonce           bin.Int256
	pq                 uint64
	fps                []int64
	aesKey, aesIV      []byte
	ga                 *big.Int
}

func newSpecClient(t testing.TB, c *Cluster, dc int) *specClient {
	t.Helper()
	rc := dialRaw(t, c.Addr(dc))
	return &specClient{t: t, conn: rc.conn, dc: c.ProtocolDC(dc), pub: c.PublicKey()}
}

// errRefused is a transport error the DC answered a step with.
type errRefused struct{ code int32 }

func (e *errRefused) Error() string { return "transport error -" + strconv.Itoa(int(e.code)) }

// send writes one unencrypted message: auth_key_id 0 | msg_id | length | body.
func (x *specClient) send(body bin.Encoder) error {
	var data bin.Buffer
	if err := body.Encode(&data); err != nil {
		return err
	}
	return x.sendRaw(data.Buf)
}

func (x *specClient) sendRaw(body []byte) error {
	if x.pause > 0 {
		time.Sleep(x.pause)
	}
	var b bin.Buffer
	m := proto.UnencryptedMessage{MessageID: int64(proto.NewMessageID(time.Now(), proto.MessageFromClient)), MessageData: body}
	if err := m.Encode(&b); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return x.conn.Send(ctx, &b)
}

// recv reads one unencrypted answer into into, or the transport error
// the DC sent instead.
func (x *specClient) recv(into bin.Decoder) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var b bin.Buffer
	if err := x.conn.Recv(ctx, &b); err != nil {
		var pe *codec.ProtocolErr
		if errors.As(err, &pe) {
			return &errRefused{code: pe.Code}
		}
		return err
	}
	var m proto.UnencryptedMessage
	if err := m.Decode(&b); err != nil {
		return err
	}
	return into.Decode(&bin.Buffer{Buf: m.MessageData})
}

// run makes a key: the three steps in order.
func (x *specClient) run() (crypto.AuthKey, int64, error) {
	if err := x.reqPQ(); err != nil {
		return crypto.AuthKey{}, 0, err
	}
	if err := x.reqDH(); err != nil {
		return crypto.AuthKey{}, 0, err
	}
	return x.setClientDH()
}

func (x *specClient) reqPQ() error {
	_, _ = rand.Read(x.nonce[:])
	if err := x.send(&mt.ReqPqMultiRequest{Nonce: x.nonce}); err != nil {
		return err
	}
	var res mt.ResPQ
	if err := x.recv(&res); err != nil {
		return err
	}
	if res.Nonce != x.nonce {
		return errors.New("resPQ: nonce")
	}
	x.serverNonce, x.fps = res.ServerNonce, res.ServerPublicKeyFingerprints
	x.pq = new(big.Int).SetBytes(res.Pq).Uint64()
	return nil
}

func (x *specClient) reqDH() error {
	p, q, err := pq.Factor(x.pq)
	if err != nil {
		return err
	}
	pb, qb := big.NewInt(int64(p)).Bytes(), big.NewInt(int64(q)).Bytes()
	pqb := new(big.Int).SetUint64(x.pq).Bytes()
	_, _ = rand.Read(x.newNonce[:])
	var inner bin.Encoder
	switch x.inner {
	case "", "p_q_inner_data_dc":
		inner = &mt.PQInnerDataDC{Pq: pqb, P: pb, Q: qb, Nonce: x.nonce, ServerNonce: x.serverNonce, NewNonce: x.newNonce, DC: x.dc}
	case "p_q_inner_data_temp_dc":
		inner = &mt.PQInnerDataTempDC{Pq: pqb, P: pb, Q: qb, Nonce: x.nonce, ServerNonce: x.serverNonce, NewNonce: x.newNonce, DC: x.dc, ExpiresIn: x.expiresIn}
	case "p_q_inner_data":
		inner = &mt.PQInnerData{Pq: pqb, P: pb, Q: qb, Nonce: x.nonce, ServerNonce: x.serverNonce, NewNonce: x.newNonce}
	default:
		x.t.Fatalf("inner %q", x.inner)
	}
	data := encode(x.t, inner)
	if x.editInner != nil {
		data = x.editInner(data)
	}
	var enc []byte
	switch x.scheme {
	case "", schemeRSAPad:
		if enc, err = crypto.RSAPad(data, x.pub, rand.Reader); err != nil {
			return err
		}
	case schemeRSASHA1:
		enc = encryptRSASHA1(x.t, data, x.pub)
	}
	r := &mt.ReqDHParamsRequest{Nonce: x.nonce, ServerNonce: x.serverNonce, P: pb, Q: qb, EncryptedData: enc}
	if len(x.fps) > 0 {
		r.PublicKeyFingerprint = x.fps[0]
	}
	if x.editReqDH != nil {
		x.editReqDH(r)
	}
	if err := x.send(r); err != nil {
		return err
	}
	var res mt.ServerDHParamsBox
	if err := x.recv(&res); err != nil {
		return err
	}
	ok, isOK := res.Server_DH_Params.(*mt.ServerDHParamsOk)
	if !isOK || ok.Nonce != x.nonce || ok.ServerNonce != x.serverNonce {
		return errors.New("server_DH_params: not ok for this exchange")
	}
	x.aesKey, x.aesIV = crypto.TempAESKeys(x.newNonce.BigInt(), x.serverNonce.BigInt())
	plain, err := crypto.DecryptExchangeAnswer(ok.EncryptedAnswer, x.aesKey, x.aesIV)
	if err != nil || plain == nil {
		return errors.New("server_DH_params: answer does not decrypt")
	}
	var sdh mt.ServerDHInnerData
	if err := sdh.Decode(&bin.Buffer{Buf: plain}); err != nil {
		return err
	}
	if sdh.Nonce != x.nonce || sdh.G != 3 || new(big.Int).SetBytes(sdh.DhPrime).Cmp(dhPrime) != 0 {
		return errors.New("server_DH_inner_data: not Telegram's parameters")
	}
	x.ga = new(big.Int).SetBytes(sdh.GA)
	return nil
}

func (x *specClient) setClientDH() (crypto.AuthKey, int64, error) {
	bBytes := make([]byte, 256)
	_, _ = rand.Read(bBytes)
	b := new(big.Int).SetBytes(bBytes)
	gb := new(big.Int).Exp(big.NewInt(3), b, dhPrime)
	d := &mt.ClientDHInnerData{Nonce: x.nonce, ServerNonce: x.serverNonce, GB: gb.Bytes()}
	if x.editClientDH != nil {
		x.editClientDH(d)
	}
	enc, err := crypto.EncryptExchangeAnswer(rand.Reader, encode(x.t, d), x.aesKey, x.aesIV)
	if err != nil {
		return crypto.AuthKey{}, 0, err
	}
	r := &mt.SetClientDHParamsRequest{Nonce: x.nonce, ServerNonce: x.serverNonce, EncryptedData: enc}
	if x.editSetDH != nil {
		x.editSetDH(r)
	}
	if err := x.send(r); err != nil {
		return crypto.AuthKey{}, 0, err
	}
	var res mt.SetClientDHParamsAnswerBox
	if err := x.recv(&res); err != nil {
		return crypto.AuthKey{}, 0, err
	}
	ok, isOK := res.Set_client_DH_params_answer.(*mt.DhGenOk)
	if !isOK {
		return crypto.AuthKey{}, 0, errors.New("set_client_DH_params: not dh_gen_ok")
	}
	var key crypto.Key
	new(big.Int).Exp(x.ga, b, dhPrime).FillBytes(key[:])
	if ok.NewNonceHash1 != crypto.NonceHash1(x.newNonce, key) {
		return crypto.AuthKey{}, 0, errors.New("dh_gen_ok: new_nonce_hash1")
	}
	return key.WithID(), crypto.ServerSalt(x.newNonce, x.serverNonce), nil
}

// encryptRSASHA1 is the RSA scheme before RSA_PAD, from the spec as it
// stood (and as Telethon 1.x still does it): data_with_hash = SHA1(data) |
// data | random bytes, 255 bytes in all, raised to e mod n as a big-endian
// number, written as 256 bytes.
func encryptRSASHA1(t testing.TB, data []byte, pub *rsa.PublicKey) []byte {
	t.Helper()
	if len(data) > 255-sha1.Size {
		t.Fatalf("%d bytes of data do not fit the scheme", len(data))
	}
	block := make([]byte, 255)
	_, _ = rand.Read(block)
	sum := sha1.Sum(data) // #nosec G401
	copy(block, sum[:])
	copy(block[sha1.Size:], data)
	c := new(big.Int).Exp(new(big.Int).SetBytes(block), big.NewInt(int64(pub.E)), pub.N)
	return c.FillBytes(make([]byte, 256))
}
