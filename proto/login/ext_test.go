package login

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

// Two-step passwords, bot tokens and QR login against the local DCs, which
// serve them (--password, --bot): the server side of SRP and of QR login
// is the DC's own, written apart from gotd's client, so the client's
// answers are checked by arithmetic it did not do itself.

func TestPasswordLoginWithSRP(t *testing.T) {
	const pw = "correct horse"
	c := startCluster(t, localdc.Config{Passwords: map[string]string{"9996621500": pw, "9996621501": pw}})
	n := newNet(t, c)
	ctx := context.Background()
	// A new number signs up without the password; the next logins need it.
	for _, phone := range []string{"9996621500", "9996621501"} {
		if _, err := login(t, New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dial(2), Mover: n}), phone, "22222"); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name     string
		phone    string
		start    int
		password string
		ok       bool
		moves    int
	}{
		{"wrong", "9996621500", 2, "correct hors", false, 0},
		{"right", "9996621500", 2, pw, true, 0},
		{"right after PHONE_MIGRATE", "9996621501", 1, pw, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New(Config{AppID: 1, AppHash: "h", DC: tc.start, Invoker: n.dial(tc.start), Mover: n})
			if _, err := f.SendCode(ctx, tc.phone); err != nil {
				t.Fatal(err)
			}
			_, err := f.SignIn(ctx, "22222")
			var need *PasswordNeeded
			if !errors.As(err, &need) || !errors.Is(err, ErrPasswordNeeded) {
				t.Fatalf("SignIn of a 2FA account: %v, want PasswordNeeded", err)
			}
			r, err := f.Password(ctx, tc.password)
			if !tc.ok {
				if !errors.Is(err, auth.ErrPasswordInvalid) || model.Classify(err, model.KeyState{}).Type != "PASSWORD_HASH_INVALID" {
					t.Fatalf("wrong password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("right password: %v", err)
			}
			if r.User.Phone != tc.phone || r.DC != 2 || len(r.Moves) != tc.moves {
				t.Errorf("result %+v", r)
			}
		})
	}
}

func TestBotLoginFollowsUserMigrate(t *testing.T) {
	const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	c := startCluster(t, localdc.Config{Bots: map[string]int{token: 3}})
	n := newNet(t, c)
	ctx := context.Background()
	f := New(Config{AppID: 1, AppHash: "h", DC: 1, Invoker: n.dial(1), Mover: n})
	r, err := f.Bot(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if !r.User.Bot || r.User.ID != 123456789 || r.DC != 3 || len(r.Moves) != 1 || r.Moves[0].Reason != "USER_MIGRATE_3" {
		t.Errorf("result %+v", r)
	}
	if _, err := f.Bot(ctx, "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"); !strings.Contains(model.Classify(err, model.KeyState{}).Advice, "@BotFather") {
		t.Errorf("unknown bot: %v", err)
	}
	if _, err := f.Bot(ctx, "not a token"); err == nil || len(n.moves) != 1 {
		t.Errorf("a malformed token was sent: %v", err)
	}
}

// scan accepts the token of a tg://login link with the invoker of a
// logged-in session, as a phone that scanned the QR code does.
func scan(t *testing.T, scanner tg.Invoker, link string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := base64.RawURLEncoding.DecodeString(u.Query().Get("token"))
	if err != nil {
		t.Fatalf("token of %q: %v", link, err)
	}
	if _, err := tg.NewClient(scanner).AuthAcceptLoginToken(context.Background(), tok); err != nil {
		t.Fatalf("auth.acceptLoginToken: %v", err)
	}
}

func TestQRLogin(t *testing.T) {
	const pw = "correct horse"
	for _, tc := range []struct {
		name     string
		home     int
		password string
		wantDC   int
		moves    int
	}{
		{"same DC", 2, "", 2, 0},
		{"migrate to home DC", 3, "", 3, 1},
		{"migrate, then the password", 3, pw, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			phone := "99966" + strconv.Itoa(tc.home) + "4242"
			cfg := localdc.Config{Now: func() time.Time { return time.Now().Add(5 * time.Second) }}
			if tc.password != "" {
				cfg.Passwords = map[string]string{phone: tc.password}
			}
			c := startCluster(t, cfg) // the server's clock is 5 s ahead
			n := newNet(t, c)
			ctx := context.Background()
			// The account, logged in on its home DC: the phone that scans.
			scanner := n.dial(tc.home)
			owner, err := login(t, New(Config{AppID: 1, AppHash: "h", DC: tc.home, Invoker: scanner}), phone, strings.Repeat(strconv.Itoa(tc.home), 5))
			if err != nil {
				t.Fatal(err)
			}
			f := New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dial(2), Mover: n, Offset: 5 * time.Second})
			before := time.Now()
			q, err := f.PollQR(ctx)
			after := time.Now()
			if err != nil {
				t.Fatal(err)
			}
			if q.Done || !strings.HasPrefix(q.URL, "tg://login?token=") {
				t.Fatalf("first poll: %+v", q)
			}
			u, err := url.Parse(q.URL)
			if err != nil || len(u.Query().Get("token")) != 43 {
				t.Fatalf("token URL %q: %v", q.URL, err)
			}
			// The token lives 30 s of server time; in local time that is
			// 30 s from the export too, once the 5 s offset is taken off
			// (35 s without it).
			if q.Expires.Before(before.Add(29*time.Second)) || q.Expires.After(after.Add(31*time.Second)) {
				t.Errorf("expires %v after the export, want 30s", q.Expires.Sub(before))
			}
			// Not scanned yet: a new token.
			q2, err := f.PollQR(ctx)
			if err != nil || q2.Done || q2.URL == q.URL {
				t.Fatalf("second poll: %+v, %v", q2, err)
			}
			scan(t, scanner, q2.URL)
			done, err := f.PollQR(ctx)
			if tc.password != "" {
				var need *PasswordNeeded
				if !errors.As(err, &need) {
					t.Fatalf("QR into a 2FA account: %+v, %v; want PasswordNeeded", done, err)
				}
				r, err := f.Password(ctx, tc.password)
				if err != nil {
					t.Fatalf("password after the QR login: %v", err)
				}
				done = QR{Done: true, Result: r}
			} else if err != nil {
				t.Fatal(err)
			}
			if !done.Done || done.Result.User.ID != owner.User.ID || done.Result.DC != tc.wantDC || len(done.Result.Moves) != tc.moves || f.DC() != tc.wantDC {
				t.Errorf("after the scan: %+v (flow on DC %d)", done, f.DC())
			}
			if s := c.Authorizations(owner.User.ID); len(s) != 2 || s[1].Home.DC != tc.wantDC {
				t.Errorf("the account's sessions: %+v, want the QR login's on DC %d", s, tc.wantDC)
			}
		})
	}
}
