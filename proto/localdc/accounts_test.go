package localdc

import (
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// withLayer wraps req as clients do: invokeWithLayer(layer, initConnection(req)).
func withLayer(layer int, req bin.Object) bin.Encoder {
	return &tg.InvokeWithLayerRequest{Layer: layer, Query: &tg.InitConnectionRequest{
		APIID: 17349, DeviceModel: "test", SystemVersion: "test", AppVersion: "1", SystemLangCode: "en", LangCode: "en",
		Query: req}}
}

// decodeAuthorization reads auth.authorization as a client of layer (0:
// 229) reads it, and returns its user.
func decodeAuthorization(t *testing.T, a answer, layer int) *tg.User {
	t.Helper()
	if a.rpcErr != nil || a.transport != 0 {
		t.Fatalf("want auth.authorization, got %+v", a)
	}
	return readAuthorizationIn(t, a.result, layer)
}

func TestLoginExportImport(t *testing.T) {
	clock := &testClock{}
	c := startCluster(t, Config{Now: clock.Now})
	log := recordEvents(t, c)
	const phone = "9996612345"

	// DC 1, over a bound temporary key, speaking layer 199.
	p1 := newPFSClient(t, c, 1, time.Hour)
	p1.mustBind(t)
	var sent tg.AuthSentCode
	p1.call(withLayer(199, &tg.AuthSendCodeRequest{PhoneNumber: "+" + phone, APIID: 1, APIHash: "x"})).decode(t, &sent)
	if sent.PhoneCodeHash == "" {
		t.Fatal("no phone_code_hash")
	}
	signIn := func(code string) answer {
		return p1.call(&tg.AuthSignInRequest{PhoneNumber: phone, PhoneCodeHash: sent.PhoneCodeHash, PhoneCode: code})
	}
	if got := signIn("22222").errType(); got != "PHONE_CODE_INVALID" {
		t.Fatalf("wrong code: %q", got)
	}
	var need tg.AuthAuthorizationBox
	signIn("11111").decode(t, &need)
	if _, ok := need.Authorization.(*tg.AuthAuthorizationSignUpRequired); !ok {
		t.Fatalf("new number: %T, want auth.authorizationSignUpRequired", need.Authorization)
	}
	u := decodeAuthorization(t, p1.call(&tg.AuthSignUpRequest{PhoneNumber: phone, PhoneCodeHash: sent.PhoneCodeHash, FirstName: "Ada"}), 199)
	if !u.Self || u.Phone != phone || u.FirstName != "Ada" {
		t.Fatalf("user %+v", u)
	}
	login := log.waitFor(t, "login", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvLogin })
	if login.KeyID != model.KeyID(p1.perm.IntID()) || login.UserID != u.ID {
		t.Fatalf("login event %+v: the login belongs to the permanent key", login)
	}
	perms := c.PermKeys(1)
	if len(perms) != 1 || perms[0].UserID != u.ID {
		t.Fatalf("perm keys %+v", perms)
	}

	// users.getUsers / getFullUser for self, in the connection's layer.
	a := p1.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}})
	vb := &bin.Buffer{Buf: a.result}
	if n, err := vb.VectorHeader(); err != nil || n != 1 {
		t.Fatalf("users.getUsers: %d users, %v (%+v)", n, err, a)
	}
	if got := readUserIn(t, vb, 199); got.ID != u.ID {
		t.Fatalf("users.getUsers: %+v", got)
	}
	var full tg.UsersUserFull
	p1.call(withLayer(229, &tg.UsersGetFullUserRequest{ID: &tg.InputUserSelf{}})).decode(t, &full)
	if full.FullUser.ID != u.ID || len(full.Users) != 1 {
		t.Fatalf("users.getFullUser: %+v", full)
	}

	// The number lives on DC 1: DC 2 sends the client there.
	p2 := newPFSClient(t, c, 2, time.Hour)
	p2.mustBind(t)
	if got := p2.call(&tg.AuthSendCodeRequest{PhoneNumber: phone, APIID: 1, APIHash: "x"}).errType(); got != "PHONE_MIGRATE_1" {
		t.Fatalf("sendCode on dc 2: %q", got)
	}
	if got := p2.call(&tg.AuthSendCodeRequest{PhoneNumber: "12345", APIID: 1, APIHash: "x"}).errType(); got != "PHONE_NUMBER_INVALID" {
		t.Fatalf("sendCode for a non-test number: %q", got)
	}

	// Export errors.
	for _, dc := range []int{1, 0, 4, -1} {
		if got := p1.call(&tg.AuthExportAuthorizationRequest{DCID: dc}).errType(); got != "DC_ID_INVALID" {
			t.Fatalf("export to dc %d: %q", dc, got)
		}
	}
	if got := p2.call(&tg.AuthExportAuthorizationRequest{DCID: 1}).errType(); got != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("export when not logged in: %q", got)
	}

	var exp tg.AuthExportedAuthorization
	p1.call(&tg.AuthExportAuthorizationRequest{DCID: 2}).decode(t, &exp)
	if exp.ID != u.ID || len(exp.Bytes) == 0 {
		t.Fatalf("exported %+v", exp)
	}
	importAs := func(p *pfsClient, id int64, b []byte) answer {
		return p.call(&tg.AuthImportAuthorizationRequest{ID: id, Bytes: b})
	}
	wrong := append([]byte(nil), exp.Bytes...)
	wrong[0] ^= 1
	if got := importAs(p2, exp.ID, wrong).errType(); got != "AUTH_BYTES_INVALID" {
		t.Fatalf("import with wrong bytes: %q", got)
	}
	if got := importAs(p2, exp.ID+1, exp.Bytes).errType(); got != "USER_ID_INVALID" {
		t.Fatalf("import with the wrong user id: %q", got)
	}
	// An unbound temporary key may not import.
	p2u := newTempClient(t, c, 2, time.Hour, p2.perm, p2.permSalt, nil)
	if got := importAs(p2u, exp.ID, exp.Bytes).errType(); got != "AUTH_KEY_PERM_EMPTY" {
		t.Fatalf("import on an unbound temp key: %q", got)
	}
	if got := decodeAuthorization(t, importAs(p2, exp.ID, exp.Bytes), 0); got.ID != u.ID {
		t.Fatalf("imported user %+v", got)
	}
	log.waitFor(t, "import", func(ev model.ServerEvent) bool {
		return ev.Kind == model.SrvImport && ev.DC == 2 && ev.KeyID == model.KeyID(p2.perm.IntID())
	})
	if got := importAs(p2, exp.ID, exp.Bytes).errType(); got != "AUTH_BYTES_INVALID" {
		t.Fatalf("import of used bytes: %q", got)
	}
	p2.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).decode(t, &tg.UserClassVector{})

	// Bytes for DC 3 do not work on DC 2, and bytes expire.
	p1.call(&tg.AuthExportAuthorizationRequest{DCID: 3}).decode(t, &exp)
	if got := importAs(p2, exp.ID, exp.Bytes).errType(); got != "AUTH_BYTES_INVALID" {
		t.Fatalf("import of bytes for dc 3 on dc 2: %q", got)
	}
	p1.call(&tg.AuthExportAuthorizationRequest{DCID: 2}).decode(t, &exp)
	clock.add(exportTTL + time.Second)
	if got := importAs(p2, exp.ID, exp.Bytes).errType(); got != "AUTH_BYTES_INVALID" {
		t.Fatalf("import of expired bytes: %q", got)
	}

	// Log out on DC 2 (the key the login was imported to): DC 1 stays
	// logged in. The logged-out key's temporary keys went with its login:
	// -404, and a new one bound to it finds the key logged out.
	var out tg.AuthLoggedOut
	p2.call(&tg.AuthLogOutRequest{}).decode(t, &out)
	if a := p2.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}); a.transport != 404 {
		t.Fatalf("the logged-out key's temporary key after logOut: %+v, want -404", a)
	}
	p2 = newTempClient(t, c, 2, time.Hour, p2.perm, p2.permSalt, nil)
	p2.mustBind(t)
	if got := p2.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).errType(); got != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("after logOut: %q", got)
	}
	if got := p2.call(&tg.AuthLogOutRequest{}).errType(); got != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("second logOut: %q", got)
	}
	p1.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).decode(t, &tg.UserClassVector{})
}
