package login

import (
	"context"
	"crypto/rsa"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/localdc"
)

// login runs phone -> code (-> sign-up) on flow, as the form does.
func login(t *testing.T, f *Flow, phone, code string) (Result, error) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.SendCode(ctx, phone); err != nil {
		return Result{}, err
	}
	r, err := f.SignIn(ctx, code)
	if errors.Is(err, ErrSignUpNeeded) {
		return f.SignUp(ctx, "Test", "User")
	}
	return r, err
}

func loggedIn(c *localdc.Cluster, dc int) int {
	n := 0
	for _, k := range c.PermKeys(dc) {
		if k.UserID != 0 {
			n++
		}
	}
	return n
}

func TestPhoneLoginOnLocalDC(t *testing.T) {
	for _, tc := range []struct {
		name      string
		faults    localdc.Faults
		start     int
		phone     string
		code      string
		noMover   bool
		wantDC    int
		wantMoves []Move
		wantKind  model.ErrorKind
		wantErr   string
	}{
		{name: "home DC", start: 2, phone: "+99966 2 1001", code: "22222", wantDC: 2},
		{name: "phone migrate", start: 1, phone: "9996631002", code: "33333", wantDC: 3,
			wantMoves: []Move{{From: 1, To: 3, Reason: "PHONE_MIGRATE_3"}}},
		{name: "fault migrate", faults: localdc.Faults{PhoneMigrate: 3}, start: 1, phone: "9996631003", code: "33333", wantDC: 3,
			wantMoves: []Move{{From: 1, To: 3, Reason: "PHONE_MIGRATE_3"}}},
		// DC 1 sends the number to DC 2 (the fault), DC 2 back to its home DC 1:
		// a server that keeps moving us is not followed forever.
		{name: "moved back and forth", faults: localdc.Faults{PhoneMigrate: 2}, start: 1, phone: "9996611003", code: "11111",
			wantKind: model.Migrate, wantErr: "still asked to move after 2 moves"},
		{name: "migrate without mover", start: 1, phone: "9996621004", code: "22222", noMover: true,
			wantKind: model.Migrate, wantErr: "PHONE_MIGRATE (2)"},
		{name: "wrong code", start: 2, phone: "9996621005", code: "12345", wantKind: model.OtherError, wantErr: "PHONE_CODE_INVALID"},
		{name: "not a test phone", start: 2, phone: "9996601006", code: "00000", wantKind: model.OtherError, wantErr: "PHONE_NUMBER_INVALID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, localdc.Config{Faults: tc.faults})
			n := newNet(t, c)
			cfg := Config{AppID: 1, AppHash: "h", DC: tc.start, Invoker: n.dial(tc.start), Mover: n}
			if tc.noMover {
				cfg.Mover = nil
			}
			f := New(cfg)
			r, err := login(t, f, tc.phone, tc.code)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %s", err, tc.wantErr)
				}
				if v := model.Classify(err, model.KeyState{}); v.Kind != tc.wantKind || v.Advice == "" {
					t.Fatalf("Classify = %+v, want %v with advice", v, tc.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.DC != tc.wantDC || f.DC() != tc.wantDC {
				t.Errorf("logged in on DC %d (flow on %d), want %d", r.DC, f.DC(), tc.wantDC)
			}
			if !equalMoves(r.Moves, tc.wantMoves) {
				t.Errorf("moves = %+v, want %+v", r.Moves, tc.wantMoves)
			}
			if r.User.ID == 0 || r.User.FirstName != "Test" {
				t.Errorf("user = %+v", r.User)
			}
			// The DC holds a logged-in permanent key: ours, made by the mover.
			if got := loggedIn(c, tc.wantDC); got != 1 {
				t.Errorf("DC %d has %d logged-in keys, want 1", tc.wantDC, got)
			}
			// The logged-in connection is the flow's invoker now.
			users, err := tg.NewClient(f.Invoker()).UsersGetUsers(context.Background(), []tg.InputUserClass{&tg.InputUserSelf{}})
			if err != nil || len(users) != 1 {
				t.Fatalf("users.getUsers(self) after login: %v, %v", users, err)
			}
		})
	}
}

func equalMoves(a, b []Move) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSignInAgainNeedsNoSignUp(t *testing.T) {
	c := startCluster(t, localdc.Config{})
	n := newNet(t, c)
	if _, err := login(t, New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dial(2), Mover: n}), "9996621234", "22222"); err != nil {
		t.Fatal(err)
	}
	// A second device: a new permanent key, the same account.
	f := New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dial(2), Mover: n})
	if _, err := f.SendCode(context.Background(), "9996621234"); err != nil {
		t.Fatal(err)
	}
	r, err := f.SignIn(context.Background(), "22222")
	if err != nil {
		t.Fatalf("sign in of a known number: %v", err)
	}
	if r.User.Phone != "9996621234" || loggedIn(c, 2) != 2 {
		t.Errorf("user %+v, %d logged-in keys on DC 2", r.User, loggedIn(c, 2))
	}
}

func TestFloodWaitFromLocalDC(t *testing.T) {
	c := startCluster(t, localdc.Config{Faults: localdc.Faults{FloodWait: 42 * time.Second, FloodWaitCount: 1}})
	n := newNet(t, c)
	f := New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dial(2), Mover: n})
	_, err := f.SendCode(context.Background(), "9996621007")
	v := model.Classify(err, model.KeyState{})
	if v.Kind != model.FloodWait || v.Wait != 42*time.Second || !v.Retry || v.Code != 420 {
		t.Fatalf("verdict = %+v (err %v), want FLOOD_WAIT 42s", v, err)
	}
	arrived := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if until, ok := model.FloodUntil(err, arrived); !ok || !until.Equal(arrived.Add(42*time.Second)) {
		t.Errorf("FloodUntil = %v, %v", until, ok)
	}
	// The wait is the server's to enforce; once it lets us, the same flow goes on.
	if _, err := login(t, f, "9996621007", "22222"); err != nil {
		t.Fatalf("after the flood wait: %v", err)
	}
}

func TestAuthKeyDuplicatedFromLocalDC(t *testing.T) {
	c := startCluster(t, localdc.Config{Faults: localdc.Faults{AuthKeyDuplicated: true}})
	n := newNet(t, c)
	f := New(Config{AppID: 1, AppHash: "h", DC: 2, Invoker: n.dial(2), Mover: n})
	if _, err := login(t, f, "9996621008", "22222"); err != nil {
		t.Fatal(err)
	}
	_, err := tg.NewClient(f.Invoker()).UsersGetUsers(context.Background(), []tg.InputUserClass{&tg.InputUserSelf{}})
	v := model.Classify(err, model.KeyState{HomeDC: true})
	if v.Kind != model.AuthKeyDuplicated || !v.DropKeys || !v.Destructive() || v.Code != 406 {
		t.Fatalf("verdict = %+v (err %v), want AUTH_KEY_DUPLICATED, destructive", v, err)
	}
}

func TestAuthKeyUnregisteredFromLocalDC(t *testing.T) {
	c := startCluster(t, localdc.Config{})
	n := newNet(t, c)
	_, err := tg.NewClient(n.dial(2)).UsersGetUsers(context.Background(), []tg.InputUserClass{&tg.InputUserSelf{}})
	if v := model.Classify(err, model.KeyState{}); v.Kind != model.AuthKeyUnregistered || v.Code != 401 {
		t.Fatalf("verdict = %+v (err %v), want AUTH_KEY_UNREGISTERED", v, err)
	}
}

// TestTransportErrorsFromLocalDC reads -429 and -444 as a real DC sends
// them: a bare int32 instead of the answer to a key exchange.
func TestTransportErrorsFromLocalDC(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  localdc.Config
		dc   func(c *localdc.Cluster) int
		want model.ErrorKind
	}{
		{"flood", localdc.Config{Faults: localdc.Faults{TransportFloodCount: 1}}, func(c *localdc.Cluster) int { return c.ProtocolDC(2) }, model.TransportFlood},
		// A production dc id sent to a test-mode DC.
		{"wrong dc", localdc.Config{TestDCIDs: true}, func(*localdc.Cluster) int { return 2 }, model.TransportBadDC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, tc.cfg)
			nc, err := net.Dial("tcp", c.Addr(2))
			if err != nil {
				t.Fatal(err)
			}
			conn, err := transport.Intermediate.Handshake(nc)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tc.name == "flood" {
				// The DC answers before the client says anything; read it
				// with gotd's codec rather than race the write; gotd's
				// *codec.ProtocolErr reaches model through the bridge.
				err = modelError(conn.Recv(context.Background(), &bin.Buffer{}))
			} else {
				_, err = handshake.Run(context.Background(), conn, handshake.Config{Kind: model.Permanent, DC: tc.dc(c),
					Keys: []*rsa.PublicKey{c.PublicKey()}, Timeout: 5 * time.Second})
			}
			if v := model.Classify(err, model.KeyState{}); v.Kind != tc.want || v.Advice == "" {
				t.Fatalf("verdict = %+v (err %v), want %v", v, err, tc.want)
			}
		})
	}
}
