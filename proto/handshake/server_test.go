package handshake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // #nosec G505
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/transport"

	"tgpfs/proto/dh"
)

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

func serverKey(t testing.TB) *rsa.PrivateKey {
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// script is what a scripted server does wrong. Each hook sees the message the
// honest server would send and may corrupt it in place.
type script struct {
	resPQ      func(*mt.ResPQ)
	paramsOK   func(*mt.ServerDHParamsOk)
	inner      func(*mt.ServerDHInnerData)
	answer     func(answerWithHash []byte) []byte // after SHA1+padding, before AES
	encrypted  func([]byte) []byte                // after AES
	paramsFail bool                               // answer server_DH_params_fail
	failHash   func(*bin.Int128)
	dhGen      func(newNonce bin.Int256, aux [8]byte, nonce, serverNonce bin.Int128, round int) bin.Object
	transport  int32 // answer req_DH_params with this transport error
	retryIDs   []int64
	expiresIn  int
	key        []byte // the auth key the server derived, for comparison
	pq, p, q   uint64
}

// serve runs an honest MTProto key exchange server, built from gotd's
// primitives, with the script's corruptions applied.
func serve(ctx context.Context, conn transport.Conn, key *rsa.PrivateKey, s *script) error {
	var buf bin.Buffer
	read := func(dec bin.Decoder) error {
		buf.Reset()
		if err := conn.Recv(ctx, &buf); err != nil {
			return err
		}
		var env proto.UnencryptedMessage
		if err := env.Decode(&buf); err != nil {
			return err
		}
		return dec.Decode(&bin.Buffer{Buf: env.MessageData})
	}
	write := func(enc bin.Encoder) error {
		var body bin.Buffer
		if err := enc.Encode(&body); err != nil {
			return err
		}
		env := proto.UnencryptedMessage{MessageID: int64(proto.NewMessageID(time.Now(), proto.MessageServerResponse)), MessageData: body.Buf}
		buf.Reset()
		if err := env.Encode(&buf); err != nil {
			return err
		}
		return conn.Send(ctx, &buf)
	}

	var req mt.ReqPqMultiRequest
	if err := read(&req); err != nil {
		return fmt.Errorf("read req_pq_multi: %w", err)
	}
	serverNonce, _ := crypto.RandInt128(rand.Reader)
	if s.pq == 0 {
		s.pq, s.p, s.q = 1513098571*1780931429, 1513098571, 1780931429
	}
	res := mt.ResPQ{Nonce: req.Nonce, ServerNonce: serverNonce,
		Pq: new(big.Int).SetUint64(s.pq).Bytes(), ServerPublicKeyFingerprints: []int64{42, crypto.RSAFingerprint(&key.PublicKey)}}
	if s.resPQ != nil {
		s.resPQ(&res)
	}
	if err := write(&res); err != nil {
		return err
	}

	var dhReq mt.ReqDHParamsRequest
	if err := read(&dhReq); err != nil {
		return fmt.Errorf("read req_DH_params: %w", err)
	}
	if s.transport != 0 {
		buf.Reset()
		buf.PutInt32(-s.transport)
		return conn.Send(ctx, &buf)
	}
	data, err := crypto.DecodeRSAPad(dhReq.EncryptedData, key)
	if err != nil {
		return fmt.Errorf("rsa_pad: %w", err)
	}
	innerAny, err := mt.DecodePQInnerData(&bin.Buffer{Buf: data})
	if err != nil {
		return fmt.Errorf("p_q_inner_data: %w", err)
	}
	var newNonce bin.Int256
	switch v := innerAny.(type) {
	case *mt.PQInnerDataDC:
		newNonce = v.NewNonce
	case *mt.PQInnerDataTempDC:
		newNonce, s.expiresIn = v.NewNonce, v.ExpiresIn
	default:
		return fmt.Errorf("unexpected %T", innerAny)
	}
	if s.paramsFail {
		h := sha1.Sum(newNonce[:])
		var nh bin.Int128
		copy(nh[:], h[4:20])
		if s.failHash != nil {
			s.failHash(&nh)
		}
		return write(&mt.ServerDHParamsFail{Nonce: req.Nonce, ServerNonce: serverNonce, NewNonceHash: nh})
	}

	prime := dh.TelegramPrime()
	a, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 2048))
	gA := new(big.Int).Exp(big.NewInt(3), a, prime)
	inner := mt.ServerDHInnerData{Nonce: req.Nonce, ServerNonce: serverNonce, G: 3, DhPrime: prime.Bytes(),
		GA: gA.Bytes(), ServerTime: int(time.Now().Unix())}
	if s.inner != nil {
		s.inner(&inner)
	}
	var innerBuf bin.Buffer
	if err := inner.Encode(&innerBuf); err != nil {
		return err
	}
	withHash, err := crypto.DataWithHash(innerBuf.Buf, rand.Reader)
	if err != nil {
		return err
	}
	if s.answer != nil {
		withHash = s.answer(withHash)
	}
	aesKey, aesIV := crypto.TempAESKeys(newNonce.BigInt(), serverNonce.BigInt())
	enc := make([]byte, len(withHash)/16*16)
	if len(enc) > 0 {
		enc = aesIGE(aesKey, aesIV, withHash[:len(enc)])
	}
	if s.encrypted != nil {
		enc = s.encrypted(enc)
	}
	ok := mt.ServerDHParamsOk{Nonce: req.Nonce, ServerNonce: serverNonce, EncryptedAnswer: enc}
	if s.paramsOK != nil {
		s.paramsOK(&ok)
	}
	if err := write(&ok); err != nil {
		return err
	}

	for round := 0; ; round++ {
		var set mt.SetClientDHParamsRequest
		if err := read(&set); err != nil {
			return fmt.Errorf("read set_client_DH_params: %w", err)
		}
		plain := aesIGEDecrypt(aesKey, aesIV, set.EncryptedData)
		clientInner := mt.ClientDHInnerData{}
		if err := clientInner.Decode(&bin.Buffer{Buf: plain[sha1.Size:]}); err != nil {
			return fmt.Errorf("client_DH_inner_data: %w", err)
		}
		s.retryIDs = append(s.retryIDs, clientInner.RetryID)
		var k crypto.Key
		new(big.Int).Exp(new(big.Int).SetBytes(clientInner.GB), a, prime).FillBytes(k[:])
		s.key = append([]byte(nil), k[:]...)
		aux := k.AuxHash()
		var answer bin.Object = &mt.DhGenOk{Nonce: req.Nonce, ServerNonce: serverNonce, NewNonceHash1: NewNonceHash(newNonce, 1, aux)}
		if s.dhGen != nil {
			answer = s.dhGen(newNonce, aux, req.Nonce, serverNonce, round)
		}
		if err := write(answer); err != nil {
			return err
		}
		if _, retry := answer.(*mt.DhGenRetry); !retry {
			return nil
		}
	}
}

func aesIGE(key, iv, src []byte) []byte {
	dst := make([]byte, len(src))
	igeEncrypt(key, iv, dst, src)
	return dst
}

func aesIGEDecrypt(key, iv, src []byte) []byte {
	dst := make([]byte, len(src))
	igeDecrypt(key, iv, dst, src)
	return dst
}

// runPair runs the client against the scripted server over an in-memory pipe.
func runPair(t *testing.T, cfg Config, s *script) (Result, error, error) {
	t.Helper()
	key := serverKey(t)
	if cfg.Keys == nil {
		cfg.Keys = []*rsa.PublicKey{&key.PublicKey}
	}
	if cfg.Primes == nil {
		cfg.Primes = dh.NewPrimes()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, srv := transport.Intermediate.Pipe()
	srvErr := make(chan error, 1)
	go func() {
		err := serve(ctx, srv, key, s)
		srvErr <- err
	}()
	res, err := Run(ctx, cli, cfg)
	_ = cli.Close()
	serr := <-srvErr
	_ = srv.Close()
	return res, err, serr
}
