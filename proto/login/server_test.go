package login

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/proto/dh"
)

// The local DC implements the phone login but not two-step passwords, bot
// tokens or QR login. extDC adds the server side of those over a real
// local DC connection, written from the spec (core.telegram.org/api/srp,
// /api/qr-login) independently of gotd's client, so the client's answers
// are checked by arithmetic it did not do itself. It is test code only.

// server is the state the extended DCs share, as Telegram's DCs do.
type server struct {
	mu        sync.Mutex
	passwords map[string]string // phone -> 2FA password
	pending   map[*extDC]tg.AuthAuthorizationClass
	srp       map[int64]srpState
	bots      map[int64]int // bot id -> home DC
	tokens    map[string]*qrToken
	migrated  map[string]*qrToken
	now       func() time.Time
}

type srpState struct {
	phone string
	b, v  *big.Int
	B     []byte
	s1    []byte
	s2    []byte
}

type qrToken struct {
	dc       int // where it was exported
	expires  time.Time
	user     *tg.User
	homeDC   int
	accepted bool
}

func newServer() *server {
	return &server{passwords: map[string]string{}, pending: map[*extDC]tg.AuthAuthorizationClass{},
		srp: map[int64]srpState{}, bots: map[int64]int{}, tokens: map[string]*qrToken{}, migrated: map[string]*qrToken{}, now: time.Now}
}

// extDC is one DC: the real local DC behind inner, plus server's methods.
type extDC struct {
	srv   *server
	dc    int
	inner tg.Invoker
}

func reply(out bin.Decoder, v bin.Encoder) error {
	var b bin.Buffer
	if err := v.Encode(&b); err != nil {
		return err
	}
	return out.Decode(&b)
}

func (d *extDC) Invoke(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
	s := d.srv
	switch r := in.(type) {
	case *tg.AuthSignInRequest:
		var box tg.AuthAuthorizationBox
		if err := d.inner.Invoke(ctx, in, &box); err != nil {
			return err
		}
		s.mu.Lock()
		_, has2FA := s.passwords[r.PhoneNumber]
		if has2FA {
			s.pending[d] = box.Authorization
		}
		s.mu.Unlock()
		if has2FA {
			return tgerr.New(401, "SESSION_PASSWORD_NEEDED")
		}
		return reply(out, &box)
	case *tg.AccountGetPasswordRequest:
		return reply(out, s.getPassword(d))
	case *tg.AuthCheckPasswordRequest:
		return s.checkPassword(d, r, out)
	case *tg.AuthImportBotAuthorizationRequest:
		return s.importBot(d, r, out)
	case *tg.AuthExportLoginTokenRequest:
		return s.exportLoginToken(d, out)
	case *tg.AuthImportLoginTokenRequest:
		return s.importLoginToken(d, r.Token, out)
	}
	return d.inner.Invoke(ctx, in, out)
}

// srpHash is H, and srpSH(data, salt) = H(salt | data | salt).
func srpHash(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func srpSH(data, salt []byte) []byte { return srpHash(salt, data, salt) }

func pad256(x *big.Int) []byte { return x.FillBytes(make([]byte, 256)) }

func srpX(password, s1, s2 []byte) *big.Int {
	ph1 := srpSH(srpSH(password, s1), s2)
	k, err := pbkdf2.Key(sha512.New, string(ph1), s1, 100000, 64)
	if err != nil {
		panic(err)
	}
	return new(big.Int).SetBytes(srpSH(k, s2))
}

var srpG = big.NewInt(3)

func (s *server) getPassword(d *extDC) *tg.AccountPassword {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := dh.TelegramPrime()
	s1, s2 := make([]byte, 40), make([]byte, 16)
	_, _ = rand.Read(s1)
	_, _ = rand.Read(s2)
	var phone string
	if a, ok := s.pending[d].(*tg.AuthAuthorization); ok {
		phone = a.User.(*tg.User).Phone
	}
	v := new(big.Int).Exp(srpG, srpX([]byte(s.passwords[phone]), s1, s2), p)
	b, _ := rand.Int(rand.Reader, p)
	// B = (k*v + g^b) mod p, k = H(p | g)
	k := new(big.Int).SetBytes(srpHash(pad256(p), pad256(srpG)))
	B := new(big.Int).Mul(k, v)
	B.Add(B, new(big.Int).Exp(srpG, b, p)).Mod(B, p)
	id := int64(len(s.srp) + 1)
	s.srp[id] = srpState{phone: phone, b: b, v: v, B: pad256(B), s1: s1, s2: s2}
	return &tg.AccountPassword{
		HasPassword: true, Hint: "cat", SRPID: id, SRPB: pad256(B),
		CurrentAlgo:   &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{Salt1: s1, Salt2: s2, G: 3, P: pad256(p)},
		NewAlgo:       &tg.PasswordKdfAlgoUnknown{},
		NewSecureAlgo: &tg.SecurePasswordKdfAlgoUnknown{},
		SecureRandom:  make([]byte, 32),
	}
}

func (s *server) checkPassword(d *extDC, r *tg.AuthCheckPasswordRequest, out bin.Decoder) error {
	in, ok := r.Password.(*tg.InputCheckPasswordSRP)
	if !ok {
		return tgerr.New(400, "SRP_PASSWORD_CHANGED")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.srp[in.SRPID]
	delete(s.srp, in.SRPID)
	if !ok {
		return tgerr.New(400, "SRP_ID_INVALID")
	}
	p := dh.TelegramPrime()
	A := new(big.Int).SetBytes(in.A)
	if A.Sign() <= 0 || A.Cmp(p) >= 0 {
		return tgerr.New(400, "SRP_A_INVALID")
	}
	// u = H(A | B); S = (A * v^u)^b mod p; K = H(S)
	u := new(big.Int).SetBytes(srpHash(pad256(A), st.B))
	S := new(big.Int).Exp(st.v, u, p)
	S.Mul(S, A).Mod(S, p).Exp(S, st.b, p)
	K := srpHash(pad256(S))
	hp, hg := srpHash(pad256(p)), srpHash(pad256(srpG))
	for i := range hp {
		hp[i] ^= hg[i]
	}
	m1 := srpHash(hp, srpHash(st.s1), srpHash(st.s2), pad256(A), st.B, K)
	if !bytes.Equal(m1, in.M1) {
		return tgerr.New(400, "PASSWORD_HASH_INVALID")
	}
	a := s.pending[d]
	delete(s.pending, d)
	if a == nil {
		return tgerr.New(400, "PASSWORD_HASH_INVALID")
	}
	return reply(out, &tg.AuthAuthorizationBox{Authorization: a})
}

func (s *server) importBot(d *extDC, r *tg.AuthImportBotAuthorizationRequest, out bin.Decoder) error {
	id, err := ParseBotToken(r.BotAuthToken)
	s.mu.Lock()
	home, ok := s.bots[id]
	s.mu.Unlock()
	switch {
	case err != nil || !ok:
		return tgerr.New(400, "ACCESS_TOKEN_INVALID")
	case home != d.dc:
		return tgerr.New(303, "USER_MIGRATE_"+itoa(home))
	}
	return reply(out, &tg.AuthAuthorizationBox{Authorization: &tg.AuthAuthorization{
		User: &tg.User{ID: id, Bot: true, FirstName: "demo_bot"}}})
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func (s *server) exportLoginToken(d *extDC, out bin.Decoder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, t := range s.tokens {
		if t.dc != d.dc || !t.accepted {
			continue
		}
		delete(s.tokens, tok)
		if t.homeDC != d.dc {
			s.migrated[tok] = t
			return reply(out, &tg.AuthLoginTokenBox{LoginToken: &tg.AuthLoginTokenMigrateTo{DCID: t.homeDC, Token: []byte(tok)}})
		}
		return reply(out, &tg.AuthLoginTokenBox{LoginToken: &tg.AuthLoginTokenSuccess{
			Authorization: &tg.AuthAuthorization{User: t.user}}})
	}
	tok := make([]byte, 32)
	_, _ = rand.Read(tok)
	exp := s.now().Add(30 * time.Second)
	s.tokens[string(tok)] = &qrToken{dc: d.dc, expires: exp}
	return reply(out, &tg.AuthLoginTokenBox{LoginToken: &tg.AuthLoginToken{Token: tok, Expires: int(exp.Unix())}})
}

func (s *server) importLoginToken(d *extDC, tok []byte, out bin.Decoder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.migrated[string(tok)]
	if !ok || t.homeDC != d.dc {
		return tgerr.New(400, "AUTH_TOKEN_INVALID")
	}
	delete(s.migrated, string(tok))
	return reply(out, &tg.AuthLoginTokenBox{LoginToken: &tg.AuthLoginTokenSuccess{
		Authorization: &tg.AuthAuthorization{User: t.user}}})
}

// scan accepts every live token, as a logged-in app that scanned the code
// of the user on homeDC would.
func (s *server) scan(user *tg.User, homeDC int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if s.now().Before(t.expires) {
			t.accepted, t.user, t.homeDC = true, user, homeDC
		}
	}
}
