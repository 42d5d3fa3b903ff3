package localdc

import (
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
)

// sessionMethodIDs are the methods of the sessions, QR login and 2FA,
// which FuzzSessionMethods picks from.
var sessionMethodIDs = func() []uint32 {
	var ids []uint32
	for _, set := range [][]method{authorizationMethods, loginTokenMethods, passwordMethods} {
		for _, m := range set {
			ids = append(ids, m.id)
		}
	}
	return ids
}()

// FuzzSessionMethods feeds any body to the methods of sessions, QR login
// and 2FA, called by a logged-in key of an account with a password and an
// SRP exchange under way: no input may panic, or log the key in as
// another account.
func FuzzSessionMethods(f *testing.F) {
	fc := newFuzzConn(f)
	c, d := fc.s.c, fc.s.c.dc(1)
	ver, err := newVerifiers(map[string]string{"9996610001": "pw"}, 2)
	if err != nil {
		f.Fatal(err)
	}
	c.acct.passwords = ver
	u := &user{ID: firstUserID, Phone: "9996610001", FirstName: "F", HomeDC: 1}
	c.users[u.ID], c.phones[u.Phone] = u, u.ID
	relogin := func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if fc.perm.userID == 0 {
			c.attachLocked(d, fc.perm, u, c.newAuthorizationLocked(u, nil), "fuzz")
		}
	}
	relogin()
	var pw tg.AccountPassword
	if res, e := c.getPassword(d, inMsg{key: fc.temp}); e != nil {
		f.Fatal(e)
	} else if err := pw.Decode(&bin.Buffer{Buf: encode(f, res)}); err != nil {
		f.Fatal(err)
	}
	for i, seed := range []bin.Encoder{
		&tg.AccountGetAuthorizationsRequest{},
		&tg.AccountResetAuthorizationRequest{Hash: 1},
		&tg.AuthResetAuthorizationsRequest{},
		&tg.AuthLogOutRequest{},
		&tg.AuthExportLoginTokenRequest{APIID: 1, APIHash: "x", ExceptIDs: []int64{1}},
		&tg.AuthAcceptLoginTokenRequest{Token: make([]byte, 32)},
		&tg.AuthImportLoginTokenRequest{Token: make([]byte, 32)},
		&tg.AccountGetPasswordRequest{},
		&tg.AuthCheckPasswordRequest{Password: &tg.InputCheckPasswordSRP{SRPID: pw.SRPID, A: pad256(dhPrime), M1: make([]byte, 32)}},
		&tg.AuthCheckPasswordRequest{Password: &tg.InputCheckPasswordSRP{SRPID: pw.SRPID, A: []byte{2}, M1: make([]byte, 32)}},
	} {
		f.Add(uint8(i), encode(f, seed)[4:])
	}
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		relogin()
		id := sessionMethodIDs[int(pick)%len(sessionMethodIDs)]
		var b bin.Buffer
		b.PutID(id)
		b.Put(body)
		m := inMsg{key: fc.temp, sess: &session{id: 1}, msgID: int64(proto.NewMessageID(time.Now(), proto.MessageFromClient)), seqNo: 1, body: b.Buf}
		_, _, _ = fc.s.api(m, id, &bin.Buffer{Buf: b.Buf}, nil)
		c.mu.Lock()
		defer c.mu.Unlock()
		if fc.perm.userID != 0 && fc.perm.userID != u.ID {
			t.Fatalf("the key is logged in as %d", fc.perm.userID)
		}
	})
}

// FuzzSRPVerify: no (A, M1) a client sends passes the DC's SRP check
// without the password; the right answer does.
func FuzzSRPVerify(f *testing.F) {
	st, params := newSRPSession(f, "pw")
	right := srpAnswer(f, params, "pw")
	f.Add(right.A, right.M1)
	f.Add([]byte{0}, make([]byte, 32))
	f.Add(pad256(dhPrime), make([]byte, 32))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, A, m1 []byte) {
		ok := st.verify(A, m1)
		if ok && (string(A) != string(right.A) || string(m1) != string(right.M1)) {
			t.Fatalf("accepted A %x, M1 %x without the password", A, m1)
		}
	})
}
