// Command gotdclient is the interop script for gotd's own telegram.Client:
// it drives the unmodified client against `tgpfs dc` (given only the DCs'
// addresses and the RSA public key) and prints one JSON line per step, as
// every interop script does. The suite in ../ runs it; by hand:
//
//	tgpfs dc -v --pubkey-out dc.pub    # prints dc 1 host:port …
//	gotdclient --dcs 1=127.0.0.1:p1,2=…,3=… --pubkey dc.pub --transport intermediate --scenario flow [--pfs]
//
// Transports: gotd's four codecs (intermediate, abridged, padded, full) and
// Obfuscated2 around the three that allow it. gotd has websocket too, which
// tgpfs dc does not serve.
package main

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/transport"
)

// Test phones by the test-DC convention: 99966XYYYY lives on DC X, code X×5.
const (
	homeDC      = 2
	homePhone   = "9996621234"
	movedPhone  = "9996631234" // lives on DC 3, asked of DC 2
	exportDC    = 1
	stepTimeout = 90 * time.Second // generous: a loaded machine, and gotd proves the DH prime each time
)

type options struct {
	dcs       map[int]string
	key       *rsa.PublicKey
	transport string
	scenario  string
	pfs       bool
	ttl       time.Duration
	name      string
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotdclient:", err)
		os.Exit(2)
	}
	r := &reporter{client: o.name, transport: o.transport}
	switch o.scenario {
	case "flow":
		flow(o, r)
	case "pfs":
		pfs(o, r)
	}
}

func parseFlags() (options, error) {
	var o options
	var dcsArg, pubkey string
	flag.StringVar(&dcsArg, "dcs", "", "1=host:port,2=host:port,…")
	flag.StringVar(&pubkey, "pubkey", "", "the DC's RSA public key (PEM)")
	flag.StringVar(&o.transport, "transport", "intermediate", "transport")
	flag.StringVar(&o.scenario, "scenario", "flow", "flow or pfs")
	flag.BoolVar(&o.pfs, "pfs", false, "EnablePFS")
	ttl := flag.Int("ttl", 0, "the DC's --max-ttl in seconds (pfs scenario)")
	flag.Parse()
	o.ttl = time.Duration(*ttl) * time.Second
	o.name = "gotd"
	if o.pfs {
		o.name = "gotd-pfs"
	}
	o.dcs = map[int]string{}
	for _, part := range strings.Split(dcsArg, ",") {
		id, addr, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(id)
		if !ok || err != nil {
			return o, fmt.Errorf("--dcs %q: want 1=host:port,…", dcsArg)
		}
		o.dcs[n] = addr
	}
	data, err := os.ReadFile(pubkey)
	if err != nil {
		return o, fmt.Errorf("--pubkey: %w", err)
	}
	keys, err := crypto.ParseRSAPublicKeys(data)
	if err != nil || len(keys) != 1 {
		return o, fmt.Errorf("--pubkey %s: want one RSA public key: %v", pubkey, err)
	}
	o.key = keys[0]
	if _, _, err := protocol(o.transport); err != nil {
		return o, err
	}
	if o.scenario != "flow" && o.scenario != "pfs" {
		return o, fmt.Errorf("--scenario %q: want flow or pfs", o.scenario)
	}
	return o, nil
}

// protocol maps a transport name to gotd's codec and obfuscation.
func protocol(name string) (dcs.Protocol, bool, error) {
	obf := strings.HasPrefix(name, "obfuscated-")
	switch strings.TrimPrefix(name, "obfuscated-") {
	case "intermediate":
		return transport.Intermediate, obf, nil
	case "abridged":
		return transport.Abridged, obf, nil
	case "padded":
		return transport.PaddedIntermediate, obf, nil
	case "full":
		if !obf {
			return transport.Full, false, nil
		}
	}
	return nil, false, fmt.Errorf("--transport %q: unknown", name)
}

// newClient builds gotd's client with nothing but the DCs and the key.
func newClient(o options) *telegram.Client {
	var opts []tg.DCOption
	for id, addr := range o.dcs {
		host, port, _ := strings.Cut(addr, ":")
		p, _ := strconv.Atoi(port)
		opts = append(opts, tg.DCOption{ID: id, IPAddress: host, Port: p})
	}
	proto, obf, _ := protocol(o.transport)
	ttl := 0
	if o.pfs {
		ttl = 3600 // far longer than the DC's --max-ttl in the pfs scenario
	}
	return telegram.NewClient(17349, "344583e45741c457fe1862106095a5eb", telegram.Options{
		PublicKeys: []telegram.PublicKey{{RSA: o.key}},
		DC:         homeDC,
		DCList:     dcs.List{Options: opts},
		Resolver:   dcs.Plain(dcs.PlainOptions{Protocol: proto, Obfuscated: obf}),
		NoUpdates:  true,
		EnablePFS:  o.pfs,
		TempKeyTTL: ttl,
		// gotd gives a PHONE_MIGRATE 15 s to reach the new DC; gotd proves
		// the DH prime on every exchange, which on a loaded 2-core CI
		// machine takes longer than that. A bound, not a behaviour change.
		MigrationTimeout: 2 * time.Minute,
	})
}

// flow: key exchange, help.getConfig, login (sign-up), export/import,
// logout, then a login with a phone of DC 3 asked of DC 2 (PHONE_MIGRATE).
func flow(o options, r *reporter) {
	steps := []string{"handshake", "help.getConfig", "login", "authorized", "export-import", "logout", "phone-migrate"}
	run(o, r, steps, func(ctx context.Context, c *telegram.Client) error {
		r.ok("handshake", "connected to dc 2")
		cfg, err := withTimeout(ctx, func(ctx context.Context) (*tg.Config, error) { return c.API().HelpGetConfig(ctx) })
		if err != nil {
			r.fail("help.getConfig", err)
			return nil
		}
		if cfg.ThisDC != homeDC || len(cfg.DCOptions) == 0 {
			r.failf("help.getConfig", "this_dc %d, %d dc options", cfg.ThisDC, len(cfg.DCOptions))
			return nil
		}
		r.ok("help.getConfig", fmt.Sprintf("this_dc %d, %d dc options", cfg.ThisDC, len(cfg.DCOptions)))

		self, how, err := login(ctx, c, homePhone)
		if err != nil {
			r.fail("login", err)
			return nil
		}
		r.ok("login", fmt.Sprintf("%s user %d phone %s", how, self.ID, self.Phone))

		// The client's own "am I logged in?", as IfNecessary asks it.
		if st, err := withTimeout(ctx, c.Auth().Status); err != nil {
			r.fail("authorized", err)
		} else if !st.Authorized || st.User == nil || st.User.ID != self.ID {
			r.failf("authorized", "Auth().Status: %+v", st)
		} else {
			r.ok("authorized", "Auth().Status (users.getUsers(self))")
		}

		// gotd's own way to another DC: Client.DC transfers the login
		// with auth.exportAuthorization / importAuthorization.
		if err := exportImport(ctx, c, self.ID); err != nil {
			r.fail("export-import", err)
		} else {
			r.ok("export-import", fmt.Sprintf("users.getUsers(self) on dc %d through Client.DC", exportDC))
		}

		if _, err := withTimeout(ctx, func(ctx context.Context) (*tg.AuthLoggedOut, error) { return c.API().AuthLogOut(ctx) }); err != nil {
			r.fail("logout", err)
			return nil
		}
		_, err = c.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		if !auth.IsUnauthorized(err) {
			r.failf("logout", "after auth.logOut users.getUsers(self) answered %v, want 401", err)
			return nil
		}
		r.ok("logout", "auth.logOut, then 401 for users.getUsers(self)")

		// PHONE_MIGRATE: a phone of DC 3 asked of DC 2, logged out; gotd's
		// invoker follows the migrate error to DC 3 by itself.
		self, how, err = login(ctx, c, movedPhone)
		switch {
		case err != nil:
			r.fail("phone-migrate", err)
		case self.Phone != movedPhone:
			r.failf("phone-migrate", "self phone %s, want %s", self.Phone, movedPhone)
		default:
			r.ok("phone-migrate", fmt.Sprintf("%s user %d phone %s after PHONE_MIGRATE_3", how, self.ID, self.Phone))
		}
		return nil
	})
}

// run runs f in gotd's client.Run: Run makes the key (and binds a
// temporary key with PFS) before it calls f, so a Run that never calls f
// failed the first step. Steps f did not report are reported as not run.
func run(o options, r *reporter, steps []string, f func(context.Context, *telegram.Client) error) {
	c := newClient(o)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	entered := false
	err := c.Run(ctx, func(ctx context.Context) error {
		entered = true
		return f(ctx, c)
	})
	if !entered {
		r.fail(steps[0], err)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "gotdclient: Run:", err)
	}
	r.notRun(steps, "an earlier step failed")
}

// pfs: bind a temporary key, let the DC forget it (its --max-ttl is far
// below the key's requested life), and see the client carry on by itself.
func pfs(o options, r *reporter) {
	run(o, r, []string{"pfs-bind", "pfs-recover"}, func(ctx context.Context, c *telegram.Client) error {
		if _, err := withTimeout(ctx, func(ctx context.Context) (*tg.Config, error) { return c.API().HelpGetConfig(ctx) }); err != nil {
			r.fail("pfs-bind", err)
			return nil
		}
		r.ok("pfs-bind", "help.getConfig over a bound temp key")
		time.Sleep(o.ttl + 1500*time.Millisecond)
		start := time.Now()
		if _, err := withTimeout(ctx, func(ctx context.Context) (*tg.Config, error) { return c.API().HelpGetConfig(ctx) }); err != nil {
			r.fail("pfs-recover", fmt.Errorf("first call after the DC forgot the key: %w", err))
			return nil
		}
		r.ok("pfs-recover", fmt.Sprintf("help.getConfig after the DC forgot the key, in %s", time.Since(start).Round(time.Millisecond)))
		return nil
	})
}

// login is gotd's own flow: auth.sendCode, signIn, and signUp when the DC
// answers auth.authorizationSignUpRequired.
func login(ctx context.Context, c *telegram.Client, phone string) (*tg.User, string, error) {
	code := strings.Repeat(phone[5:6], 5)
	signedUp := false
	flow := auth.NewFlow(testUser{phone: phone, code: code, signedUp: &signedUp}, auth.SendCodeOptions{})
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := c.Auth().IfNecessary(ctx, flow); err != nil {
		return nil, "", err
	}
	self, err := c.Self(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("self after login: %w", err)
	}
	how := "signed in"
	if signedUp {
		how = "signed up"
	}
	return self, how, nil
}

func exportImport(ctx context.Context, c *telegram.Client, self int64) error {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	inv, err := c.DC(ctx, exportDC, 1)
	if err != nil {
		return fmt.Errorf("Client.DC(%d): %w", exportDC, err)
	}
	defer func() { _ = inv.Close() }()
	users, err := tg.NewClient(inv).UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
	if err != nil {
		return fmt.Errorf("users.getUsers(self) on dc %d: %w", exportDC, err)
	}
	if len(users) != 1 {
		return fmt.Errorf("users.getUsers(self) on dc %d: %d users", exportDC, len(users))
	}
	if u, ok := users[0].(*tg.User); !ok || u.ID != self {
		return fmt.Errorf("users.getUsers(self) on dc %d: %v, want user %d", exportDC, users[0], self)
	}
	return nil
}

// testUser answers gotd's auth flow for a test phone, signing up if asked.
type testUser struct {
	phone, code string
	signedUp    *bool
}

func (u testUser) Phone(context.Context) (string, error)    { return u.phone, nil }
func (u testUser) Password(context.Context) (string, error) { return "", auth.ErrPasswordNotProvided }
func (u testUser) Code(context.Context, *tg.AuthSentCode) (string, error) {
	return u.code, nil
}
func (u testUser) AcceptTermsOfService(context.Context, tg.HelpTermsOfService) error { return nil }
func (u testUser) SignUp(context.Context) (auth.UserInfo, error) {
	*u.signedUp = true
	return auth.UserInfo{FirstName: "Interop", LastName: "Gotd"}, nil
}

func withTimeout[T any](ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	return f(ctx)
}

// reporter prints the JSON lines, each step once.
type reporter struct {
	client, transport string
	done              map[string]bool
}

type line struct {
	Client    string `json:"client"`
	Transport string `json:"transport"`
	Step      string `json:"step"`
	OK        bool   `json:"ok"`
	Detail    string `json:"detail"`
}

func (r *reporter) emit(step string, ok bool, detail string) {
	if r.done == nil {
		r.done = map[string]bool{}
	}
	if r.done[step] {
		return
	}
	r.done[step] = true
	b, _ := json.Marshal(line{r.client, r.transport, step, ok, detail})
	fmt.Println(string(b))
}

func (r *reporter) ok(step, detail string) { r.emit(step, true, detail) }
func (r *reporter) failf(step, format string, args ...any) {
	r.emit(step, false, fmt.Sprintf(format, args...))
}

func (r *reporter) fail(step string, err error) {
	if err == nil {
		err = errors.New("no result")
	}
	var rpc *tgerr.Error
	if errors.As(err, &rpc) {
		r.failf(step, "rpc error %d %s: %v", rpc.Code, rpc.Message, err)
		return
	}
	r.emit(step, false, err.Error())
}

// notRun reports the steps not reported yet.
func (r *reporter) notRun(steps []string, why string) {
	for _, s := range steps {
		if !r.done[s] {
			r.emit(s, false, "not run: "+why)
		}
	}
}
