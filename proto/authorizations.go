package proto

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// This file is the account's sessions as Telegram's Settings › Devices shows
// them: every authorization of the account the driver's key is logged in
// as, ending one, and ending all the others. Each call is an action over
// the bound temporary key, like every other call of the driver.

// Action names of the account's sessions.
const (
	ActAuthorizations  = "authorizations"
	ActTerminate       = "terminate"
	ActTerminateOthers = "terminate others"
)

// Authorization is one of the account's sessions, a device logged in, as
// account.getAuthorizations lists it. The strings are what each client said
// of itself in initConnection, chosen by that client: quote them before
// they reach a terminal.
type Authorization struct {
	// Hash names the session for account.resetAuthorization. Telegram
	// shows a session its own entry with hash 0.
	Hash int64
	// Current is the session of the key the driver is logged in with.
	Current         bool
	OfficialApp     bool
	PasswordPending bool // logged in with the code or a QR, the 2FA password still due
	DeviceModel     string
	Platform        string
	SystemVersion   string
	APIID           int
	AppName         string
	AppVersion      string
	Created         time.Time
	Active          time.Time
	IP              string
	Country         string
	Region          string
}

// Authorizations lists the account's sessions (account.getAuthorizations),
// the driver's own first, as Telegram orders them.
func (d *Driver) Authorizations(ctx context.Context) ([]Authorization, error) {
	var out []Authorization
	err := d.call(ctx, ActAuthorizations, "account.getAuthorizations", func(ctx context.Context, api *tg.Client) error {
		res, err := api.AccountGetAuthorizations(ctx)
		if err != nil {
			return err
		}
		out = make([]Authorization, 0, len(res.Authorizations))
		for _, a := range res.Authorizations {
			out = append(out, authorizationOf(a))
		}
		return nil
	})
	return out, err
}

// call is an action of one method over the bound temporary key: what the
// call fails with is read as every call's failure is (onCallErr), named by
// the method.
func (d *Driver) call(ctx context.Context, action, method string, f func(context.Context, *tg.Client) error) error {
	return d.action(ctx, action, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		if err := f(ctx, api); err != nil {
			return d.onCallErr(fmt.Errorf("%s: %w", method, err))
		}
		return nil
	})
}

// authorizationOf reads the authorization constructor.
func authorizationOf(a tg.Authorization) Authorization {
	return Authorization{
		Hash: a.Hash, Current: a.Current, OfficialApp: a.OfficialApp, PasswordPending: a.PasswordPending,
		DeviceModel: a.DeviceModel, Platform: a.Platform, SystemVersion: a.SystemVersion,
		APIID: a.APIID, AppName: a.AppName, AppVersion: a.AppVersion,
		Created: time.Unix(int64(a.DateCreated), 0).UTC(), Active: time.Unix(int64(a.DateActive), 0).UTC(),
		IP: a.IP, Country: a.Country, Region: a.Region,
	}
}

// errAnsweredFalse is a Bool method's false: the DC did not do it.
var errAnsweredFalse = errors.New("the DC answered false")

func trueOrErr(ok bool, err error) error {
	if err == nil && !ok {
		return errAnsweredFalse
	}
	return err
}

// TerminateAuthorization ends one session of the account by its hash
// (account.resetAuthorization): every key logged in under it is logged
// out. A session younger than a day may not end others on Telegram
// (FRESH_RESET_AUTHORISATION_FORBIDDEN, which model.Classify explains).
func (d *Driver) TerminateAuthorization(ctx context.Context, hash int64) error {
	return d.call(ctx, ActTerminate, "account.resetAuthorization", func(ctx context.Context, api *tg.Client) error {
		return trueOrErr(api.AccountResetAuthorization(ctx, hash))
	})
}

// TerminateOtherAuthorizations ends every session of the account but the
// driver's own (auth.resetAuthorizations).
func (d *Driver) TerminateOtherAuthorizations(ctx context.Context) error {
	return d.call(ctx, ActTerminateOthers, "auth.resetAuthorizations", func(ctx context.Context, api *tg.Client) error {
		return trueOrErr(api.AuthResetAuthorizations(ctx))
	})
}

// ActLogOut is auth.logOut's action name.
const ActLogOut = "logout"

// LogOut ends the driver's own session (auth.logOut): its permanent key is
// logged out everywhere the session reached. The keys stay; a login may
// follow on them.
func (d *Driver) LogOut(ctx context.Context) error {
	return d.call(ctx, ActLogOut, "auth.logOut", func(ctx context.Context, api *tg.Client) error {
		if _, err := api.AuthLogOut(ctx); err != nil {
			return err
		}
		dc := d.st().target.DC
		d.update(func(s *state) { s.loggedIn = false })
		d.emit(model.LoggedOut{At: d.now(), DC: dc, Reason: "auth.logOut"})
		return nil
	})
}
