package proto

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/login"
	"tgpfs/proto/session"
)

// This file is the fork: a new device for an account, made without copying
// its key. A new permanent key exports a login token
// (auth.exportLoginToken), the source session accepts it as a phone accepts
// a desktop's QR code (auth.acceptLoginToken), and the new key finishes the
// login (auth.exportLoginToken again, answered loginTokenSuccess; or
// loginTokenMigrateTo, then auth.importLoginToken on the account's DC). The
// fork is an authorization of its own: it is listed, ended and used on its
// own, and using it never costs the source an AUTH_KEY_DUPLICATED.

// ActFork and ActAccept are the fork's action names.
const (
	ActFork   = "fork"
	ActAccept = "accept"
)

// ErrBotSource is why a bot's session has no fork: bots cannot accept login
// tokens (Telegram answers auth.acceptLoginToken with BOT_METHOD_INVALID).
var ErrBotSource = errors.New("a bot session cannot be forked: bots cannot accept login tokens (auth.acceptLoginToken); log the bot in anew with its token instead")

// Acceptor accepts a login token for its account, as a logged-in phone
// accepts a desktop's QR code: auth.acceptLoginToken, answered with the new
// device's authorization. A *SourceKey is one; so is a *Driver, whose own
// logged-in session accepts.
type Acceptor interface {
	AcceptLoginToken(ctx context.Context, token []byte) (Authorization, error)
}

// AcceptLoginToken accepts a login token with the driver's own logged-in
// session, over its bound temporary key.
func (d *Driver) AcceptLoginToken(ctx context.Context, token []byte) (Authorization, error) {
	var out Authorization
	err := d.action(ctx, ActAccept, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		a, err := api.AuthAcceptLoginToken(ctx, token)
		if err != nil {
			return d.onCallErr(acceptErr(err))
		}
		out = authorizationOf(*a)
		return nil
	})
	return out, err
}

// acceptErr reads auth.acceptLoginToken's refusals: a bot is refused by
// its kind (BOT_METHOD_INVALID), which errors.Is finds as ErrBotSource.
func acceptErr(err error) error {
	if model.Classify(err, model.KeyState{}).Type == "BOT_METHOD_INVALID" {
		return fmt.Errorf("%w (auth.acceptLoginToken: %w)", ErrBotSource, err)
	}
	return fmt.Errorf("auth.acceptLoginToken: %w", err)
}

// sourceTempTTL is the expires_in of the temporary key that carries the
// source's accept: it carries one call, so it may die soon after.
const sourceTempTTL = 2 * time.Minute

// SourceKey is the permanent key of the session a fork is made from, kept
// for exactly one use: accepting one login token. That is how the fork
// guarantees that nothing but the accept goes out under the source's key.
// AcceptLoginToken opens a connection of its own, makes a temporary key,
// binds it to the source's key (the bind's inner message is the one thing
// the permanent key encrypts), sends auth.acceptLoginToken (acceptOn says
// how it is wrapped), and closes the connection. It is the only code that holds the
// session over that key, and it never sends a second query; a second
// AcceptLoginToken is refused without I/O. Nothing else is called under the
// source's key: no help.getConfig, no auth.dropTempAuthKeys (which would
// drop the source's own client's temporary keys).
type SourceKey struct {
	d          *Driver
	perm       crypto.AuthKey
	dc         int
	addr       string
	protocolDC int

	mu   sync.Mutex
	used bool
	temp crypto.AuthKey // the temporary key bound to the source, once made
}

// SourceKey prepares the source of a fork: the session's 256-byte
// permanent key and its DC. addr "" is the driver's address of that DC
// (or, on Telegram's DCs, the DC's published one). The key is copied.
// Nothing is dialed until AcceptLoginToken.
func (d *Driver) SourceKey(key []byte, dc int, addr string) (*SourceKey, error) {
	if len(key) != 256 {
		return nil, fmt.Errorf("source permanent key is %d bytes, want 256", len(key))
	}
	s := d.st()
	if addr == "" {
		addr = s.addrs[dc]
	}
	if addr == "" && s.target.Env != string(endpoints.Local) {
		ep, err := endpoints.Resolve(endpoints.Env(s.target.Env), dc, endpoints.ResolveOptions{})
		if err != nil {
			return nil, fmt.Errorf("source DC %d: %w", dc, err)
		}
		addr = ep.Addr
	}
	if addr == "" {
		return nil, fmt.Errorf("no address for the source's DC %d (known: %v)", dc, s.addrs)
	}
	var k crypto.Key
	copy(k[:], key)
	return &SourceKey{d: d, perm: k.WithID(), dc: dc, addr: addr,
		protocolDC: endpoints.MovedProtocolDCID(s.target.ProtocolDC, dc)}, nil
}

// KeyID is the source's permanent key id.
func (s *SourceKey) KeyID() model.KeyID { return model.KeyIDFromWire(s.perm.ID) }

// TempKeyID is the temporary key that carried the accept; 0 before it.
func (s *SourceKey) TempKeyID() model.KeyID {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.temp.Zero() {
		return 0
	}
	return model.KeyIDFromWire(s.temp.ID)
}

// errSourceUsed: the source's key accepts one token per SourceKey.
var errSourceUsed = errors.New("the source's key was used for its one accept already")

// AcceptLoginToken accepts token under the source's key: a new connection,
// a temporary key bound to the source's permanent key, one
// auth.acceptLoginToken, closed. The key exchange is reported on the
// driver's event stream and its frames go through the driver's tap.
func (s *SourceKey) AcceptLoginToken(ctx context.Context, token []byte) (Authorization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used {
		return Authorization{}, errSourceUsed
	}
	s.used = true
	d := s.d
	conn, err := d.dial(ctx, s.addr, s.protocolDC, fmt.Sprintf("dc%d source", s.dc))
	if err != nil {
		return Authorization{}, fmt.Errorf("connect to the source's DC %d: %w", s.dc, err)
	}
	defer conn.Close()
	res, err := d.handshakeFor(ctx, conn, model.Temporary, s.protocolDC, sourceTempTTL)
	if err != nil {
		return Authorization{}, fmt.Errorf("source's DC %d: %w", s.dc, err)
	}
	s.temp = res.Key
	d.ring.AddKey(res.Key)
	sess, err := session.New(conn, res.Key, res.Salt, session.Options{Now: d.now, Offset: res.Offset})
	if err != nil {
		return Authorization{}, err
	}
	if _, err := sess.Bind(ctx, session.BindRequest{Perm: s.perm, ExpiresAt: res.ExpiresAt}); err != nil {
		if model.Classify(err, model.KeyState{}).Kind == model.EncryptedMessageInvalid {
			// The source's key is not young: the DC does not have it.
			return Authorization{}, fmt.Errorf("DC %d does not know the source's permanent key %s (it was made on other DCs, or forgotten): %w", s.dc, s.KeyID(), err)
		}
		return Authorization{}, fmt.Errorf("bind a temporary key to the source's permanent key %s on DC %d: %w", s.KeyID(), s.dc, err)
	}
	conn.Seal()
	a, err := d.acceptOn(ctx, sess.Invoke, token)
	if err != nil {
		return Authorization{}, acceptErr(err)
	}
	return authorizationOf(a), nil
}

// acceptDeviceModel is how the accept describes tgpfs when the DC asks for
// initConnection.
const acceptDeviceModel = "tgpfs"

// acceptOn sends the source's auth.acceptLoginToken. It goes in
// invokeWithLayer alone first, so that the source's device stays listed as
// its own client described it (a DC lists a session's latest
// initConnection). Telegram may answer a newly bound key's first call
// without initConnection with CONNECTION_NOT_INITED; then the accept goes
// once more in invokeWithLayer(initConnection(...)), naming tgpfs, as tdlib
// answers that error (pfs-protocol.md, initConnection). Either way it is
// the one query of the source's key.
func (d *Driver) acceptOn(ctx context.Context, invoke func(context.Context, bin.Encoder, bin.Decoder) error, token []byte) (tg.Authorization, error) {
	var a tg.Authorization
	q := &tg.AuthAcceptLoginTokenRequest{Token: token}
	err := invoke(ctx, &tg.InvokeWithLayerRequest{Layer: d.opts.Layer, Query: q}, &a)
	if model.Classify(err, model.KeyState{}).Type == "CONNECTION_NOT_INITED" {
		err = invoke(ctx, d.initConnectionAs(acceptDeviceModel, q), &a)
	}
	return a, err
}

// ForkResult is a finished fork.
type ForkResult struct {
	// DC is the fork's home DC, the account's; User who it is logged in as.
	DC   int
	User model.User
	// Hash is the fork's authorization as the account lists it to others,
	// from the accept's answer: what ends the fork alone.
	Hash  int64
	Moves []login.Move
}

// Fork is a fork in progress on the driver that becomes the new device.
type Fork struct {
	d    *Driver
	flow *login.Flow
	hash int64

	mu   sync.Mutex
	done bool
	res  ForkResult
}

// Fork makes the driver a new device of src's account. The driver must be
// connected on a permanent key of its own that is not logged in: it
// exports a login token, src accepts it, and the driver finishes the login
// (following loginTokenMigrateTo to the account's DC, where the driver
// moves). When the account has a two-step verification password, Fork
// returns the Fork with an error errors.As finds as *login.PasswordNeeded
// (with its hint), and Password finishes it; Abandon gives it up.
func (d *Driver) Fork(ctx context.Context, src Acceptor) (*Fork, error) {
	f := &Fork{d: d}
	err := d.report(ctx, ActFork, func(ctx context.Context) error {
		s := d.st()
		_, bound := s.current()
		switch {
		case s.perm.Zero() || !bound:
			return errors.New("not connected: a fork needs the new device's bound key first")
		case s.loggedIn:
			return errors.New("this key is logged in already: a fork needs a new permanent key")
		}
		if sk, ok := src.(*SourceKey); ok && sk.perm.ID == s.perm.ID {
			return errors.New("the source's key and the new device's are the same key: that is a copy, not a fork")
		}
		f.flow = login.New(login.Config{AppID: d.opts.AppID, AppHash: d.opts.AppHash, DC: s.target.DC,
			Invoker: d.Invoker(), Mover: d, Offset: s.offset, Now: d.now})
		qr, err := f.flow.PollQR(ctx)
		if err != nil {
			return err
		}
		if qr.Done || len(qr.Token) == 0 {
			return errors.New("auth.exportLoginToken logged in before any accept")
		}
		a, err := src.AcceptLoginToken(ctx, qr.Token)
		if err != nil {
			return err
		}
		f.hash = a.Hash
		return f.poll(ctx)
	})
	return f, err
}

// poll asks for the login the accept made.
func (f *Fork) poll(ctx context.Context) error {
	qr, err := f.flow.PollQR(ctx)
	if err != nil {
		return err
	}
	if !qr.Done {
		return errors.New("auth.exportLoginToken answered a new token after the accept")
	}
	return f.finish(qr.Result)
}

func (f *Fork) finish(r login.Result) error {
	if err := f.d.NoteLogin(r.DC, r.User); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done = true
	f.res = ForkResult{DC: r.DC, User: r.User, Hash: f.hash, Moves: r.Moves}
	return nil
}

// Password finishes a fork that waits for the account's two-step
// verification password (checked with SRP; the password never leaves the
// process). A wrong one leaves the fork waiting for another try.
func (f *Fork) Password(ctx context.Context, password string) error {
	if f.flow == nil {
		return errors.New("the fork never reached its login")
	}
	return f.d.report(ctx, ActFork, func(ctx context.Context) error {
		r, err := f.flow.Password(ctx, password)
		if err != nil {
			return err
		}
		return f.finish(r)
	})
}

// Done reports whether the fork is logged in.
func (f *Fork) Done() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done
}

// Result is the finished fork; the zero ForkResult before Done.
func (f *Fork) Result() ForkResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.res
}

// Hash is the new device's authorization hash from the accept; 0 before.
func (f *Fork) Hash() int64 { return f.hash }

// Abandon gives up a fork that was accepted but is not logged in (it waits
// for its password): the new key logs out (auth.logOut, which ends an
// incomplete login too), so no half-made device stays in the account's
// list. A fork that never reached the accept has nothing to end.
func (f *Fork) Abandon(ctx context.Context) error {
	if f.Done() || f.hash == 0 {
		return nil
	}
	return f.d.LogOut(ctx)
}
