package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/login"
	"tgpfs/sessions"
)

// A fork (Config.Fork: `tgpfs fork`, `tgpfs --session S --fork`) makes the
// session a new device instead of copying its key: the driver makes a
// permanent key of its own on the session's DC and logs it in with a login
// token that the session's key accepts (proto.Driver.Fork). The session's
// key goes to a proto.SourceKey, which uses it for that accept only; the
// driver never holds it.

// ForkDeviceModel is what a fork names itself in initConnection, so the
// account's list tells it from the tgpfs whose accept made it.
const ForkDeviceModel = "tgpfs fork"

// maxPasswordTries bounds the password prompts of one fork, as a login form
// would.
const maxPasswordTries = 3

// forkSource checks the session a fork is made from. A bot's session has no
// fork (bots cannot accept login tokens): refused here, before anything
// starts, when the session records that it is a bot.
func (a *App) forkSource() error {
	if a.sess.IsBot {
		return a.badSource(proto.ErrBotSource)
	}
	if a.env == endpoints.Local && a.server == nil && a.cfg.Attach == nil && a.cfg.Cluster.StatePath == "" {
		return a.badSource(errEmbeddedFork)
	}
	a.warnings = append(a.warnings, "forking "+a.sess.PermKey().Source+
		": its key accepts one login token for a new key, and is used for nothing else")
	return nil
}

// errEmbeddedFork: the embedded local DCs start with no keys, so no
// session's key can accept anything there.
var errEmbeddedFork = errors.New("the embedded local DCs start empty and cannot know this session's key: " +
	"fork it on the DCs that made it (--dc test or prod), or fork tgpfs's own session from the Sessions screen (f)")

// forkNeedsSession refuses a fork with nothing to fork.
func (a *App) forkNeedsSession() error {
	if a.cfg.Fork && a.sess == nil {
		return bad("--fork", "", "needs --session: the session to make a new device of")
	}
	return nil
}

// badSource is bad --session input found about the source of a fork; err
// is tgpfs's own (it quotes nothing of the session) and stays in the chain.
func (a *App) badSource(err error) *InputError {
	return &InputError{Name: "--session", Value: sessionValue(a.cfg.Session), Reason: err}
}

// PasswordFunc gives the account's two-step verification password when a
// fork needs it. hint is the account's hint, the server's text (escape it
// before it reaches a terminal); attempt counts from 1, and above 1 the
// previous answer was wrong. An error gives the fork up.
type PasswordFunc func(ctx context.Context, hint string, attempt int) (string, error)

// Forked is a finished fork.
type Forked struct {
	proto.ForkResult
	// KeyID is the fork's permanent key; Source the session's, which only
	// accepted.
	KeyID  model.KeyID
	Source model.KeyID
}

// Fork runs the fork the Config asks for: it connects the driver (a new
// permanent key, a temporary key bound to it), has the session's key accept
// the driver's login token, and finishes the login, asking password when
// the account has a 2FA password. A fork given up after the accept logs its
// new key out, so no half-made device stays in the account's list. After it
// the driver is the fork, connected and logged in: RunTUI and Snapshot go
// on from there.
func (s *Session) Fork(ctx context.Context, password PasswordFunc) (Forked, error) {
	a := s.app
	if !a.cfg.Fork || a.sess == nil {
		return Forked{}, errors.New("this session was not started as a fork")
	}
	d := s.Driver
	if err := d.Connect(ctx); err != nil {
		return Forked{}, fmt.Errorf("connect the new device: %w", err)
	}
	addr := ""
	if a.env != endpoints.Local && !a.sess.AddrFromDC {
		addr = a.sess.HostPort()
	}
	src, err := d.SourceKey(a.sess.AuthKey, a.cfg.DC, addr)
	if err != nil {
		return Forked{}, err
	}
	f, err := d.Fork(ctx, src)
	if need := (*login.PasswordNeeded)(nil); errors.As(err, &need) {
		err = forkPassword(ctx, f, need.Hint, password)
	}
	if err != nil {
		if f.Hash() != 0 {
			// The accept made a session that waits for this key: end it,
			// even when ctx is what ended the fork.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = f.Abandon(actx)
		}
		if errors.Is(err, proto.ErrBotSource) {
			return Forked{}, a.badSource(err)
		}
		return Forked{}, err
	}
	s.connected = true
	return Forked{ForkResult: f.Result(), KeyID: d.PermKey().ID, Source: src.KeyID()}, nil
}

// forkPassword finishes a fork that waits for the 2FA password, asking up
// to maxPasswordTries times.
func forkPassword(ctx context.Context, f *proto.Fork, hint string, ask PasswordFunc) error {
	if ask == nil {
		return fmt.Errorf("the account has a two-step verification password and none was given: %w", login.ErrPasswordNeeded)
	}
	var err error
	for attempt := 1; attempt <= maxPasswordTries; attempt++ {
		pw, aerr := ask(ctx, hint, attempt)
		if aerr != nil {
			return aerr
		}
		err = f.Password(ctx, pw)
		if model.Classify(err, model.KeyState{}).Type != "PASSWORD_HASH_INVALID" {
			return err
		}
	}
	return fmt.Errorf("%d wrong passwords: %w", maxPasswordTries, err)
}

// ForkedSession is the fork's permanent key as a session of format f: its
// DC and address, the user, the app id. The caller writes it
// (sessions.Encode, sessions.WriteFile) and clears its AuthKey.
func (s *Session) ForkedSession(f sessions.Format, r Forked) (*sessions.Session, error) {
	key := s.Driver.RevealKey(model.Permanent)
	if len(key) == 0 {
		return nil, errors.New("the fork has no permanent key")
	}
	st := s.Driver.Status()
	out, err := newSession(f, key, st.Target.DC, st.Target.Addr, r.User.ID, s.app.app.ID, s.app.env == endpoints.Test)
	if err != nil {
		clear(key)
		return nil, err
	}
	out.Source = "tgpfs fork"
	return out, nil
}

// ReadPasswordFile reads --password-file: a regular file of at most 64
// KiB holding the password, one trailing line break dropped. Nothing of
// its content ever appears in an error.
func ReadPasswordFile(path string) (string, error) {
	data, err := readSmallFile("--password-file", path)
	if err != nil {
		return "", err
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	if pw == "" {
		return "", bad("--password-file", strconv.Quote(path), "empty")
	}
	return pw, nil
}

// PasswordFromFile answers a fork's password question with the password of
// --password-file path; a second question means it was wrong, which is bad
// --password-file input.
func PasswordFromFile(path, password string) PasswordFunc {
	return func(_ context.Context, _ string, attempt int) (string, error) {
		if attempt > 1 {
			return "", bad("--password-file", strconv.Quote(path), "wrong two-step verification password")
		}
		return password, nil
	}
}
