package proto

import (
	"context"
	"errors"
	"fmt"

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
// it fails. RPC errors are readable as *model.RPCError and as gotd's
// *tgerr.Error.
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
// temporary key bound to it, and help.getConfig, exactly as Connect does.
// The old DC's keys stay in the history. It implements login.Mover.
func (d *Driver) MoveTo(ctx context.Context, dc int) (tg.Invoker, error) {
	err := d.action(ctx, ActMove, func(ctx context.Context) error {
		s := d.st()
		if dc == s.target.DC {
			return fmt.Errorf("already on DC %d", dc)
		}
		addr, ok := s.addrs[dc]
		if !ok && s.target.Env != string(endpoints.Local) {
			ep, err := endpoints.Resolve(endpoints.Env(s.target.Env), dc, endpoints.ResolveOptions{})
			if err != nil {
				return err
			}
			addr, ok = ep.Addr, true
		}
		if !ok {
			return fmt.Errorf("no address for DC %d (known: %v)", dc, s.addrs)
		}
		return d.rehome(ctx, dc, addr, endpoints.MovedProtocolDCID(s.target.ProtocolDC, dc),
			fmt.Sprintf("left DC %d for DC %d", s.target.DC, dc))
	})
	if err != nil {
		return nil, err
	}
	d.renew.reschedule()
	return d.Invoker(), nil
}

// rehome forgets the permanent key and the current temporary key and
// connects to dc afresh through establish: a new permanent key, a temporary
// key bound to it, help.getConfig. why says, in the history, why the old
// temporary key ended. The caller holds the action lock.
func (d *Driver) rehome(ctx context.Context, dc int, addr string, protocolDC int, why string) error {
	d.endCurrent(model.Rotated, why)
	d.connChanged(model.Disconnected, why)
	old := d.st()
	d.update(func(s *state) {
		s.perm, s.permMd, s.givenPerm, s.loggedIn = crypto.AuthKey{}, model.PermKey{}, false, false
		s.target.DC, s.target.Addr, s.target.ProtocolDC = dc, addr, protocolDC
		s.addrs[dc] = addr
	})
	if old.loggedIn {
		d.emit(model.LoggedOut{At: d.now(), DC: old.target.DC, Reason: why})
	}
	return d.establish(ctx)
}

// ResetKeys drops both keys and starts over on the same DC with a new
// permanent key: what the spec asks after ENCRYPTED_MESSAGE_INVALID on a
// permanent key older than 60 s. If that key was logged in, the login is
// gone with it, which is why the UI asks before calling this.
func (d *Driver) ResetKeys(ctx context.Context) error {
	err := d.action(ctx, ActReset, func(ctx context.Context) error {
		t := d.st().target
		return d.rehome(ctx, t.DC, t.Addr, t.ProtocolDC, "both keys dropped: a new permanent key replaces the old one")
	})
	if err != nil {
		return err
	}
	d.renew.reschedule()
	return nil
}

// NoteLogin records a login made through Invoker (proto/login) and reports
// it, as Login does for test phones.
func (d *Driver) NoteLogin(dc int, u model.User) error {
	d.act.Lock()
	defer d.act.Unlock()
	if dc != d.st().target.DC {
		return errors.New("login reported for another DC than the driver's")
	}
	d.update(func(s *state) { s.loggedIn = true })
	d.emit(model.LoggedIn{At: d.now(), DC: dc, User: u})
	return nil
}
