package localdc

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// loginTokenAnswer is what auth.exportLoginToken or importLoginToken
// answered: one of a token, a migration, or the login's user.
type loginTokenAnswer struct {
	token   *tg.AuthLoginToken
	migrate *tg.AuthLoginTokenMigrateTo
	user    *tg.User
}

func decodeLoginToken(t *testing.T, a answer, layer int) loginTokenAnswer {
	t.Helper()
	if a.rpcErr != nil || a.transport != 0 {
		t.Fatalf("want an auth.LoginToken, got %+v", a)
	}
	switch binary.LittleEndian.Uint32(a.result) {
	case tg.AuthLoginTokenSuccessTypeID:
		return loginTokenAnswer{user: decodeAuthorization(t, answer{result: a.result[4:]}, layer)}
	case tg.AuthLoginTokenTypeID:
		var tok tg.AuthLoginToken
		a.decode(t, &tok)
		return loginTokenAnswer{token: &tok}
	case tg.AuthLoginTokenMigrateToTypeID:
		var m tg.AuthLoginTokenMigrateTo
		a.decode(t, &m)
		return loginTokenAnswer{migrate: &m}
	}
	t.Fatalf("answer %#08x is no auth.LoginToken", binary.LittleEndian.Uint32(a.result))
	return loginTokenAnswer{}
}

func (a *acctClient) exportLoginToken(except ...int64) answer {
	a.t.Helper()
	return a.call(&tg.AuthExportLoginTokenRequest{APIID: a.dev.apiID, APIHash: "x", ExceptIDs: except})
}

func (a *acctClient) mustExportToken(t *testing.T) *tg.AuthLoginToken {
	t.Helper()
	r := decodeLoginToken(t, a.exportLoginToken(), a.layer)
	if r.token == nil {
		t.Fatalf("export: %+v, want a new token", r)
	}
	return r.token
}

func (a *acctClient) accept(token []byte) answer {
	a.t.Helper()
	return a.call(&tg.AuthAcceptLoginTokenRequest{Token: token})
}

// awaitLoginTokenUpdate reads the client's connection until the DC pushes
// updateShort(updateLoginToken), which nobody asked for.
func awaitLoginTokenUpdate(t *testing.T, a *acctClient) {
	t.Helper()
	isUpdate := func(m *crypto.EncryptedMessageData) bool {
		b := &bin.Buffer{Buf: m.Data()}
		var u tg.UpdateShort
		if id, _ := b.PeekID(); id != tg.UpdateShortTypeID || u.Decode(b) != nil {
			return false
		}
		_, ok := u.Update.(*tg.UpdateLoginToken)
		return ok && m.SeqNo%2 == 1
	}
	for _, m := range a.skipped {
		if isUpdate(m) {
			return
		}
	}
	for {
		m, code, err := a.recv()
		if err != nil || code != 0 {
			t.Fatalf("waiting for updateLoginToken: %v (transport %d)", err, code)
		}
		if isUpdate(m) {
			return
		}
	}
}

// TestQRLogin: a new device on DC 2 exports a token, a logged-in session of
// an account on DC 3 accepts it (the new session's authorization), the
// device is told by a pushed updateLoginToken, exports again and is sent
// to DC 3 (loginTokenMigrateTo), where a new key imports the token and is
// logged in. The same on one DC ends in loginTokenSuccess. Each token is
// good once and for 30 seconds.
func TestQRLogin(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		clock := &testClock{}
		c := startCluster(t, Config{Now: clock.Now})
		log := recordEvents(t, c)
		owner := newAcctClient(t, c, 3, layer, phoneDevice)
		ownerUser := owner.mustSignIn("9996630401")

		device := newAcctClient(t, c, 2, layer, desktopDevice)
		first := device.mustExportToken(t)
		if len(first.Token) != loginTokenLen {
			t.Fatalf("token of %d bytes", len(first.Token))
		}
		if left := time.Until(time.Unix(int64(first.Expires), 0)); left < 20*time.Second || left > 31*time.Second {
			t.Errorf("token expires in %v of server time, want about 30s", left)
		}
		tok := device.mustExportToken(t)
		if string(tok.Token) == string(first.Token) {
			t.Fatal("a second export gave the same token")
		}
		if got := owner.accept(first.Token).errType(); got != "AUTH_TOKEN_INVALIDX" {
			t.Fatalf("accepting a token the device replaced: %q", got)
		}

		var session tg.Authorization
		owner.accept(tok.Token).decode(t, &session)
		if session.Hash == 0 || session.Current || session.DeviceModel != "Desktop" || session.AppName != "Telegram Desktop" || session.APIID != 2040 {
			t.Errorf("the accepted session %+v: want the exporting device's", session)
		}
		awaitLoginTokenUpdate(t, device)
		if got := owner.accept(tok.Token).errType(); got != "AUTH_TOKEN_ALREADY_ACCEPTED" {
			t.Errorf("accepting twice: %q", got)
		}

		again := decodeLoginToken(t, device.exportLoginToken(), layer)
		if again.migrate == nil || again.migrate.DCID != 3 || string(again.migrate.Token) != string(tok.Token) {
			t.Fatalf("export after the accept: %+v, want loginTokenMigrateTo DC 3", again)
		}
		if got := device.call(&tg.AuthImportLoginTokenRequest{Token: []byte("nonsense")}).errType(); got != "AUTH_TOKEN_INVALID" {
			t.Errorf("importing an unknown token: %q", got)
		}
		moved := newAcctClient(t, c, 3, layer, desktopDevice)
		done := decodeLoginToken(t, moved.call(&tg.AuthImportLoginTokenRequest{Token: again.migrate.Token}), layer)
		if done.user == nil || done.user.ID != ownerUser.ID {
			t.Fatalf("import on DC 3: %+v, want loginTokenSuccess as %d", done, ownerUser.ID)
		}
		if got := moved.call(&tg.AuthImportLoginTokenRequest{Token: again.migrate.Token}).errType(); got != "AUTH_TOKEN_ALREADY_ACCEPTED" {
			t.Errorf("importing twice: %q", got)
		}
		if got, there := moved.self(), device.self(); got != "" || there != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("after the import: the DC 3 key %q, the DC 2 key %q", got, there)
		}
		list := owner.authorizations()
		if len(list) != 2 || hashOf(t, list, desktopDevice) != session.Hash {
			t.Fatalf("sessions after the QR login: %+v, want the accepted one by its hash", list)
		}
		for _, in := range c.Authorizations(ownerUser.ID) {
			if in.Hash == session.Hash && (in.Home != KeyRef{DC: 3, ID: moved.permID()} || len(in.Keys) != 1) {
				t.Errorf("the QR session holds %+v, want the key that imported the token", in)
			}
		}
		log.waitFor(t, "the QR login", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvLogin && ev.KeyID == moved.permID() && ev.UserID == ownerUser.ID
		})

		// An account on the device's own DC: loginTokenSuccess at once.
		local := newAcctClient(t, c, 2, layer, phoneDevice)
		localUser := local.mustSignIn("9996620401")
		tok = device.mustExportToken(t)
		local.accept(tok.Token).decode(t, &tg.Authorization{})
		awaitLoginTokenUpdate(t, device)
		if r := decodeLoginToken(t, device.exportLoginToken(), layer); r.user == nil || r.user.ID != localUser.ID {
			t.Fatalf("export after the accept on the same DC: %+v, want loginTokenSuccess", r)
		}
		if got := device.self(); got != "" {
			t.Fatalf("the device after loginTokenSuccess: %q", got)
		}

		// Expired, excepted, and accepted by nobody logged in.
		other := newAcctClient(t, c, 2, layer, scriptDevice)
		tok = other.mustExportToken(t)
		clock.add(loginTokenTTL + time.Second)
		if got := owner.accept(tok.Token).errType(); got != "AUTH_TOKEN_EXPIRED" {
			t.Errorf("accepting an expired token: %q", got)
		}
		r := decodeLoginToken(t, other.exportLoginToken(ownerUser.ID), layer)
		if got := owner.accept(r.token.Token).errType(); got != "AUTH_TOKEN_EXCEPTION" {
			t.Errorf("accepting as an account the device listed in except_ids: %q", got)
		}
		tok = other.mustExportToken(t)
		stranger := newAcctClient(t, c, 2, layer, scriptDevice)
		if got := stranger.accept(tok.Token).errType(); got != "AUTH_KEY_UNREGISTERED" {
			t.Errorf("accepting while logged out: %q", got)
		}
		if got := other.call(&tg.AuthExportLoginTokenRequest{APIID: 0, APIHash: "x"}).errType(); got != "API_ID_INVALID" {
			t.Errorf("export with api_id 0: %q", got)
		}
	})
}

// TestLiveSessionsBounded: the push registry keeps a connection under a
// bounded number of keys, a key on a bounded number of connections, and
// forgets a connection when it closes.
func TestLiveSessionsBounded(t *testing.T) {
	l := newLiveSessions()
	d := &dcServer{id: 2}
	conns := make([]*serverConn, maxLiveConnsPerKey+3)
	for i := range conns {
		conns[i] = &serverConn{d: d}
	}
	k := &authKey{id: 7}
	for _, s := range conns {
		l.note(s, k, &session{id: 1})
	}
	if got := len(l.targets([]keyRef{{DC: 2, ID: 7}})); got != maxLiveConnsPerKey {
		t.Fatalf("key on %d connections, want at most %d", got, maxLiveConnsPerKey)
	}
	s := conns[0]
	for i := range maxLiveKeysPerConn + 5 {
		l.note(s, &authKey{id: model.KeyID(100 + i)}, &session{id: 1})
	}
	if got := len(l.byConn[s]); got != maxLiveKeysPerConn {
		t.Fatalf("connection under %d keys, want at most %d", got, maxLiveKeysPerConn)
	}
	// The same key's new session replaces the old on a connection.
	newest := &session{id: 2}
	l.note(conns[1], k, newest)
	for _, tg := range l.targets([]keyRef{{DC: 2, ID: 7}}) {
		if tg.conn == conns[1] && tg.sess != newest {
			t.Fatal("a connection's newer session did not replace the older")
		}
	}
	for _, s := range conns {
		l.drop(s)
	}
	if len(l.byKey) != 0 || len(l.byConn) != 0 {
		t.Fatalf("after every connection closed: %d keys, %d connections remembered", len(l.byKey), len(l.byConn))
	}
}
