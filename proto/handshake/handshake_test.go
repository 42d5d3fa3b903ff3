package handshake

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"

	"tgpfs/model"
	"tgpfs/proto/dh"
)

func TestHandshakeHonest(t *testing.T) {
	for _, kind := range []model.KeyKind{model.Permanent, model.Temporary} {
		t.Run(kind.String(), func(t *testing.T) {
			s := &script{}
			res, err, serr := runPair(t, Config{Kind: kind, DC: 2, ExpiresIn: time.Hour}, s)
			if err != nil || serr != nil {
				t.Fatalf("client: %v; server: %v", err, serr)
			}
			if !bytes.Equal(res.Key.Value[:], s.key) {
				t.Fatal("client and server derived different keys")
			}
			tr := res.Transcript
			if !tr.Passed() || tr.KeyID != model.KeyIDFromWire(res.Key.ID) || tr.KeyID == 0 {
				t.Fatalf("transcript: passed=%v id=%v err=%q", tr.Passed(), tr.KeyID, tr.Err)
			}
			wantTypes := []string{"req_pq_multi", "resPQ", "req_DH_params", "server_DH_params_ok", "set_client_DH_params", "dh_gen_ok"}
			if len(tr.Messages) != len(wantTypes) {
				t.Fatalf("messages = %+v", tr.Messages)
			}
			for i, m := range tr.Messages {
				if m.Type != wantTypes[i] || m.Size == 0 {
					t.Errorf("message %d = %+v, want %s", i, m, wantTypes[i])
				}
			}
			if kind == model.Temporary {
				if s.expiresIn != 3600 {
					t.Errorf("server saw expires_in %d", s.expiresIn)
				}
				if d := res.ExpiresAt.Sub(res.ServerTime); d < time.Hour-2*time.Second || d > time.Hour+2*time.Second {
					t.Errorf("expires_at - server_time = %v", d)
				}
			} else if s.expiresIn != 0 || !res.ExpiresAt.IsZero() {
				t.Error("permanent key exchange sent a temp inner")
			}
			names := map[string]bool{}
			for _, c := range tr.Checks {
				names[c.Name] = true
			}
			for _, n := range []string{CheckResPQNonce, CheckRSAFingerprint, CheckPQ, CheckAnswerSHA1, CheckAnswerPadding,
				CheckDHPrime, CheckG, CheckGASafe, CheckGBSafe, CheckNewNonceHash1} {
				if !names[n] {
					t.Errorf("check %s missing from transcript", n)
				}
			}
		})
	}
}

// TestHandshakeHostile corrupts each field the server controls in turn and
// asserts the named verdict fails and no key comes back.
func TestHandshakeHostile(t *testing.T) {
	flip := func(b []byte) { b[0] ^= 0xff }
	tests := []struct {
		name  string
		check string
		s     *script
	}{
		{"resPQ nonce", CheckResPQNonce, &script{resPQ: func(m *mt.ResPQ) { flip(m.Nonce[:]) }}},
		{"unknown fingerprint", CheckRSAFingerprint, &script{resPQ: func(m *mt.ResPQ) { m.ServerPublicKeyFingerprints = []int64{1, 2} }}},
		{"pq prime", CheckPQ, &script{pq: 4294967291}},
		{"pq square", CheckPQ, &script{pq: 4294967291 * 4294967291}},
		{"pq too big", CheckPQ, &script{resPQ: func(m *mt.ResPQ) { m.Pq = bytes.Repeat([]byte{0xff}, 8) }}},
		{"pq nine bytes", CheckPQ, &script{resPQ: func(m *mt.ResPQ) { m.Pq = append([]byte{1}, m.Pq...) }}},
		{"params nonce", CheckDHParamsNonce, &script{paramsOK: func(m *mt.ServerDHParamsOk) { flip(m.Nonce[:]) }}},
		{"params server_nonce", CheckDHParamsSrvNonce, &script{paramsOK: func(m *mt.ServerDHParamsOk) { flip(m.ServerNonce[:]) }}},
		{"answer not blocks", CheckAnswerBlocks, &script{encrypted: func(b []byte) []byte { return b[:len(b)-3] }}},
		{"answer tampered", CheckAnswerSHA1, &script{encrypted: func(b []byte) []byte { b[len(b)-1] ^= 1; return b }}},
		{"answer hash", CheckAnswerSHA1, &script{answer: func(b []byte) []byte { b[3] ^= 1; return b }}},
		{"answer padding", CheckAnswerPadding, &script{answer: func(b []byte) []byte { return append(b, make([]byte, 16)...) }}},
		{"inner nonce", CheckInnerNonce, &script{inner: func(m *mt.ServerDHInnerData) { flip(m.Nonce[:]) }}},
		{"inner server_nonce", CheckInnerServerNonce, &script{inner: func(m *mt.ServerDHInnerData) { flip(m.ServerNonce[:]) }}},
		{"prime composite", CheckDHPrime, &script{inner: func(m *mt.ServerDHInnerData) {
			m.DhPrime = new(big.Int).Add(dh.TelegramPrime(), big.NewInt(2)).Bytes()
		}}},
		{"prime short", CheckDHPrime, &script{inner: func(m *mt.ServerDHInnerData) { m.DhPrime = m.DhPrime[1:] }}},
		{"g non-residue", CheckG, &script{inner: func(m *mt.ServerDHInnerData) { m.G = 5 }}},
		{"g out of table", CheckG, &script{inner: func(m *mt.ServerDHInnerData) { m.G = 1 }}},
		{"g_a one", CheckGARange, &script{inner: func(m *mt.ServerDHInnerData) { m.GA = []byte{1} }}},
		{"g_a p-1", CheckGARange, &script{inner: func(m *mt.ServerDHInnerData) {
			m.GA = new(big.Int).Sub(dh.TelegramPrime(), big.NewInt(1)).Bytes()
		}}},
		{"g_a small", CheckGASafe, &script{inner: func(m *mt.ServerDHInnerData) { m.GA = []byte{2} }}},
		{"dh_gen nonce", CheckDHGenNonce, &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, _ int) bin.Object {
			flip(n[:])
			return &mt.DhGenOk{Nonce: n, ServerNonce: sn, NewNonceHash1: NewNonceHash(nn, 1, aux)}
		}}},
		{"dh_gen server_nonce", CheckDHGenServerNonce, &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, _ int) bin.Object {
			flip(sn[:])
			return &mt.DhGenOk{Nonce: n, ServerNonce: sn, NewNonceHash1: NewNonceHash(nn, 1, aux)}
		}}},
		{"hash1", CheckNewNonceHash1, &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, _ int) bin.Object {
			return &mt.DhGenOk{Nonce: n, ServerNonce: sn, NewNonceHash1: NewNonceHash(nn, 2, aux)}
		}}},
		{"hash2", CheckNewNonceHash2, &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, _ int) bin.Object {
			return &mt.DhGenRetry{Nonce: n, ServerNonce: sn, NewNonceHash2: NewNonceHash(nn, 1, aux)}
		}}},
		{"hash3", CheckNewNonceHash3, &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, _ int) bin.Object {
			return &mt.DhGenFail{Nonce: n, ServerNonce: sn, NewNonceHash3: NewNonceHash(nn, 1, aux)}
		}}},
		{"params_fail hash", CheckDHParamsFail, &script{paramsFail: true, failHash: func(h *bin.Int128) { flip(h[:]) }}},
		{"endless retry", CheckRetryLimit, &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, _ int) bin.Object {
			return &mt.DhGenRetry{Nonce: n, ServerNonce: sn, NewNonceHash2: NewNonceHash(nn, 2, aux)}
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err, _ := runPair(t, Config{Kind: model.Temporary, DC: 2, ExpiresIn: time.Minute, MaxRetries: 2}, tt.s)
			var ce *CheckError
			if !errors.As(err, &ce) || ce.Name != tt.check {
				t.Fatalf("err = %v, want check %s", err, tt.check)
			}
			if !res.Key.Zero() || res.Transcript.KeyID != 0 {
				t.Fatal("a key came back from a failed handshake")
			}
			last := res.Transcript.Checks[len(res.Transcript.Checks)-1]
			if last.Name != tt.check || last.OK {
				t.Fatalf("last verdict = %+v", last)
			}
			if res.Transcript.Passed() || res.Transcript.Err == "" {
				t.Fatal("transcript of a failed handshake passed")
			}
		})
	}
}

func TestHandshakeRetryAndFail(t *testing.T) {
	t.Run("retry then ok", func(t *testing.T) {
		s := &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, round int) bin.Object {
			if round == 0 {
				return &mt.DhGenRetry{Nonce: n, ServerNonce: sn, NewNonceHash2: NewNonceHash(nn, 2, aux)}
			}
			return &mt.DhGenOk{Nonce: n, ServerNonce: sn, NewNonceHash1: NewNonceHash(nn, 1, aux)}
		}}
		var firstAux int64
		inner := s.dhGen
		s.dhGen = func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, round int) bin.Object {
			if round == 0 {
				firstAux = int64(binary.LittleEndian.Uint64(aux[:]))
			}
			return inner(nn, aux, n, sn, round)
		}
		res, err, serr := runPair(t, Config{Kind: model.Permanent, DC: 1}, s)
		if err != nil || serr != nil {
			t.Fatalf("client %v server %v", err, serr)
		}
		if len(s.retryIDs) != 2 || s.retryIDs[0] != 0 || s.retryIDs[1] != firstAux || firstAux == 0 {
			t.Fatalf("retry ids = %x, want [0 %x]", s.retryIDs, firstAux)
		}
		if !bytes.Equal(res.Key.Value[:], s.key) {
			t.Fatal("key after retry differs from the server's")
		}
	})
	t.Run("dh_gen_fail", func(t *testing.T) {
		s := &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, _ int) bin.Object {
			return &mt.DhGenFail{Nonce: n, ServerNonce: sn, NewNonceHash3: NewNonceHash(nn, 3, aux)}
		}}
		res, err, _ := runPair(t, Config{Kind: model.Permanent, DC: 1}, s)
		if !errors.Is(err, ErrDHGenFail) || !res.Key.Zero() {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("server_DH_params_fail", func(t *testing.T) {
		res, err, _ := runPair(t, Config{Kind: model.Permanent, DC: 1}, &script{paramsFail: true})
		if !errors.Is(err, ErrParamsFail) || !res.Key.Zero() {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("transport -404", func(t *testing.T) {
		_, err, _ := runPair(t, Config{Kind: model.Permanent, DC: 1}, &script{transport: 404})
		var te *model.TransportError
		if !errors.As(err, &te) || te.Code != 404 {
			t.Fatalf("err = %v, want transport error 404", err)
		}
	})
	t.Run("untrusted key only", func(t *testing.T) {
		other, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		_, err, _ = runPair(t, Config{Kind: model.Permanent, DC: 1, Keys: []*rsa.PublicKey{&other.PublicKey}}, &script{})
		var ce *CheckError
		if !errors.As(err, &ce) || ce.Name != CheckRSAFingerprint {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPrimeProvenOncePerCache(t *testing.T) {
	primes := dh.NewPrimes()
	for i := 0; i < 2; i++ {
		res, err, _ := runPair(t, Config{Kind: model.Temporary, DC: 2, ExpiresIn: time.Minute, Primes: primes}, &script{})
		if err != nil {
			t.Fatal(err)
		}
		if v := value(res.Transcript, "dh_prime"); v != dh.BuiltIn.String() {
			t.Fatalf("dh_prime = %q", v)
		}
	}
	if primes.Proofs() != 0 {
		t.Fatalf("Telegram's prime cost %d proofs", primes.Proofs())
	}
}

func value(tr model.Transcript, name string) string {
	for _, f := range tr.Values {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}
