package localdc

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// What clients call at start and after login, before and after a login,
// answered as Telegram answers a fresh account.
func TestStartupMethods(t *testing.T) {
	c := startCluster(t, Config{})
	p := newPFSClient(t, c, 1, time.Hour)
	p.mustBind(t)
	type row struct {
		name string
		req  bin.Encoder
		// err is the error before login; check reads the answer after.
		err   string
		check func(t *testing.T, a answer)
	}
	var state tg.UpdatesState
	rows := []row{
		{"updates.getState", &tg.UpdatesGetStateRequest{}, "AUTH_KEY_UNREGISTERED", func(t *testing.T, a answer) {
			a.decode(t, &state)
			if state.Pts != 1 || state.Qts != 0 || state.Seq != 0 || state.UnreadCount != 0 || state.Date == 0 {
				t.Fatalf("state %+v", state)
			}
		}},
		{"updates.getDifference", &tg.UpdatesGetDifferenceRequest{Pts: 1, Date: 5}, "AUTH_KEY_UNREGISTERED", func(t *testing.T, a answer) {
			var d tg.UpdatesDifferenceBox
			a.decode(t, &d)
			e, ok := d.Difference.(*tg.UpdatesDifferenceEmpty)
			if !ok || e.Seq != state.Seq || e.Date < state.Date {
				t.Fatalf("difference %+v, state %+v", d.Difference, state)
			}
		}},
		{"account.updateStatus", &tg.AccountUpdateStatusRequest{Offline: true}, "AUTH_KEY_UNREGISTERED", func(t *testing.T, a answer) {
			var b tg.BoolBox
			if a.decode(t, &b); b.Bool.TypeID() != tg.BoolTrueTypeID {
				t.Fatalf("updateStatus: %T", b.Bool)
			}
		}},
		{"help.getAppConfig", &tg.HelpGetAppConfigRequest{}, "", func(t *testing.T, a answer) {
			var b tg.HelpAppConfigBox
			a.decode(t, &b)
			cfg, ok := b.AppConfig.(*tg.HelpAppConfig)
			if !ok || cfg.Hash == 0 {
				t.Fatalf("app config %+v", b.AppConfig)
			}
			if obj, ok := cfg.Config.(*tg.JSONObject); !ok || len(obj.Value) != 0 {
				t.Fatalf("app config JSON %+v", cfg.Config)
			}
			p.call(&tg.HelpGetAppConfigRequest{Hash: cfg.Hash}).decode(t, &b)
			if _, ok := b.AppConfig.(*tg.HelpAppConfigNotModified); !ok {
				t.Fatalf("asked with its hash: %T", b.AppConfig)
			}
			p.call(&tg.HelpGetAppConfigRequest{Hash: cfg.Hash + 1}).decode(t, &b)
			if _, ok := b.AppConfig.(*tg.HelpAppConfig); !ok {
				t.Fatalf("asked with another hash: %T", b.AppConfig)
			}
		}},
		{"help.getNearestDc", &tg.HelpGetNearestDCRequest{}, "", func(t *testing.T, a answer) {
			var n tg.NearestDC
			if a.decode(t, &n); n.ThisDC != 1 || n.NearestDC != 1 {
				t.Fatalf("nearest dc %+v", n)
			}
		}},
		{"users.getFullUser(inputUserSelf)", &tg.UsersGetFullUserRequest{ID: &tg.InputUserSelf{}}, "AUTH_KEY_UNREGISTERED", func(t *testing.T, a answer) {
			var f tg.UsersUserFull
			a.decode(t, &f)
			if u, ok := f.Users[0].(*tg.User); len(f.Users) != 1 || !ok || u.ID != f.FullUser.ID || !u.Self {
				t.Fatalf("full user %+v", f)
			}
		}},
		{"users.getUsers(inputUserSelf)", &tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}, "AUTH_KEY_UNREGISTERED", func(t *testing.T, a answer) {
			var v tg.UserClassVector
			if a.decode(t, &v); len(v.Elems) != 1 {
				t.Fatalf("users %+v", v)
			}
		}},
	}
	for _, r := range rows {
		if r.err == "" {
			continue
		}
		if got := p.call(r.req).errType(); got != r.err {
			t.Errorf("%s before login: %q, want %s", r.name, got, r.err)
		}
	}
	signUp(t, p.rawClient, "9996610042")
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) { r.check(t, p.call(r.req)) })
	}
}

// destroy_auth_key (mtcute sends it at logout) is answered
// destroy_auth_key_ok and the key is gone: -404 after it, its session
// ended, its temporary keys with it. A temporary key destroys itself
// only.
func TestDestroyAuthKey(t *testing.T) {
	c := startCluster(t, Config{})
	log := recordEvents(t, c)
	destroy := func(rc *rawClient) answer {
		var b bin.Buffer
		b.PutID(idDestroyAuthKey)
		id, seq := rc.nextMsg(true)
		return rc.roundTrip(rc.salt, rc.sess, id, seq, b.Buf)
	}
	isOK := func(a answer) bool {
		return len(a.service) == 4 && binary.LittleEndian.Uint32(a.service) == idDestroyAuthKeyOk
	}

	// A temporary key: gone; its permanent key stays, logged in.
	p := newPFSClient(t, c, 1, time.Hour)
	p.mustBind(t)
	signUp(t, p.rawClient, "9996610043")
	if a := destroy(p.rawClient); !isOK(a) {
		t.Fatalf("destroy_auth_key on a temporary key: %+v", a)
	}
	if a := p.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("after destroy_auth_key: %+v, want -404", a)
	}
	if keys := c.PermKeys(1); len(keys) != 1 || keys[0].UserID == 0 {
		t.Fatalf("perm keys after the temporary key went: %+v", keys)
	}

	// The permanent key: gone with its login and its temporary keys.
	q := newTempClient(t, c, 1, time.Hour, p.perm, p.permSalt, nil)
	q.mustBind(t)
	perm := dialRaw(t, c.Addr(1))
	perm.use(p.perm, p.permSalt)
	if a := destroy(perm); !isOK(a) {
		t.Fatalf("destroy_auth_key on the permanent key: %+v", a)
	}
	log.waitFor(t, "the logout", func(ev model.ServerEvent) bool {
		return ev.Kind == model.SrvLogout && ev.KeyID == model.KeyID(p.perm.IntID())
	})
	log.waitFor(t, "the key's end", func(ev model.ServerEvent) bool {
		return ev.Kind == model.SrvKeyDropped && ev.KeyID == model.KeyID(p.perm.IntID()) && ev.KeyKind == model.Permanent
	})
	if keys := c.PermKeys(1); len(keys) != 0 {
		t.Fatalf("perm keys after destroy_auth_key: %+v", keys)
	}
	if a := q.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("its temporary key after destroy_auth_key: %+v, want -404", a)
	}
}
