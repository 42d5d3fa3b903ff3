package proto

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/endpoints"
)

// This file holds what real-DC logins (proto/login) need from the driver:
// an invoker over the bound temporary key, a way to move the home DC when
// Telegram answers *_MIGRATE_X, and a way to record the login.

// Invoker is a tg.Invoker over whatever bound temporary key is current at
// each call. Calls are serialized with the driver's actions, reconnect a
// broken connection with the same key, and report a -404 like any action's
// call would. It never sends anything on an unbound key: with no bound key
// it fails.
func (d *Driver) Invoker() tg.Invoker { return driverInvoker{d} }

type driverInvoker struct{ d *Driver }

func (i driverInvoker) Invoke(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
	d := i.d
	d.act.Lock()
	defer d.act.Unlock()
	api, err := d.api(ctx)
	if err != nil {
		return err
	}
	if err := api.Invoker().Invoke(ctx, in, out); err != nil {
		return d.onCallErr(err)
	}
	return nil
}

// MoveTo makes dc the home DC, as Telegram asks with PHONE_MIGRATE_X,
// USER_MIGRATE_X or NETWORK_MIGRATE_X: a new permanent key there, a
// temporary key bound to it, and help.getConfig, exactly as Connect does. The old DC's keys stay in the
// history. It implements login.Mover.
func (d *Driver) MoveTo(ctx context.Context, dc int) (tg.Invoker, error) {
	err := d.action(ctx, ActMove, func(ctx context.Context) error {
		if dc == d.opts.Target.DC {
			return fmt.Errorf("already on DC %d", dc)
		}
		addr, ok := d.addrs[dc]
		if !ok && d.opts.Target.Env != string(endpoints.Local) {
			ep, err := endpoints.Resolve(endpoints.Env(d.opts.Target.Env), dc, endpoints.ResolveOptions{})
			if err != nil {
				return err
			}
			addr, ok = ep.Addr, true
		}
		if !ok {
			return fmt.Errorf("no address for DC %d (known: %v)", dc, d.addrs)
		}
		from := d.opts.Target.DC
		return d.rehome(ctx, dc, addr, movedProtocolDC(d.opts.Target.ProtocolDC, from, dc),
			fmt.Sprintf("left DC %d for DC %d", from, dc))
	})
	if err != nil {
		return nil, err
	}
	d.renew.reschedule()
	return d.Invoker(), nil
}

// rehome forgets the permanent key and the current temporary key and
// connects to dc afresh: a new permanent key, a temporary key bound to it,
// help.getConfig. why says, in the history, why the old temporary key ended.
// The caller holds the action lock.
func (d *Driver) rehome(ctx context.Context, dc int, addr string, protocolDC int, why string) error {
	if d.cur != nil {
		_ = d.cur.conn.Close()
		h := d.cur.held
		d.cur = nil
		h.info.End, h.info.EndedAt = model.Rotated, d.now()
		d.emit(model.TempKeyEnded{At: d.now(), ID: h.info.ID, How: model.Rotated, Detail: why})
	}
	d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Disconnected, Err: why})
	d.perm, d.opts.PermKey, d.opts.PermSource = crypto.AuthKey{}, nil, ""
	if d.loggedIn {
		d.loggedIn = false
		d.emit(model.LoggedOut{At: d.now(), DC: d.opts.Target.DC, Reason: why})
	}
	d.opts.Target.DC, d.opts.Target.Addr, d.opts.Target.ProtocolDC = dc, addr, protocolDC
	d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Connecting})
	if err := d.ensurePerm(ctx); err != nil {
		return err
	}
	if err := d.newTemp(ctx); err != nil {
		return err
	}
	if err := d.getConfig(ctx); err != nil {
		return err
	}
	d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Connected})
	return nil
}

// ResetKeys drops both keys and starts over on the same DC with a new
// permanent key: what the spec asks after ENCRYPTED_MESSAGE_INVALID on a
// permanent key older than 60 s. If that key was logged in, the login is
// gone with it, which is why the UI asks before calling this.
func (d *Driver) ResetKeys(ctx context.Context) error {
	err := d.action(ctx, ActReset, func(ctx context.Context) error {
		t := d.opts.Target
		return d.rehome(ctx, t.DC, t.Addr, t.ProtocolDC, "both keys dropped: a new permanent key replaces the old one")
	})
	if err != nil {
		return err
	}
	d.renew.reschedule()
	return nil
}

// movedProtocolDC keeps the conventions of the old protocol dc id (10000+
// on test DCs, negative for media) for the new DC.
func movedProtocolDC(old, from, to int) int {
	media := old < 0
	if media {
		old = -old
	}
	return endpoints.ProtocolDCID(to, old-from == 10000, media)
}

// ClockOffset is server time minus local time, from the last handshake.
func (d *Driver) ClockOffset() time.Duration {
	d.act.Lock()
	defer d.act.Unlock()
	return d.offset
}

// HomeDC is the DC the driver is connected to now.
func (d *Driver) HomeDC() int {
	d.act.Lock()
	defer d.act.Unlock()
	return d.opts.Target.DC
}

// NoteLogin records a login made through Invoker (proto/login) and reports
// it, as Login does for test phones.
func (d *Driver) NoteLogin(dc int, u model.User) error {
	d.act.Lock()
	defer d.act.Unlock()
	if dc != d.opts.Target.DC {
		return errors.New("login reported for another DC than the driver's")
	}
	d.loggedIn = true
	d.emit(model.LoggedIn{At: d.now(), DC: dc, User: u})
	return nil
}
