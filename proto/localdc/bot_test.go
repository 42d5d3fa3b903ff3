package localdc

import (
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"tgpfs/model"
)

func TestBotLogin(t *testing.T) {
	const token = "123456:secret-on-dc-2"
	c := startCluster(t, Config{Bots: map[string]int{token: 2, "7:gone": 9}})
	log := recordEvents(t, c)
	importBot := func(p *pfsClient, tok string) answer {
		return p.call(&tg.AuthImportBotAuthorizationRequest{APIID: 1, APIHash: "x", BotAuthToken: tok})
	}

	p1 := newPFSClient(t, c, 1, time.Hour)
	p1.mustBind(t)
	for _, tc := range []struct{ token, want string }{
		{"not-a-token", "ACCESS_TOKEN_INVALID"},
		{"7:gone", "ACCESS_TOKEN_INVALID"}, // registered on a DC that does not exist
		{token, "USER_MIGRATE_2"},
		{"999:unregistered", "ACCESS_TOKEN_INVALID"},
	} {
		if got := importBot(p1, tc.token).errType(); got != tc.want {
			t.Errorf("importBotAuthorization(%q) on dc 1: %q, want %q", tc.token, got, tc.want)
		}
	}

	unbound := newPFSClient(t, c, 2, time.Hour)
	if got := importBot(unbound, token).errType(); got != "AUTH_KEY_PERM_EMPTY" {
		t.Fatalf("unbound temp key: %q, want AUTH_KEY_PERM_EMPTY", got)
	}

	p2 := newPFSClient(t, c, 2, time.Hour)
	p2.mustBind(t)
	u := decodeAuthorization(t, p2.call(withLayer(199, &tg.AuthImportBotAuthorizationRequest{APIID: 1, APIHash: "x", BotAuthToken: token})), 199)
	if !u.Bot || !u.Self || u.ID != 123456 {
		t.Fatalf("bot user %+v", u)
	}
	login := log.waitFor(t, "bot login", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvLogin })
	if login.DC != 2 || login.KeyID != model.KeyID(p2.perm.IntID()) || login.UserID != 123456 {
		t.Fatalf("login event %+v: the login belongs to dc 2's permanent key", login)
	}
	for _, k := range c.PermKeys(2) {
		if want := map[bool]int64{true: 123456}[k.ID == model.KeyID(p2.perm.IntID())]; k.UserID != want {
			t.Fatalf("perm key %v: user %d, want %d", k.ID, k.UserID, want)
		}
	}
}
