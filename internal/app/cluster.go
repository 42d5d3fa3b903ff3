package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
	"tgpfs/sessions/safetext"
)

// ClusterConfig is the embedded cluster of local DCs: its size for the TUI
// and `tgpfs audit`, and for `tgpfs dc` where it listens and what it keeps.
// Start from Defaults().Cluster; every field is checked by New.
type ClusterConfig struct {
	// DCs is --dcs, the number of DCs (ids 1..DCs).
	DCs int
	// Listen is --listen: host:PORT of DC 1; DC n listens on PORT+n-1,
	// port 0 picks a free port per DC.
	Listen string
	// KeyPath is --key, an RSA private key PEM; "" = the committed test key.
	KeyPath string
	// MaxTTL is --max-ttl, the cap on a temporary key's expires_in.
	MaxTTL time.Duration
	// StatePath is --state, where permanent keys and logins are kept.
	StatePath string
	// Bots are --bot values, ID:SECRET[@DC]: bot tokens that
	// auth.importBotAuthorization accepts, each with its home DC
	// (DefaultDC, or DC 1 in a cluster of one, when no @DC is given).
	Bots []string
	// FreshReset is --fresh-reset: a session younger than this cannot end
	// others (406 FRESH_RESET_AUTHORISATION_FORBIDDEN, Telegram's 24h
	// rule); 0 is off, so a demo can fork and terminate at once.
	FreshReset time.Duration
	// Passwords are --password values, PHONE=PASSWORD: test accounts
	// whose logins need that 2FA password (SRP).
	Passwords []string
	// Faults are injected into the DCs (tests and demos of the real
	// server's rules: FLOOD_WAIT, migrations, AUTH_KEY_DUPLICATED, -429).
	Faults localdc.Faults
	// MaxConnsPerDC bounds each DC's connections; 0 = localdc's default.
	MaxConnsPerDC int
	// Scenarios are --scenario values, each NAME[=DURATION][,NAME…]
	// (model.ParseScenarios): DC behaviours that probe clients.
	Scenarios []string
}

// Defaults is the Config of `tgpfs` with no flags. The command line's flags
// start from it, and so should every Go caller: New takes every value as
// given (a zero --ttl is refused, not replaced).
func Defaults() Config {
	return Config{
		Env: "local", DC: DefaultDC, Transport: "intermediate", TTL: DefaultTTL,
		Cluster: ClusterConfig{DCs: DefaultDCs, Listen: "127.0.0.1:0", MaxTTL: 24 * time.Hour},
	}
}

// maxDCs: test phones name their DC with one digit.
const maxDCs = 9

// build checks c and turns it into the cluster's configuration.
func (c ClusterConfig) build(now func() time.Time) (localdc.Config, error) {
	cfg := localdc.Config{DCs: c.DCs, MaxTTL: c.MaxTTL, StatePath: c.StatePath, Now: now,
		Faults: c.Faults, MaxConnsPerDC: c.MaxConnsPerDC, FreshReset: c.FreshReset}
	if err := intIn("--dcs", c.DCs, 1, maxDCs, "test phones name their DC with one digit"); err != nil {
		return cfg, err
	}
	if err := DurationIn("--max-ttl", c.MaxTTL, time.Second, maxInt32*time.Second, "it caps expires_in, an int32 of seconds"); err != nil {
		return cfg, err
	}
	var err error
	if cfg.Host, cfg.BasePort, err = c.listen(); err != nil {
		return cfg, err
	}
	if c.KeyPath != "" {
		data, err := readSmallFile("--key", c.KeyPath)
		if err != nil {
			return cfg, err
		}
		if cfg.Key, err = localdc.ParsePrivateKeyPEM(data); err != nil {
			return cfg, bad("--key", strconv.Quote(c.KeyPath), "%w", err)
		}
	}
	if err := checkState(c.StatePath); err != nil {
		return cfg, err
	}
	if cfg.Bots, err = c.bots(); err != nil {
		return cfg, err
	}
	if err := DurationIn("--fresh-reset", c.FreshReset, 0, maxFreshReset, "how young a session may be and still not end others; 0 is off"); err != nil {
		return cfg, err
	}
	if cfg.Scenarios, err = ParseScenarios(c.Scenarios); err != nil {
		return cfg, err
	}
	if cfg.Passwords, err = c.passwords(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// maxFreshReset bounds --fresh-reset: a year is longer than any demo.
const maxFreshReset = 365 * 24 * time.Hour

// passwords reads the --password values into phone -> password. The
// password never appears in an error, and neither does anything before
// the = that is not a test phone (it may be a password given the wrong
// way round).
func (c ClusterConfig) passwords() (map[string]string, error) {
	if len(c.Passwords) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(c.Passwords))
	for _, v := range c.Passwords {
		phone, pw, ok := strings.Cut(v, "=")
		if !ok {
			return nil, bad("--password", Hidden(v), "want PHONE=PASSWORD")
		}
		digits, err := login.NormalizePhone(phone)
		dc, test := model.TestPhoneDC(digits)
		if err != nil || !test {
			return nil, bad("--password", Hidden(v), "want PHONE=PASSWORD with a test phone 99966XYYYY before the =")
		}
		shown := digits + "=" + Hidden(pw)
		switch {
		case dc > c.DCs:
			return nil, bad("--password", shown, "the phone lives on DC %d; the cluster has %d", dc, c.DCs)
		case pw == "" || len(pw) > localdc.MaxPasswordLen:
			return nil, bad("--password", shown, "want a password of 1..%d bytes", localdc.MaxPasswordLen)
		}
		if _, dup := out[digits]; dup {
			return nil, bad("--password", shown, "a password for %s was given already", digits)
		}
		out[digits] = pw
	}
	return out, nil
}

// ParseScenarios reads --scenario values (each NAME[=DURATION][,NAME…])
// with model.ParseScenarios; a bad one is an *InputError naming it. A name
// given in two values is given twice.
func ParseScenarios(values []string) ([]model.Scenario, error) {
	list, err := model.ParseScenarios(strings.Join(values, ","))
	var se *model.ScenarioError
	if errors.As(err, &se) {
		return nil, bad("--scenario", strconv.Quote(se.Value), "%s", se.Reason)
	}
	return list, err
}

// CheckReportPath checks --report before anything starts: its folder
// exists and takes new files, and the path is absent or a regular file,
// which each report replaces.
func CheckReportPath(path string) error { return CheckOutputPath("--report", path, true) }

// listen reads --listen: a host and a port that leaves room for every DC.
func (c ClusterConfig) listen() (string, int, error) {
	q := strconv.Quote(c.Listen)
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err)
		}
		return "", 0, bad("--listen", q, "want host:PORT: %w", err)
	}
	p, err := strconv.Atoi(port)
	top := 65535 - (c.DCs - 1)
	if err != nil || p < 0 || p > top {
		return "", 0, bad("--listen", q, "want a port in 0..%d (DC n listens on PORT+n-1, %d DCs; 0 picks free ports)", top, c.DCs)
	}
	return host, p, nil
}

// checkState refuses a --state that cannot be read or written, at start
// rather than at the first save (which would lose the run's keys).
func checkState(path string) error {
	if path == "" {
		return nil
	}
	q := strconv.Quote(path)
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return bad("--state", q, "%w", Pathless(err))
	case !fi.Mode().IsRegular():
		return bad("--state", q, "not a regular file (%s)", safetext.FileKind(fi.Mode()))
	default:
		f, err := os.Open(path)
		if err != nil {
			return bad("--state", q, "%w", Pathless(err))
		}
		_ = f.Close()
	}
	return checkWritableDir("--state", path)
}

// bots reads the --bot values into token -> home DC, each checked by the
// one bot-token parser.
func (c ClusterConfig) bots() (map[string]int, error) {
	if len(c.Bots) == 0 {
		return nil, nil
	}
	out := make(map[string]int, len(c.Bots))
	for _, v := range c.Bots {
		token, dc, err := parseBot(v, c.DCs)
		if err != nil {
			return nil, err
		}
		if prev, ok := out[token]; ok && prev != dc {
			return nil, bad("--bot", redactBot(v), "the same token was given for DC %d", prev)
		}
		out[token] = dc
	}
	return out, nil
}

// parseBot reads ID:SECRET[@DC]. The secret never appears in an error.
func parseBot(v string, dcs int) (token string, dc int, err error) {
	token, dc = v, min(DefaultDC, dcs)
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		token = v[:i]
		n, err := strconv.Atoi(v[i+1:])
		if err != nil {
			return "", 0, bad("--bot", redactBot(v), "want ID:SECRET[@DC]: %q after @ is not a DC number", v[i+1:])
		}
		dc = n
	}
	if _, err := login.ParseBotToken(token); err != nil {
		_, secret, _ := strings.Cut(token, ":")
		return "", 0, &InputError{Name: "--bot", Value: redactBot(v), Reason: scrubbed(err, secret)}
	}
	if err := intIn("--bot", dc, 1, dcs, "the home DC must be one of the cluster's"); err != nil {
		return "", 0, &InputError{Name: "--bot", Value: redactBot(v), Reason: err.(*InputError).Reason}
	}
	return token, dc, nil
}

// redactBot shows a --bot value with its secret hidden: the bot id and the
// DC are not secret.
func redactBot(v string) string {
	id, rest, ok := strings.Cut(v, ":")
	if !ok {
		return Hidden(v)
	}
	secret, at := rest, ""
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		secret, at = rest[:i], rest[i:]
	}
	if len(id) > 20 {
		id = id[:20] + "…"
	}
	if len(at) > 12 {
		at = at[:12] + "…"
	}
	return id + ":" + Hidden(secret) + at
}

// Cluster is a validated ClusterConfig, ready to start: `tgpfs dc`, the
// soak's restarted DCs, and the embedded cluster of every App on local DCs.
type Cluster struct {
	cfg ClusterConfig
	lc  localdc.Config
}

// NewCluster validates cfg once. Bad input is an *InputError.
func NewCluster(cfg ClusterConfig) (*Cluster, error) { return newCluster(cfg, nil) }

func newCluster(cfg ClusterConfig, now func() time.Time) (*Cluster, error) {
	lc, err := cfg.build(now)
	if err != nil {
		return nil, err
	}
	return &Cluster{cfg: cfg, lc: lc}, nil
}

// Start starts the DCs. A port already taken is bad --listen input, a
// state file that does not parse bad --state input.
func (c *Cluster) Start(ctx context.Context) (*localdc.Cluster, error) {
	lc, err := localdc.Start(ctx, c.lc)
	if err == nil {
		return lc, nil
	}
	var se *localdc.StateError
	var oe *net.OpError
	switch {
	case errors.As(err, &se):
		return nil, bad("--state", strconv.Quote(se.Path), "%w", se.Err)
	case errors.As(err, &oe) && oe.Op == "listen":
		return nil, bad("--listen", strconv.Quote(c.cfg.Listen), "%w", err)
	}
	return nil, fmt.Errorf("start local DCs: %w", err)
}

// DCs is how many DCs the cluster has.
func (c *Cluster) DCs() int { return c.lc.DCs }

// KeyNote says which RSA key the cluster uses.
func (c *Cluster) KeyNote() string {
	if c.cfg.KeyPath != "" {
		return c.cfg.KeyPath
	}
	return "the committed public test key"
}

// Scenarios are the cluster's scenarios, as --scenario gave them.
func (c *Cluster) Scenarios() []model.Scenario { return c.lc.Scenarios }

// MaxTTL is the cluster's cap on expires_in.
func (c *Cluster) MaxTTL() time.Duration { return c.lc.MaxTTL }
