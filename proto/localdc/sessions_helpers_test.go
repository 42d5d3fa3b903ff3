package localdc

import (
	"context"
	"crypto/rsa"
	"strconv"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/handshake"
)

// accountLayers are the API layers the tests of sessions, QR login and 2FA
// run in, each test once per layer: Telethon 1.25's 144, GramJS 2.26's 198
// and gotd's 229.
var accountLayers = []int{144, 198, tg.Layer}

// forLayers runs f once per layer of accountLayers.
func forLayers(t *testing.T, f func(t *testing.T, layer int)) {
	for _, layer := range accountLayers {
		t.Run("layer "+strconv.Itoa(layer), func(t *testing.T) { f(t, layer) })
	}
}

// device is what a test client says about itself in initConnection.
type device struct {
	model, system, app, langPack string
	apiID                        int
}

var (
	phoneDevice   = device{model: "Pixel 8", system: "SDK 34", app: "11.2.3", langPack: "android", apiID: 6}
	desktopDevice = device{model: "Desktop", system: "Windows 11", app: "5.9", langPack: "tdesktop", apiID: 2040}
	scriptDevice  = device{model: "script", system: "linux", app: "0.1", apiID: 12345}
)

// acctClient is a raw PFS client (a permanent key and a temporary key
// bound to it) that wraps every call as its device would, in one layer.
type acctClient struct {
	*pfsClient
	t     testing.TB
	c     *Cluster
	dc    int
	layer int
	dev   device
}

func newAcctClient(t testing.TB, c *Cluster, dc, layer int, dev device) *acctClient {
	t.Helper()
	rc := dialRaw(t, c.Addr(dc))
	perm, permSalt := quickKey(t, rc, dc, 0)
	a := &acctClient{t: t, c: c, dc: dc, layer: layer, dev: dev}
	a.pfsClient = quickTempClient(t, rc, dc, perm, permSalt)
	return a
}

// quickKey makes a key on rc's connection with tgpfs's own handshake,
// which proves the DC's dh_prime once per process: these tests make many
// keys, and gotd's exchange (which the key exchange tests use) proves the
// prime again for each one, as a client should.
func quickKey(t testing.TB, rc *rawClient, dc int, ttl time.Duration) (crypto.AuthKey, int64) {
	t.Helper()
	kind := model.Permanent
	if ttl > 0 {
		kind = model.Temporary
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := handshake.Run(ctx, rc.conn, handshake.Config{Kind: kind, DC: dc, ExpiresIn: ttl, Keys: []*rsa.PublicKey{&TestPrivateKey().PublicKey}})
	if err != nil {
		t.Fatalf("key exchange on dc %d: %v", dc, err)
	}
	return res.Key, res.Salt
}

// quickTempClient makes an hour's temporary key on rc and binds it to perm.
func quickTempClient(t testing.TB, rc *rawClient, dc int, perm crypto.AuthKey, permSalt int64) *pfsClient {
	t.Helper()
	temp, tempSalt := quickKey(t, rc, dc, time.Hour)
	rc.use(temp, tempSalt)
	p := &pfsClient{rawClient: rc, perm: perm, permSalt: permSalt, temp: temp, tempSalt: tempSalt, expiresAt: int(time.Now().Add(time.Hour).Unix())}
	p.mustBind(t)
	return p
}

// call sends req as invokeWithLayer(layer, initConnection(device, req)).
func (a *acctClient) call(req bin.Object) answer {
	a.t.Helper()
	return a.pfsClient.call(&tg.InvokeWithLayerRequest{Layer: a.layer, Query: &tg.InitConnectionRequest{
		APIID: a.dev.apiID, DeviceModel: a.dev.model, SystemVersion: a.dev.system, AppVersion: a.dev.app,
		SystemLangCode: "en", LangPack: a.dev.langPack, LangCode: "en", Query: req}})
}

// rebind switches the client to a new temporary key bound to its
// permanent key, on a new connection, as a client does after -404.
func (a *acctClient) rebind() {
	a.t.Helper()
	a.pfsClient = quickTempClient(a.t, dialRaw(a.t, a.c.Addr(a.dc)), a.dc, a.perm, a.permSalt)
}

func (a *acctClient) permID() model.KeyID { return model.KeyID(a.perm.IntID()) }

// signIn runs sendCode and signIn with the test phone's code, signing the
// number up when it has no account, each call written as the client's
// layer writes it (callsOf); it returns the last answer.
func (a *acctClient) signIn(phone string) answer {
	a.t.Helper()
	lc := callsOf(a.layer)
	var sent tg.AuthSentCode
	a.call(lc.sendCode(a.t, phone, "")).decode(a.t, &sent)
	res := a.call(lc.signIn(a.t, phone, sent.PhoneCodeHash))
	if res.rpcErr == nil {
		var box tg.AuthAuthorizationBox
		if err := box.Decode(&bin.Buffer{Buf: res.result}); err == nil {
			if _, up := box.Authorization.(*tg.AuthAuthorizationSignUpRequired); up {
				return a.call(lc.signUp(a.t, phone, sent.PhoneCodeHash))
			}
		}
	}
	return res
}

// mustSignIn signs in and checks the result is the account's user.
func (a *acctClient) mustSignIn(phone string) *tg.User {
	a.t.Helper()
	t := a.t.(*testing.T)
	u := decodeAuthorization(t, a.signIn(phone), a.layer)
	if u.Phone != phone {
		a.t.Fatalf("signed in as %+v, want %s", u, phone)
	}
	return u
}

// authorizations is account.getAuthorizations.
func (a *acctClient) authorizations() []tg.Authorization {
	a.t.Helper()
	var out tg.AccountAuthorizations
	a.call(&tg.AccountGetAuthorizationsRequest{}).decode(a.t, &out)
	if out.AuthorizationTTLDays != authorizationTTLDays {
		a.t.Fatalf("authorization_ttl_days %d", out.AuthorizationTTLDays)
	}
	return out.Authorizations
}

// self is users.getUsers(inputUserSelf): "" when logged in, else the
// error type, or "-404" for a key the DC forgot.
func (a *acctClient) self() string {
	a.t.Helper()
	r := a.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}})
	if r.transport != 0 {
		return "-" + strconv.Itoa(int(r.transport))
	}
	return r.errType()
}

// hashOf returns the hash the list gives the session whose device is dev.
func hashOf(t testing.TB, list []tg.Authorization, dev device) int64 {
	t.Helper()
	for _, a := range list {
		if a.DeviceModel == dev.model {
			return a.Hash
		}
	}
	t.Fatalf("no session of %q in %+v", dev.model, list)
	return 0
}
