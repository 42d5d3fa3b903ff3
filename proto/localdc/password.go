package localdc

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// passwordMethods are two-step verification (https://core.telegram.org/api/srp):
// the SRP parameters and the check that finishes a login.
var passwordMethods = []method{
	{id: tg.AccountGetPasswordRequestTypeID, serve: noParams((*Cluster).getPassword)},
	{id: tg.AuthCheckPasswordRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthCheckPasswordRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.checkPassword(s.d, m, r.Password)
	})},
}

// srpG is the SRP generator Telegram uses; the modulus is its 2048-bit
// dh_prime (dhPrime), the same as the key exchange's.
const srpG = 3

const (
	// srpTTL is how long an account.getPassword answer can be used.
	srpTTL = 5 * time.Minute
	// maxSRPSessions bounds the SRP exchanges the cluster remembers.
	maxSRPSessions = 1024
	// MaxPasswordLen bounds a test account's password (Config.Passwords)
	// in bytes.
	MaxPasswordLen = 256
)

// srpVerifier is what a server keeps of a 2FA password: the salts and
// v = g^x mod p, x = PH2(password, salt1, salt2). Never the password.
type srpVerifier struct {
	salt1, salt2 []byte
	v            *big.Int
}

// srpSession is one account.getPassword answer: the server's secret b for
// the srp_B it sent, usable once by the key it was sent to.
type srpSession struct {
	userID  int64
	key     keyRef
	ver     *srpVerifier
	b       *big.Int
	B       []byte // srp_B, 256 bytes
	expires time.Time
}

func srpH(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// srpSH is SH(data, salt) = H(salt | data | salt).
func srpSH(data, salt []byte) []byte { return srpH(salt, data, salt) }

func pad256(x *big.Int) []byte { return x.FillBytes(make([]byte, 256)) }

// srpX is PH2(password, salt1, salt2) as a number:
// SH(pbkdf2(sha512, SH(SH(password, salt1), salt2), salt1, 100000), salt2).
func srpX(password string, salt1, salt2 []byte) (*big.Int, error) {
	ph1 := srpSH(srpSH([]byte(password), salt1), salt2)
	k, err := pbkdf2.Key(sha512.New, string(ph1), salt1, 100000, 64)
	if err != nil {
		return nil, fmt.Errorf("pbkdf2: %w", err)
	}
	return new(big.Int).SetBytes(srpSH(k, salt2)), nil
}

// srpK is k = H(p | g), each padded to 256 bytes.
var srpK = sync.OnceValue(func() *big.Int {
	return new(big.Int).SetBytes(srpH(pad256(dhPrime), pad256(big.NewInt(srpG))))
})

// newVerifier makes a password's verifier with fresh salts: salt1 is 40
// bytes, as a client leaves it after appending its 32 random bytes to the
// server's 8 (https://core.telegram.org/api/srp#setting-a-new-2fa-password).
func newVerifier(password string) (*srpVerifier, error) {
	s := &srpVerifier{salt1: randomBytes(40), salt2: randomBytes(16)}
	x, err := srpX(password, s.salt1, s.salt2)
	if err != nil {
		return nil, err
	}
	s.v = new(big.Int).Exp(big.NewInt(srpG), x, dhPrime)
	return s, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// newVerifiers checks Config.Passwords and makes each account's verifier,
// keyed by the phone's digits. An error never contains a password.
func newVerifiers(passwords map[string]string, dcs int) (map[string]*srpVerifier, error) {
	out := make(map[string]*srpVerifier, len(passwords))
	for raw, pw := range passwords {
		phone := normalizePhone(raw)
		if dc := phoneDC(phone); dc == 0 || dc > dcs {
			return nil, fmt.Errorf("password for %q: not a test phone 99966XYYYY of DCs 1..%d", raw, dcs)
		}
		if pw == "" || len(pw) > MaxPasswordLen {
			return nil, fmt.Errorf("password for %s: want 1..%d bytes", phone, MaxPasswordLen)
		}
		if _, dup := out[phone]; dup {
			return nil, fmt.Errorf("password for %s: given twice", phone)
		}
		v, err := newVerifier(pw)
		if err != nil {
			return nil, fmt.Errorf("password for %s: %w", phone, err)
		}
		out[phone] = v
	}
	return out, nil
}

// passwordOf is u's 2FA password verifier, nil when it has none (bots
// never do).
func (c *Cluster) passwordOf(u *user) *srpVerifier {
	if u == nil || u.Phone == "" {
		return nil
	}
	return c.acct.passwords[u.Phone]
}

func (c *Cluster) hasPassword(u *user) bool { return c.passwordOf(u) != nil }

// needPasswordLocked is the first factor of a login done (the code, or a
// QR token) for an account with a password: the key's session begins as
// an incomplete login (a, or a new one) and the client must answer SRP.
// Called with c.mu held.
func (c *Cluster) needPasswordLocked(d *dcServer, m inMsg, u *user, a *authorization) *tgerr.Error {
	perm := d.permFor(m.key)
	if perm == nil {
		return rpcErr(401, "AUTH_KEY_PERM_EMPTY")
	}
	if a == nil {
		a = c.newAuthorizationLocked(u, m.key.client)
	}
	if perm.authHash != 0 && perm.authHash != a.Hash {
		c.leaveLocked(d, perm, "a new login began", true)
	}
	ref := keyRef{DC: d.id, ID: perm.id}
	a.Home, a.keys, a.passwordPending = ref, []keyRef{ref}, true
	c.acct.auths[a.Hash] = a
	perm.authHash = a.Hash
	return rpcErr(401, "SESSION_PASSWORD_NEEDED")
}

// passwordUserLocked is the account a key may ask the password of: the
// one it is logged in as, or the one its incomplete login waits for.
// Called with c.mu held.
func (c *Cluster) passwordUserLocked(perm *authKey) (*user, *authorization) {
	if perm == nil {
		return nil, nil
	}
	if perm.userID != 0 {
		return c.users[perm.userID], nil
	}
	if a := c.acct.auths[perm.authHash]; a != nil && a.passwordPending {
		return c.users[a.UserID], a
	}
	return nil, nil
}

// getPassword is account.getPassword: the SRP parameters with a fresh
// srp_B and srp_id each time, or has_password false.
func (c *Cluster) getPassword(d *dcServer, m inMsg) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	perm := d.permFor(m.key)
	u, _ := c.passwordUserLocked(perm)
	ver := c.passwordOf(u)
	c.mu.Unlock()
	if u == nil {
		return nil, rpcErr(401, "AUTH_KEY_UNREGISTERED")
	}
	out := &tg.AccountPassword{
		NewAlgo: &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
			Salt1: randomBytes(8), Salt2: randomBytes(16), G: srpG, P: pad256(dhPrime)},
		NewSecureAlgo: &tg.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000{Salt: randomBytes(8)},
		SecureRandom:  randomBytes(32),
	}
	if ver == nil {
		return out, nil
	}
	// B = (k*v + g^b) mod p, made outside the lock: a modular
	// exponentiation should not stall every DC.
	b, err := rand.Int(rand.Reader, new(big.Int).Sub(dhPrime, big.NewInt(2)))
	if err != nil {
		return nil, rpcErr(500, "INTERNAL")
	}
	b.Add(b, big.NewInt(1))
	B := new(big.Int).Mul(srpK(), ver.v)
	B.Add(B, new(big.Int).Exp(big.NewInt(srpG), b, dhPrime)).Mod(B, dhPrime)
	st := &srpSession{userID: u.ID, key: keyRef{DC: d.id, ID: perm.id}, ver: ver, b: b, B: pad256(B), expires: c.now().Add(srpTTL)}

	c.mu.Lock()
	if len(c.acct.srp) >= maxSRPSessions {
		c.acct.sweepLocked(c.now())
		evictOldest(c.acct.srp, func(s *srpSession) time.Time { return s.expires }, maxSRPSessions-1)
	}
	id := newNonZeroID(func(id int64) bool { return c.acct.srp[id] != nil })
	c.acct.srp[id] = st
	c.mu.Unlock()

	out.HasPassword = true
	out.CurrentAlgo = &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
		Salt1: ver.salt1, Salt2: ver.salt2, G: srpG, P: pad256(dhPrime)}
	out.SRPB, out.SRPID = st.B, id
	return out, nil
}

// checkPassword is auth.checkPassword: the client's SRP answer, checked by
// the server's own side of SRP; right, it finishes the key's login. Each
// srp_id is good for one try.
func (c *Cluster) checkPassword(d *dcServer, m inMsg, in tg.InputCheckPasswordSRPClass) (bin.Encoder, *tgerr.Error) {
	answer, ok := in.(*tg.InputCheckPasswordSRP)
	if !ok {
		return nil, rpcErr(400, "PASSWORD_HASH_INVALID")
	}
	c.mu.Lock()
	perm := d.permFor(m.key)
	st := c.acct.srp[answer.SRPID]
	delete(c.acct.srp, answer.SRPID)
	stale := st == nil || !c.now().Before(st.expires) || perm == nil || st.key != (keyRef{DC: d.id, ID: perm.id})
	changed := !stale && c.passwordOf(c.users[st.userID]) != st.ver
	c.mu.Unlock()
	switch {
	case stale:
		return nil, rpcErr(400, "SRP_ID_INVALID")
	case changed:
		return nil, rpcErr(400, "SRP_PASSWORD_CHANGED")
	case !st.verify(answer.A, answer.M1):
		return nil, rpcErr(400, "PASSWORD_HASH_INVALID")
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	u, pending := c.passwordUserLocked(perm)
	switch {
	case u == nil || u.ID != st.userID:
		// The incomplete login ended (terminated, logged out) meanwhile.
		return nil, rpcErr(401, "AUTH_KEY_UNREGISTERED")
	case pending != nil:
		return c.loginInto(d, m, u, "auth.checkPassword", pending)
	}
	return &tg.AuthAuthorization{User: userTL(u)}, nil
}

// verify checks the client's SRP answer (A, M1) by computing the server's
// side: u = H(A | B), S = (A * v^u)^b mod p, K = H(S), and
// M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K).
func (s *srpSession) verify(rawA, m1 []byte) bool {
	p := dhPrime
	A := new(big.Int).SetBytes(rawA)
	// 1 < A < p-1: A = 0 or ±1 mod p would make S known to anyone, and
	// M1 forgeable without the password.
	if len(rawA) > 256 || A.Cmp(big.NewInt(1)) <= 0 || A.Cmp(new(big.Int).Sub(p, big.NewInt(1))) >= 0 {
		return false
	}
	a := pad256(A)
	u := new(big.Int).SetBytes(srpH(a, s.B))
	if u.Sign() == 0 {
		return false
	}
	S := new(big.Int).Exp(s.ver.v, u, p)
	S.Mul(S, A).Mod(S, p).Exp(S, s.b, p)
	K := srpH(pad256(S))
	hp, hg := srpH(pad256(p)), srpH(pad256(big.NewInt(srpG)))
	for i := range hp {
		hp[i] ^= hg[i]
	}
	want := srpH(hp, srpH(s.ver.salt1), srpH(s.ver.salt2), a, s.B, K)
	return subtle.ConstantTimeCompare(want, m1) == 1
}

// newNonZeroID returns a random non-zero int64 that taken says is free.
func newNonZeroID(taken func(int64) bool) int64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		id := int64(binary.LittleEndian.Uint64(b[:]))
		if id != 0 && !taken(id) {
			return id
		}
	}
}

// evictOldest deletes the entries that expire first until m holds at most
// keep.
func evictOldest[K comparable, V any](m map[K]V, expires func(V) time.Time, keep int) {
	for len(m) > keep {
		var victim K
		var at time.Time
		first := true
		for k, v := range m {
			if e := expires(v); first || e.Before(at) {
				victim, at, first = k, e, false
			}
		}
		delete(m, victim)
	}
}
