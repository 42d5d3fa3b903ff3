package app

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
	"tgpfs/sessions/safetext"
	"tgpfs/ui"
)

// The account's sessions, for `tgpfs authorizations` and the Sessions
// screen: what account.getAuthorizations answers the driver, with what only
// the local DCs know of each session (its permanent key), and the TUI's
// fork of its own session.

// Authorization is one session of the account.
type Authorization struct {
	proto.Authorization
	// Local is set when the target is the local DCs, which know each
	// session's permanent key: the one that logged in (PermKey on PermDC;
	// 0 when the DCs no longer hold it).
	Local   bool
	PermKey model.KeyID
	PermDC  int
	// UsesPFS is whether the session's client uses PFS, as the local DC
	// that watched it judged; nil when nobody judged it. The DCs do not
	// judge clients yet (branch observe), so it is nil for now: unknown,
	// never a guess.
	UsesPFS *bool
}

// ConnectAndLogIn connects the driver and logs in with the test phone the
// Config chose (local and test DCs without --session), as the TUI does at
// start.
func (s *Session) ConnectAndLogIn(ctx context.Context) error {
	if err := s.Driver.Connect(ctx); err != nil {
		return err
	}
	if s.app.phone != "" {
		return s.Driver.Login(ctx, s.app.phone)
	}
	return nil
}

// Authorizations lists the account's sessions, this one first.
func (s *Session) Authorizations(ctx context.Context) ([]Authorization, error) {
	list, err := s.Driver.Authorizations(ctx)
	if err != nil {
		return nil, err
	}
	var held []localdc.AuthorizationInfo
	if s.Cluster != nil {
		held = s.Cluster.Authorizations(0)
	}
	own := s.Driver.PermKey()
	out := make([]Authorization, len(list))
	for i, a := range list {
		out[i] = Authorization{Authorization: a, Local: s.Cluster != nil}
		if info, ok := heldSession(held, a, localdc.KeyRef{DC: own.DC, ID: own.ID}); ok {
			out[i].PermKey, out[i].PermDC = info.Home.ID, info.Home.DC
		}
	}
	return out, nil
}

// heldSession finds the DCs' record of a listed session: by its hash, or,
// for the caller's own (which Telegram lists with hash 0), by the key that
// asked.
func heldSession(held []localdc.AuthorizationInfo, a proto.Authorization, own localdc.KeyRef) (localdc.AuthorizationInfo, bool) {
	for _, info := range held {
		if (a.Current && slices.Contains(info.Keys, own)) || (!a.Current && a.Hash != 0 && info.Hash == a.Hash) {
			return info, true
		}
	}
	return localdc.AuthorizationInfo{}, false
}

// maxClientText bounds each string a client chose about itself, as the
// screen shows it.
const maxClientText = 64

// uiAuthorization is a session as the Sessions screen draws it: the
// clients' own strings made safe to print.
func uiAuthorization(a Authorization) ui.Authorization {
	clean := func(s string) string { return safetext.Line(s, maxClientText) }
	out := ui.Authorization{
		Hash: a.Hash, Current: a.Current, Device: clean(a.DeviceModel), Platform: clean(a.Platform), System: clean(a.SystemVersion),
		APIID: a.APIID, App: clean(a.AppName), AppVersion: clean(a.AppVersion), Official: a.OfficialApp,
		Created: a.Created, Active: a.Active, IP: clean(a.IP), Country: clean(a.Country), PasswordPending: a.PasswordPending,
		Local: a.Local, PermKeyID: a.PermKey, PermDC: a.PermDC,
	}
	if a.UsesPFS != nil {
		out.UsesPFS = ui.PFSNo
		if *a.UsesPFS {
			out.UsesPFS = ui.PFSYes
		}
	}
	return out
}

// sessionsBackend is ui.Sessions over the session's driver. A fork from
// the TUI is made by a driver of its own (a new permanent key on the home
// DC), whose login token the TUI's driver accepts with its own session;
// while it waits for the account's password it is kept here.
type sessionsBackend struct {
	s *Session

	mu      sync.Mutex
	pending *pendingFork
}

type pendingFork struct {
	d *proto.Driver
	f *proto.Fork
}

var _ ui.Sessions = (*sessionsBackend)(nil)

func newSessionsBackend(s *Session) *sessionsBackend {
	b := &sessionsBackend{s: s}
	s.closers = append(s.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return b.ForkCancel(ctx)
	})
	return b
}

func (b *sessionsBackend) List(ctx context.Context) ([]ui.Authorization, error) {
	list, err := b.s.Authorizations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Authorization, len(list))
	for i, a := range list {
		out[i] = uiAuthorization(a)
	}
	return out, nil
}

func (b *sessionsBackend) Terminate(ctx context.Context, hash int64) error {
	return b.s.Driver.TerminateAuthorization(ctx, hash)
}

func (b *sessionsBackend) TerminateOthers(ctx context.Context) error {
	return b.s.Driver.TerminateOtherAuthorizations(ctx)
}

// Fork makes a new device of the account: a driver of its own connects on
// the home DC, and the TUI's driver accepts its login token. A fork that
// still waited for its password is given up first.
func (b *sessionsBackend) Fork(ctx context.Context) (ui.ForkedKey, error) {
	if err := b.ForkCancel(ctx); err != nil {
		return ui.ForkedKey{}, err
	}
	opts := b.s.opts
	opts.PermKey, opts.PermSource, opts.DeviceModel = nil, "", ForkDeviceModel
	opts.Target = b.s.Driver.Status().Target
	// Nobody reads the fork driver's events: keep few.
	opts.Events, opts.Frames = 16, 16
	d := proto.NewDriver(opts)
	if err := d.Connect(ctx); err != nil {
		_ = d.Close()
		return ui.ForkedKey{}, err
	}
	f, err := d.Fork(ctx, b.s.Driver)
	return b.after(ctx, &pendingFork{d: d, f: f}, err)
}

// ForkPassword goes on with the fork that waits for the password. A wrong
// password leaves it waiting.
func (b *sessionsBackend) ForkPassword(ctx context.Context, password string) (ui.ForkedKey, error) {
	b.mu.Lock()
	p := b.pending
	b.pending = nil
	b.mu.Unlock()
	if p == nil {
		return ui.ForkedKey{}, errors.New("no fork waits for a password")
	}
	return b.after(ctx, p, p.f.Password(ctx, password))
}

// after finishes a step of a fork: done, it hands out the new key and
// closes its driver; waiting for the password, it keeps it; failed, it
// ends the half-made session and closes the driver.
func (b *sessionsBackend) after(ctx context.Context, p *pendingFork, err error) (ui.ForkedKey, error) {
	var need *login.PasswordNeeded
	switch {
	case err == nil:
		defer p.d.Close()
		st, r := p.d.Status(), p.f.Result()
		return ui.ForkedKey{Key: p.d.RevealKey(model.Permanent), DC: st.Target.DC, Addr: st.Target.Addr, UserID: r.User.ID, Hash: r.Hash}, nil
	case errors.As(err, &need) || model.Classify(err, model.KeyState{}).Type == "PASSWORD_HASH_INVALID":
		b.mu.Lock()
		b.pending = p
		b.mu.Unlock()
		return ui.ForkedKey{}, err
	}
	_ = p.f.Abandon(ctx)
	_ = p.d.Close()
	return ui.ForkedKey{}, err
}

// ForkCancel gives up the fork that waits for its password, ending its
// half-made session.
func (b *sessionsBackend) ForkCancel(ctx context.Context) error {
	b.mu.Lock()
	p := b.pending
	b.pending = nil
	b.mu.Unlock()
	if p == nil {
		return nil
	}
	err := p.f.Abandon(ctx)
	return errors.Join(err, p.d.Close())
}
