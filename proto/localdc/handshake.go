package localdc

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto/codec"

	"tgpfs/model"
)

// telegramPrime is the 2048-bit safe prime Telegram's DCs send as dh_prime
// (pfs-protocol.md §8.1), used with g = 3.
var telegramPrime, _ = new(big.Int).SetString(""+
	"C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"+
	"48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"+
	"20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"+
	"2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"+
	"A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"+
	"FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"+
	"E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"+
	"0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B", 16)

const dhG = 3

// exchangeError is a failed key exchange step and the transport error code
// the client gets for it (404 for a bad request, 444 for a wrong dc).
type exchangeError struct {
	code int32
	err  error
}

func (e *exchangeError) Error() string { return fmt.Sprintf("key exchange (-%d): %v", e.code, e.err) }
func (e *exchangeError) Unwrap() error { return e.err }

func badRequest(format string, args ...any) error {
	return &exchangeError{code: codec.CodeAuthKeyNotFound, err: fmt.Errorf(format, args...)}
}

// exchangeStep is where a server-side key exchange stands.
type exchangeStep int

const (
	awaitReqPQ exchangeStep = iota
	awaitReqDH
	awaitClientDH
)

// madeKey is the result of a finished exchange: the key and what the client
// asked it to be.
type madeKey struct {
	key       crypto.AuthKey
	kind      model.KeyKind
	expiresIn time.Duration // requested, for temporary keys
	salt      int64
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
		return nil, nil, badRequest("peek handshake message id: %w", err)
	}
	switch id {
	case mt.ReqPqMultiRequestTypeID, mt.ReqPqRequestTypeID:
		// A client may restart the exchange at any step.
		var nonce bin.Int128
		if id == mt.ReqPqMultiRequestTypeID {
			var r mt.ReqPqMultiRequest
			if err := r.Decode(b); err != nil {
				return nil, nil, badRequest("decode req_pq_multi: %w", err)
			}
			nonce = r.Nonce
		} else {
			var r mt.ReqPqRequest
			if err := r.Decode(b); err != nil {
				return nil, nil, badRequest("decode req_pq: %w", err)
			}
			nonce = r.Nonce
		}
		a, err := x.resPQ(nonce)
		return a, nil, err
	case mt.ReqDHParamsRequestTypeID:
		if x.step != awaitReqDH {
			return nil, nil, badRequest("req_DH_params out of order")
		}
		var r mt.ReqDHParamsRequest
		if err := r.Decode(b); err != nil {
			return nil, nil, badRequest("decode req_DH_params: %w", err)
		}
		a, err := x.serverDHParams(&r)
		return a, nil, err
	case mt.SetClientDHParamsRequestTypeID:
		if x.step != awaitClientDH {
			return nil, nil, badRequest("set_client_DH_params out of order")
		}
		var r mt.SetClientDHParamsRequest
		if err := r.Decode(b); err != nil {
			return nil, nil, badRequest("decode set_client_DH_params: %w", err)
		}
		return x.dhGen(&r)
	}
	return nil, nil, badRequest("unexpected handshake message %#x", id)
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
	if r.Nonce != x.nonce || r.ServerNonce != x.serverNonce {
		return nil, badRequest("req_DH_params: nonce mismatch")
	}
	if r.PublicKeyFingerprint != x.fp {
		return nil, badRequest("req_DH_params: unknown key fingerprint %#x", uint64(r.PublicKeyFingerprint))
	}
	if len(r.EncryptedData) != 256 {
		return nil, badRequest("req_DH_params: encrypted_data is %d bytes, want 256", len(r.EncryptedData))
	}
	plain, err := crypto.DecodeRSAPad(r.EncryptedData, x.key)
	if err != nil {
		return nil, badRequest("req_DH_params: RSA_PAD: %w", err)
	}
	inner, err := mt.DecodePQInnerData(&bin.Buffer{Buf: plain})
	if err != nil {
		return nil, badRequest("req_DH_params: %w", err)
	}
	kind := model.Permanent
	var expiresIn time.Duration
	switch d := inner.(type) {
	case *mt.PQInnerDataDC:
		if d.DC != x.dc {
			return nil, &exchangeError{code: codec.CodeWrongDC, err: fmt.Errorf("p_q_inner_data_dc names dc %d, this is dc %d", d.DC, x.dc)}
		}
	case *mt.PQInnerDataTempDC:
		if d.DC != x.dc {
			return nil, &exchangeError{code: codec.CodeWrongDC, err: fmt.Errorf("p_q_inner_data_temp_dc names dc %d, this is dc %d", d.DC, x.dc)}
		}
		if d.ExpiresIn <= 0 {
			return nil, badRequest("p_q_inner_data_temp_dc: expires_in %d", d.ExpiresIn)
		}
		kind, expiresIn = model.Temporary, time.Duration(d.ExpiresIn)*time.Second
	case *mt.PQInnerData:
		// Legacy constructor without dc: still sent by some clients in use.
	}
	if inner.GetNonce() != x.nonce || inner.GetServerNonce() != x.serverNonce {
		return nil, badRequest("p_q_inner_data: nonce mismatch")
	}
	p, q := new(big.Int).SetBytes(inner.GetP()), new(big.Int).SetBytes(inner.GetQ())
	if new(big.Int).SetBytes(inner.GetPq()).Uint64() != x.pq || new(big.Int).Mul(p, q).Cmp(new(big.Int).SetUint64(x.pq)) != 0 ||
		new(big.Int).SetBytes(r.P).Cmp(p) != 0 || new(big.Int).SetBytes(r.Q).Cmp(q) != 0 {
		return nil, badRequest("p_q_inner_data: wrong factors of pq")
	}

	a, ga, err := dhSecret()
	if err != nil {
		return nil, err
	}
	x.newNonce, x.kind, x.expiresIn, x.a = inner.GetNewNonce(), kind, expiresIn, a
	x.aesKey, x.aesIV = crypto.TempAESKeys(x.newNonce.BigInt(), x.serverNonce.BigInt())

	data := mt.ServerDHInnerData{
		Nonce:       x.nonce,
		ServerNonce: x.serverNonce,
		G:           dhG,
		DhPrime:     telegramPrime.Bytes(),
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

// dhSafetyMin is 2^(2048-64): g_a and g_b must lie in (2^1984, p - 2^1984).
var dhSafetyMin = new(big.Int).Lsh(big.NewInt(1), 2048-64)

func inDHRange(v *big.Int) bool {
	return v.Cmp(dhSafetyMin) > 0 && v.Cmp(new(big.Int).Sub(telegramPrime, dhSafetyMin)) < 0
}

// dhSecret picks the server's secret a and g_a = g^a mod p inside the
// range clients check.
func dhSecret() (a, ga *big.Int, err error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 2048)
	for {
		a, err = rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, nil, fmt.Errorf("generate dh secret: %w", err)
		}
		ga = new(big.Int).Exp(big.NewInt(dhG), a, telegramPrime)
		if inDHRange(ga) {
			return a, ga, nil
		}
	}
}

func (x *serverExchange) dhGen(r *mt.SetClientDHParamsRequest) (bin.Encoder, *madeKey, error) {
	if r.Nonce != x.nonce || r.ServerNonce != x.serverNonce {
		return nil, nil, badRequest("set_client_DH_params: nonce mismatch")
	}
	if len(r.EncryptedData)%16 != 0 || len(r.EncryptedData) == 0 {
		return nil, nil, badRequest("set_client_DH_params: encrypted_data is %d bytes", len(r.EncryptedData))
	}
	plain, err := crypto.DecryptExchangeAnswer(r.EncryptedData, x.aesKey, x.aesIV)
	if err != nil || plain == nil {
		return nil, nil, badRequest("set_client_DH_params: data_with_hash does not check")
	}
	var inner mt.ClientDHInnerData
	if err := inner.Decode(&bin.Buffer{Buf: plain}); err != nil {
		return nil, nil, badRequest("decode client_DH_inner_data: %w", err)
	}
	if inner.Nonce != x.nonce || inner.ServerNonce != x.serverNonce {
		return nil, nil, badRequest("client_DH_inner_data: nonce mismatch")
	}
	gb := new(big.Int).SetBytes(inner.GB)
	if !inDHRange(gb) {
		return nil, nil, badRequest("client_DH_inner_data: g_b out of the safe range")
	}
	var key crypto.Key
	if !crypto.FillBytes(new(big.Int).Exp(gb, x.a, telegramPrime), key[:]) {
		return nil, nil, badRequest("auth_key does not fit 256 bytes")
	}
	made := &madeKey{
		key:       key.WithID(),
		kind:      x.kind,
		expiresIn: x.expiresIn,
		salt:      crypto.ServerSalt(x.newNonce, x.serverNonce),
	}
	answer := &mt.DhGenOk{Nonce: x.nonce, ServerNonce: x.serverNonce, NewNonceHash1: crypto.NonceHash1(x.newNonce, key)}
	// Ready for another exchange on the same connection (perm, then temp).
	*x = serverExchange{dc: x.dc, key: x.key, fp: x.fp, now: x.now}
	return answer, made, nil
}
