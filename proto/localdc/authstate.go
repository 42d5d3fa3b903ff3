package localdc

import (
	"time"

	"tgpfs/model"
)

// accountState is what the cluster holds about its accounts' sessions:
// every session, the QR login tokens in flight, the SRP exchanges of 2FA
// logins and the test accounts' password verifiers. Guarded by Cluster.mu
// (passwords is written once, at Start).
type accountState struct {
	auths     map[int64]*authorization // by hash
	tokens    map[string]*loginToken   // QR login tokens, by value
	srp       map[int64]*srpSession    // by srp_id
	passwords map[string]*srpVerifier  // phone -> the account's 2FA password
}

func newAccountState(passwords map[string]*srpVerifier) accountState {
	return accountState{
		auths:     make(map[int64]*authorization),
		tokens:    make(map[string]*loginToken),
		srp:       make(map[int64]*srpSession),
		passwords: passwords,
	}
}

// sweepLocked forgets expired login tokens and SRP exchanges. Called with
// Cluster.mu held.
func (s *accountState) sweepLocked(now time.Time) {
	for v, t := range s.tokens {
		if !now.Before(t.expires) {
			delete(s.tokens, v)
		}
	}
	for id, e := range s.srp {
		if !now.Before(e.expires) {
			delete(s.srp, id)
		}
	}
}

// savedAuthorizationsLocked are the sessions the state file keeps: those
// logged in (an incomplete login is not worth a restart), including those
// whose keys live on DCs this run does not have. Called with Cluster.mu
// held.
func (c *Cluster) savedAuthorizationsLocked() []*authorization {
	elsewhere := make(map[int64]bool)
	for _, p := range c.otherState {
		elsewhere[p.AuthHash] = true
	}
	var out []*authorization
	for _, a := range c.acct.auths {
		if !a.passwordPending && (len(a.keys) > 0 || elsewhere[a.Hash]) {
			out = append(out, a)
		}
	}
	return out
}

// restoreAuthorizationsLocked rebuilds the sessions from the state file
// once its keys are loaded. A logged-in key whose session the file does
// not have (a file written before sessions were kept) gets a session of
// its own, made when the key was. Called with Cluster.mu held.
func (c *Cluster) restoreAuthorizationsLocked(saved []*authorization) {
	elsewhere := make(map[int64]bool)
	for _, p := range c.otherState {
		elsewhere[p.AuthHash] = true
	}
	for _, a := range saved {
		if a == nil || a.Hash == 0 || c.users[a.UserID] == nil {
			continue
		}
		a.keys, a.passwordPending = nil, false
		c.acct.auths[a.Hash] = a
	}
	for _, d := range c.dcs {
		for _, k := range d.keys {
			if k.kind != model.Permanent || k.userID == 0 {
				continue
			}
			ref := keyRef{DC: d.id, ID: k.id}
			a := c.acct.auths[k.authHash]
			if a == nil || a.UserID != k.userID {
				a = &authorization{Hash: c.newAuthHashLocked(), UserID: k.userID, Created: k.created, Active: k.created, Home: ref}
				c.acct.auths[a.Hash] = a
				k.authHash = a.Hash
			}
			if a.Home == ref {
				a.keys = append([]keyRef{ref}, a.keys...)
			} else {
				a.keys = append(a.keys, ref)
			}
		}
	}
	for h, a := range c.acct.auths {
		if len(a.keys) == 0 && !elsewhere[h] {
			delete(c.acct.auths, h)
		}
	}
}
