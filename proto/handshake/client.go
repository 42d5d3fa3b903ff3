package handshake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // #nosec G505 -- MTProto's handshake is defined with SHA1
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"time"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/dh"
)

// clientHandshakeState is one key exchange as the client runs it
// (https://core.telegram.org/mtproto/auth_key): what it has learned so far,
// and one method per step. Every method records its messages, values and
// verdicts in tr; a failed verdict ends the exchange with a *CheckError.
type clientHandshakeState struct {
	conn    transport.Conn
	cfg     Config
	rand    io.Reader
	now     func() time.Time
	primes  *dh.Primes
	tr      model.Transcript
	buf     bin.Buffer
	lastMsg int64

	// Steps 1-3: req_pq_multi, resPQ, the server's key and pq.
	nonce        bin.Int128
	serverNonce  bin.Int128
	pq           []byte // as sent
	fingerprints []int64
	key          *rsa.PublicKey
	fp           int64
	p, q         uint64

	// Steps 4-6: req_DH_params, server_DH_params_ok and what it carried.
	newNonce      bin.Int256
	aesKey, aesIV []byte // the tmp AES key and IV from new_nonce and server_nonce
	answer        []byte // encrypted_answer
	inner         *mt.ServerDHInnerData
	serverTime    time.Time
	offset        time.Duration
	prime, g, gA  *big.Int

	// Steps 7-9: set_client_DH_params and dh_gen_*, repeated on
	// dh_gen_retry.
	retryID int64
	authKey crypto.Key
	aux     [8]byte // auth_key_aux_hash of authKey
}

func newClientHandshake(conn transport.Conn, cfg Config) *clientHandshakeState {
	hs := &clientHandshakeState{conn: conn, cfg: cfg, rand: cfg.Rand, now: cfg.Now, primes: cfg.Primes}
	if hs.rand == nil {
		hs.rand = rand.Reader
	}
	if hs.now == nil {
		hs.now = time.Now
	}
	if hs.primes == nil {
		hs.primes = dh.Default
	}
	if hs.cfg.MaxRetries == 0 {
		hs.cfg.MaxRetries = defaultMaxRetries
	}
	if hs.cfg.Timeout == 0 {
		hs.cfg.Timeout = defaultTimeout
	}
	hs.tr = model.Transcript{Kind: cfg.Kind, DC: cfg.DC, Started: hs.now()}
	if cfg.Kind == model.Temporary {
		hs.tr.ExpiresIn = cfg.ExpiresIn
	}
	return hs
}

// handshake runs the steps in order; the dh_gen round repeats while the
// server answers dh_gen_retry.
func (hs *clientHandshakeState) handshake(ctx context.Context) (Result, error) {
	if hs.cfg.Kind == model.Temporary && hs.cfg.ExpiresIn < time.Second {
		return Result{}, fmt.Errorf("temporary key needs expires_in of at least 1 s, got %v", hs.cfg.ExpiresIn)
	}
	for _, step := range []func(context.Context) error{
		hs.sendReqPQ, hs.readResPQ, hs.pickServerKey, hs.factorPQ,
		hs.sendReqDHParams, hs.readServerDHParams, hs.openAnswer, hs.checkServerDH,
	} {
		if err := step(ctx); err != nil {
			return Result{}, err
		}
	}
	for attempt := 0; ; attempt++ {
		if attempt > hs.cfg.MaxRetries {
			return Result{}, hs.check(CheckRetryLimit, fmt.Errorf("%d dh_gen_retry answers", attempt-1), "")
		}
		if err := hs.sendClientDH(ctx); err != nil {
			return Result{}, err
		}
		done, err := hs.readDHGen(ctx)
		if err != nil {
			return Result{}, err
		}
		if done {
			return hs.result(), nil
		}
	}
}

// check records a verdict; a non-nil err fails the handshake with its name.
func (hs *clientHandshakeState) check(name string, err error, okDetail string) error {
	if err != nil {
		hs.tr.Checks = append(hs.tr.Checks, model.Check{Name: name, OK: false, Detail: err.Error()})
		return &CheckError{Name: name, Detail: err.Error()}
	}
	hs.tr.Checks = append(hs.tr.Checks, model.Check{Name: name, OK: true, Detail: okDetail})
	return nil
}

func (hs *clientHandshakeState) value(name, v string) {
	hs.tr.Values = append(hs.tr.Values, model.Field{Name: name, Value: v})
}

// sendReqPQ is step 1: a fresh nonce in req_pq_multi.
func (hs *clientHandshakeState) sendReqPQ(ctx context.Context) error {
	nonce, err := crypto.RandInt128(hs.rand)
	if err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	hs.nonce = nonce
	hs.value("nonce", hex.EncodeToString(nonce[:]))
	return hs.send(ctx, "req_pq_multi", &mt.ReqPqMultiRequest{Nonce: nonce})
}

// readResPQ is step 2: resPQ must echo our nonce.
func (hs *clientHandshakeState) readResPQ(ctx context.Context) error {
	var res mt.ResPQ
	if err := hs.recv(ctx, "resPQ", func(b *bin.Buffer) error { return res.Decode(b) }); err != nil {
		return err
	}
	if err := hs.check(CheckResPQNonce, sameNonce(res.Nonce, hs.nonce), "resPQ echoes our nonce"); err != nil {
		return err
	}
	hs.serverNonce, hs.pq, hs.fingerprints = res.ServerNonce, res.Pq, res.ServerPublicKeyFingerprints
	hs.value("server_nonce", hex.EncodeToString(hs.serverNonce[:]))
	return nil
}

// pickServerKey takes the first offered fingerprint that is a trusted key;
// an untrusted key is never used.
func (hs *clientHandshakeState) pickServerKey(context.Context) error {
	var err error
	hs.key, hs.fp, err = trustedKey(hs.cfg.Keys, hs.fingerprints)
	if err := hs.check(CheckRSAFingerprint, err, fmt.Sprintf("%016x", uint64(hs.fp))); err != nil {
		return err
	}
	hs.value("rsa_fingerprint", fmt.Sprintf("%016x", uint64(hs.fp)))
	return nil
}

// factorPQ is step 3, the proof of work, with 64-bit arithmetic.
func (hs *clientHandshakeState) factorPQ(context.Context) error {
	p, q, err := factor(hs.pq)
	if err := hs.check(CheckPQ, err, fmt.Sprintf("%d = %d * %d", p*q, p, q)); err != nil {
		return err
	}
	hs.p, hs.q = p, q
	hs.value("pq", strconv.FormatUint(p*q, 10))
	hs.value("p", strconv.FormatUint(p, 10))
	hs.value("q", strconv.FormatUint(q, 10))
	return nil
}

// sendReqDHParams is steps 4-5: p_q_inner_data_dc (or _temp_dc, with
// expires_in) under RSA_PAD in req_DH_params.
func (hs *clientHandshakeState) sendReqDHParams(ctx context.Context) error {
	newNonce, err := crypto.RandInt256(hs.rand)
	if err != nil {
		return fmt.Errorf("new_nonce: %w", err)
	}
	hs.newNonce = newNonce
	pBytes, qBytes := beUint(hs.p), beUint(hs.q)
	var inner bin.Encoder
	if hs.cfg.Kind == model.Temporary {
		inner = &mt.PQInnerDataTempDC{Pq: hs.pq, P: pBytes, Q: qBytes, Nonce: hs.nonce, ServerNonce: hs.serverNonce,
			NewNonce: newNonce, DC: hs.cfg.DC, ExpiresIn: int(hs.cfg.ExpiresIn / time.Second)}
		hs.value("expires_in", strconv.Itoa(int(hs.cfg.ExpiresIn/time.Second))+" s")
	} else {
		inner = &mt.PQInnerDataDC{Pq: hs.pq, P: pBytes, Q: qBytes, Nonce: hs.nonce, ServerNonce: hs.serverNonce,
			NewNonce: newNonce, DC: hs.cfg.DC}
	}
	hs.value("dc", strconv.Itoa(hs.cfg.DC))
	var innerBuf bin.Buffer
	if err := inner.Encode(&innerBuf); err != nil {
		return fmt.Errorf("encode p_q_inner_data: %w", err)
	}
	encrypted, err := crypto.RSAPad(innerBuf.Buf, hs.key, hs.rand)
	if err != nil {
		return fmt.Errorf("rsa_pad: %w", err)
	}
	return hs.send(ctx, "req_DH_params", &mt.ReqDHParamsRequest{Nonce: hs.nonce, ServerNonce: hs.serverNonce,
		P: pBytes, Q: qBytes, PublicKeyFingerprint: hs.fp, EncryptedData: encrypted})
}

// readServerDHParams is step 6's envelope: server_DH_params_fail (whose
// hash is checked before it is believed) or server_DH_params_ok echoing
// both nonces.
func (hs *clientHandshakeState) readServerDHParams(ctx context.Context) error {
	var params mt.ServerDHParamsClass
	if err := hs.recv(ctx, "", func(b *bin.Buffer) (err error) {
		params, err = mt.DecodeServerDHParams(b)
		return err
	}); err != nil {
		return err
	}
	switch v := params.(type) {
	case *mt.ServerDHParamsFail:
		hs.renameLast("server_DH_params_fail")
		want := sha1.Sum(hs.newNonce[:])
		if err := hs.check(CheckDHParamsFail, sameHash(v.NewNonceHash[:], want[4:20]), "hash of new_nonce matches"); err != nil {
			return err
		}
		return ErrParamsFail
	case *mt.ServerDHParamsOk:
		hs.renameLast("server_DH_params_ok")
		if err := hs.check(CheckDHParamsNonce, sameNonce(v.Nonce, hs.nonce), "echoes nonce"); err != nil {
			return err
		}
		if err := hs.check(CheckDHParamsSrvNonce, sameNonce(v.ServerNonce, hs.serverNonce), "echoes server_nonce"); err != nil {
			return err
		}
		hs.answer = v.EncryptedAnswer
		hs.aesKey, hs.aesIV = crypto.TempAESKeys(hs.newNonce.BigInt(), hs.serverNonce.BigInt())
		return nil
	}
	return fmt.Errorf("req_DH_params: unexpected answer %T", params)
}

// openAnswer decrypts encrypted_answer with the tmp AES key and checks its
// framing: whole AES blocks, SHA1 of server_DH_inner_data in front, and
// under 16 padding bytes.
func (hs *clientHandshakeState) openAnswer(context.Context) error {
	if err := hs.check(CheckAnswerBlocks, blockAligned(hs.answer), fmt.Sprintf("%d bytes", len(hs.answer))); err != nil {
		return err
	}
	plain := make([]byte, len(hs.answer))
	ige.DecryptAES256Blocks(hs.aesKey, hs.aesIV, plain, hs.answer)
	if len(plain) < sha1.Size {
		return hs.check(CheckAnswerSHA1, errors.New("answer shorter than a SHA1"), "")
	}
	var inner mt.ServerDHInnerData
	body := bin.Buffer{Buf: plain[sha1.Size:]}
	if err := inner.Decode(&body); err != nil {
		// An undecodable body is what a wrong tmp key or a tampered answer
		// looks like; it is the SHA1 check that names it.
		return hs.check(CheckAnswerSHA1, fmt.Errorf("server_DH_inner_data does not decode: %v", err), "")
	}
	used := len(plain) - sha1.Size - body.Len()
	sum := sha1.Sum(plain[sha1.Size : sha1.Size+used])
	if err := hs.check(CheckAnswerSHA1, sameHash(plain[:sha1.Size], sum[:]), "SHA1(server_DH_inner_data) matches"); err != nil {
		return err
	}
	pad := body.Len()
	var padErr error
	if pad >= 16 {
		padErr = fmt.Errorf("%d padding bytes", pad)
	}
	if err := hs.check(CheckAnswerPadding, padErr, fmt.Sprintf("%d padding bytes", pad)); err != nil {
		return err
	}
	hs.inner = &inner
	return nil
}

// checkServerDH checks the server's half of the exchange (pfs-protocol.md
// §2.1 items 3 and 4): the nonces, the clock, dh_prime, g and g_a.
func (hs *clientHandshakeState) checkServerDH(context.Context) error {
	srv := hs.inner
	if err := hs.check(CheckInnerNonce, sameNonce(srv.Nonce, hs.nonce), "echoes nonce"); err != nil {
		return err
	}
	if err := hs.check(CheckInnerServerNonce, sameNonce(srv.ServerNonce, hs.serverNonce), "echoes server_nonce"); err != nil {
		return err
	}
	hs.serverTime = time.Unix(int64(srv.ServerTime), 0)
	hs.offset = hs.serverTime.Sub(hs.now()).Truncate(time.Second)
	hs.value("server_time", strconv.Itoa(srv.ServerTime))
	hs.value("time_offset", hs.offset.String())

	hs.prime = new(big.Int).SetBytes(srv.DhPrime)
	prov, err := hs.primes.CheckPrime(hs.prime)
	if err := hs.check(CheckDHPrime, err, prov.String()); err != nil {
		return err
	}
	hs.value("dh_prime", prov.String())
	hs.value("g", strconv.Itoa(srv.G))
	if err := hs.check(CheckG, dh.CheckG(srv.G, hs.prime), "by the p mod 4g table"); err != nil {
		return err
	}
	// g in 2..7 (checked by CheckG) is always strictly between 1 and p-1
	// for a 2048-bit p, so the g range of §2.1 item 4 needs no check of its own.
	hs.g = big.NewInt(int64(srv.G))
	hs.gA = new(big.Int).SetBytes(srv.GA)
	if err := hs.check(CheckGARange, dh.CheckRange(hs.gA, hs.prime), "1 < g_a < p-1"); err != nil {
		return err
	}
	return hs.check(CheckGASafe, dh.CheckSafeRange(hs.gA, hs.prime), "2^1984 <= g_a <= p-2^1984")
}

// sendClientDH is step 7: our half, g_b, in set_client_DH_params; the auth
// key is g_a^b mod p, and b is wiped at once.
func (hs *clientHandshakeState) sendClientDH(ctx context.Context) error {
	b, gB, err := hs.pickB()
	if err != nil {
		return err
	}
	clientInner := &mt.ClientDHInnerData{Nonce: hs.nonce, ServerNonce: hs.serverNonce, RetryID: hs.retryID, GB: gB.Bytes()}
	var buf bin.Buffer
	if err := clientInner.Encode(&buf); err != nil {
		return fmt.Errorf("encode client_DH_inner_data: %w", err)
	}
	enc, err := crypto.EncryptExchangeAnswer(hs.rand, buf.Buf, hs.aesKey, hs.aesIV)
	if err != nil {
		return fmt.Errorf("encrypt client_DH_inner_data: %w", err)
	}
	if err := hs.send(ctx, "set_client_DH_params", &mt.SetClientDHParamsRequest{
		Nonce: hs.nonce, ServerNonce: hs.serverNonce, EncryptedData: enc}); err != nil {
		return err
	}
	new(big.Int).Exp(hs.gA, b, hs.prime).FillBytes(hs.authKey[:])
	b.SetInt64(0)
	hs.aux = hs.authKey.AuxHash()
	return nil
}

// pickB draws b and g_b = g^b mod p, drawing again while g_b falls outside
// the safe range (the client checks its own half too, §2.1 item 4).
func (hs *clientHandshakeState) pickB() (b, gB *big.Int, err error) {
	limit := new(big.Int).Lsh(big.NewInt(1), dh.Bits)
	for try := 0; try < 8; try++ {
		b, err = rand.Int(hs.rand, limit)
		if err != nil {
			return nil, nil, fmt.Errorf("draw b: %w", err)
		}
		gB = new(big.Int).Exp(hs.g, b, hs.prime)
		if dh.CheckRange(gB, hs.prime) == nil && dh.CheckSafeRange(gB, hs.prime) == nil {
			_ = hs.check(CheckGBRange, nil, "1 < g_b < p-1")
			_ = hs.check(CheckGBSafe, nil, fmt.Sprintf("2^1984 <= g_b <= p-2^1984 (draw %d)", try+1))
			return b, gB, nil
		}
	}
	return nil, nil, hs.check(CheckGBSafe, errors.New("no b in 8 draws gave a g_b in range"), "")
}

// readDHGen is steps 8-9: dh_gen_ok, _retry or _fail, each believed only
// when it echoes both nonces and its new_nonce_hash matches. done is true
// for dh_gen_ok; after dh_gen_retry the next round carries retry_id =
// auth_key_aux_hash.
func (hs *clientHandshakeState) readDHGen(ctx context.Context) (done bool, err error) {
	var ans mt.SetClientDHParamsAnswerClass
	if err := hs.recv(ctx, "", func(buf *bin.Buffer) (err error) {
		ans, err = mt.DecodeSetClientDHParamsAnswer(buf)
		return err
	}); err != nil {
		return false, err
	}
	var gotNonce, gotServerNonce, gotHash bin.Int128
	var hashName string
	var hashNo byte
	switch v := ans.(type) {
	case *mt.DhGenOk:
		hs.renameLast("dh_gen_ok")
		gotNonce, gotServerNonce, gotHash, hashName, hashNo = v.Nonce, v.ServerNonce, v.NewNonceHash1, CheckNewNonceHash1, 1
	case *mt.DhGenRetry:
		hs.renameLast("dh_gen_retry")
		gotNonce, gotServerNonce, gotHash, hashName, hashNo = v.Nonce, v.ServerNonce, v.NewNonceHash2, CheckNewNonceHash2, 2
	case *mt.DhGenFail:
		hs.renameLast("dh_gen_fail")
		gotNonce, gotServerNonce, gotHash, hashName, hashNo = v.Nonce, v.ServerNonce, v.NewNonceHash3, CheckNewNonceHash3, 3
	default:
		return false, fmt.Errorf("set_client_DH_params: unexpected answer %T", ans)
	}
	if err := hs.check(CheckDHGenNonce, sameNonce(gotNonce, hs.nonce), "echoes nonce"); err != nil {
		return false, err
	}
	if err := hs.check(CheckDHGenServerNonce, sameNonce(gotServerNonce, hs.serverNonce), "echoes server_nonce"); err != nil {
		return false, err
	}
	want := NewNonceHash(hs.newNonce, hashNo, hs.aux)
	if err := hs.check(hashName, sameHash(gotHash[:], want[:]), "matches SHA1(new_nonce|"+strconv.Itoa(int(hashNo))+"|aux_hash)"); err != nil {
		return false, err
	}
	switch hashNo {
	case 3:
		return false, ErrDHGenFail
	case 2:
		hs.retryID = int64(binary.LittleEndian.Uint64(hs.aux[:]))
		hs.value("retry_id", fmt.Sprintf("%016x", uint64(hs.retryID)))
		return false, nil
	}
	return true, nil
}

// result is the finished key, its first salt and, for a temporary key, its
// expiry in server time as the bind will send it.
func (hs *clientHandshakeState) result() Result {
	res := Result{
		Key:        hs.authKey.WithID(),
		Salt:       crypto.ServerSalt(hs.newNonce, hs.serverNonce),
		Offset:     hs.offset,
		ServerTime: hs.serverTime,
	}
	hs.value("auth_key_id", model.KeyIDFromWire(res.Key.ID).String())
	if hs.cfg.Kind == model.Temporary {
		res.ExpiresAt = hs.now().Add(hs.offset).Add(hs.cfg.ExpiresIn).Truncate(time.Second)
		hs.value("expires_at", strconv.FormatInt(res.ExpiresAt.Unix(), 10))
	}
	return res
}

// trustedKey finds the first offered fingerprint among the trusted keys.
func trustedKey(trusted []*rsa.PublicKey, offered []int64) (*rsa.PublicKey, int64, error) {
	for _, fp := range offered {
		for _, k := range trusted {
			if crypto.RSAFingerprint(k) == fp {
				return k, fp, nil
			}
		}
	}
	list := make([]string, len(offered))
	for i, fp := range offered {
		list[i] = fmt.Sprintf("%016x", uint64(fp))
	}
	return nil, 0, fmt.Errorf("none of the offered fingerprints %v is a trusted key", list)
}
