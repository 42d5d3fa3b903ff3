// Package app is tgpfs's composition root: it builds every running part
// (the embedded local DC cluster, the protocol driver, the method catalog,
// the session formats, the UI's options) from one Config, and validates that
// Config once, in New. Every subcommand of internal/cli, the soak runs of
// internal/soak and the screenshot generator start through it, so what the
// README shows and what the tests measure is the program people run.
//
// Bad input is an *InputError naming the flag and the value it got (secrets
// redacted), returned before anything is started or written.
package app

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"tgpfs/sessions/safetext"
	"time"

	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
	"tgpfs/sessions"
)

// Version is tgpfs's version, reported by --version and in initConnection
// (proto.Options.AppVersion).
const Version = "0.1.0"

// Defaults of the session `tgpfs` opens with no flags.
const (
	DefaultDCs = 3
	DefaultDC  = 2
	DefaultTTL = 90 * time.Second
)

// TestPhone is a test phone number that lives on DC dc under Telegram's
// test-DC convention (model.TestPhone).
func TestPhone(dc int) string { return model.TestPhone(dc) }

// Config says what to build. Each field names the flag that sets it.
// Defaults() is `tgpfs` with no flags (the embedded cluster of three DCs,
// home DC 2, temporary keys of 90 s, logged in with the test phone); start
// from it: New takes every value as given.
type Config struct {
	// Env is --dc: "local" (or ""), "test" or "prod".
	Env string
	// DC is --dc-id, the home DC. A session's DC wins, except against
	// --addr, which names the DC's own address.
	DC int
	// Addr is --addr, HOST:PORT of a running server (a `tgpfs dc`, or any
	// MTProto server) to use instead of starting the embedded cluster;
	// other DCs of it are found through help.getConfig. PubKey is
	// --pubkey, the path of that server's RSA public key PEM.
	Addr   string
	PubKey string
	// Transport is --transport; "" = intermediate. Proxy is --proxy
	// (host:port:hexsecret or a tg://proxy link); "" = none.
	Transport string
	Proxy     string
	IPv6      bool // --ipv6
	// AppID and AppHash are --app-id and --app-hash; without them the
	// environment (TG_APP_ID/TG_APP_HASH, APP_ID/APP_HASH) is read
	// through Getenv (os.Getenv when nil).
	AppID   int
	AppHash string
	Getenv  func(string) string

	// TTL is --ttl, each temporary key's expires_in.
	TTL time.Duration
	// Phone is --phone, the test phone logged in at start; "" = the test
	// phone of the home DC. NoLogin is --no-login.
	Phone   string
	NoLogin bool
	// Session is --session: a session file or string whose permanent key
	// is used instead of making one.
	Session string
	// Fork is --fork (and `tgpfs fork`): Session is the source of a fork
	// (fork.go), whose key accepts one login token and is used for
	// nothing else; the driver makes a permanent key of its own.
	Fork bool
	// LoginForms makes l open the real-DC login forms (phone, QR, bot
	// token) on the local DCs too; they are always used on real DCs.
	LoginForms bool
	// ReplaceRefusedKeys lets the driver drop both keys and make new ones
	// when the DC refuses a permanent key it made and no login goes with
	// it (proto.Options.ReplaceRefusedKeys): for commands with nobody to
	// ask (tgpfs audit); the TUI asks.
	ReplaceRefusedKeys bool

	// Cluster is the embedded cluster: its size and, for `tgpfs dc`,
	// where it listens and what it keeps.
	Cluster ClusterConfig
	// Attach, when set, is a running cluster to use instead of starting
	// one (soak runs share one cluster among many drivers). It is not
	// closed by Session.Close.
	Attach *localdc.Cluster

	// Clock is the time of the cluster, the driver and the UI; time.Now
	// when nil.
	Clock func() time.Time
	// Dial opens the driver's TCP connections; nil = a net.Dialer. For
	// fault injection.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Frames is the driver's tap ring size; 0 = the driver's default.
	Frames int
}

// App is a validated Config, ready to start.
type App struct {
	cfg       Config
	env       endpoints.Env
	transport endpoints.Transport
	proxy     *endpoints.Proxy
	app       endpoints.App
	appErr    error // no credentials for a real DC: the dry run shows it, Start refuses
	addr      string
	phone     string // logged in at start; "" = nobody
	sess      *sessions.Session
	cluster   *Cluster // the embedded local DCs only
	server    *server  // --addr: a running server instead of the cluster
	warnings  []string
}

// New validates cfg once, loading the session if one is named, and returns
// what Start and WriteDryRun use. Bad input is an *InputError.
func New(cfg Config) (*App, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	a := &App{cfg: cfg}
	for _, check := range []func() error{a.target, a.remote, a.lifetime, a.local, a.loadSession, a.forkNeedsSession, a.login, a.credentials} {
		if err := check(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// apiIDWhy is what bounds an app id.
const apiIDWhy = "api_id is an int32 in initConnection"

// target reads where to connect.
func (a *App) target() error {
	c := &a.cfg
	env, err := endpoints.ParseEnv(c.Env)
	if err != nil {
		return badErr("--dc", err)
	}
	a.env = env
	if env != endpoints.Local {
		if err := intIn("--dc-id", c.DC, 1, 5, "Telegram DCs are numbered 1 to 5"); err != nil {
			return err
		}
	}
	if a.transport, err = endpoints.ParseTransport(c.Transport); err != nil {
		return badErr("--transport", err)
	}
	if a.proxy, err = endpoints.ParseProxy(c.Proxy); err != nil {
		// The parser quotes its input, and the input holds the secret.
		return &InputError{Name: "--proxy", Value: Hidden(c.Proxy), Reason: scrubbed(err, c.Proxy)}
	}
	if c.AppID != 0 {
		if err := intIn("--app-id", c.AppID, 1, maxInt32, apiIDWhy); err != nil {
			return err
		}
	}
	return nil
}

// lifetime bounds --ttl by what it feeds: expires_in and expires_at.
func (a *App) lifetime() error {
	lo, why := time.Second, "expires_in counts seconds"
	if a.env != endpoints.Local {
		lo, why = time.Minute, "real DCs want at least a minute"
	}
	hi := MaxTTL(a.cfg.Clock())
	if a.cfg.TTL > hi {
		why = "expires_in is an int32 of seconds and expires_at an int32 unix time, which ends in 2038"
	}
	if err := DurationIn("--ttl", a.cfg.TTL, lo, hi, why); err != nil {
		return err
	}
	if a.cfg.TTL%time.Second != 0 {
		// Cut to expires_in, the key would die before the expires_at
		// the bind names.
		return bad("--ttl", a.cfg.TTL.String(), "want whole seconds: expires_in counts seconds")
	}
	return nil
}

// local validates the cluster the local DCs run as (for a dry run too, so
// that it refuses what the real run refuses).
func (a *App) local() error {
	if (a.env != endpoints.Local || a.server != nil) && a.cfg.Attach == nil {
		return nil
	}
	if a.cfg.Attach != nil {
		a.cfg.Cluster.DCs = len(a.cfg.Attach.DCs())
	}
	c, err := newCluster(a.cfg.Cluster, a.cfg.Clock)
	if err != nil {
		return err
	}
	a.cluster = c
	return a.checkLocalDC("--dc-id", a.cfg.DC)
}

func (a *App) checkLocalDC(name string, dc int) error {
	return intIn(name, dc, 1, a.cluster.DCs(), "the local cluster's DCs")
}

// loadSession reads --session once; its DC and address become the target.
func (a *App) loadSession() error {
	in := a.cfg.Session
	if in == "" {
		return nil
	}
	s, err := sessions.Load(in, sessions.LoadOptions{})
	if err != nil {
		return badSession(in, err)
	}
	if s.DC >= 1 && s.DC <= 5 && a.server == nil {
		a.cfg.DC = s.DC
		if a.env == endpoints.Local {
			if err := a.checkLocalDC("--session", s.DC); err != nil {
				return err
			}
		}
	}
	if s.HostPort() != "" && !s.AddrFromDC && a.env != endpoints.Local {
		a.addr = s.HostPort()
	}
	a.sess = s
	if a.cfg.Fork {
		return a.forkSource()
	}
	a.warnings = append(a.warnings, "using the permanent key of "+s.PermKey().Source+": "+sessions.DuplicateWarning)
	return nil
}

// badSession is bad --session input. A path is quoted; anything else may
// be a session string, a secret: only an excerpt, and never in the reason
// either.
func badSession(in string, err error) *InputError {
	if _, serr := os.Lstat(in); serr == nil {
		return &InputError{Name: "--session", Value: strconv.Quote(in), Reason: err}
	}
	return &InputError{Name: "--session", Value: safetext.Redact(in), Reason: scrubbed(err, in)}
}

// sessionValue is how a message names --session: a path quoted, anything
// else (maybe a session string) by an excerpt only.
func sessionValue(in string) string {
	if _, err := os.Lstat(in); err == nil {
		return strconv.Quote(in)
	}
	return safetext.Redact(in)
}

// login decides who is logged in at start.
func (a *App) login() error {
	c := a.cfg
	if c.Phone == "" {
		switch {
		case c.NoLogin || a.sess != nil:
			// A session brings its own login; logging in again would
			// replace it.
		case a.env == endpoints.Prod:
			// A real account's code comes by message; l asks for it.
		default:
			a.phone = TestPhone(c.DC)
		}
		return nil
	}
	switch {
	case c.NoLogin:
		return bad("--phone", strconv.Quote(c.Phone), "--no-login says not to log in at start")
	case a.sess != nil:
		return bad("--phone", strconv.Quote(c.Phone), "--session brings its own login")
	case a.env == endpoints.Prod:
		return bad("--phone", strconv.Quote(c.Phone), "production DCs send the code by message; press l to log in")
	}
	p, err := login.NormalizePhone(c.Phone)
	if err != nil {
		return badErr("--phone", err)
	}
	a.phone = p
	return nil
}

// credentials resolves the app id and hash. Missing ones are kept for the
// dry run to show and for Start to refuse; malformed ones are refused here.
func (a *App) credentials() error {
	app, err := endpoints.ResolveApp(a.env, a.cfg.AppID, a.cfg.AppHash, a.cfg.Getenv)
	switch {
	case errors.Is(err, endpoints.ErrNoApp):
		a.appErr = err
	case err != nil:
		name := "environment"
		if a.cfg.AppID != 0 || a.cfg.AppHash != "" {
			name = "--app-id"
		}
		return &InputError{Name: name, Reason: scrubbed(err, a.cfg.AppHash)}
	case app.ID > maxInt32:
		return intIn(app.Source, app.ID, 1, maxInt32, apiIDWhy)
	}
	a.app = app
	return nil
}

// Warnings are what to tell the user before starting (a session's key may
// be in use elsewhere).
func (a *App) Warnings() []string { return a.warnings }

// Env is the DC family the App targets.
func (a *App) Env() endpoints.Env { return a.env }
