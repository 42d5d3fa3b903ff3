package localdc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"tgpfs/model"
)

func resetOne(a *acctClient, hash int64) answer {
	a.t.Helper()
	return a.call(&tg.AccountResetAuthorizationRequest{Hash: hash})
}

func resetOthers(a *acctClient) answer {
	a.t.Helper()
	return a.call(&tg.AuthResetAuthorizationsRequest{})
}

func mustTrue(t *testing.T, what string, a answer) {
	t.Helper()
	var b tg.BoolBox
	a.decode(t, &b)
	if _, ok := b.Bool.(*tg.BoolTrue); !ok {
		t.Fatalf("%s: %v, want boolTrue", what, b.Bool)
	}
}

// TestAuthorizations: each login is a session that lists what its client
// said in initConnection; one device's login imported to another DC is no
// session of its own; a session ends alone (account.resetAuthorization),
// with the others (auth.resetAuthorizations) or by itself (auth.logOut),
// and a key whose session ended loses its temporary keys (-404) and then
// answers AUTH_KEY_UNREGISTERED.
func TestAuthorizations(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		clock := &testClock{}
		c := startCluster(t, Config{Now: clock.Now})
		log := recordEvents(t, c)
		const phone, other = "9996620101", "9996620102"
		mobile := newAcctClient(t, c, 2, layer, phoneDevice)
		if got := mobile.call(&tg.AccountGetAuthorizationsRequest{}).errType(); got != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("account.getAuthorizations before login: %q", got)
		}
		u := mobile.mustSignIn(phone)
		desk := newAcctClient(t, c, 2, layer, desktopDevice)
		desk.mustSignIn(phone)
		script := newAcctClient(t, c, 2, layer, scriptDevice)
		script.mustSignIn(phone)
		stranger := newAcctClient(t, c, 2, layer, scriptDevice)
		strangerID := stranger.mustSignIn(other).ID

		// The mobile's login imported to DC 1 joins its session.
		var exp tg.AuthExportedAuthorization
		mobile.call(&tg.AuthExportAuthorizationRequest{DCID: 1}).decode(t, &exp)
		media := newAcctClient(t, c, 1, layer, phoneDevice)
		decodeAuthorization(t, media.call(&tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes}), layer)

		clock.add(time.Minute)
		if got := desk.self(); got != "" {
			t.Fatalf("desktop: %q", got)
		}
		list := mobile.authorizations()
		if len(list) != 3 {
			t.Fatalf("%d sessions, want 3 (the import is no session of its own): %+v", len(list), list)
		}
		me := list[0]
		if !me.Current || me.Hash != 0 || me.DeviceModel != "Pixel 8" || me.Platform != "Android" || me.SystemVersion != "SDK 34" ||
			me.APIID != 6 || me.AppName != "Telegram Android" || !me.OfficialApp || me.AppVersion != "11.2.3" ||
			me.IP != "127.0.0.1" || me.Country != "Localhost" || me.PasswordPending {
			t.Errorf("own session %+v", me)
		}
		byModel := map[string]tg.Authorization{}
		for _, a := range list[1:] {
			if a.Current || a.Hash == 0 {
				t.Errorf("another session is current or has hash 0: %+v", a)
			}
			byModel[a.DeviceModel] = a
		}
		if d := byModel["Desktop"]; d.Platform != "Windows" || d.AppName != "Telegram Desktop" || !d.OfficialApp || d.APIID != 2040 ||
			d.DateActive-d.DateCreated < 60 {
			t.Errorf("desktop session %+v: want Windows, Telegram Desktop, active a minute after it was made", d)
		}
		if s := byModel["script"]; s.Platform != "linux" || s.AppName != "app 12345" || s.OfficialApp || s.AppVersion != "0.1" {
			t.Errorf("third-party session %+v", s)
		}
		if list[1].DeviceModel != "Desktop" {
			t.Errorf("sessions after the current one are not the most recently active first: %+v", list)
		}
		// Each session sees the others by the same stable hashes.
		deskHash, scriptHash := hashOf(t, list, desktopDevice), hashOf(t, list, scriptDevice)
		if got := hashOf(t, desk.authorizations(), phoneDevice); got == 0 || got == deskHash || got == scriptHash {
			t.Errorf("the mobile's hash as the desktop sees it: %x", got)
		}
		infos := c.Authorizations(u.ID)
		if len(infos) != 3 {
			t.Fatalf("Authorizations(%d): %+v", u.ID, infos)
		}
		for _, in := range infos {
			if in.DeviceModel == "Pixel 8" && (len(in.Keys) != 2 || in.Keys[0] != in.Home || in.Home.DC != 2 || in.Keys[1] != (KeyRef{DC: 1, ID: media.permID()})) {
				t.Errorf("the mobile's session holds %+v, want its home key on DC 2 and the import on DC 1", in.Keys)
			}
		}

		for _, tc := range []struct {
			name string
			hash int64
		}{{"hash 0", 0}, {"unknown", 12345}, {"another account's", c.Authorizations(strangerID)[0].Hash}} {
			if got := resetOne(mobile, tc.hash).errType(); got != "HASH_INVALID" {
				t.Errorf("resetAuthorization(%s): %q, want HASH_INVALID", tc.name, got)
			}
		}
		if got := stranger.self(); got != "" {
			t.Fatalf("another account's session after a refused reset: %q", got)
		}

		// End one: the desktop's temporary key goes; a new one finds its
		// permanent key logged out.
		mustTrue(t, "resetAuthorization", resetOne(mobile, deskHash))
		if got := desk.self(); got != "-404" {
			t.Fatalf("the ended session's temporary key: %q, want -404", got)
		}
		// A client that speaks on the permanent key itself (no PFS) hears
		// it on its next call.
		direct := desk.pfsClient
		direct.rawClient = dialRaw(t, c.Addr(2))
		direct.use(direct.perm, direct.permSalt)
		if got := desk.self(); got != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("the ended session's permanent key, used directly: %q", got)
		}
		desk.rebind()
		if got := desk.self(); got != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("the ended session's permanent key: %q", got)
		}
		ended := log.waitFor(t, "the desktop's logout", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvLogout && ev.KeyID == desk.permID()
		})
		if !strings.Contains(ended.Detail, "account.resetAuthorization by dc 2 perm "+mobile.permID().String()) || ended.UserID != u.ID {
			t.Errorf("logout event %+v: want who ended it", ended)
		}
		if got := resetOne(mobile, deskHash).errType(); got != "HASH_INVALID" {
			t.Errorf("resetting an ended session: %q", got)
		}

		// End all others: the script goes, the mobile and its DC 1 key stay.
		mustTrue(t, "resetAuthorizations", resetOthers(mobile))
		if got := script.self(); got != "-404" {
			t.Fatalf("script after resetAuthorizations: %q", got)
		}
		if got, again := media.self(), mobile.self(); got != "" || again != "" {
			t.Fatalf("the caller's own session after resetAuthorizations: DC 1 %q, DC 2 %q", got, again)
		}
		if got := stranger.self(); got != "" {
			t.Fatalf("another account after resetAuthorizations: %q", got)
		}
		if list := mobile.authorizations(); len(list) != 1 || !list[0].Current {
			t.Fatalf("sessions left: %+v", list)
		}

		// Log out: the whole session ends, its DC 1 key with it.
		var out tg.AuthLoggedOut
		mobile.call(&tg.AuthLogOutRequest{}).decode(t, &out)
		if got := media.self(); got != "-404" {
			t.Fatalf("the session's DC 1 key after logOut: %q", got)
		}
		media.rebind()
		mobile.rebind()
		if got, again := media.self(), mobile.self(); got != "AUTH_KEY_UNREGISTERED" || again != "AUTH_KEY_UNREGISTERED" {
			t.Fatalf("after logOut: DC 1 %q, DC 2 %q", got, again)
		}
		if left := c.Authorizations(u.ID); len(left) != 0 {
			t.Fatalf("sessions after logOut: %+v", left)
		}
	})
}

// TestFreshReset: with --fresh-reset, a session younger than the limit may
// not end others (406 FRESH_RESET_AUTHORISATION_FORBIDDEN), may still end
// itself, and once old enough ends others.
func TestFreshReset(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		c := startCluster(t, Config{FreshReset: 24 * time.Hour})
		const phone = "9996620201"
		old := newAcctClient(t, c, 2, layer, phoneDevice)
		old.mustSignIn(phone)
		young := newAcctClient(t, c, 2, layer, desktopDevice)
		young.mustSignIn(phone)
		oldHash := hashOf(t, young.authorizations(), phoneDevice)
		youngHash := hashOf(t, old.authorizations(), desktopDevice)
		for _, tc := range []struct {
			name string
			a    answer
		}{
			{"young resetAuthorization", resetOne(young, oldHash)},
			{"young resetAuthorizations", resetOthers(young)},
			{"old, still young, resetAuthorization", resetOne(old, youngHash)},
		} {
			if tc.a.rpcErr == nil || tc.a.rpcErr.Code != 406 || tc.a.errType() != "FRESH_RESET_AUTHORISATION_FORBIDDEN" {
				t.Errorf("%s: %+v, want 406 FRESH_RESET_AUTHORISATION_FORBIDDEN", tc.name, tc.a)
			}
		}
		if got := old.self(); got != "" {
			t.Fatalf("a refused reset ended a session: %q", got)
		}
		// The phone's session was made 25 hours ago.
		c.mu.Lock()
		c.acct.auths[c.dcs[1].keys[old.permID()].authHash].Created = c.now().Add(-25 * time.Hour)
		c.mu.Unlock()
		mustTrue(t, "resetAuthorization by a day-old session", resetOne(old, youngHash))
		if got := young.self(); got != "-404" {
			t.Fatalf("young after the reset: %q", got)
		}
		third := newAcctClient(t, c, 2, layer, scriptDevice)
		third.mustSignIn(phone)
		if got := resetOne(third, oldHash).errType(); got != "FRESH_RESET_AUTHORISATION_FORBIDDEN" {
			t.Fatalf("a new session ending the old one: %q", got)
		}
		mustTrue(t, "resetAuthorizations by a day-old session", resetOthers(old))
		if got := third.self(); got != "-404" {
			t.Fatalf("third after resetAuthorizations: %q", got)
		}
		// Logging out is never too fresh.
		fourth := newAcctClient(t, c, 2, layer, scriptDevice)
		fourth.mustSignIn(phone)
		var out tg.AuthLoggedOut
		fourth.call(&tg.AuthLogOutRequest{}).decode(t, &out)
	})
}

func TestBotHasNoSessionsToManage(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		const token = "4242:secret"
		c := startCluster(t, Config{Bots: map[string]int{token: 2}})
		bot := newAcctClient(t, c, 2, layer, scriptDevice)
		decodeAuthorization(t, bot.call(&tg.AuthImportBotAuthorizationRequest{APIID: 1, APIHash: "x", BotAuthToken: token}), layer)
		for _, req := range []struct {
			name string
			a    answer
		}{
			{"getAuthorizations", bot.call(&tg.AccountGetAuthorizationsRequest{})},
			{"resetAuthorizations", resetOthers(bot)},
			{"acceptLoginToken", bot.call(&tg.AuthAcceptLoginTokenRequest{Token: make([]byte, 32)})},
		} {
			if got := req.a.errType(); got != "BOT_METHOD_INVALID" {
				t.Errorf("a bot's %s: %q, want BOT_METHOD_INVALID", req.name, got)
			}
		}
		if s := c.Authorizations(4242); len(s) != 1 || s[0].Home.ID != bot.permID() {
			t.Fatalf("the bot's session: %+v", s)
		}
		bot.call(&tg.AuthLogOutRequest{}).decode(t, &tg.AuthLoggedOut{})
		if s := c.Authorizations(4242); len(s) != 0 {
			t.Fatalf("the bot's session after logOut: %+v", s)
		}
	})
}

// TestAuthorizationsSurviveRestart: --state keeps each session (hash,
// device, the keys in it); a state file from before sessions were kept
// gives each logged-in key a session of its own.
func TestAuthorizationsSurviveRestart(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		path := filepath.Join(t.TempDir(), "dc.state")
		c1 := startCluster(t, Config{StatePath: path})
		const phone = "9996620301"
		mobile := newAcctClient(t, c1, 2, layer, phoneDevice)
		u := mobile.mustSignIn(phone)
		desk := newAcctClient(t, c1, 2, layer, desktopDevice)
		desk.mustSignIn(phone)
		var exp tg.AuthExportedAuthorization
		mobile.call(&tg.AuthExportAuthorizationRequest{DCID: 3}).decode(t, &exp)
		media := newAcctClient(t, c1, 3, layer, phoneDevice)
		decodeAuthorization(t, media.call(&tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes}), layer)
		before := c1.Authorizations(u.ID)
		if err := c1.Close(); err != nil || c1.StateErr() != nil {
			t.Fatalf("close: %v, state %v", err, c1.StateErr())
		}

		c2 := startCluster(t, Config{StatePath: path})
		if after := c2.Authorizations(u.ID); !sameSessions(before, after) {
			t.Fatalf("sessions after a restart:\n%+v\nwant\n%+v", after, before)
		}
		mobile.c, desk.c = c2, c2
		mobile.rebind()
		desk.rebind()
		if list := mobile.authorizations(); len(list) != 2 || hashOf(t, list, desktopDevice) != sessionHash(before, "Desktop") {
			t.Fatalf("listed after a restart: %+v", list)
		}
		if err := c2.Close(); err != nil {
			t.Fatal(err)
		}

		// The same file as an older tgpfs wrote it: no sessions.
		var st map[string]any
		data, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(data, &st) != nil {
			t.Fatalf("read state: %v", err)
		}
		delete(st, "authorizations")
		for _, p := range st["perm_keys"].([]any) {
			delete(p.(map[string]any), "auth_hash")
		}
		data, _ = json.Marshal(st)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c3 := startCluster(t, Config{StatePath: path})
		old := c3.Authorizations(u.ID)
		if len(old) != 3 {
			t.Fatalf("sessions from an old state file: %+v, want one per logged-in key", old)
		}
		for _, s := range old {
			if len(s.Keys) != 1 || s.Keys[0] != s.Home || s.Hash == 0 {
				t.Errorf("session from an old state file %+v", s)
			}
		}
	})
}

func sessionHash(list []AuthorizationInfo, model string) int64 {
	for _, a := range list {
		if a.DeviceModel == model {
			return a.Hash
		}
	}
	return 0
}

func sameSessions(a, b []AuthorizationInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Hash != y.Hash || x.UserID != y.UserID || x.Home != y.Home || !slices.Equal(x.Keys, y.Keys) ||
			x.DeviceModel != y.DeviceModel || x.APIID != y.APIID || x.IP != y.IP || !x.Created.Equal(y.Created) {
			return false
		}
	}
	return true
}
