package proto

import (
	"context"
	"fmt"

	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/login"
)

// This file moves a login: auth.exportAuthorization to another DC, and the
// test-phone login of the local and test DCs.

// Export logs the target DC in: auth.exportAuthorization here, then
// auth.importAuthorization on dc over its own PFS connection (its own
// permanent key, a temp key bound to it).
func (d *Driver) Export(ctx context.Context, dc int) error {
	return d.action(ctx, ActExport, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		s := d.st()
		addr, ok := s.addrs[dc]
		if !ok || dc == s.target.DC {
			return fmt.Errorf("no address for DC %d (known: %v)", dc, s.addrs)
		}
		exp, err := api.AuthExportAuthorization(ctx, dc)
		if err != nil {
			return d.onCallErr(fmt.Errorf("auth.exportAuthorization(%d): %w", dc, err))
		}
		protocolDC := endpoints.MovedProtocolDCID(s.target.ProtocolDC, dc)
		conn, err := d.dial(ctx, addr, protocolDC, fmt.Sprintf("dc%d perm", dc))
		if err != nil {
			return err
		}
		permRes, err := d.handshake(ctx, conn, model.Permanent, protocolDC)
		_ = conn.Close()
		if err != nil {
			return err
		}
		lt, err := d.openTemp(ctx, dc, addr, protocolDC, permRes.Key, d.now())
		if err != nil {
			return err
		}
		defer lt.conn.Close()
		auth, err := tg.NewClient(lt.sess).AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes})
		if err != nil {
			return fmt.Errorf("auth.importAuthorization on DC %d: %w", dc, err)
		}
		a, ok := auth.(*tg.AuthAuthorization)
		if !ok {
			return fmt.Errorf("auth.importAuthorization on DC %d answered %T", dc, auth)
		}
		d.emit(model.Exported{At: d.now(), FromDC: s.target.DC, ToDC: dc, User: login.UserOf(a.User)})
		return nil
	})
}

// Login signs the permanent key in with a test phone (model.TestPhoneCode:
// 99966XYYYY, code X five times, X = the DC), signing up when the number is
// new.
func (d *Driver) Login(ctx context.Context, phone string) error {
	return d.action(ctx, ActLogin, func(ctx context.Context) error {
		api, err := d.api(ctx)
		if err != nil {
			return err
		}
		code, ok := model.TestPhoneCode(phone)
		if !ok {
			return fmt.Errorf("phone %q is not a test phone 99966XYYYY", phone)
		}
		sent, err := api.AuthSendCode(ctx, &tg.AuthSendCodeRequest{PhoneNumber: phone, APIID: d.opts.AppID, APIHash: d.opts.AppHash,
			Settings: tg.CodeSettings{}})
		if err != nil {
			return d.onCallErr(fmt.Errorf("auth.sendCode: %w", err))
		}
		sc, ok := sent.(*tg.AuthSentCode)
		if !ok {
			return fmt.Errorf("auth.sendCode answered %T", sent)
		}
		auth, err := api.AuthSignIn(ctx, &tg.AuthSignInRequest{PhoneNumber: phone, PhoneCodeHash: sc.PhoneCodeHash, PhoneCode: code})
		if err != nil {
			return d.onCallErr(fmt.Errorf("auth.signIn: %w", err))
		}
		if _, signUp := auth.(*tg.AuthAuthorizationSignUpRequired); signUp {
			auth, err = api.AuthSignUp(ctx, &tg.AuthSignUpRequest{PhoneNumber: phone, PhoneCodeHash: sc.PhoneCodeHash,
				FirstName: "Test", LastName: phone[len(phone)-4:]})
			if err != nil {
				return fmt.Errorf("auth.signUp: %w", err)
			}
		}
		a, ok := auth.(*tg.AuthAuthorization)
		if !ok {
			return fmt.Errorf("sign in answered %T", auth)
		}
		d.update(func(s *state) { s.loggedIn = true })
		d.emit(model.LoggedIn{At: d.now(), DC: d.st().target.DC, User: login.UserOf(a.User)})
		return nil
	})
}
