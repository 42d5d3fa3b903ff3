package login

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// QR is the state of a QR login (https://core.telegram.org/api/qr-login).
type QR struct {
	// URL is the tg://login?token=... link to draw as a QR code; "" once
	// Done.
	URL string
	// Expires is when the token stops working, in local time. Ask again
	// (PollQR) then, or sooner after the user says they scanned it.
	Expires time.Time
	Done    bool
	Result  Result // when Done
}

// LoginURL is the link a QR code carries for a login token: tg://login?token=
// and the token in unpadded base64url (https://core.telegram.org/api/qr-login).
func LoginURL(token []byte) string {
	return "tg://login?token=" + base64.RawURLEncoding.EncodeToString(token)
}

// PollQR exports a login token, or finds that the last one was accepted.
//
// auth.exportLoginToken answers a fresh token until a logged-in app
// accepts one; after that the same call answers loginTokenSuccess, or
// loginTokenMigrateTo when the account lives on another DC, where the
// token is imported with auth.importLoginToken. Telegram also pushes
// updateLoginToken when the token is accepted, but the session this runs
// over only reads inside calls, so the form polls: when the token expires,
// and when the user presses enter after scanning.
//
// exceptIDs are user ids already logged in, which the server will not log
// in again.
func (f *Flow) PollQR(ctx context.Context, exceptIDs ...int64) (QR, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var res tg.AuthLoginTokenClass
	err := f.do(ctx, "auth.exportLoginToken", func(_ *auth.Client, api *tg.Client) (err error) {
		res, err = api.AuthExportLoginToken(ctx, &tg.AuthExportLoginTokenRequest{
			APIID: f.cfg.AppID, APIHash: f.cfg.AppHash, ExceptIDs: exceptIDs,
		})
		return err
	})
	if model.Classify(err, model.KeyState{}).Kind == model.PasswordRequired {
		return QR{}, f.passwordNeeded(ctx)
	}
	if err != nil {
		return QR{}, err
	}
	for range f.cfg.MaxMoves + 1 {
		switch t := res.(type) {
		case *tg.AuthLoginToken:
			// expires is server time; the form counts down in local time.
			exp := time.Unix(int64(t.Expires), 0).Add(-f.cfg.Offset)
			return QR{URL: LoginURL(t.Token), Expires: exp}, nil
		case *tg.AuthLoginTokenSuccess:
			a, ok := t.Authorization.(*tg.AuthAuthorization)
			if !ok {
				return QR{}, fmt.Errorf("QR login on DC %d answered %T", f.dc, t.Authorization)
			}
			return QR{Done: true, Result: f.result(a)}, nil
		case *tg.AuthLoginTokenMigrateTo:
			if f.cfg.Mover == nil {
				return QR{}, fmt.Errorf("QR login: the account lives on DC %d and no mover is set", t.DCID)
			}
			if t.DCID == f.dc {
				return QR{}, fmt.Errorf("QR login: DC %d asked to move to itself", f.dc)
			}
			inv, err := f.cfg.Mover.MoveTo(ctx, t.DCID)
			if err != nil {
				return QR{}, fmt.Errorf("QR login: move from DC %d to DC %d: %w", f.dc, t.DCID, err)
			}
			f.moves = append(f.moves, Move{From: f.dc, To: t.DCID, Reason: "loginTokenMigrateTo"})
			f.inv, f.dc = inv, t.DCID
			res, err = tg.NewClient(inv).AuthImportLoginToken(ctx, t.Token)
			err = modelError(err)
			if model.Classify(err, model.KeyState{}).Kind == model.PasswordRequired {
				return QR{}, f.passwordNeeded(ctx)
			}
			if err != nil {
				return QR{}, fmt.Errorf("auth.importLoginToken on DC %d: %w", f.dc, err)
			}
		default:
			return QR{}, fmt.Errorf("auth.exportLoginToken answered %T", res)
		}
	}
	return QR{}, fmt.Errorf("QR login: still asked to move after %d moves", f.cfg.MaxMoves)
}
