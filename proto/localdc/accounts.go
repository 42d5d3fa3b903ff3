package localdc

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

// accountMethods are the login, the account and the user methods.
var accountMethods = []method{
	{id: tg.AuthSendCodeRequestTypeID, serve: decoded(func(s *serverConn, _ inMsg, r *tg.AuthSendCodeRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.sendCode(s.d, r.PhoneNumber)
	})},
	{id: tg.AuthSignInRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthSignInRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.signIn(s.d, m, r.PhoneNumber, r.PhoneCodeHash, r.PhoneCode)
	})},
	{id: tg.AuthSignUpRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthSignUpRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.signUp(s.d, m, r)
	})},
	{id: tg.AuthImportBotAuthorizationRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthImportBotAuthorizationRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.importBot(s.d, m, r.BotAuthToken)
	})},
	{id: tg.AuthExportAuthorizationRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthExportAuthorizationRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.exportAuth(s.d, m, r.DCID)
	})},
	{id: tg.AuthImportAuthorizationRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthImportAuthorizationRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.importAuth(s.d, m, r.ID, r.Bytes)
	})},
	{id: tg.UsersGetUsersRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.UsersGetUsersRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.getUsers(s.d, m, r.ID)
	})},
	{id: tg.UsersGetFullUserRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.UsersGetFullUserRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.getFullUser(s.d, m, r.ID)
	})},
}

func normalizePhone(p string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, p)
}

// phoneDC returns the DC a test phone lives on (model.TestPhoneDC, the
// one owner of the rule), or 0 for any other number.
func phoneDC(phone string) int {
	dc, _ := model.TestPhoneDC(phone)
	return dc
}

// sendCode is auth.sendCode for a test phone.
func (c *Cluster) sendCode(d *dcServer, rawPhone string) (bin.Encoder, *tgerr.Error) {
	phone := normalizePhone(rawPhone)
	home := phoneDC(phone)
	if home == 0 || c.dc(home) == nil {
		return nil, rpcErr(400, "PHONE_NUMBER_INVALID")
	}
	if f := c.cfg.Faults.PhoneMigrate; f != 0 && f != d.id {
		home = f
	}
	if home != d.id {
		return nil, rpcErr(303, "PHONE_MIGRATE_"+strconv.Itoa(home))
	}
	hash := randomHex(8)
	c.mu.Lock()
	if c.codes == nil {
		c.codes = make(map[string]string)
	}
	if len(c.codes) > 1024 {
		clear(c.codes)
	}
	c.codes[hash] = phone
	c.mu.Unlock()
	return &tg.AuthSentCode{
		Type:          &tg.AuthSentCodeTypeApp{Length: 5},
		PhoneCodeHash: hash,
	}, nil
}

// checkCode validates phone_code_hash (and the code, when given).
// Called with c.mu held.
func (c *Cluster) checkCode(phone, hash string) *tgerr.Error {
	switch want, ok := c.codes[hash]; {
	case hash == "":
		return rpcErr(400, "PHONE_CODE_EMPTY")
	case !ok:
		return rpcErr(400, "PHONE_CODE_EXPIRED")
	case want != phone:
		return rpcErr(400, "PHONE_NUMBER_INVALID")
	}
	return nil
}

// signIn is auth.signIn with the test phone's code (model.TestPhoneCode).
func (c *Cluster) signIn(d *dcServer, m inMsg, rawPhone, hash, code string) (bin.Encoder, *tgerr.Error) {
	phone := normalizePhone(rawPhone)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.checkCode(phone, hash); e != nil {
		return nil, e
	}
	if want, _ := model.TestPhoneCode(phone); code != want {
		return nil, rpcErr(400, "PHONE_CODE_INVALID")
	}
	uid, ok := c.phones[phone]
	if !ok {
		return &tg.AuthAuthorizationSignUpRequired{}, nil
	}
	delete(c.codes, hash)
	if u := c.users[uid]; c.hasPassword(u) {
		return nil, c.needPasswordLocked(d, m, u, nil)
	}
	return c.login(d, m, c.users[uid], "auth.signIn")
}

// signUp is auth.signUp: it creates the account for a new test phone.
func (c *Cluster) signUp(d *dcServer, m inMsg, r *tg.AuthSignUpRequest) (bin.Encoder, *tgerr.Error) {
	phone := normalizePhone(r.PhoneNumber)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.checkCode(phone, r.PhoneCodeHash); e != nil {
		return nil, e
	}
	if _, ok := c.phones[phone]; ok {
		return nil, rpcErr(400, "PHONE_NUMBER_OCCUPIED")
	}
	first := strings.TrimSpace(r.FirstName)
	if first == "" || len(first) > 64 {
		return nil, rpcErr(400, "FIRSTNAME_INVALID")
	}
	if len(r.LastName) > 64 {
		return nil, rpcErr(400, "LASTNAME_INVALID")
	}
	u := &user{ID: c.nextUID, Phone: phone, FirstName: first, LastName: strings.TrimSpace(r.LastName), HomeDC: phoneDC(phone)}
	c.nextUID++
	c.users[u.ID] = u
	c.phones[phone] = u.ID
	delete(c.codes, r.PhoneCodeHash)
	return c.login(d, m, u, "auth.signUp")
}

// login logs the request's permanent key in as u, in a session of its
// own. Called with c.mu held.
func (c *Cluster) login(d *dcServer, m inMsg, u *user, how string) (bin.Encoder, *tgerr.Error) {
	return c.loginInto(d, m, u, how, nil)
}

// self returns the logged-in user of the request, or AUTH_KEY_UNREGISTERED.
func (c *Cluster) self(d *dcServer, m inMsg) (*user, *tgerr.Error) {
	u := c.actingUser(d, m.key)
	if u == nil {
		return nil, rpcErr(401, "AUTH_KEY_UNREGISTERED")
	}
	return u, nil
}

func isSelf(in tg.InputUserClass, u *user) bool {
	switch v := in.(type) {
	case *tg.InputUserSelf:
		return true
	case *tg.InputUser:
		return v.UserID == u.ID
	}
	return false
}

// userTL is u as the DC sends it to u itself, in layer 229 (the call path
// writes it in the client's layer).
func userTL(u *user) *tg.User {
	t := &tg.User{Self: true, Bot: u.Bot, ID: u.ID, AccessHash: u.ID ^ 0x5eed, FirstName: u.FirstName, LastName: u.LastName, Phone: u.Phone}
	if u.Bot {
		t.BotInfoVersion = 1
	}
	t.SetFlags()
	return t
}

// getUsers is users.getUsers; only the caller can be looked up.
func (c *Cluster) getUsers(d *dcServer, m inMsg, ids []tg.InputUserClass) (bin.Encoder, *tgerr.Error) {
	u, e := c.self(d, m)
	if e != nil {
		return nil, e
	}
	out := tg.UserClassVector{Elems: []tg.UserClass{}}
	for _, in := range ids {
		if isSelf(in, u) {
			out.Elems = append(out.Elems, userTL(u))
		}
	}
	return &out, nil
}

// getFullUser is users.getFullUser for the caller, as Telegram answers a
// fresh account: default settings, no photo, no about.
func (c *Cluster) getFullUser(d *dcServer, m inMsg, id tg.InputUserClass) (bin.Encoder, *tgerr.Error) {
	u, e := c.self(d, m)
	if e != nil {
		return nil, e
	}
	if !isSelf(id, u) {
		return nil, rpcErr(400, "USER_ID_INVALID")
	}
	return &tg.UsersUserFull{
		FullUser: tg.UserFull{ID: u.ID, Settings: tg.PeerSettings{}, NotifySettings: tg.PeerNotifySettings{}},
		Chats:    []tg.ChatClass{},
		Users:    []tg.UserClass{userTL(u)},
	}, nil
}

// exportAuth is auth.exportAuthorization.
func (c *Cluster) exportAuth(d *dcServer, m inMsg, toDC int) (bin.Encoder, *tgerr.Error) {
	u, e := c.self(d, m)
	if e != nil {
		return nil, e
	}
	if c.dc(toDC) == nil || toDC == d.id {
		return nil, rpcErr(400, "DC_ID_INVALID")
	}
	tok := make([]byte, 32)
	_, _ = rand.Read(tok)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.exports) > 1024 {
		clear(c.exports)
	}
	c.exports[string(tok)] = &exportToken{userID: u.ID, authHash: sessionOf(d, m.key), fromDC: d.id, toDC: toDC, expires: c.now().Add(exportTTL)}
	c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvExport, KeyID: m.key.id, KeyKind: m.key.kind, UserID: u.ID, Detail: "to dc " + strconv.Itoa(toDC)})
	return &tg.AuthExportedAuthorization{ID: u.ID, Bytes: tok}, nil
}

// importAuth is auth.importAuthorization: one-time bytes from another DC
// log this DC's permanent key in as the same user.
func (c *Cluster) importAuth(d *dcServer, m inMsg, uid int64, tok []byte) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.exports[string(tok)]
	if !ok || e.toDC != d.id || !c.now().Before(e.expires) {
		return nil, rpcErr(400, "AUTH_BYTES_INVALID")
	}
	if e.userID != uid {
		return nil, rpcErr(400, "USER_ID_INVALID")
	}
	delete(c.exports, string(tok))
	u := c.users[uid]
	if u == nil {
		return nil, rpcErr(400, "USER_ID_INVALID")
	}
	// The imported key joins the exporting device's session; one that
	// ended meanwhile took its exports with it.
	a := c.acct.auths[e.authHash]
	if a == nil || a.UserID != uid || a.passwordPending {
		return nil, rpcErr(400, "AUTH_BYTES_INVALID")
	}
	res, rerr := c.loginInto(d, m, u, "auth.importAuthorization from dc "+strconv.Itoa(e.fromDC), a)
	if rerr == nil {
		perm := d.permFor(m.key)
		c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvImport, KeyID: perm.id, KeyKind: model.Permanent, UserID: uid, Detail: "from dc " + strconv.Itoa(e.fromDC)})
	}
	return res, rerr
}

// botID returns the bot id of a well-formed token "<id>:<secret>", or 0.
func botID(token string) int64 {
	id, secret, ok := strings.Cut(token, ":")
	if !ok || secret == "" || id == "" || id[0] == '0' {
		return 0
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// importBot is auth.importBotAuthorization for a token in Config.Bots.
// The bot's account is created on its first login and keeps the bot id.
func (c *Cluster) importBot(d *dcServer, m inMsg, token string) (bin.Encoder, *tgerr.Error) {
	home, ok := c.cfg.Bots[token]
	id := botID(token)
	if !ok || id == 0 || c.dc(home) == nil {
		return nil, rpcErr(400, "ACCESS_TOKEN_INVALID")
	}
	if home != d.id {
		return nil, rpcErr(303, "USER_MIGRATE_"+strconv.Itoa(home))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.users[id]
	switch {
	case !ok:
		u = &user{ID: id, FirstName: "bot" + strconv.FormatInt(id, 10), HomeDC: home, Bot: true}
		c.users[id] = u
		c.nextUID = max(c.nextUID, id+1)
	case !u.Bot:
		// The id belongs to a person who signed up first.
		return nil, rpcErr(400, "ACCESS_TOKEN_INVALID")
	}
	return c.login(d, m, u, "auth.importBotAuthorization")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
