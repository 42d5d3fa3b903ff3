package login

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"

	"tgpfs/proto/localdc"
)

// extNet connects to extended DCs; its MoveTo gives the same extension on
// the DC it moves to.
type extNet struct {
	*testNet
	srv *server
}

func (n *extNet) dialExt(dc int) *extDC {
	return &extDC{srv: n.srv, dc: dc, inner: n.dial(dc)}
}

func (n *extNet) MoveTo(ctx context.Context, dc int) (tg.Invoker, error) {
	inner, err := n.testNet.MoveTo(ctx, dc)
	if err != nil {
		return nil, err
	}
	return &extDC{srv: n.srv, dc: dc, inner: inner}, nil
}

func newExtNet(t *testing.T) *extNet {
	c := startCluster(t, localdc.Config{})
	return &extNet{testNet: newNet(t, c), srv: newServer()}
}

func TestPasswordLoginWithSRP(t *testing.T) {
	n := newExtNet(t)
	n.srv.passwords["9996621500"] = "correct horse"
	ctx := context.Background()
	// The account is made on the plain local DC, which has no passwords.
	if _, err := login(t, New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dial(2), Mover: n}), "9996621500", "22222"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		password string
		ok       bool
	}{{"correct hors", false}, {"correct horse", true}} {
		f := New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dialExt(2), Mover: n})
		if _, err := f.SendCode(ctx, "9996621500"); err != nil {
			t.Fatal(err)
		}
		_, err := f.SignIn(ctx, "22222")
		var pw *PasswordNeeded
		if !errors.As(err, &pw) || pw.Hint != "cat" || !errors.Is(err, ErrPasswordNeeded) {
			t.Fatalf("SignIn of a 2FA account: %v, want PasswordNeeded with the hint", err)
		}
		r, err := f.Password(ctx, tc.password)
		if !tc.ok {
			if !errors.Is(err, auth.ErrPasswordInvalid) || Classify(err, KeyState{}).Type != "PASSWORD_HASH_INVALID" {
				t.Fatalf("wrong password: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("right password: %v", err)
		}
		if r.User.Phone != "9996621500" || r.DC != 2 {
			t.Errorf("result %+v", r)
		}
	}
}

func TestBotLoginFollowsUserMigrate(t *testing.T) {
	n := newExtNet(t)
	n.srv.bots[123456789] = 3
	const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	ctx := context.Background()
	f := New(Config{AppID: 1, AppHash: "h", DC: 1, Invoker: n.dialExt(1), Mover: n})
	r, err := f.Bot(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if !r.User.Bot || r.User.ID != 123456789 || r.DC != 3 || len(r.Moves) != 1 || r.Moves[0].Reason != "USER_MIGRATE_3" {
		t.Errorf("result %+v", r)
	}
	if _, err := f.Bot(ctx, "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"); !strings.Contains(Classify(err, KeyState{}).Advice, "@BotFather") {
		t.Errorf("unknown bot: %v", err)
	}
	if _, err := f.Bot(ctx, "not a token"); err == nil || len(n.moves) != 1 {
		t.Errorf("a malformed token was sent: %v", err)
	}
}

func TestQRLogin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		home   int
		wantDC int
		moves  int
	}{
		{"same DC", 2, 2, 0},
		{"migrate to home DC", 3, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newExtNet(t)
			ctx := context.Background()
			offset := 5 * time.Second // the server's clock is 5 s ahead
			f := New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dialExt(2), Mover: n, Offset: offset})
			before := time.Now()
			q, err := f.PollQR(ctx)
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
			// Server time = local + 5 s, the token lives 30 s of server time
			// from the server's now (our local now): 25 s of local time.
			if left := q.Expires.Sub(before); left < 23*time.Second || left > 26*time.Second {
				t.Errorf("expires in %v local, want about 25s", left)
			}
			// Not scanned yet: a new token.
			q2, err := f.PollQR(ctx)
			if err != nil || q2.Done || q2.URL == q.URL {
				t.Fatalf("second poll: %+v, %v", q2, err)
			}
			n.srv.scan(&tg.User{ID: 42, FirstName: "Ada", Phone: "999663" + "4242"}, tc.home)
			done, err := f.PollQR(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !done.Done || done.Result.User.ID != 42 || done.Result.DC != tc.wantDC || len(done.Result.Moves) != tc.moves || f.DC() != tc.wantDC {
				t.Errorf("after the scan: %+v (flow on DC %d)", done, f.DC())
			}
		})
	}
}
