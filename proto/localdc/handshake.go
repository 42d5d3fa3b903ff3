package localdc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // #nosec G505 -- MTProto's key exchange is defined with SHA1
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto/codec"

	"tgpfs/model"
	"tgpfs/proto/dh"
)

// dhPrime is Telegram's 2048-bit safe prime, the dh_prime every DC sends,
// with g = 3.
var dhPrime = dh.TelegramPrime()

const dhG = 3

// refusal is why the DC refused a key exchange step. Each refusal is one
// event (model.SrvHandshakeFailed) naming the step and the reason, so that
// `tgpfs dc -v` explains every client that cannot make a key.
type refusal string

const (
	refuseEnvelope    refusal = "bad message envelope"      // the unencrypted message around the step
	refuseUnknown     refusal = "unknown handshake message" // not one of the three steps
	refuseDecode      refusal = "does not decode"           // the step's own TL
	refuseOrder       refusal = "out of order"              // a step before the one it follows
	refuseNonce       refusal = "nonce mismatch"            // nonce or server_nonce not this exchange's
	refuseFingerprint refusal = "unknown key fingerprint"   // public_key_fingerprint not the DC's key
	refusePadding     refusal = "bad padding"               // encrypted data of the wrong size or range
	refuseHash        refusal = "bad hash"                  // RSA_PAD's SHA256, the old scheme's SHA1, or data_with_hash's SHA1
	refuseInner       refusal = "bad inner data"            // the decrypted inner data does not decode
	refuseFactors     refusal = "wrong factors of pq"       // p, q
	refuseWrongDC     refusal = "wrong dc"                  // the dc of p_q_inner_data_*_dc (-444)
	refuseExpiresIn   refusal = "bad expires_in"            // p_q_inner_data_temp_dc
	refuseGB          refusal = "g_b out of the safe range" // client_DH_inner_data
)

// exchangeError is a refused key exchange step and the transport error
// the client gets for it: -404, or -444 for a wrong dc.
type exchangeError struct {
	code   int32
	step   string // the TL name of the step, or "message" for its envelope
	reason refusal
	detail string
}

func (e *exchangeError) Error() string {
	s := e.step + ": " + string(e.reason)
	if e.detail != "" {
		s += " (" + e.detail + ")"
	}
	return fmt.Sprintf("%s, answered -%d", s, e.code)
}

func refused(step string, why refusal, format string, args ...any) error {
	code := int32(codec.CodeAuthKeyNotFound)
	if why == refuseWrongDC {
		code = codec.CodeWrongDC
	}
	e := &exchangeError{code: code, step: step, reason: why}
	if format != "" {
		e.detail = fmt.Sprintf(format, args...)
	}
	return e
}

// asExchangeError returns err's exchangeError; any other failure of a step
// (the DC's own randomness, an encoding) is reported as -404 too.
func asExchangeError(err error) *exchangeError {
	var xe *exchangeError
	if errors.As(err, &xe) {
		return xe
	}
	return &exchangeError{code: codec.CodeAuthKeyNotFound, step: "handshake", reason: refusal(err.Error())}
}

// exchangeStep is where a server-side key exchange stands.
type exchangeStep int

const (
	awaitReqPQ exchangeStep = iota
	awaitReqDH
	awaitClientDH
)

// madeKey is the result of a finished exchange: the key, what the client
// asked it to be, and how the client asked (for the event).
type madeKey struct {
	key       crypto.AuthKey
	kind      model.KeyKind
	expiresIn time.Duration // requested, for temporary keys
	salt      int64
	inner     string    // p_q_inner_data constructor the client sent
	scheme    rsaScheme // how it encrypted it
}

// serverExchange runs the server side of one MTProto key exchange
// (https://core.telegram.org/mtproto/auth_key). Unlike gotd's
// exchange.ServerExchange it remembers whether the client asked for a
// permanent or a temporary key and the temporary key's expires_in. A
// connection runs one exchange at a time and may run several in a row.
type serverExchange struct {
	dc   int // protocol dc id expected in p_q_inner_data_*_dc
	key  *rsa.PrivateKey
	fp   int64
	now  func() time.Time
	step exchangeStep

	nonce       bin.Int128
	serverNonce bin.Int128
	pq          uint64
	newNonce    bin.Int256
	kind        model.KeyKind
	expiresIn   time.Duration
	inner       string
	scheme      rsaScheme
	a           *big.Int
	aesKey      []byte
	aesIV       []byte
}

// handle processes one unencrypted handshake message body and returns the
// answer to send. made is non-nil when the exchange finished.
func (x *serverExchange) handle(body []byte) (answer bin.Encoder, made *madeKey, err error) {
	b := &bin.Buffer{Buf: body}
	id, err := b.PeekID()
	if err != nil {
		return nil, nil, refused("message", refuseEnvelope, "empty body")
	}
	switch id {
	case mt.ReqPqMultiRequestTypeID, mt.ReqPqRequestTypeID:
		// A client may restart the exchange at any step.
		var nonce bin.Int128
		if id == mt.ReqPqMultiRequestTypeID {
			var r mt.ReqPqMultiRequest
			if err := r.Decode(b); err != nil {
				return nil, nil, refused("req_pq_multi", refuseDecode, "%v", err)
			}
			nonce = r.Nonce
		} else {
			var r mt.ReqPqRequest
			if err := r.Decode(b); err != nil {
				return nil, nil, refused("req_pq", refuseDecode, "%v", err)
			}
			nonce = r.Nonce
		}
		a, err := x.resPQ(nonce)
		return a, nil, err
	case mt.ReqDHParamsRequestTypeID:
		if x.step != awaitReqDH {
			return nil, nil, refused("req_DH_params", refuseOrder, "no resPQ sent on this connection")
		}
		var r mt.ReqDHParamsRequest
		if err := r.Decode(b); err != nil {
			return nil, nil, refused("req_DH_params", refuseDecode, "%v", err)
		}
		a, err := x.serverDHParams(&r)
		return a, nil, err
	case mt.SetClientDHParamsRequestTypeID:
		if x.step != awaitClientDH {
			return nil, nil, refused("set_client_DH_params", refuseOrder, "no server_DH_params_ok sent on this connection")
		}
		var r mt.SetClientDHParamsRequest
		if err := r.Decode(b); err != nil {
			return nil, nil, refused("set_client_DH_params", refuseDecode, "%v", err)
		}
		return x.dhGen(&r)
	}
	return nil, nil, refused("message", refuseUnknown, "constructor %#08x", id)
}

func (x *serverExchange) resPQ(nonce bin.Int128) (bin.Encoder, error) {
	sn, err := crypto.RandInt128(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("server nonce: %w", err)
	}
	p, q, err := pqPrimes()
	if err != nil {
		return nil, err
	}
	*x = serverExchange{dc: x.dc, key: x.key, fp: x.fp, now: x.now,
		step: awaitReqDH, nonce: nonce, serverNonce: sn, pq: p * q}
	return &mt.ResPQ{
		Nonce:                       nonce,
		ServerNonce:                 sn,
		Pq:                          new(big.Int).SetUint64(x.pq).Bytes(),
		ServerPublicKeyFingerprints: []int64{x.fp},
	}, nil
}

// pqPrimes returns two distinct random 31-bit primes, p < q, as Telegram's
// DCs do: their product fits in 62 bits and takes a client real work to
// factor, which is the point of the proof of work.
func pqPrimes() (p, q uint64, err error) {
	for {
		a, err := rand.Prime(rand.Reader, 31)
		if err != nil {
			return 0, 0, fmt.Errorf("generate pq prime: %w", err)
		}
		b, err := rand.Prime(rand.Reader, 31)
		if err != nil {
			return 0, 0, fmt.Errorf("generate pq prime: %w", err)
		}
		p, q = a.Uint64(), b.Uint64()
		if p == q {
			continue
		}
		if p > q {
			p, q = q, p
		}
		return p, q, nil
	}
}

func (x *serverExchange) serverDHParams(r *mt.ReqDHParamsRequest) (bin.Encoder, error) {
	const step = "req_DH_params"
	if r.Nonce != x.nonce || r.ServerNonce != x.serverNonce {
		return nil, refused(step, refuseNonce, "")
	}
	if r.PublicKeyFingerprint != x.fp {
		return nil, refused(step, refuseFingerprint, "%016x, this DC has %016x", uint64(r.PublicKeyFingerprint), uint64(x.fp))
	}
	plain, scheme, err := decryptInnerData(r.EncryptedData, x.key)
	if err != nil {
		return nil, err
	}
	inner, err := mt.DecodePQInnerData(&bin.Buffer{Buf: plain})
	if err != nil {
		return nil, refused(step, refuseInner, "%s: %v", scheme, err)
	}
	name := innerName(inner)
	kind := model.Permanent
	var expiresIn time.Duration
	switch d := inner.(type) {
	case *mt.PQInnerDataDC:
		if d.DC != x.dc {
			return nil, refused(step, refuseWrongDC, "%s names dc %d, this is dc %d", name, d.DC, x.dc)
		}
	case *mt.PQInnerDataTempDC:
		if d.DC != x.dc {
			return nil, refused(step, refuseWrongDC, "%s names dc %d, this is dc %d", name, d.DC, x.dc)
		}
		if d.ExpiresIn <= 0 {
			return nil, refused(step, refuseExpiresIn, "%s: expires_in %d", name, d.ExpiresIn)
		}
		kind, expiresIn = model.Temporary, time.Duration(d.ExpiresIn)*time.Second
	case *mt.PQInnerData:
		// Legacy constructor without dc: still sent by clients in use.
	}
	if inner.GetNonce() != x.nonce || inner.GetServerNonce() != x.serverNonce {
		return nil, refused(step, refuseNonce, "inside %s", name)
	}
	p, q := new(big.Int).SetBytes(inner.GetP()), new(big.Int).SetBytes(inner.GetQ())
	if new(big.Int).SetBytes(inner.GetPq()).Uint64() != x.pq || new(big.Int).Mul(p, q).Cmp(new(big.Int).SetUint64(x.pq)) != 0 ||
		new(big.Int).SetBytes(r.P).Cmp(p) != 0 || new(big.Int).SetBytes(r.Q).Cmp(q) != 0 {
		return nil, refused(step, refuseFactors, "")
	}

	a, ga, err := dhSecret()
	if err != nil {
		return nil, err
	}
	x.newNonce, x.kind, x.expiresIn, x.a = inner.GetNewNonce(), kind, expiresIn, a
	x.inner, x.scheme = name, scheme
	x.aesKey, x.aesIV = crypto.TempAESKeys(x.newNonce.BigInt(), x.serverNonce.BigInt())

	data := mt.ServerDHInnerData{
		Nonce:       x.nonce,
		ServerNonce: x.serverNonce,
		G:           dhG,
		DhPrime:     dhPrime.Bytes(),
		GA:          ga.Bytes(),
		ServerTime:  int(x.now().Unix()),
	}
	var buf bin.Buffer
	if err := data.Encode(&buf); err != nil {
		return nil, fmt.Errorf("encode server_DH_inner_data: %w", err)
	}
	answer, err := crypto.EncryptExchangeAnswer(rand.Reader, buf.Raw(), x.aesKey, x.aesIV)
	if err != nil {
		return nil, fmt.Errorf("encrypt server_DH_inner_data: %w", err)
	}
	x.step = awaitClientDH
	return &mt.ServerDHParamsOk{Nonce: x.nonce, ServerNonce: x.serverNonce, EncryptedAnswer: answer}, nil
}

// innerName is the TL name of a p_q_inner_data constructor.
func innerName(inner mt.PQInnerDataClass) string {
	switch inner.(type) {
	case *mt.PQInnerDataDC:
		return "p_q_inner_data_dc"
	case *mt.PQInnerDataTempDC:
		return "p_q_inner_data_temp_dc"
	default:
		return "p_q_inner_data"
	}
}

// dhSecret picks the server's secret a and g_a = g^a mod p inside the
// range clients check.
func dhSecret() (a, ga *big.Int, err error) {
	limit := new(big.Int).Lsh(big.NewInt(1), dh.Bits)
	for {
		a, err = rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, nil, fmt.Errorf("generate dh secret: %w", err)
		}
		ga = new(big.Int).Exp(big.NewInt(dhG), a, dhPrime)
		if dh.CheckSafeRange(ga, dhPrime) == nil {
			return a, ga, nil
		}
	}
}

func (x *serverExchange) dhGen(r *mt.SetClientDHParamsRequest) (bin.Encoder, *madeKey, error) {
	const step = "set_client_DH_params"
	if r.Nonce != x.nonce || r.ServerNonce != x.serverNonce {
		return nil, nil, refused(step, refuseNonce, "")
	}
	inner, err := openClientDHInner(r.EncryptedData, x.aesKey, x.aesIV)
	if err != nil {
		return nil, nil, err
	}
	if inner.Nonce != x.nonce || inner.ServerNonce != x.serverNonce {
		return nil, nil, refused(step, refuseNonce, "inside client_DH_inner_data")
	}
	gb := new(big.Int).SetBytes(inner.GB)
	if dh.CheckSafeRange(gb, dhPrime) != nil {
		return nil, nil, refused(step, refuseGB, "")
	}
	var key crypto.Key
	new(big.Int).Exp(gb, x.a, dhPrime).FillBytes(key[:]) // below dh_prime: it fits

	made := &madeKey{
		key:       key.WithID(),
		kind:      x.kind,
		expiresIn: x.expiresIn,
		salt:      crypto.ServerSalt(x.newNonce, x.serverNonce),
		inner:     x.inner,
		scheme:    x.scheme,
	}
	answer := &mt.DhGenOk{Nonce: x.nonce, ServerNonce: x.serverNonce, NewNonceHash1: crypto.NonceHash1(x.newNonce, key)}
	// Ready for another exchange on the same connection (perm, then temp).
	*x = serverExchange{dc: x.dc, key: x.key, fp: x.fp, now: x.now}
	return answer, made, nil
}

// openClientDHInner decrypts set_client_DH_params's encrypted_data,
// AES-IGE(SHA1(data) | data | 0..15 random bytes), and decodes the
// client_DH_inner_data in it. The inner data is decoded first and the hash
// checked over exactly the bytes it took, so the padding may be any length
// and a bad hash is told apart from bad inner data.
func openClientDHInner(enc, key, iv []byte) (*mt.ClientDHInnerData, error) {
	const step = "set_client_DH_params"
	if len(enc) == 0 || len(enc)%16 != 0 {
		return nil, refused(step, refusePadding, "encrypted_data is %d bytes, not a positive multiple of 16", len(enc))
	}
	if len(enc) < sha1.Size+4 {
		return nil, refused(step, refusePadding, "encrypted_data is %d bytes, too short for SHA1 and data", len(enc))
	}
	plain, err := decryptIGE(enc, key, iv)
	if err != nil {
		return nil, err
	}
	data := &bin.Buffer{Buf: plain[sha1.Size:]}
	var inner mt.ClientDHInnerData
	decodeErr := inner.Decode(data)
	if decodeErr == nil {
		n := len(plain) - sha1.Size - data.Len()
		sum := sha1.Sum(plain[sha1.Size : sha1.Size+n]) // #nosec G401
		if subtle.ConstantTimeCompare(sum[:], plain[:sha1.Size]) == 1 {
			return &inner, nil
		}
	}
	// Tell a wrong hash from inner data that does not decode: does any
	// prefix of the data hash to the SHA1 in front of it?
	if crypto.GuessDataWithHash(plain) == nil {
		return nil, refused(step, refuseHash, "SHA1 of client_DH_inner_data does not match")
	}
	if decodeErr == nil {
		return nil, refused(step, refuseInner, "the SHA1 covers other bytes than client_DH_inner_data")
	}
	return nil, refused(step, refuseInner, "client_DH_inner_data: %v", decodeErr)
}
