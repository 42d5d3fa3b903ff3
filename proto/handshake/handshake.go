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
//
// The client is a state struct with one method per step (client.go), as
// crypto/tls's clientHandshakeState and the local DC's serverExchange are;
// wire.go holds the unencrypted envelope and the small checks.
package handshake

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/dh"
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
	hs := newClientHandshake(conn, cfg)
	res, err := hs.handshake(ctx)
	hs.tr.Duration = hs.now().Sub(hs.tr.Started)
	if err != nil {
		hs.tr.Err = err.Error()
		hs.tr.KeyID = 0
		return Result{Transcript: hs.tr}, err
	}
	hs.tr.KeyID = model.KeyIDFromWire(res.Key.ID)
	res.Transcript = hs.tr
	return res, nil
}
