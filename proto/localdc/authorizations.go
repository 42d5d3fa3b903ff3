package localdc

import (
	"cmp"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

// authorizationMethods are the account's sessions, as Settings › Devices
// shows them: list them, end one, end all others, log out.
var authorizationMethods = []method{
	{id: tg.AccountGetAuthorizationsRequestTypeID, serve: noParams((*Cluster).getAuthorizations)},
	{id: tg.AccountResetAuthorizationRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AccountResetAuthorizationRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.resetAuthorization(s.d, m, r.Hash)
	})},
	{id: tg.AuthResetAuthorizationsRequestTypeID, serve: noParams((*Cluster).resetAuthorizations)},
	{id: tg.AuthLogOutRequestTypeID, serve: noParams((*Cluster).logOut)},
}

// authorizationTTLDays is account.authorizations' authorization_ttl_days:
// how long an unused session lives, Telegram's default of six months. The
// local DCs never end a session for being idle.
const authorizationTTLDays = 180

// keyRef names a permanent key of the cluster: its DC and id.
type keyRef struct {
	DC int         `json:"dc"`
	ID model.KeyID `json:"key_id"`
}

// authorization is one of an account's sessions: the login of one device.
// It begins with the key that logged in (its home key); keys that
// auth.importAuthorization logs in on other DCs for the same device join
// it rather than making sessions of their own, as Telegram lists one
// device once however many DCs it talks to. Guarded by Cluster.mu.
type authorization struct {
	Hash    int64      `json:"hash"` // stable, random, never 0
	UserID  int64      `json:"user_id"`
	Client  clientInfo `json:"client"`
	IP      string     `json:"ip"`
	Created time.Time  `json:"created"`
	Active  time.Time  `json:"active"`
	Home    keyRef     `json:"home"`

	// keys are the permanent keys logged in under it, Home first. They
	// are not written to the state file: each key's entry names its
	// authorization instead.
	keys []keyRef
	// passwordPending: the home key passed the code (or a QR login) and
	// the account's 2FA password is still due. The key is not logged in
	// yet; the session is listed as an incomplete login.
	passwordPending bool
}

// clientInfo is what a client says about itself in initConnection.
type clientInfo struct {
	APIID         int    `json:"api_id"`
	DeviceModel   string `json:"device_model"`
	SystemVersion string `json:"system_version"`
	AppVersion    string `json:"app_version"`
	LangPack      string `json:"lang_pack,omitempty"`
}

// connClient is what a connection's client said in its latest
// initConnection, and where it connects from. It never changes once made;
// a new initConnection makes a new one.
type connClient struct {
	info clientInfo
	ip   string
}

// maxClientField bounds each initConnection string the DC keeps: they are
// listed, logged and written to the state file, and a client chooses them.
const maxClientField = 128

// clip cuts s to at most maxClientField bytes on a rune boundary.
func clip(s string) string {
	if len(s) <= maxClientField {
		return s
	}
	s = s[:maxClientField]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// noteInit records a connection's initConnection.
func (s *serverConn) noteInit(r *tg.InitConnectionRequest) {
	s.client = &connClient{ip: s.remoteIP(), info: clientInfo{
		APIID: r.APIID, DeviceModel: clip(r.DeviceModel), SystemVersion: clip(r.SystemVersion),
		AppVersion: clip(r.AppVersion), LangPack: clip(r.LangPack),
	}}
}

func (s *serverConn) remoteIP() string {
	if s.conn == nil || s.conn.RemoteAddr() == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(s.conn.RemoteAddr().String())
	if err != nil {
		return ""
	}
	return host
}

// touch runs before every API call: the carrying key remembers what its
// client said in initConnection, and the session it acts for becomes
// active now, taking the client's latest description.
func (c *Cluster) touch(s *serverConn, k *authKey) {
	if s.client == nil {
		s.client = &connClient{ip: s.remoteIP()}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k.client = s.client
	p := s.d.permFor(k)
	if p == nil || p.authHash == 0 {
		return
	}
	if a := c.acct.auths[p.authHash]; a != nil {
		a.Active = c.now()
		if s.client.info.APIID != 0 {
			a.Client = s.client.info
		}
		a.IP = s.client.ip
	}
}

// newAuthorizationLocked makes a session for u described by client (the
// key's connection), not yet holding a key. Called with c.mu held.
func (c *Cluster) newAuthorizationLocked(u *user, client *connClient) *authorization {
	now := c.now()
	a := &authorization{Hash: c.newAuthHashLocked(), UserID: u.ID, Created: now, Active: now}
	if client != nil {
		a.Client, a.IP = client.info, client.ip
	}
	return a
}

// newAuthHashLocked returns a random hash no session has. Zero is never
// one: a session's own entry shows 0 to it, as Telegram's do.
func (c *Cluster) newAuthHashLocked() int64 {
	return newNonZeroID(func(h int64) bool { _, ok := c.acct.auths[h]; return ok })
}

func hashHex(h int64) string { return strconv.FormatUint(uint64(h), 16) }

// loginInto logs the request's permanent key in as u, in session into or,
// when into is nil, in a new session of its own. Called with c.mu held.
func (c *Cluster) loginInto(d *dcServer, m inMsg, u *user, how string, into *authorization) (bin.Encoder, *tgerr.Error) {
	perm := d.permFor(m.key)
	if perm == nil {
		return nil, rpcErr(401, "AUTH_KEY_PERM_EMPTY")
	}
	if into == nil {
		into = c.newAuthorizationLocked(u, m.key.client)
	}
	c.attachLocked(d, perm, u, into, how)
	return &tg.AuthAuthorization{User: userTL(u)}, nil
}

// attachLocked logs perm in as u under a. A key logged in elsewhere
// leaves that session first. Called with c.mu held.
func (c *Cluster) attachLocked(d *dcServer, perm *authKey, u *user, a *authorization, how string) {
	ref := keyRef{DC: d.id, ID: perm.id}
	if perm.authHash != 0 && perm.authHash != a.Hash {
		// The key is still this device's: its temporary keys stay.
		c.leaveLocked(d, perm, "logged in again by "+how, true)
	}
	verb := "joins"
	if _, ok := c.acct.auths[a.Hash]; !ok || a.passwordPending {
		verb = "creates"
		a.Home = ref
		c.acct.auths[a.Hash] = a
	}
	if !slices.Contains(a.keys, ref) {
		a.keys = append(a.keys, ref)
	}
	a.passwordPending = false
	perm.userID, perm.authHash = u.ID, a.Hash
	who := u.Phone
	if u.Bot {
		who = "bot " + strconv.FormatInt(u.ID, 10)
	}
	c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvLogin, KeyID: perm.id, KeyKind: model.Permanent, UserID: u.ID,
		Detail: how + " " + who + "; " + verb + " session " + hashHex(a.Hash)})
	c.saveStateLocked()
}

// leaveLocked takes perm out of its session. The home key leaving ends
// the session, with every key in it; a key another DC imported the login
// to leaves alone. relogin: perm leaves to log in again at once, so its
// own temporary keys, which carry that login, stay. Called with c.mu held.
func (c *Cluster) leaveLocked(d *dcServer, perm *authKey, why string, relogin bool) {
	spare := perm
	if !relogin {
		spare = nil
	}
	a := c.acct.auths[perm.authHash]
	ref := keyRef{DC: d.id, ID: perm.id}
	switch {
	case a != nil && a.Home == ref:
		c.endLocked(a, why, spare)
		return
	case a != nil:
		a.keys = slices.DeleteFunc(a.keys, func(r keyRef) bool { return r == ref })
	}
	c.logOutKeyLocked(d, perm, a, why, spare == nil)
	c.saveStateLocked()
}

// endLocked ends a session: each of its keys is logged out and forgets
// its temporary keys (but spare, if not nil, keeps them). Called with
// c.mu held.
func (c *Cluster) endLocked(a *authorization, why string, spare *authKey) {
	delete(c.acct.auths, a.Hash)
	for _, ref := range a.keys {
		if d := c.dc(ref.DC); d != nil {
			if k := d.keys[ref.ID]; k != nil && k.authHash == a.Hash {
				c.logOutKeyLocked(d, k, a, why, k != spare)
			}
		}
	}
	c.saveStateLocked()
}

// logOutKeyLocked logs one permanent key out. Its temporary keys go with
// its login (dropTemps): the next frame under any of them gets -404 and,
// once the client binds a new one, the permanent key answers 401
// AUTH_KEY_UNREGISTERED, which is how tdlib and gotd learn the session
// ended. Called with c.mu held.
func (c *Cluster) logOutKeyLocked(d *dcServer, perm *authKey, a *authorization, why string, dropTemps bool) {
	uid := perm.userID
	if a != nil {
		uid = a.UserID
		why += "; session " + hashHex(a.Hash)
	}
	perm.userID, perm.authHash = 0, 0
	now := c.now()
	for id, k := range d.keys {
		if dropTemps && k.kind == model.Temporary && k.permID == perm.id {
			delete(d.keys, id)
			c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvKeyDropped, KeyID: id, KeyKind: model.Temporary, PermID: perm.id, Detail: "its session ended"})
		}
	}
	c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvLogout, KeyID: perm.id, KeyKind: model.Permanent, UserID: uid, Detail: why})
}

// sessionOf is the hash of the session k's request acts in, 0 if none.
// Called with c.mu held.
func sessionOf(d *dcServer, k *authKey) int64 {
	if p := d.permFor(k); p != nil {
		return p.authHash
	}
	return 0
}

// by names the key a request came from, for events.
func by(d *dcServer, perm *authKey) string {
	return "dc " + strconv.Itoa(d.id) + " perm " + perm.id.String()
}

// logOut is auth.logOut: the caller's session ends (or, for a key a login
// was imported to, that key leaves it). An incomplete login waiting for
// its password may be abandoned this way too.
func (c *Cluster) logOut(d *dcServer, m inMsg) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	perm := d.permFor(m.key)
	if perm == nil || (perm.userID == 0 && perm.authHash == 0) {
		return nil, rpcErr(401, "AUTH_KEY_UNREGISTERED")
	}
	c.leaveLocked(d, perm, "auth.logOut by "+by(d, perm), false)
	return &tg.AuthLoggedOut{}, nil
}

// caller is the logged-in person behind a request that manages sessions,
// with its key and session. Bots have no sessions to manage
// (BOT_METHOD_INVALID, as Telegram answers bots a user-only method).
// Called with c.mu held.
func (c *Cluster) callerLocked(d *dcServer, m inMsg) (*user, *authKey, *authorization, *tgerr.Error) {
	perm := d.permFor(m.key)
	if perm == nil || perm.userID == 0 || c.users[perm.userID] == nil {
		return nil, nil, nil, rpcErr(401, "AUTH_KEY_UNREGISTERED")
	}
	u := c.users[perm.userID]
	if u.Bot {
		return nil, nil, nil, rpcErr(400, "BOT_METHOD_INVALID")
	}
	return u, perm, c.acct.auths[perm.authHash], nil
}

// listed reports whether a session shows in account.getAuthorizations: it
// holds a key, or waits for its password. A QR login accepted but not yet
// finished has neither.
func (a *authorization) listed() bool { return len(a.keys) > 0 || a.passwordPending }

// getAuthorizations is account.getAuthorizations: the caller's session
// first (current, hash 0), then the others, most recently active first.
func (c *Cluster) getAuthorizations(d *dcServer, m inMsg) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, _, cur, e := c.callerLocked(d, m)
	if e != nil {
		return nil, e
	}
	var list []*authorization
	for _, a := range c.acct.auths {
		if a.UserID == u.ID && a.listed() {
			list = append(list, a)
		}
	}
	slices.SortFunc(list, func(a, b *authorization) int {
		switch {
		case a == cur:
			return -1
		case b == cur:
			return 1
		}
		if n := b.Active.Compare(a.Active); n != 0 {
			return n
		}
		return b.Created.Compare(a.Created)
	})
	out := &tg.AccountAuthorizations{AuthorizationTTLDays: authorizationTTLDays}
	for _, a := range list {
		out.Authorizations = append(out.Authorizations, a.tl(a == cur))
	}
	return out, nil
}

// tl is the session as the authorization constructor carries it.
func (a *authorization) tl(current bool) tg.Authorization {
	name, official := appName(a.Client.APIID)
	out := tg.Authorization{
		Current: current, OfficialApp: official, PasswordPending: a.passwordPending,
		Hash:        a.Hash,
		DeviceModel: a.Client.DeviceModel, Platform: platform(a.Client), SystemVersion: a.Client.SystemVersion,
		APIID: a.Client.APIID, AppName: name, AppVersion: a.Client.AppVersion,
		DateCreated: int(a.Created.Unix()), DateActive: int(a.Active.Unix()),
		IP: a.IP, Country: country(a.IP),
	}
	if current {
		// Telegram shows a session its own entry with hash 0; the others
		// see the real one, which is what they end it by.
		out.Hash = 0
	}
	return out
}

// officialApps are the api_ids of Telegram's own apps, with the name the
// sessions list gives them. Any other app is named by its api_id: the
// local DCs have no registry of third-party apps' titles.
var officialApps = map[int]string{
	4: "Telegram Android", 6: "Telegram Android", 8: "Telegram iOS", 10840: "Telegram iOS",
	2040: "Telegram Desktop", 17349: "Telegram Desktop", 2834: "Telegram macOS", 2496: "Telegram Web",
}

func appName(apiID int) (string, bool) {
	if n, ok := officialApps[apiID]; ok {
		return n, true
	}
	return "app " + strconv.Itoa(apiID), false
}

// platform derives the authorization's platform from initConnection, which
// has no such field: official apps name themselves by lang_pack, others
// are known by their system_version's first word ("Windows 10", "linux").
func platform(ci clientInfo) string {
	switch ci.LangPack {
	case "android":
		return "Android"
	case "ios":
		return "iOS"
	case "macos":
		return "macOS"
	case "weba", "webk", "web":
		return "Web"
	}
	if f := strings.Fields(ci.SystemVersion); len(f) > 0 {
		return f[0]
	}
	return "Unknown"
}

// country is where a session connects from, as far as a local DC can
// tell: it has no map of addresses to countries.
func country(ip string) string {
	a := net.ParseIP(ip)
	switch {
	case a == nil:
		return "Unknown"
	case a.IsLoopback():
		return "Localhost"
	case a.IsPrivate() || a.IsLinkLocalUnicast():
		return "Local network"
	}
	return "Unknown"
}

// fresh reports whether a session is too new to end others:
// --fresh-reset (Config.FreshReset), Telegram's 24 hours, off by default.
func (c *Cluster) fresh(a *authorization) bool {
	return c.cfg.FreshReset > 0 && a != nil && c.now().Sub(a.Created) < c.cfg.FreshReset
}

var errFreshReset = rpcErr(406, "FRESH_RESET_AUTHORISATION_FORBIDDEN")

// resetAuthorization is account.resetAuthorization: end one session of
// the caller's account by its hash. Hash 0 (how a session sees its own)
// names nothing: a session ends itself with auth.logOut.
func (c *Cluster) resetAuthorization(d *dcServer, m inMsg, hash int64) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, perm, cur, e := c.callerLocked(d, m)
	if e != nil {
		return nil, e
	}
	a := c.acct.auths[hash]
	if hash == 0 || a == nil || a.UserID != u.ID || !a.listed() {
		return nil, rpcErr(400, "HASH_INVALID")
	}
	if a != cur && c.fresh(cur) {
		return nil, errFreshReset
	}
	c.endLocked(a, "account.resetAuthorization by "+by(d, perm), nil)
	return &tg.BoolTrue{}, nil
}

// resetAuthorizations is auth.resetAuthorizations: end every session of
// the caller's account but the caller's own.
func (c *Cluster) resetAuthorizations(d *dcServer, m inMsg) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, perm, cur, e := c.callerLocked(d, m)
	if e != nil {
		return nil, e
	}
	if c.fresh(cur) {
		return nil, errFreshReset
	}
	for _, a := range c.acct.auths {
		if a.UserID == u.ID && a != cur && a.listed() {
			c.endLocked(a, "auth.resetAuthorizations by "+by(d, perm), nil)
		}
	}
	return &tg.BoolTrue{}, nil
}

// AuthorizationInfo describes one session of an account, as the DCs hold
// it: what account.getAuthorizations lists, plus the permanent keys it
// holds.
type AuthorizationInfo struct {
	Hash            int64
	UserID          int64
	Home            KeyRef
	Keys            []KeyRef // the home key first
	DeviceModel     string
	SystemVersion   string
	AppVersion      string
	APIID           int
	IP              string
	Created         time.Time
	Active          time.Time
	PasswordPending bool
}

// KeyRef names a permanent key: its DC and id.
type KeyRef struct {
	DC int
	ID model.KeyID
}

// Authorizations lists the sessions of an account (every account's when
// userID is 0), oldest first.
func (c *Cluster) Authorizations(userID int64) []AuthorizationInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []AuthorizationInfo
	for _, a := range c.acct.auths {
		if (userID != 0 && a.UserID != userID) || !a.listed() {
			continue
		}
		info := AuthorizationInfo{Hash: a.Hash, UserID: a.UserID, Home: KeyRef(a.Home),
			DeviceModel: a.Client.DeviceModel, SystemVersion: a.Client.SystemVersion, AppVersion: a.Client.AppVersion,
			APIID: a.Client.APIID, IP: a.IP, Created: a.Created, Active: a.Active, PasswordPending: a.passwordPending}
		for _, r := range a.keys {
			info.Keys = append(info.Keys, KeyRef(r))
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b AuthorizationInfo) int {
		if n := a.Created.Compare(b.Created); n != 0 {
			return n
		}
		return cmp.Compare(a.Home.ID, b.Home.ID)
	})
	return out
}
