// Package handshake runs the MTProto auth key exchange as a client, step by
// step and in the open, for permanent keys (p_q_inner_data_dc) and temporary
// keys (p_q_inner_data_temp_dc).
//
// It is built from gotd's primitives (mt for the TL types, crypto for RSA_PAD,
// the tmp AES keys and IGE, proto for the unencrypted envelope) and differs
// from gotd's exchange in three ways an inspector needs:
//
//   - every message, every non-secret value and every client-side check of
//     pfs-protocol.md §2 is recorded in a model.Transcript, and a failed check
//     aborts with a *CheckError that names it;
//   - dh_prime is proven once per process (dh.Primes; Telegram's prime is
//     built in), not on every handshake;
//   - pq is factored with 64-bit arithmetic (proto/pq).
//
// A handshake then costs about two 2048-bit modular exponentiations.
package handshake

import (
	"bytes"
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
	"github.com/gotd/td/proto"
	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/dh"
	"tgpfs/proto/pq"
)

// Check names: stable machine names of the verdicts in a Transcript.
const (
	CheckResPQNonce       = "respq_nonce"
	CheckRSAFingerprint   = "rsa_fingerprint_known"
	CheckPQ               = "pq_factors"
	CheckDHParamsNonce    = "dh_params_nonce"
	CheckDHParamsSrvNonce = "dh_params_server_nonce"
	CheckDHParamsFail     = "server_dh_params_fail_hash"
	CheckAnswerBlocks     = "answer_block_aligned"
	CheckAnswerSHA1       = "answer_sha1"
	CheckAnswerPadding    = "answer_padding_under_16"
	CheckInnerNonce       = "inner_nonce"
	CheckInnerServerNonce = "inner_server_nonce"
	CheckDHPrime          = "dh_prime_safe"
	CheckG                = "g_quadratic_residue"
	CheckGRange           = "g_range"
	CheckGARange          = "g_a_range"
	CheckGASafe           = "g_a_safe_range"
	CheckGBRange          = "g_b_range"
	CheckGBSafe           = "g_b_safe_range"
	CheckDHGenNonce       = "dh_gen_nonce"
	CheckDHGenServerNonce = "dh_gen_server_nonce"
	CheckNewNonceHash1    = "new_nonce_hash1"
	CheckNewNonceHash2    = "new_nonce_hash2"
	CheckNewNonceHash3    = "new_nonce_hash3"
	CheckRetryLimit       = "dh_gen_retry_limit"
	defaultMaxRetries     = 5
	defaultTimeout        = 15 * time.Second
	maxPQ                 = 1<<63 - 1
)

// CheckError is a failed security check. The handshake stops at the first one.
type CheckError struct {
	Name   string
	Detail string
}

func (e *CheckError) Error() string { return fmt.Sprintf("check %s failed: %s", e.Name, e.Detail) }

// TransportError is a transport-level error code from the server (-404,
// -429, -444) received instead of a handshake message.
//
// Deprecated: use model.TransportError; this is the same type.
type TransportError = model.TransportError

// ErrDHGenFail is returned when the server answered dh_gen_fail.
var ErrDHGenFail = errors.New("server answered dh_gen_fail")

// ErrParamsFail is returned when the server answered server_DH_params_fail.
var ErrParamsFail = errors.New("server answered server_DH_params_fail")

// Config describes one exchange.
type Config struct {
	Kind model.KeyKind
	// DC is the protocol dc id sent in p_q_inner_data (10000+n for test
	// DCs, negative for media DCs).
	DC int
	// ExpiresIn is the lifetime asked for a temporary key, in whole seconds.
	ExpiresIn time.Duration
	// Keys are the server RSA keys the client trusts. A fingerprint the
	// server offers that is not among them is never used.
	Keys []*rsa.PublicKey
	// Primes caches proven dh_primes; nil means dh.Default.
	Primes *dh.Primes
	// Rand is the source of nonces and b; nil means crypto/rand.
	Rand io.Reader
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
	// MaxRetries bounds dh_gen_retry rounds; 0 means 5.
	MaxRetries int
	// Timeout bounds each read; 0 means 15 s.
	Timeout time.Duration
}

// Result is a finished exchange. Key holds secret bytes: never log it.
type Result struct {
	Key crypto.AuthKey
	// Salt is the first server salt: new_nonce[0:8] XOR server_nonce[0:8].
	Salt int64
	// Offset is server time minus local time, from server_DH_inner_data.
	Offset time.Duration
	// ServerTime is server_time as sent.
	ServerTime time.Time
	// ExpiresAt is the server-time expiry of a temporary key
	// (server_time + expires_in); zero for permanent keys.
	ExpiresAt time.Time
	// Transcript is the open record of the exchange.
	Transcript model.Transcript
}

// Run performs one exchange on conn. On failure it returns the error and a
// Result holding only the Transcript (Key is zero): no key is ever returned
// from a handshake with a failed check.
func Run(ctx context.Context, conn transport.Conn, cfg Config) (Result, error) {
	c := newClient(conn, cfg)
	res, err := c.run(ctx)
	c.tr.Duration = c.now().Sub(c.tr.Started)
	if err != nil {
		c.tr.Err = err.Error()
		c.tr.KeyID = 0
		return Result{Transcript: c.tr}, err
	}
	c.tr.KeyID = model.KeyIDFromWire(res.Key.ID)
	res.Transcript = c.tr
	return res, nil
}

type client struct {
	conn    transport.Conn
	cfg     Config
	rand    io.Reader
	now     func() time.Time
	primes  *dh.Primes
	tr      model.Transcript
	buf     bin.Buffer
	lastMsg int64
}

func newClient(conn transport.Conn, cfg Config) *client {
	c := &client{conn: conn, cfg: cfg, rand: cfg.Rand, now: cfg.Now, primes: cfg.Primes}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.primes == nil {
		c.primes = dh.Default
	}
	if c.cfg.MaxRetries == 0 {
		c.cfg.MaxRetries = defaultMaxRetries
	}
	if c.cfg.Timeout == 0 {
		c.cfg.Timeout = defaultTimeout
	}
	c.tr = model.Transcript{Kind: cfg.Kind, DC: cfg.DC, Started: c.now()}
	if cfg.Kind == model.Temporary {
		c.tr.ExpiresIn = cfg.ExpiresIn
	}
	return c
}

// check records a verdict; a non-nil err fails the handshake with its name.
func (c *client) check(name string, err error, okDetail string) error {
	if err != nil {
		c.tr.Checks = append(c.tr.Checks, model.Check{Name: name, OK: false, Detail: err.Error()})
		return &CheckError{Name: name, Detail: err.Error()}
	}
	c.tr.Checks = append(c.tr.Checks, model.Check{Name: name, OK: true, Detail: okDetail})
	return nil
}

func (c *client) value(name, v string) {
	c.tr.Values = append(c.tr.Values, model.Field{Name: name, Value: v})
}

func (c *client) run(ctx context.Context) (Result, error) {
	if c.cfg.Kind == model.Temporary && c.cfg.ExpiresIn < time.Second {
		return Result{}, fmt.Errorf("temporary key needs expires_in of at least 1 s, got %v", c.cfg.ExpiresIn)
	}

	// Step 1-2: req_pq_multi -> resPQ.
	nonce, err := crypto.RandInt128(c.rand)
	if err != nil {
		return Result{}, fmt.Errorf("nonce: %w", err)
	}
	c.value("nonce", hex.EncodeToString(nonce[:]))
	if err := c.send(ctx, "req_pq_multi", &mt.ReqPqMultiRequest{Nonce: nonce}); err != nil {
		return Result{}, err
	}
	var res mt.ResPQ
	if err := c.recv(ctx, "resPQ", func(b *bin.Buffer) error { return res.Decode(b) }); err != nil {
		return Result{}, err
	}
	if err := c.check(CheckResPQNonce, sameNonce(res.Nonce, nonce), "resPQ echoes our nonce"); err != nil {
		return Result{}, err
	}
	serverNonce := res.ServerNonce
	c.value("server_nonce", hex.EncodeToString(serverNonce[:]))

	key, fp, err := c.pickKey(res.ServerPublicKeyFingerprints)
	if err := c.check(CheckRSAFingerprint, err, fmt.Sprintf("%016x", uint64(fp))); err != nil {
		return Result{}, err
	}
	c.value("rsa_fingerprint", fmt.Sprintf("%016x", uint64(fp)))

	// Step 3: factor pq with 64-bit arithmetic.
	p, q, err := factor(res.Pq)
	if err := c.check(CheckPQ, err, fmt.Sprintf("%d = %d * %d", p*q, p, q)); err != nil {
		return Result{}, err
	}
	c.value("pq", strconv.FormatUint(p*q, 10))
	c.value("p", strconv.FormatUint(p, 10))
	c.value("q", strconv.FormatUint(q, 10))
	pBytes, qBytes := beUint(p), beUint(q)

	// Step 4-5: p_q_inner_data(_temp)_dc under RSA_PAD, req_DH_params.
	newNonce, err := crypto.RandInt256(c.rand)
	if err != nil {
		return Result{}, fmt.Errorf("new_nonce: %w", err)
	}
	var inner bin.Encoder
	if c.cfg.Kind == model.Temporary {
		inner = &mt.PQInnerDataTempDC{Pq: res.Pq, P: pBytes, Q: qBytes, Nonce: nonce, ServerNonce: serverNonce,
			NewNonce: newNonce, DC: c.cfg.DC, ExpiresIn: int(c.cfg.ExpiresIn / time.Second)}
		c.value("expires_in", strconv.Itoa(int(c.cfg.ExpiresIn/time.Second))+" s")
	} else {
		inner = &mt.PQInnerDataDC{Pq: res.Pq, P: pBytes, Q: qBytes, Nonce: nonce, ServerNonce: serverNonce,
			NewNonce: newNonce, DC: c.cfg.DC}
	}
	c.value("dc", strconv.Itoa(c.cfg.DC))
	var innerBuf bin.Buffer
	if err := inner.Encode(&innerBuf); err != nil {
		return Result{}, fmt.Errorf("encode p_q_inner_data: %w", err)
	}
	encrypted, err := crypto.RSAPad(innerBuf.Buf, key, c.rand)
	if err != nil {
		return Result{}, fmt.Errorf("rsa_pad: %w", err)
	}
	req := &mt.ReqDHParamsRequest{Nonce: nonce, ServerNonce: serverNonce, P: pBytes, Q: qBytes,
		PublicKeyFingerprint: fp, EncryptedData: encrypted}
	if err := c.send(ctx, "req_DH_params", req); err != nil {
		return Result{}, err
	}

	// Step 6: server_DH_params_ok, decrypted with the tmp AES key.
	var params mt.ServerDHParamsClass
	if err := c.recv(ctx, "", func(b *bin.Buffer) (err error) {
		params, err = mt.DecodeServerDHParams(b)
		return err
	}); err != nil {
		return Result{}, err
	}
	switch v := params.(type) {
	case *mt.ServerDHParamsFail:
		c.renameLast("server_DH_params_fail")
		want := sha1.Sum(newNonce[:])
		if err := c.check(CheckDHParamsFail, eqBytes(v.NewNonceHash[:], want[4:20]), "hash of new_nonce matches"); err != nil {
			return Result{}, err
		}
		return Result{}, ErrParamsFail
	case *mt.ServerDHParamsOk:
		c.renameLast("server_DH_params_ok")
		if err := c.check(CheckDHParamsNonce, sameNonce(v.Nonce, nonce), "echoes nonce"); err != nil {
			return Result{}, err
		}
		if err := c.check(CheckDHParamsSrvNonce, sameNonce(v.ServerNonce, serverNonce), "echoes server_nonce"); err != nil {
			return Result{}, err
		}
		return c.finish(ctx, nonce, serverNonce, newNonce, v.EncryptedAnswer)
	}
	return Result{}, fmt.Errorf("req_DH_params: unexpected answer %T", params)
}

// finish runs steps 6 to 9: check the server's DH half, send ours, and
// verify dh_gen_*; dh_gen_retry loops with retry_id = auth_key_aux_hash.
func (c *client) finish(ctx context.Context, nonce, serverNonce bin.Int128, newNonce bin.Int256, answer []byte) (Result, error) {
	aesKey, aesIV := crypto.TempAESKeys(newNonce.BigInt(), serverNonce.BigInt())
	srv, err := c.openAnswer(answer, aesKey, aesIV)
	if err != nil {
		return Result{}, err
	}
	if err := c.check(CheckInnerNonce, sameNonce(srv.Nonce, nonce), "echoes nonce"); err != nil {
		return Result{}, err
	}
	if err := c.check(CheckInnerServerNonce, sameNonce(srv.ServerNonce, serverNonce), "echoes server_nonce"); err != nil {
		return Result{}, err
	}
	serverTime := time.Unix(int64(srv.ServerTime), 0)
	offset := serverTime.Sub(c.now()).Truncate(time.Second)
	c.value("server_time", strconv.Itoa(srv.ServerTime))
	c.value("time_offset", offset.String())

	prime := new(big.Int).SetBytes(srv.DhPrime)
	prov, err := c.primes.CheckPrime(prime)
	if err := c.check(CheckDHPrime, err, prov.String()); err != nil {
		return Result{}, err
	}
	c.value("dh_prime", prov.String())
	c.value("g", strconv.Itoa(srv.G))
	if err := c.check(CheckG, dh.CheckG(srv.G, prime), "by the p mod 4g table"); err != nil {
		return Result{}, err
	}
	// g in 2..7 (checked by CheckG) is always strictly between 1 and p-1
	// for a 2048-bit p, so the g range of §2.1 item 4 needs no check of its own.
	g := big.NewInt(int64(srv.G))
	gA := new(big.Int).SetBytes(srv.GA)
	if err := c.check(CheckGARange, dh.CheckRange(gA, prime), "1 < g_a < p-1"); err != nil {
		return Result{}, err
	}
	if err := c.check(CheckGASafe, dh.CheckSafeRange(gA, prime), "2^1984 <= g_a <= p-2^1984"); err != nil {
		return Result{}, err
	}

	var retryID int64
	for attempt := 0; ; attempt++ {
		if attempt > c.cfg.MaxRetries {
			return Result{}, c.check(CheckRetryLimit, fmt.Errorf("%d dh_gen_retry answers", attempt-1), "")
		}
		b, gB, err := c.pickB(g, prime)
		if err != nil {
			return Result{}, err
		}
		clientInner := &mt.ClientDHInnerData{Nonce: nonce, ServerNonce: serverNonce, RetryID: retryID, GB: gB.Bytes()}
		var buf bin.Buffer
		if err := clientInner.Encode(&buf); err != nil {
			return Result{}, fmt.Errorf("encode client_DH_inner_data: %w", err)
		}
		enc, err := crypto.EncryptExchangeAnswer(c.rand, buf.Buf, aesKey, aesIV)
		if err != nil {
			return Result{}, fmt.Errorf("encrypt client_DH_inner_data: %w", err)
		}
		if err := c.send(ctx, "set_client_DH_params", &mt.SetClientDHParamsRequest{
			Nonce: nonce, ServerNonce: serverNonce, EncryptedData: enc}); err != nil {
			return Result{}, err
		}
		var key crypto.Key
		new(big.Int).Exp(gA, b, prime).FillBytes(key[:])
		b.SetInt64(0)
		aux := key.AuxHash()

		var ans mt.SetClientDHParamsAnswerClass
		if err := c.recv(ctx, "", func(buf *bin.Buffer) (err error) {
			ans, err = mt.DecodeSetClientDHParamsAnswer(buf)
			return err
		}); err != nil {
			return Result{}, err
		}
		var gotNonce, gotServerNonce, gotHash bin.Int128
		var hashName string
		var hashNo byte
		switch v := ans.(type) {
		case *mt.DhGenOk:
			c.renameLast("dh_gen_ok")
			gotNonce, gotServerNonce, gotHash, hashName, hashNo = v.Nonce, v.ServerNonce, v.NewNonceHash1, CheckNewNonceHash1, 1
		case *mt.DhGenRetry:
			c.renameLast("dh_gen_retry")
			gotNonce, gotServerNonce, gotHash, hashName, hashNo = v.Nonce, v.ServerNonce, v.NewNonceHash2, CheckNewNonceHash2, 2
		case *mt.DhGenFail:
			c.renameLast("dh_gen_fail")
			gotNonce, gotServerNonce, gotHash, hashName, hashNo = v.Nonce, v.ServerNonce, v.NewNonceHash3, CheckNewNonceHash3, 3
		default:
			return Result{}, fmt.Errorf("set_client_DH_params: unexpected answer %T", ans)
		}
		if err := c.check(CheckDHGenNonce, sameNonce(gotNonce, nonce), "echoes nonce"); err != nil {
			return Result{}, err
		}
		if err := c.check(CheckDHGenServerNonce, sameNonce(gotServerNonce, serverNonce), "echoes server_nonce"); err != nil {
			return Result{}, err
		}
		want := NewNonceHash(newNonce, hashNo, aux)
		if err := c.check(hashName, eqBytes(gotHash[:], want[:]), "matches SHA1(new_nonce|"+strconv.Itoa(int(hashNo))+"|aux_hash)"); err != nil {
			return Result{}, err
		}
		switch hashNo {
		case 3:
			return Result{}, ErrDHGenFail
		case 2:
			retryID = int64(binary.LittleEndian.Uint64(aux[:]))
			c.value("retry_id", fmt.Sprintf("%016x", uint64(retryID)))
			continue
		}

		res := Result{
			Key:        key.WithID(),
			Salt:       crypto.ServerSalt(newNonce, serverNonce),
			Offset:     offset,
			ServerTime: serverTime,
		}
		id := model.KeyIDFromWire(res.Key.ID)
		c.value("auth_key_id", id.String())
		if c.cfg.Kind == model.Temporary {
			// expires_at in server time, as the bind will send it.
			res.ExpiresAt = c.now().Add(offset).Add(c.cfg.ExpiresIn).Truncate(time.Second)
			c.value("expires_at", strconv.FormatInt(res.ExpiresAt.Unix(), 10))
		}
		return res, nil
	}
}

// pickB draws b and g_b = g^b mod p, drawing again while g_b falls outside
// the safe range (the client checks its own half too, §2.1 item 4).
func (c *client) pickB(g, prime *big.Int) (b, gB *big.Int, err error) {
	limit := new(big.Int).Lsh(big.NewInt(1), dh.Bits)
	for try := 0; try < 8; try++ {
		b, err = rand.Int(c.rand, limit)
		if err != nil {
			return nil, nil, fmt.Errorf("draw b: %w", err)
		}
		gB = new(big.Int).Exp(g, b, prime)
		if dh.CheckRange(gB, prime) == nil && dh.CheckSafeRange(gB, prime) == nil {
			_ = c.check(CheckGBRange, nil, "1 < g_b < p-1")
			_ = c.check(CheckGBSafe, nil, fmt.Sprintf("2^1984 <= g_b <= p-2^1984 (draw %d)", try+1))
			return b, gB, nil
		}
	}
	return nil, nil, c.check(CheckGBSafe, errors.New("no b in 8 draws gave a g_b in range"), "")
}

// openAnswer decrypts encrypted_answer and checks its framing: whole AES
// blocks, SHA1 of server_DH_inner_data in front, and under 16 padding bytes.
func (c *client) openAnswer(answer, key, iv []byte) (*mt.ServerDHInnerData, error) {
	if err := c.check(CheckAnswerBlocks, blockAligned(answer), fmt.Sprintf("%d bytes", len(answer))); err != nil {
		return nil, err
	}
	plain := make([]byte, len(answer))
	ige.DecryptAES256Blocks(key, iv, plain, answer)
	if len(plain) < sha1.Size {
		return nil, c.check(CheckAnswerSHA1, errors.New("answer shorter than a SHA1"), "")
	}
	var inner mt.ServerDHInnerData
	body := bin.Buffer{Buf: plain[sha1.Size:]}
	if err := inner.Decode(&body); err != nil {
		// An undecodable body is what a wrong tmp key or a tampered answer
		// looks like; it is the SHA1 check that names it.
		return nil, c.check(CheckAnswerSHA1, fmt.Errorf("server_DH_inner_data does not decode: %v", err), "")
	}
	used := len(plain) - sha1.Size - body.Len()
	sum := sha1.Sum(plain[sha1.Size : sha1.Size+used])
	if err := c.check(CheckAnswerSHA1, eqBytes(plain[:sha1.Size], sum[:]), "SHA1(server_DH_inner_data) matches"); err != nil {
		return nil, err
	}
	pad := body.Len()
	var padErr error
	if pad >= 16 {
		padErr = fmt.Errorf("%d padding bytes", pad)
	}
	if err := c.check(CheckAnswerPadding, padErr, fmt.Sprintf("%d padding bytes", pad)); err != nil {
		return nil, err
	}
	return &inner, nil
}

func (c *client) pickKey(offered []int64) (*rsa.PublicKey, int64, error) {
	for _, fp := range offered {
		for _, k := range c.cfg.Keys {
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

// send writes one unencrypted message and records it.
func (c *client) send(ctx context.Context, name string, msg bin.Encoder) error {
	c.buf.Reset()
	if err := msg.Encode(&c.buf); err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	size := c.buf.Len()
	id := int64(proto.NewMessageID(c.now(), proto.MessageFromClient))
	if id <= c.lastMsg {
		id = c.lastMsg + 4
	}
	c.lastMsg = id
	env := proto.UnencryptedMessage{MessageID: id, MessageData: append([]byte(nil), c.buf.Buf...)}
	c.buf.Reset()
	if err := env.Encode(&c.buf); err != nil {
		return fmt.Errorf("encode %s envelope: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	if err := c.conn.Send(ctx, &c.buf); err != nil {
		return fmt.Errorf("send %s: %w", name, err)
	}
	c.tr.Messages = append(c.tr.Messages, model.TranscriptMessage{Dir: model.Sent, Type: name, Size: size, At: c.now()})
	return nil
}

// recv reads one unencrypted message, records it, and decodes its body.
// A name of "" means the type is only known after decoding (renameLast).
func (c *client) recv(ctx context.Context, name string, decode func(*bin.Buffer) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	c.buf.Reset()
	if err := c.conn.Recv(ctx, &c.buf); err != nil {
		var perr *codec.ProtocolErr
		if errors.As(err, &perr) {
			return fmt.Errorf("waiting for %s: %w", orAnswer(name), &model.TransportError{Code: perr.Code})
		}
		return fmt.Errorf("waiting for %s: %w", orAnswer(name), err)
	}
	var env proto.UnencryptedMessage
	if err := env.Decode(&c.buf); err != nil {
		return fmt.Errorf("decode %s envelope: %w", orAnswer(name), err)
	}
	if proto.MessageID(env.MessageID).Type() != proto.MessageServerResponse {
		return fmt.Errorf("%s: msg_id %x is not a server response id", orAnswer(name), env.MessageID)
	}
	c.tr.Messages = append(c.tr.Messages, model.TranscriptMessage{Dir: model.Received, Type: name, Size: len(env.MessageData), At: c.now()})
	if err := decode(&bin.Buffer{Buf: env.MessageData}); err != nil {
		return fmt.Errorf("decode %s: %w", orAnswer(name), err)
	}
	return nil
}

func (c *client) renameLast(name string) { c.tr.Messages[len(c.tr.Messages)-1].Type = name }

func orAnswer(name string) string {
	if name == "" {
		return "answer"
	}
	return name
}

// NewNonceHash is new_nonce_hash1/2/3: SHA1(new_nonce | n | aux_hash)[4:20].
func NewNonceHash(newNonce bin.Int256, n byte, aux [8]byte) (h bin.Int128) {
	var buf [32 + 1 + 8]byte
	copy(buf[:], newNonce[:])
	buf[32] = n
	copy(buf[33:], aux[:])
	sum := sha1.Sum(buf[:])
	copy(h[:], sum[4:20])
	return h
}

func factor(wire []byte) (p, q uint64, err error) {
	if len(wire) == 0 || len(wire) > 8 {
		return 0, 0, fmt.Errorf("pq is %d bytes, want 1..8", len(wire))
	}
	var n uint64
	for _, b := range wire {
		n = n<<8 | uint64(b)
	}
	if n > maxPQ {
		return 0, 0, fmt.Errorf("pq %d is above 2^63-1", n)
	}
	p, q, err = pq.Factor(n)
	if err != nil {
		return 0, 0, err
	}
	if p == q {
		return 0, 0, fmt.Errorf("pq %d is a square, factors must be distinct", n)
	}
	return p, q, nil
}

func beUint(v uint64) []byte {
	return new(big.Int).SetUint64(v).Bytes()
}

func sameNonce(got, want bin.Int128) error {
	if got != want {
		return fmt.Errorf("got %x, want %x", got[:], want[:])
	}
	return nil
}

func eqBytes(got, want []byte) error {
	if !bytes.Equal(got, want) {
		return errors.New("mismatch")
	}
	return nil
}

func blockAligned(b []byte) error {
	if len(b) == 0 || len(b)%16 != 0 {
		return fmt.Errorf("%d bytes is not whole AES blocks", len(b))
	}
	return nil
}
