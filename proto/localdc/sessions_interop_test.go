package localdc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/auth/qrlogin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

// The sessions, QR login and 2FA with gotd's own telegram.Client and its
// auth flows (auth.NewFlow, QR, Password), which nobody here wrote. gotd
// speaks its own layer only.

// gotdDevice is a gotd client with PFS that says it is model.
func gotdDevice(c *Cluster, dc int, model string, edit func(*telegram.Options)) *telegram.Client {
	return gotdClientWith(c, dc, func(o *telegram.Options) {
		o.EnablePFS, o.TempKeyTTL = true, 3600
		o.Device = telegram.DeviceConfig{DeviceModel: model, SystemVersion: "linux", AppVersion: "1.0", LangPack: ""}
		if edit != nil {
			edit(o)
		}
	})
}

// runGotd runs f on client in a goroutine; the channel gets its end.
func runGotd(ctx context.Context, client *telegram.Client, f func(ctx context.Context) error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- client.Run(ctx, f) }()
	return done
}

// untilRPCError calls f until it fails with an RPC error (the transport
// errors before it are gotd recovering from -404 on its own), and returns
// that error's type.
func untilRPCError(ctx context.Context, f func() error) (string, error) {
	for {
		err := f()
		if err == nil {
			return "", nil
		}
		var rpc *tgerr.Error
		if errors.As(err, &rpc) {
			return rpc.Type, nil
		}
		if ctx.Err() != nil {
			return "", fmt.Errorf("no RPC error before the deadline: %w", err)
		}
	}
}

func gotdSelfError(ctx context.Context, client *telegram.Client) (string, error) {
	return untilRPCError(ctx, func() error {
		_, err := client.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		return err
	})
}

// TestGotdQRLoginWithMigrate: gotd's QR flow on DC 2 for an account on
// DC 3. Another gotd client, logged in on DC 3, accepts the token the way
// a phone that scanned it would; gotd's flow hears updateLoginToken,
// follows loginTokenMigrateTo to DC 3 and imports the token there.
func TestGotdQRLoginWithMigrate(t *testing.T) {
	c := startCluster(t, Config{})
	log := recordEvents(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	tokens := make(chan string, 1)
	accepted := make(chan *tg.Authorization, 1)
	ownerReady := make(chan int64, 1)
	deviceDone := make(chan struct{})
	owner := gotdDevice(c, 3, "gotd phone", nil)
	ownerEnd := runGotd(ctx, owner, func(ctx context.Context) error {
		if err := owner.Auth().IfNecessary(ctx, auth.NewFlow(auth.TestUser("9996630777", 3), auth.SendCodeOptions{})); err != nil {
			return fmt.Errorf("owner login: %w", err)
		}
		self, err := owner.Self(ctx)
		if err != nil {
			return err
		}
		ownerReady <- self.ID
		var url string
		select {
		case url = <-tokens:
		case <-ctx.Done():
			return ctx.Err()
		}
		tok, err := qrlogin.ParseTokenURL(url)
		if err != nil {
			return err
		}
		a, err := owner.QR().Accept(ctx, tok)
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		accepted <- a
		select {
		case <-deviceDone:
		case <-ctx.Done():
			return ctx.Err()
		}
		list, err := owner.API().AccountGetAuthorizations(ctx)
		if err != nil {
			return err
		}
		if len(list.Authorizations) != 2 || !list.Authorizations[0].Current || list.Authorizations[1].Hash != a.Hash ||
			list.Authorizations[1].DeviceModel != "gotd desktop" {
			return fmt.Errorf("sessions after the QR login: %+v", list.Authorizations)
		}
		return nil
	})

	d := tg.NewUpdateDispatcher()
	// Not qrlogin.OnLoginToken: its non-blocking send loses an
	// updateLoginToken that arrives before Auth waits for it (an accept
	// as fast as this test's, under -race), and Auth then sits out the
	// token's 30 s. A buffer of one keeps the signal until Auth reads it.
	signal := make(chan struct{}, 1)
	d.OnLoginToken(func(context.Context, tg.Entities, *tg.UpdateLoginToken) error {
		select {
		case signal <- struct{}{}:
		default:
		}
		return nil
	})
	loggedIn := qrlogin.LoggedIn(signal)
	device := gotdDevice(c, 2, "gotd desktop", func(o *telegram.Options) { o.NoUpdates, o.UpdateHandler = false, d })
	deviceEnd := runGotd(ctx, device, func(ctx context.Context) error {
		var ownerID int64
		select {
		case ownerID = <-ownerReady:
		case <-ctx.Done():
			return ctx.Err()
		}
		shown := false
		a, err := device.QR().Auth(ctx, loggedIn, func(_ context.Context, tok qrlogin.Token) error {
			if !shown {
				shown = true
				tokens <- tok.URL()
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("QR login: %w", err)
		}
		if u, ok := a.User.(*tg.User); !ok || u.ID != ownerID {
			return fmt.Errorf("QR login as %+v, want %d", a.User, ownerID)
		}
		self, err := device.Self(ctx)
		if err != nil || self.ID != ownerID {
			return fmt.Errorf("self after the QR login: %+v, %v", self, err)
		}
		close(deviceDone)
		return nil
	})
	for _, end := range []<-chan error{deviceEnd, ownerEnd} {
		if err := <-end; err != nil {
			t.Fatal(err)
		}
	}
	a := <-accepted
	login := log.waitFor(t, "the device's login on DC 3", func(ev model.ServerEvent) bool {
		return ev.Kind == model.SrvLogin && ev.DC == 3 && ev.KeyKind == model.Permanent && containsHash(ev.Detail, a.Hash)
	})
	for _, in := range c.Authorizations(login.UserID) {
		if in.Hash == a.Hash && in.Home.DC != 3 {
			t.Fatalf("the QR session lives on DC %d, want 3", in.Home.DC)
		}
	}
}

func containsHash(detail string, h int64) bool {
	return h != 0 && strings.Contains(detail, "session "+hashHex(h))
}

// TestGotdPasswordFlow: gotd's auth.NewFlow signs in to an account with a
// --password: a wrong password is auth.ErrPasswordInvalid
// (PASSWORD_HASH_INVALID), the right one logs the key in.
func TestGotdPasswordFlow(t *testing.T) {
	const phone, password = "9996620888", "hunter2 hunter2"
	c := startCluster(t, Config{Passwords: map[string]string{phone: password}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code := auth.CodeAuthenticatorFunc(func(context.Context, *tg.AuthSentCode) (string, error) { return "22222", nil })

	first := gotdDevice(c, 2, "first", nil)
	if err := <-runGotd(ctx, first, func(ctx context.Context) error {
		// A new number signs up; the password applies from the next login.
		return first.Auth().IfNecessary(ctx, auth.NewFlow(auth.TestUser(phone, 2), auth.SendCodeOptions{}))
	}); err != nil {
		t.Fatalf("sign up: %v", err)
	}
	second := gotdDevice(c, 2, "second", nil)
	err := <-runGotd(ctx, second, func(ctx context.Context) error {
		err := auth.NewFlow(auth.Constant(phone, "hunter3 hunter3", code), auth.SendCodeOptions{}).Run(ctx, second.Auth())
		if !errors.Is(err, auth.ErrPasswordInvalid) {
			return fmt.Errorf("wrong password: %v, want auth.ErrPasswordInvalid", err)
		}
		if err := auth.NewFlow(auth.Constant(phone, password, code), auth.SendCodeOptions{}).Run(ctx, second.Auth()); err != nil {
			return fmt.Errorf("right password: %w", err)
		}
		self, err := second.Self(ctx)
		if err != nil || self.Phone != phone {
			return fmt.Errorf("self: %+v, %v", self, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGotdTerminatedSessions: sessions gotd clients hold end by
// account.resetAuthorization, auth.resetAuthorizations and auth.logOut;
// each ended client's next call meets -404 on its temporary key, gotd
// makes and binds a new one by itself, and the call then fails with 401
// AUTH_KEY_UNREGISTERED, which tells it the session is over.
func TestGotdTerminatedSessions(t *testing.T) {
	const phone = "9996620999"
	c := startCluster(t, Config{})
	log := recordEvents(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	flow := auth.NewFlow(auth.TestUser(phone, 2), auth.SendCodeOptions{})

	// Three devices log in and stay connected until told to check.
	type device struct {
		client *telegram.Client
		check  chan struct{}
		result chan string
		end    <-chan error
	}
	devices := map[string]*device{}
	for _, name := range []string{"owner", "one", "other"} {
		dv := &device{client: gotdDevice(c, 2, name, nil), check: make(chan struct{}), result: make(chan string, 1)}
		ready := make(chan error, 1)
		dv.end = runGotd(ctx, dv.client, func(ctx context.Context) error {
			ready <- dv.client.Auth().IfNecessary(ctx, flow)
			select {
			case <-dv.check:
			case <-ctx.Done():
				return ctx.Err()
			}
			typ, err := gotdSelfError(ctx, dv.client)
			dv.result <- typ
			return err
		})
		if err := <-ready; err != nil {
			t.Fatalf("%s login: %v", name, err)
		}
		devices[name] = dv
	}
	// The owner ends "one" alone, then every other session.
	ownerAPI := devices["owner"].client.API()
	list, err := ownerAPI.AccountGetAuthorizations(ctx)
	if err != nil || len(list.Authorizations) != 3 {
		t.Fatalf("sessions: %+v, %v", list, err)
	}
	var oneHash int64
	for _, a := range list.Authorizations {
		if a.DeviceModel == "one" {
			oneHash = a.Hash
		}
	}
	if ok, err := ownerAPI.AccountResetAuthorization(ctx, oneHash); err != nil || !ok {
		t.Fatalf("account.resetAuthorization: %v, %v", ok, err)
	}
	close(devices["one"].check)
	if typ := <-devices["one"].result; typ != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("the ended session's next call: %q, want AUTH_KEY_UNREGISTERED", typ)
	}
	if ok, err := ownerAPI.AuthResetAuthorizations(ctx); err != nil || !ok {
		t.Fatalf("auth.resetAuthorizations: %v, %v", ok, err)
	}
	close(devices["other"].check)
	if typ := <-devices["other"].result; typ != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("a session ended with all others: %q", typ)
	}
	if _, err := ownerAPI.AuthLogOut(ctx); err != nil {
		t.Fatalf("auth.logOut: %v", err)
	}
	close(devices["owner"].check)
	if typ := <-devices["owner"].result; typ != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("after logOut: %q", typ)
	}
	for name, dv := range devices {
		if err := <-dv.end; err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Each ended session's temporary key met -404 before gotd rebound.
	notFound := 0
	for _, ev := range log.all() {
		if ev.Kind == model.SrvKeyNotFound {
			notFound++
		}
	}
	if notFound < 3 {
		t.Errorf("%d -404s, want one per ended session at least", notFound)
	}
}
