package loginform

import (
	"context"
	"sync"
	"time"

	"github.com/gotd/td/telegram/auth"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/proto/session"
)

// fakeClock is the clock the forms read in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeBackend stands in for *login.Flow in the UI tests only; the real
// flows are tested against the local DC in proto/login. It answers as a
// test DC would, plus the cases a local DC cannot give: a 2FA account, a
// flood wait on a chosen number, a QR token accepted on the phone.
type fakeBackend struct {
	clock *fakeClock

	mu       sync.Mutex
	phone    string
	calls    []string
	qrTokens int
	scanned  bool
}

const (
	phone2FA   = "9996621234" // has a password, hint "cat"
	phoneMoved = "9996631234" // lives on DC 3
	phoneFlood = "9996629999" // FLOOD_WAIT_75
	password   = "hunter2"
)

func (b *fakeBackend) called(name string) {
	b.mu.Lock()
	b.calls = append(b.calls, name)
	b.mu.Unlock()
}

func (b *fakeBackend) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

func (b *fakeBackend) SendCode(_ context.Context, phone string) (login.CodeSent, error) {
	b.called("sendCode")
	p, err := login.NormalizePhone(phone)
	if err != nil {
		return login.CodeSent{}, err
	}
	b.mu.Lock()
	b.phone = p
	b.mu.Unlock()
	switch p {
	case phoneFlood:
		return login.CodeSent{}, session.NewRPCError(420, "FLOOD_WAIT_75")
	case phoneMoved:
		return login.CodeSent{Phone: p, DC: 3, Via: "app", Length: 5}, nil
	}
	return login.CodeSent{Phone: p, DC: 2, Via: "app", Length: 5}, nil
}

func (b *fakeBackend) user() login.Result {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := login.Result{DC: 2, User: model.User{ID: 777000, Phone: b.phone, FirstName: "Ada", LastName: "Lovelace"}}
	if b.phone == phoneMoved {
		r.DC, r.Moves = 3, []login.Move{{From: 2, To: 3, Reason: "PHONE_MIGRATE_3"}}
	}
	return r
}

func (b *fakeBackend) SignIn(_ context.Context, code string) (login.Result, error) {
	b.called("signIn")
	b.mu.Lock()
	phone := b.phone
	b.mu.Unlock()
	want := "22222"
	if phone == phoneMoved {
		want = "33333"
	}
	switch {
	case code != want:
		return login.Result{}, session.NewRPCError(400, "PHONE_CODE_INVALID")
	case phone == phone2FA:
		return login.Result{}, &login.PasswordNeeded{Hint: "cat"}
	}
	return b.user(), nil
}

func (b *fakeBackend) SignUp(context.Context, string, string) (login.Result, error) {
	b.called("signUp")
	return b.user(), nil
}

func (b *fakeBackend) Password(_ context.Context, pw string) (login.Result, error) {
	b.called("checkPassword")
	if pw != password {
		// What login.Flow answers: gotd's sentinel, readable as the rpc_error.
		return login.Result{}, session.WithRPCError(auth.ErrPasswordInvalid, 400, "PASSWORD_HASH_INVALID")
	}
	return b.user(), nil
}

func (b *fakeBackend) Bot(_ context.Context, token string) (login.Result, error) {
	b.called("importBotAuthorization")
	id, err := login.ParseBotToken(token)
	if err != nil {
		return login.Result{}, err
	}
	return login.Result{DC: 2, User: model.User{ID: id, FirstName: "tgpfs_demo_bot", Bot: true}}, nil
}

// Scan makes the next PollQR find the token accepted.
func (b *fakeBackend) Scan() {
	b.mu.Lock()
	b.scanned = true
	b.mu.Unlock()
}

func (b *fakeBackend) PollQR(context.Context, ...int64) (login.QR, error) {
	b.called("exportLoginToken")
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.scanned {
		return login.QR{Done: true, Result: login.Result{DC: 2, User: model.User{ID: 777000, Phone: phone2FA, FirstName: "Ada"}}}, nil
	}
	b.qrTokens++
	token := make([]byte, 32)
	for i := range token {
		token[i] = byte(b.qrTokens*31 + i)
	}
	// Each token lives 10 s longer than the one before, so a screen shows
	// which one it draws.
	life := 30*time.Second + time.Duration(b.qrTokens-1)*10*time.Second
	return login.QR{URL: login.LoginURL(token), Expires: b.clock.Now().Add(life)}, nil
}
