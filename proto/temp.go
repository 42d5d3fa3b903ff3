package proto

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/session"
	"tgpfs/proto/tap"
)

// This file is the temporary keys: making one and binding it to the
// permanent key (with the spec's ENCRYPTED_MESSAGE_INVALID policy),
// rotating, and dropping the others with proof that they are gone.

// newTemp makes a temp key on a new connection, binds it to the permanent
// key, seals the connection and makes it current. The previous current key
// is reported as rotated; it stays valid on the DC until it expires or is
// dropped.
func (d *Driver) newTemp(ctx context.Context) error {
	s := d.st()
	lt, err := d.openTemp(ctx, s.target.DC, s.target.Addr, s.target.ProtocolDC, s.perm, s.permMd.CreatedAt)
	if err != nil {
		return err
	}
	d.endCurrent(model.Rotated, "replaced by "+lt.held.info.ID.String()+"; still valid on the DC until it expires or is dropped")
	d.live = lt
	d.update(func(s *state) {
		s.temps = append(s.temps, lt.held)
		if len(s.temps) > keepTemps {
			s.temps = s.temps[len(s.temps)-keepTemps:]
		}
		s.cur = lt.held.info.ID
	})
	return nil
}

// endCurrent closes the current temp key's connection and reports how the
// key ended; there is no current key after it.
func (d *Driver) endCurrent(how model.TempEnd, detail string) {
	if d.live != nil {
		_ = d.live.conn.Close()
		d.live = nil
	}
	id := d.st().cur
	if id == 0 {
		return
	}
	at := d.now()
	d.update(func(s *state) {
		s.end(id, how, at)
		s.cur = 0
	})
	d.emit(model.TempKeyEnded{At: at, ID: id, How: how, Detail: detail})
}

// openTemp runs the temp-key exchange and the bind on a new connection to
// addr. The key is bound to perm, made at permCreated (zero if unknown).
func (d *Driver) openTemp(ctx context.Context, dc int, addr string, protocolDC int, perm crypto.AuthKey, permCreated time.Time) (*liveTemp, error) {
	dial := func(ctx context.Context) (*tap.Conn, error) {
		return d.dial(ctx, addr, protocolDC, fmt.Sprintf("dc%d temp", dc))
	}
	conn, res, err := d.exchange(ctx, dial, model.Temporary, protocolDC)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = conn.Close()
		}
	}()
	d.syncClock(res.Offset)
	held := heldTemp{key: res.Key, salt: res.Salt, info: model.TempKey{
		ID: model.KeyIDFromWire(res.Key.ID), DC: dc, ExpiresIn: d.opts.TempTTL, CreatedAt: d.now(), ExpiresAt: res.ExpiresAt,
	}}
	d.ring.AddKey(res.Key)
	sess, err := session.New(conn, res.Key, res.Salt, session.Options{Now: d.now, Offset: res.Offset, Wrap: d.initConnection})
	if err != nil {
		return nil, err
	}
	held.info.SessionID = sess.ID()
	d.emit(model.TempKeyCreated{At: d.now(), Key: held.info})

	bound, err := d.bind(ctx, sess, held.info, perm, permCreated)
	if err != nil {
		d.emit(model.TempKeyEnded{At: d.now(), ID: held.info.ID, How: model.Failed, Detail: err.Error()})
		return nil, err
	}
	// From here on only encrypted frames may leave: no key exchange can
	// ever run on this connection and quietly replace the bound key.
	conn.Seal()
	held.info.Bound, held.info.BoundAt, held.info.ExpiresAt = true, d.now(), bound.ExpiresAt
	d.emit(model.TempKeyBound{At: d.now(), ID: held.info.ID, PermID: model.KeyIDFromWire(perm.ID), Nonce: bound.Nonce,
		ExpiresAt: bound.ExpiresAt, MsgID: bound.MsgID, SessionID: bound.SessionID})
	ok = true
	return &liveTemp{held: held, conn: conn, sess: sess}, nil
}

// bind runs auth.bindTempAuthKey and reads a failure by the real server's
// rules (model.Classify): with ENCRYPTED_MESSAGE_INVALID, a permanent key
// younger than model.PermYoung may not have reached every server yet, so
// the bind is retried for as long as the key is young (bindRetryWait); an
// older one is reported as gone, as a *keysRefused. Every failure is
// reported with its verdict.
func (d *Driver) bind(ctx context.Context, sess *session.Session, temp model.TempKey, perm crypto.AuthKey, permCreated time.Time) (session.BindResult, error) {
	s := d.st()
	ks := model.KeyState{HomeDC: s.loggedIn && perm.ID == s.perm.ID}
	for {
		res, err := sess.Bind(ctx, session.BindRequest{Perm: perm, ExpiresAt: temp.ExpiresAt})
		if err == nil {
			return res, nil
		}
		if !permCreated.IsZero() {
			ks.PermAge = d.now().Sub(permCreated)
		}
		v := model.Classify(err, ks)
		fail := model.BindFailed{At: d.now(), ID: temp.ID, Err: err.Error(), Verdict: v}
		var rpc *model.RPCError
		if errors.As(err, &rpc) {
			fail.Code, fail.Type = rpc.Code, rpc.Type
		}
		if v.Explained() {
			fail.Advice = v.Advice
		}
		d.emit(fail)
		if v.Kind != model.EncryptedMessageInvalid {
			return session.BindResult{}, err
		}
		if !v.Retry {
			return session.BindResult{}, &keysRefused{verdict: v, err: err}
		}
		t := time.NewTimer(bindRetryWait(ks.Retried, ks.PermAge))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			// Both stay in the chain: the step ran out of time, and
			// what the DC last answered is what a caller reads by the
			// server's rules (model.Classify).
			return session.BindResult{}, fmt.Errorf("%w (the bind was retried while the permanent key was young, until %w)", err, ctx.Err())
		}
		ks.Retried++
	}
}

// The pace of bind retries with a young permanent key: doubling from
// bindRetryFirst up to bindRetryMax, about ten binds in the key's first
// minute.
const (
	bindRetryFirst = 250 * time.Millisecond
	bindRetryMax   = 8 * time.Second
	// bindAgeMargin keeps every retried bind's answer this far from the
	// 60 s line, on whichever side: the DC dates the key from its own
	// clock and its own moment of making it, so near the line the two
	// sides could read the same age as young and old.
	bindAgeMargin = time.Second
)

// bindRetryWait is the pause before the next bind of a permanent key age
// old that was refused retried times already.
func bindRetryWait(retried int, age time.Duration) time.Duration {
	w := min(bindRetryFirst<<min(retried, 6), bindRetryMax)
	if next := age + w; next > model.PermYoung-bindAgeMargin && next < model.PermYoung+bindAgeMargin {
		w = model.PermYoung + bindAgeMargin - age
	}
	return w
}

// keysRefused is a bind refused in a way that means both keys must go:
// ENCRYPTED_MESSAGE_INVALID with a permanent key 60 s old or of unknown age.
type keysRefused struct {
	verdict model.Verdict
	err     error
}

func (e *keysRefused) Error() string { return e.err.Error() }
func (e *keysRefused) Unwrap() error { return e.err }

// bindNew is newTemp, and when the DC refuses the permanent key (the spec's
// "drop both keys") and Options.ReplaceRefusedKeys allows it, it drops both
// keys and binds a temporary key to a new permanent key, once. A key that
// holds the login, or that the caller gave (a session's), is never dropped
// here: that is the caller's to decide.
func (d *Driver) bindNew(ctx context.Context) error {
	err := d.newTemp(ctx)
	var kr *keysRefused
	if err == nil || !d.opts.ReplaceRefusedKeys || !errors.As(err, &kr) || kr.verdict.LoggedOut || d.st().givenPerm {
		return err
	}
	d.dropPerm("both keys dropped: the DC refused the permanent key (" + kr.verdict.Type + ")")
	if err := d.ensurePerm(ctx); err != nil {
		return err
	}
	return d.newTemp(ctx)
}

// dropPerm forgets the permanent key and ends the current temporary key
// with it; the next ensurePerm makes a new one.
func (d *Driver) dropPerm(why string) {
	d.endCurrent(model.Rotated, why)
	d.update(func(s *state) {
		s.perm, s.permMd, s.givenPerm, s.loggedIn = crypto.AuthKey{}, model.PermKey{}, false, false
	})
}

// Rotate makes a new temp key and binds it. The old key stays valid on the
// DC until it expires or is dropped.
func (d *Driver) Rotate(ctx context.Context) error {
	err := d.action(ctx, ActRotate, d.rotate)
	d.renew.reschedule()
	return err
}

func (d *Driver) rotate(ctx context.Context) error {
	if d.st().perm.Zero() {
		return errors.New("not connected")
	}
	if err := d.bindNew(ctx); err != nil {
		return err
	}
	d.connChanged(model.Connected, "")
	return nil
}

// Drop calls auth.dropTempAuthKeys(except the current key), then proves each
// earlier key is gone: a call under it on a fresh connection must get -404.
func (d *Driver) Drop(ctx context.Context) error {
	return d.action(ctx, ActDrop, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		s := d.st()
		cur := s.cur
		if _, err := api.AuthDropTempAuthKeys(ctx, []int64{int64(cur)}); err != nil {
			return d.onCallErr(fmt.Errorf("auth.dropTempAuthKeys: %w", err))
		}
		ev := model.KeysDropped{At: d.now(), Except: []model.KeyID{cur}}
		var alive []string
		for _, h := range s.temps {
			if h.info.ID == cur || h.info.End == model.Dropped || h.info.End == model.NotFound || h.info.End == model.Failed {
				continue
			}
			if h.info.DC != s.target.DC {
				// Made on another DC (an export, or before a move): the
				// drop on this DC does not reach it, and a probe here
				// would "prove" nothing but that this DC never knew it.
				continue
			}
			gone, err := d.probeGone(ctx, h)
			if err != nil {
				return fmt.Errorf("probe %s: %w", h.info.ID, err)
			}
			if !gone {
				alive = append(alive, h.info.ID.String())
				continue
			}
			at := d.now()
			d.update(func(s *state) { s.end(h.info.ID, model.Dropped, at) })
			ev.Gone = append(ev.Gone, h.info.ID)
			d.emit(model.TempKeyEnded{At: at, ID: h.info.ID, How: model.Dropped, Detail: "a call under it now gets transport error -404"})
		}
		d.emit(ev)
		if len(alive) > 0 {
			return fmt.Errorf("keys still answer after the drop: %v", alive)
		}
		return nil
	})
}

// probeGone sends help.getConfig under an earlier temp key on a new
// connection and reports whether the DC answered -404.
func (d *Driver) probeGone(ctx context.Context, h heldTemp) (bool, error) {
	conn, err := d.dialTarget(ctx, "probe")
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.Seal()
	sess, err := session.New(conn, h.key, h.salt, session.Options{Now: d.now, Offset: d.st().offset, Timeout: 10 * time.Second})
	if err != nil {
		return false, err
	}
	_, err = tg.NewClient(sess).HelpGetConfig(ctx)
	switch {
	case model.IsKeyNotFound(err):
		return true, nil
	case err == nil:
		return false, nil
	}
	return false, err
}
