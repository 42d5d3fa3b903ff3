package localdc

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"strings"
	"testing"

	"github.com/gotd/td/crypto/srp"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
)

// srpAnswer is gotd's client side of SRP for a getPassword answer: the
// other half of the computation the DC checks.
func srpAnswer(t testing.TB, p *tg.AccountPassword, password string) *tg.InputCheckPasswordSRP {
	t.Helper()
	in, err := auth.PasswordHash([]byte(password), p.SRPID, p.SRPB, p.SecureRandom, p.CurrentAlgo)
	if err != nil {
		t.Fatalf("client SRP: %v", err)
	}
	return in
}

// newSRPSession is what getPassword keeps for an answer, made directly.
func newSRPSession(t testing.TB, password string) (*srpSession, *tg.AccountPassword) {
	t.Helper()
	ver, err := newVerifier(password)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := rand.Int(rand.Reader, dhPrime)
	B := new(big.Int).Mul(srpK(), ver.v)
	B.Add(B, new(big.Int).Exp(big.NewInt(srpG), b, dhPrime)).Mod(B, dhPrime)
	st := &srpSession{ver: ver, b: b, B: pad256(B)}
	return st, &tg.AccountPassword{SRPID: 1, SRPB: st.B, SecureRandom: randomBytes(256),
		CurrentAlgo: &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{Salt1: ver.salt1, Salt2: ver.salt2, G: srpG, P: pad256(dhPrime)}}
}

// The DC's SRP check agrees with gotd's client on the right password and
// refuses a wrong one, a changed M1, and every A that makes the shared
// secret known without the password, even with the M1 such an A allows.
func TestSRPVerify(t *testing.T) {
	st, params := newSRPSession(t, "correct horse")
	right := srpAnswer(t, params, "correct horse")
	if !st.verify(right.A, right.M1) {
		t.Fatal("the right password was refused")
	}
	if wrong := srpAnswer(t, params, "correct hors"); st.verify(wrong.A, wrong.M1) {
		t.Fatal("a wrong password was accepted")
	}
	m1 := append([]byte(nil), right.M1...)
	m1[5] ^= 1
	if st.verify(right.A, m1) {
		t.Fatal("a changed M1 was accepted")
	}
	p := dhPrime
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	for _, tc := range []struct {
		name string
		A    []byte
		S    *big.Int // the shared secret this A forces, known to an attacker
	}{
		{"A = 0", []byte{0}, big.NewInt(0)},
		{"A = 1", []byte{1}, nil},
		{"A = p", pad256(p), big.NewInt(0)},
		{"A = p-1", pad256(pm1), nil},
		{"A over 256 bytes", append([]byte{0}, pad256(big.NewInt(5))...), nil},
	} {
		forged := right.M1
		if tc.S != nil {
			// What an attacker sends for this A: M1 over S's known value,
			// which is what a server without the check would compute.
			forged = m1For(st, tc.A, tc.S)
			if unchecked := m1For(st, tc.A, uncheckedS(st, tc.A)); string(unchecked) != string(forged) {
				t.Fatalf("%s: the forgery would not pass even unchecked; the case tests nothing", tc.name)
			}
		}
		if st.verify(tc.A, forged) {
			t.Errorf("%s was accepted", tc.name)
		}
	}
}

// m1For is M1 for a given A and shared secret S.
func m1For(st *srpSession, rawA []byte, S *big.Int) []byte {
	p := dhPrime
	A := pad256(new(big.Int).SetBytes(rawA))
	hp, hg := srpH(pad256(p)), srpH(pad256(big.NewInt(srpG)))
	for i := range hp {
		hp[i] ^= hg[i]
	}
	return srpH(hp, srpH(st.ver.salt1), srpH(st.ver.salt2), A, st.B, srpH(pad256(S)))
}

// uncheckedS is the server's S = (A * v^u)^b mod p with no check of A.
func uncheckedS(st *srpSession, rawA []byte) *big.Int {
	p := dhPrime
	A := new(big.Int).SetBytes(rawA)
	u := new(big.Int).SetBytes(srpH(pad256(new(big.Int).Mod(A, p)), st.B))
	S := new(big.Int).Exp(st.ver.v, u, p)
	return S.Mul(S, A).Mod(S, p).Exp(S, st.b, p)
}

// gotd's srp package computes the same verifier v = g^x as the DC.
func TestSRPVerifierMatchesGotd(t *testing.T) {
	ver, err := newVerifier("pässword")
	if err != nil {
		t.Fatal(err)
	}
	algo := srp.Input{Salt1: ver.salt1, Salt2: ver.salt2, G: srpG, P: pad256(dhPrime)}
	hash, newSalt, err := srp.NewSRP(rand.Reader).NewHash([]byte("pässword"), algo)
	if err != nil {
		t.Fatal(err)
	}
	// NewHash appends its own 32 bytes to salt1: recompute ours with it.
	x, err := srpX("pässword", newSalt, ver.salt2)
	if err != nil {
		t.Fatal(err)
	}
	if v := new(big.Int).Exp(big.NewInt(srpG), x, dhPrime); new(big.Int).SetBytes(hash).Cmp(v) != 0 {
		t.Fatal("the DC's verifier differs from gotd's new_password_hash")
	}
}

func (a *acctClient) getPassword() *tg.AccountPassword {
	a.t.Helper()
	// account.password of layers 133..144 is 229's without its last
	// field, login_email_pattern (flags.6), which the DC never sets.
	r := a.call(&tg.AccountGetPasswordRequest{})
	if r.rpcErr != nil || len(r.result) < 4 {
		a.t.Fatalf("account.getPassword: %+v", r)
	}
	checkPublished(a.t, "account.password", a.layer, binary.LittleEndian.Uint32(r.result))
	binary.LittleEndian.PutUint32(r.result, tg.AccountPasswordTypeID)
	var p tg.AccountPassword
	r.decode(a.t, &p)
	return &p
}

func (a *acctClient) checkPassword(in tg.InputCheckPasswordSRPClass) answer {
	a.t.Helper()
	return a.call(&tg.AuthCheckPasswordRequest{Password: in})
}

// TestTwoStepLogin: an account with a --password signs in with the code
// and then SRP: 401 SESSION_PASSWORD_NEEDED, account.getPassword (fresh
// srp_B and srp_id each time), auth.checkPassword. A wrong password is
// PASSWORD_HASH_INVALID, a used or foreign srp_id SRP_ID_INVALID. Until
// the password, the session is listed as an incomplete login, which
// another session may end. A QR login into the account needs the
// password too.
func TestTwoStepLogin(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		const phone, plain = "9996620501", "9996620502"
		c := startCluster(t, Config{Passwords: map[string]string{"+99966 2 0501": "correct horse"}})
		// A new number signs up without being asked for the password.
		first := newAcctClient(t, c, 2, layer, phoneDevice)
		u := first.mustSignIn(phone)

		second := newAcctClient(t, c, 2, layer, desktopDevice)
		if got := second.signIn(phone); got.errType() != "SESSION_PASSWORD_NEEDED" || got.rpcErr.Code != 401 {
			t.Fatalf("sign-in of a 2FA account: %+v", got)
		}
		if got := second.self(); got != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("before the password: %q", got)
		}
		if list := first.authorizations(); len(list) != 2 || !list[1].PasswordPending {
			t.Fatalf("sessions while the password is due: %+v, want an incomplete login", list)
		}
		p1, p2 := second.getPassword(), second.getPassword()
		algo, ok := p1.CurrentAlgo.(*tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow)
		if !p1.HasPassword || !ok || algo.G != 3 || new(big.Int).SetBytes(algo.P).Cmp(dhPrime) != 0 || len(algo.Salt1) != 40 ||
			len(algo.Salt2) != 16 || len(p1.SRPB) != 256 || p1.SRPID == 0 || len(p1.SecureRandom) != 32 {
			t.Fatalf("account.password %+v", p1)
		}
		if p1.SRPID == p2.SRPID || string(p1.SRPB) == string(p2.SRPB) {
			t.Fatal("two getPassword answers share srp_id or srp_B")
		}
		if got := second.checkPassword(srpAnswer(t, p1, "Correct horse")).errType(); got != "PASSWORD_HASH_INVALID" {
			t.Fatalf("wrong password: %q", got)
		}
		if got := second.checkPassword(srpAnswer(t, p1, "correct horse")).errType(); got != "SRP_ID_INVALID" {
			t.Fatalf("an srp_id used once already: %q", got)
		}
		if got := second.checkPassword(&tg.InputCheckPasswordEmpty{}).errType(); got != "PASSWORD_HASH_INVALID" {
			t.Fatalf("no password: %q", got)
		}
		// Another key cannot use this key's SRP exchange.
		third := newAcctClient(t, c, 2, layer, scriptDevice)
		if got := third.signIn(phone).errType(); got != "SESSION_PASSWORD_NEEDED" {
			t.Fatalf("third sign-in: %q", got)
		}
		if got := third.checkPassword(srpAnswer(t, p2, "correct horse")).errType(); got != "SRP_ID_INVALID" {
			t.Fatalf("another key's srp_id: %q", got)
		}
		u2 := decodeAuthorization(t, second.checkPassword(srpAnswer(t, second.getPassword(), "correct horse")), layer)
		if u2.ID != u.ID {
			t.Fatalf("logged in as %+v", u2)
		}
		if got := second.self(); got != "" {
			t.Fatalf("after the password: %q", got)
		}
		// The third's incomplete login is ended by another session; its
		// SRP can no longer finish it.
		list := first.authorizations()
		if len(list) != 3 {
			t.Fatalf("sessions: %+v", list)
		}
		var pending int64
		for _, a := range list {
			if a.PasswordPending {
				pending = a.Hash
			}
			if a.DeviceModel == "Desktop" && a.PasswordPending {
				t.Errorf("the finished login is still pending: %+v", a)
			}
		}
		p3 := third.getPassword()
		mustTrue(t, "ending an incomplete login", resetOne(first, pending))
		if a := third.checkPassword(srpAnswer(t, p3, "correct horse")); a.transport != 404 {
			t.Fatalf("the ended login's temporary key: %+v, want -404", a)
		}
		third.rebind()
		if got := third.checkPassword(srpAnswer(t, p3, "correct horse")).errType(); got != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("the right password for an ended login: %q", got)
		}
		if got := third.call(&tg.AccountGetPasswordRequest{}).errType(); got != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("getPassword after the incomplete login ended: %q", got)
		}

		// An account without a password: none, and the parameters to set one.
		nopw := newAcctClient(t, c, 2, layer, phoneDevice)
		nopw.mustSignIn(plain)
		if p := nopw.getPassword(); p.HasPassword || p.SRPID != 0 || p.NewAlgo == nil || p.NewSecureAlgo == nil {
			t.Fatalf("account.password without a password: %+v", p)
		}

		// QR into the 2FA account: the token is accepted, the device asked
		// for the password, and the password finishes the login.
		device := newAcctClient(t, c, 2, layer, desktopDevice)
		tok := device.mustExportToken(t)
		first.accept(tok.Token).decode(t, &tg.Authorization{})
		awaitLoginTokenUpdate(t, device)
		if got := device.exportLoginToken().errType(); got != "SESSION_PASSWORD_NEEDED" {
			t.Fatalf("QR into a 2FA account: %q", got)
		}
		decodeAuthorization(t, device.checkPassword(srpAnswer(t, device.getPassword(), "correct horse")), layer)
		if got := device.self(); got != "" {
			t.Fatalf("QR + password: %q", got)
		}
	})
}

func TestPasswordsConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string]string
		want string
	}{
		{"not a test phone", map[string]string{"12345": "x"}, "not a test phone"},
		{"a DC the cluster lacks", map[string]string{"9996650001": "x"}, "DCs 1..3"},
		{"empty", map[string]string{"9996620001": ""}, "1..256 bytes"},
		{"too long", map[string]string{"9996620001": strings.Repeat("x", 257)}, "1..256 bytes"},
		{"twice", map[string]string{"9996620001": "secret-one", "+99966 2 0001": "secret-two"}, "given twice"},
	} {
		_, err := newVerifiers(tc.in, 3)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v, want an error with %q and no password", tc.name, err, tc.want)
		}
	}
	if v, err := newVerifiers(map[string]string{"+99966 3 0001": "pw"}, 3); err != nil || v["9996630001"] == nil {
		t.Fatalf("a good password: %v, %v", v, err)
	}
}
