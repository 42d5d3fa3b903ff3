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
// USER_MIGRATE_X or NETWORK_MIGRATE_X: a permanent key there (the one made
// for an earlier export, or a new one), a temporary key bound to it, and
// help.getConfig, exactly as Connect does. The old DC's keys stay in the
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
		if d.cur != nil {
			_ = d.cur.conn.Close()
			h := d.cur.held
			d.cur = nil
			h.info.End, h.info.EndedAt = model.Rotated, d.now()
			d.emit(model.TempKeyEnded{At: d.now(), ID: h.info.ID, How: model.Rotated,
				Detail: fmt.Sprintf("left DC %d for DC %d", from, dc)})
		}
		d.emit(model.ConnChanged{At: d.now(), Target: d.modelTarget(), Phase: model.Disconnected,
			Err: fmt.Sprintf("moving to DC %d", dc)})
		d.perm, d.opts.PermKey, d.opts.PermSource = crypto.AuthKey{}, nil, ""
		d.loggedIn = false
		d.opts.Target.DC, d.opts.Target.Addr = dc, addr
		d.opts.Target.ProtocolDC = movedProtocolDC(d.opts.Target.ProtocolDC, from, dc)
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
	})
	if err != nil {
		return nil, err
	}
	d.renew.reschedule()
	return d.Invoker(), nil
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
