// Package login signs a permanent key in on Telegram's DCs: phone number,
// code and two-step password (SRP), bot token, or a QR code scanned by a
// logged-in app. It runs over any tg.Invoker, normally the driver's invoker
// on a bound temporary key, so every login request travels under PFS.
//
// The requests and the SRP arithmetic are gotd's (telegram/auth); this
// package adds what an interactive client needs around them: the state
// between the steps of a form, moving to another DC when the server answers
// PHONE_MIGRATE_X / USER_MIGRATE_X / NETWORK_MIGRATE_X, and reading every
// other answer by the real server's rules so the UI can give one line of
// advice and, for FLOOD_WAIT, its own countdown: every error a Flow returns
// is readable by model.Classify, gotd's sentinels included.
package login

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// Mover opens a connection to another DC of the same family (test or prod)
// and returns its invoker: a new permanent key there and a temporary key
// bound to it, as the driver does for Export. The login then continues on
// that DC, which becomes the user's home DC.
type Mover interface {
	MoveTo(ctx context.Context, dc int) (tg.Invoker, error)
}

// MoverFunc adapts a function to Mover.
type MoverFunc func(ctx context.Context, dc int) (tg.Invoker, error)

// MoveTo calls f.
func (f MoverFunc) MoveTo(ctx context.Context, dc int) (tg.Invoker, error) { return f(ctx, dc) }

// Config sets up a Flow.
type Config struct {
	AppID   int
	AppHash string
	// DC is the DC Invoker talks to.
	DC int
	// Invoker carries the requests, normally over a bound temporary key.
	// The Flow makes one call at a time, from whatever goroutine calls its
	// methods (a tea.Cmd's), so Invoker must allow that. The Flow never
	// closes an invoker: the Mover and whoever made Invoker own them.
	Invoker tg.Invoker
	// Mover follows migrate errors; nil returns them to the caller.
	Mover Mover
	// MaxMoves bounds the moves of one request; 0 = 2. A server that keeps
	// sending us elsewhere is broken, and following it forever would hang.
	MaxMoves int
	// Offset is server time minus local time (from the handshake), to turn
	// a QR token's server-time expiry into local time.
	Offset time.Duration
	Rand   io.Reader        // for SRP; nil = crypto/rand
	Now    func() time.Time // nil = time.Now
}

// Move records one migration that a request followed.
type Move struct {
	From, To int
	Reason   string // the error that asked for it, e.g. "PHONE_MIGRATE_4"
}

// Result is a finished login.
type Result struct {
	DC    int // the DC the key is logged in on: the user's home DC
	User  model.User
	Moves []Move
}

// CodeSent describes the code Telegram sent for a phone number.
type CodeSent struct {
	Phone  string
	DC     int           // where the login continues (after any move)
	Via    string        // "app", "sms", "call", "flash call", "email", ...
	Length int           // digits in the code, 0 if not told
	Next   string        // how a resend would arrive, "" if none
	Wait   time.Duration // before a resend is allowed, 0 if not told
}

// ErrPasswordNeeded is returned by SignIn (wrapped in *PasswordNeeded)
// when the account has a two-step verification password.
var ErrPasswordNeeded = auth.ErrPasswordAuthNeeded

// PasswordNeeded carries the password hint to show in the form.
type PasswordNeeded struct{ Hint string }

func (e *PasswordNeeded) Error() string { return "two-step verification password needed" }

// Unwrap gives gotd's ErrPasswordNeeded (errors.Is) and the rpc_error it
// stands for, 401 SESSION_PASSWORD_NEEDED (model.Classify).
func (e *PasswordNeeded) Unwrap() []error {
	return []error{ErrPasswordNeeded, &model.RPCError{Code: 401, Message: "SESSION_PASSWORD_NEEDED", Type: "SESSION_PASSWORD_NEEDED"}}
}

// ErrSignUpNeeded is returned by SignIn when the number has no account yet.
var ErrSignUpNeeded = errors.New("no account with this number: sign up with a name")

// Flow is one login in progress. Its methods are safe for concurrent use
// and run one at a time, since each step depends on the one before.
type Flow struct {
	cfg Config

	mu       sync.Mutex
	inv      tg.Invoker
	dc       int
	moves    []Move
	phone    string
	codeHash string
}

// New starts a login on cfg.Invoker.
func New(cfg Config) *Flow {
	if cfg.MaxMoves <= 0 {
		cfg.MaxMoves = 2
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Flow{cfg: cfg, inv: cfg.Invoker, dc: cfg.DC}
}

// DC is the DC the login currently runs on.
func (f *Flow) DC() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dc
}

// Invoker is the invoker the login currently runs on: after a move, the
// new DC's. Once logged in, it is the logged-in connection.
func (f *Flow) Invoker() tg.Invoker {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inv
}

// do runs call on the current DC and follows migrate errors. Called with
// f.mu held.
func (f *Flow) do(ctx context.Context, what string, call func(c *auth.Client, api *tg.Client) error) error {
	for moves := 0; ; moves++ {
		api := tg.NewClient(f.inv)
		err := modelError(call(auth.NewClient(api, f.cfg.Rand, f.cfg.AppID, f.cfg.AppHash), api))
		if err == nil {
			return nil
		}
		v := model.Classify(err, model.KeyState{})
		if v.Kind != model.Migrate || f.cfg.Mover == nil {
			return fmt.Errorf("%s on DC %d: %w", what, f.dc, err)
		}
		if v.DC == f.dc {
			return fmt.Errorf("%s: DC %d asked to move to itself: %w", what, f.dc, err)
		}
		if moves >= f.cfg.MaxMoves {
			return fmt.Errorf("%s: still asked to move after %d moves: %w", what, moves, err)
		}
		inv, merr := f.cfg.Mover.MoveTo(ctx, v.DC)
		if merr != nil {
			return fmt.Errorf("%s: move from DC %d to DC %d: %w", what, f.dc, v.DC, merr)
		}
		f.moves = append(f.moves, Move{From: f.dc, To: v.DC, Reason: fmt.Sprintf("%s_%d", v.Type, v.DC)})
		f.inv, f.dc = inv, v.DC
	}
}

// SendCode asks Telegram to send a login code to phone (digits, with or
// without "+", spaces and dashes). A PHONE_MIGRATE answer moves the login
// to the number's home DC and asks there.
func (f *Flow) SendCode(ctx context.Context, phone string) (CodeSent, error) {
	p, err := NormalizePhone(phone)
	if err != nil {
		return CodeSent{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var sent tg.AuthSentCodeClass
	err = f.do(ctx, "auth.sendCode", func(c *auth.Client, _ *tg.Client) (err error) {
		sent, err = c.SendCode(ctx, p, auth.SendCodeOptions{})
		return err
	})
	if err != nil {
		return CodeSent{}, err
	}
	sc, ok := sent.(*tg.AuthSentCode)
	if !ok {
		// auth.sentCodeSuccess: logged in by a future auth token, which
		// this tool never offers; anything else is new to us.
		return CodeSent{}, fmt.Errorf("auth.sendCode answered %T, not a code", sent)
	}
	f.phone, f.codeHash = p, sc.PhoneCodeHash
	out := CodeSent{Phone: p, DC: f.dc}
	out.Via, out.Length = sentCodeType(sc.Type)
	if next, ok := sc.GetNextType(); ok {
		out.Next = codeTypeName(next)
	}
	if t, ok := sc.GetTimeout(); ok {
		out.Wait = time.Duration(t) * time.Second
	}
	return out, nil
}

// SignIn sends the code. It returns a *PasswordNeeded (errors.Is
// ErrPasswordNeeded) when the account has a 2FA password, and
// ErrSignUpNeeded when the number has no account.
func (f *Flow) SignIn(ctx context.Context, code string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.codeHash == "" {
		return Result{}, errors.New("sign in: no code was sent yet")
	}
	var a *tg.AuthAuthorization
	err := f.do(ctx, "auth.signIn", func(c *auth.Client, _ *tg.Client) (err error) {
		a, err = c.SignIn(ctx, f.phone, code, f.codeHash)
		return err
	})
	var signUp *auth.SignUpRequired
	switch {
	case errors.Is(err, auth.ErrPasswordAuthNeeded):
		return Result{}, f.passwordNeeded(ctx)
	case errors.As(err, &signUp):
		return Result{}, ErrSignUpNeeded
	case err != nil:
		return Result{}, err
	}
	return f.result(a), nil
}

// passwordNeeded fetches the hint for the password form. Called with f.mu held.
func (f *Flow) passwordNeeded(ctx context.Context) error {
	p, err := tg.NewClient(f.inv).AccountGetPassword(ctx)
	if err != nil {
		return fmt.Errorf("account.getPassword on DC %d: %w", f.dc, err)
	}
	return &PasswordNeeded{Hint: p.Hint}
}

// SignUp creates the account for the number SignIn found none for.
func (f *Flow) SignUp(ctx context.Context, first, last string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.codeHash == "" {
		return Result{}, errors.New("sign up: no code was sent yet")
	}
	return f.authorize(ctx, "auth.signUp", func(c *auth.Client) (*tg.AuthAuthorization, error) {
		return c.SignUp(ctx, auth.SignUp{PhoneNumber: f.phone, PhoneCodeHash: f.codeHash, FirstName: first, LastName: last})
	})
}

// Password finishes a login with the two-step verification password. gotd
// computes the SRP answer from account.getPassword's parameters; the
// password itself never leaves this process.
func (f *Flow) Password(ctx context.Context, password string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authorize(ctx, "auth.checkPassword", func(c *auth.Client) (*tg.AuthAuthorization, error) {
		return c.Password(ctx, password)
	})
}

// Bot logs in as a bot with a token from @BotFather
// (auth.importBotAuthorization).
func (f *Flow) Bot(ctx context.Context, token string) (Result, error) {
	if _, err := ParseBotToken(token); err != nil {
		return Result{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authorize(ctx, "auth.importBotAuthorization", func(c *auth.Client) (*tg.AuthAuthorization, error) {
		return c.Bot(ctx, token)
	})
}

// authorize runs one request that ends in an authorization (following
// migrations like every request) and turns it into a Result. Called with
// f.mu held.
func (f *Flow) authorize(ctx context.Context, what string, call func(*auth.Client) (*tg.AuthAuthorization, error)) (Result, error) {
	var a *tg.AuthAuthorization
	err := f.do(ctx, what, func(c *auth.Client, _ *tg.Client) (err error) {
		a, err = call(c)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return f.result(a), nil
}

// result turns an authorization into a Result. Called with f.mu held.
func (f *Flow) result(a *tg.AuthAuthorization) Result {
	return Result{DC: f.dc, Moves: append([]Move(nil), f.moves...), User: UserOf(a.User)}
}

// UserOf is who an authorization is for, as model describes users; the
// zero User for anything but a tg.User.
func UserOf(u tg.UserClass) model.User {
	v, ok := u.(*tg.User)
	if !ok {
		return model.User{}
	}
	return model.User{ID: v.ID, Phone: v.Phone, FirstName: v.FirstName, LastName: v.LastName, Bot: v.Bot}
}
