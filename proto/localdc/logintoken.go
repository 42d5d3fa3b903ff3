package localdc

import (
	"slices"
	"strconv"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

// loginTokenMethods are QR login (https://core.telegram.org/api/qr-login):
// a new device exports a token and shows it as a QR code, a logged-in one
// accepts it, and the new device then finds itself logged in (or is sent
// to the account's DC to import the token there).
var loginTokenMethods = []method{
	{id: tg.AuthExportLoginTokenRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthExportLoginTokenRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.exportLoginToken(s.d, m, r)
	})},
	{id: tg.AuthAcceptLoginTokenRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthAcceptLoginTokenRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.acceptLoginToken(s.d, m, r.Token)
	})},
	{id: tg.AuthImportLoginTokenRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, r *tg.AuthImportLoginTokenRequest) (bin.Encoder, *tgerr.Error) {
		return s.c.importLoginToken(s.d, m, r.Token)
	})},
}

const (
	// loginTokenTTL is a QR token's life, Telegram's 30 s; an accepted
	// token gets as long again from the accept to be finished.
	loginTokenTTL = 30 * time.Second
	// maxLoginTokens bounds the tokens in flight.
	maxLoginTokens = 1024
	// loginTokenLen is a token's length in bytes (43 characters of
	// base64url in the tg://login link).
	loginTokenLen = 32
)

// loginToken is one auth.exportLoginToken token. Guarded by Cluster.mu.
type loginToken struct {
	dc        int         // the DC it was exported on
	exporter  model.KeyID // the permanent key that exported it, on dc
	client    *connClient // the exporting client, described in its session
	exceptIDs []int64
	expires   time.Time

	// Set by auth.acceptLoginToken: the account and the new session, which
	// holds no key until the exporting device finishes the login.
	user     *user
	accepted *authorization
	// done: the login was finished with this token; it answers
	// AUTH_TOKEN_ALREADY_ACCEPTED until it expires.
	done bool
}

// exportLoginToken is auth.exportLoginToken: a new token, or, once a
// token of this key was accepted, the login (loginTokenSuccess) or where
// to finish it (loginTokenMigrateTo the account's DC).
func (c *Cluster) exportLoginToken(d *dcServer, m inMsg, r *tg.AuthExportLoginTokenRequest) (bin.Encoder, *tgerr.Error) {
	if r.APIID <= 0 {
		return nil, rpcErr(400, "API_ID_INVALID")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	perm := d.permFor(m.key)
	if perm == nil {
		return nil, rpcErr(401, "AUTH_KEY_PERM_EMPTY")
	}
	now := c.now()
	for v, t := range c.acct.tokens {
		if t.dc != d.id || t.exporter != perm.id || t.done || !now.Before(t.expires) {
			continue
		}
		if t.accepted == nil {
			// Each export replaces the key's previous token.
			delete(c.acct.tokens, v)
			continue
		}
		if home := t.user.HomeDC; home != d.id {
			return &tg.AuthLoginTokenMigrateTo{DCID: home, Token: []byte(v)}, nil
		}
		return c.finishQRLocked(d, m, t, "auth.exportLoginToken")
	}
	if len(c.acct.tokens) >= maxLoginTokens {
		c.acct.sweepLocked(now)
		evictOldest(c.acct.tokens, func(t *loginToken) time.Time { return t.expires }, maxLoginTokens-1)
	}
	tok := randomBytes(loginTokenLen)
	t := &loginToken{dc: d.id, exporter: perm.id, client: m.key.client, exceptIDs: slices.Clone(r.ExceptIDs), expires: now.Add(loginTokenTTL)}
	c.acct.tokens[string(tok)] = t
	c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvExport, KeyID: perm.id, KeyKind: model.Permanent,
		Detail: "auth.exportLoginToken: a QR login token, expires " + t.expires.Format(time.TimeOnly)})
	return &tg.AuthLoginToken{Expires: int(t.expires.Unix()), Token: tok}, nil
}

// finishQRLocked logs the request's key in with an accepted token: the
// session the accept made, after the password if the account has one.
// Called with c.mu held.
func (c *Cluster) finishQRLocked(d *dcServer, m inMsg, t *loginToken, how string) (bin.Encoder, *tgerr.Error) {
	t.done = true
	if c.hasPassword(t.user) {
		return nil, c.needPasswordLocked(d, m, t.user, t.accepted)
	}
	res, e := c.loginInto(d, m, t.user, how+" (QR login)", t.accepted)
	if e != nil {
		return nil, e
	}
	return &tg.AuthLoginTokenSuccess{Authorization: res.(*tg.AuthAuthorization)}, nil
}

// acceptLoginToken is auth.acceptLoginToken: a logged-in session accepts
// a new device's token, which makes the device's session (returned), and
// the device hears updateLoginToken on every connection it has open.
func (c *Cluster) acceptLoginToken(d *dcServer, m inMsg, token []byte) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	u, perm, _, e := c.callerLocked(d, m)
	if e != nil {
		c.mu.Unlock()
		return nil, e
	}
	now := c.now()
	t := c.acct.tokens[string(token)]
	switch {
	case t == nil:
		// Telegram's accept says INVALIDX where its import says INVALID.
		e = rpcErr(400, "AUTH_TOKEN_INVALIDX")
	case t.accepted != nil:
		e = rpcErr(400, "AUTH_TOKEN_ALREADY_ACCEPTED")
	case !now.Before(t.expires):
		delete(c.acct.tokens, string(token))
		e = rpcErr(400, "AUTH_TOKEN_EXPIRED")
	case slices.Contains(t.exceptIDs, u.ID):
		// The device said it is logged in as this account already.
		e = rpcErr(400, "AUTH_TOKEN_EXCEPTION")
	}
	if e != nil {
		c.mu.Unlock()
		return nil, e
	}
	t.user, t.accepted = u, c.newAuthorizationLocked(u, t.client)
	t.expires = now.Add(loginTokenTTL)
	c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvExport, KeyID: perm.id, KeyKind: model.Permanent, UserID: u.ID,
		Detail: "auth.acceptLoginToken by " + by(d, perm) + ": the token of dc " + strconv.Itoa(t.dc) + " perm " + t.exporter.String() +
			" logs in as session " + hashHex(t.accepted.Hash)})
	to := c.liveTargetsLocked(t.dc, t.exporter)
	res := t.accepted.tl(false)
	c.mu.Unlock()
	c.push(to, &tg.UpdateShort{Update: &tg.UpdateLoginToken{}, Date: int(now.Unix())})
	return &res, nil
}

// importLoginToken is auth.importLoginToken: the token of a login that
// loginTokenMigrateTo sent here, on the account's DC.
func (c *Cluster) importLoginToken(d *dcServer, m inMsg, token []byte) (bin.Encoder, *tgerr.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.acct.tokens[string(token)]
	switch {
	case t == nil || t.accepted == nil:
		return nil, rpcErr(400, "AUTH_TOKEN_INVALID")
	case t.done:
		return nil, rpcErr(400, "AUTH_TOKEN_ALREADY_ACCEPTED")
	case !c.now().Before(t.expires):
		delete(c.acct.tokens, string(token))
		return nil, rpcErr(400, "AUTH_TOKEN_EXPIRED")
	case t.user.HomeDC != d.id:
		return &tg.AuthLoginTokenMigrateTo{DCID: t.user.HomeDC, Token: token}, nil
	}
	return c.finishQRLocked(d, m, t, "auth.importLoginToken from dc "+strconv.Itoa(t.dc))
}
