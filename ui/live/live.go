// Package live assembles a running session for the UI out of the real
// parts: the embedded local DC cluster, the protocol driver, the method
// catalog, the session formats and the clipboard. internal/cli's root
// command and the screenshot generator both start the UI through it, so the
// pictures in the README are of the program people run.
package live

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
	"tgpfs/ui"
	"tgpfs/ui/loginform"
)

// Defaults of the local session `tgpfs` opens with no flags.
const (
	DefaultDCs = 3
	DefaultDC  = 2
	DefaultTTL = 90 * time.Second
)

// TestPhone is a test phone number that lives on DC dc under Telegram's
// test-DC convention (model.TestPhone).
func TestPhone(dc int) string { return model.TestPhone(dc) }

// Config says which session to assemble.
type Config struct {
	DCs   int           // local cluster size; DefaultDCs when zero
	DC    int           // home DC; DefaultDC when zero
	TTL   time.Duration // temporary key lifetime; DefaultTTL when zero
	Phone string        // logged in at start; "" = TestPhone(DC), "-" = no login (the dialog still offers TestPhone)
	Clock func() time.Time
	// AppVersion is what initConnection reports (proto.Options.AppVersion).
	AppVersion string

	// Transport and Proxy carry the connections (intermediate and none
	// by default).
	Transport endpoints.Transport
	Proxy     *endpoints.Proxy
	// PermKey, when set, is an existing permanent key to use (from a
	// session file) instead of making one; PermSource says where from.
	PermKey    []byte
	PermSource string
	// Faults are injected into the local DCs (tests and demos of the real
	// server's rules: FLOOD_WAIT, migrations, AUTH_KEY_DUPLICATED, -429).
	Faults localdc.Faults

	autoLogin bool
}

func (c *Config) defaults() {
	if c.DCs <= 0 {
		c.DCs = DefaultDCs
	}
	if c.DC <= 0 {
		c.DC = DefaultDC
	}
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	c.autoLogin = c.Phone != "-"
	if c.Phone == "" || c.Phone == "-" {
		c.Phone = TestPhone(c.DC)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
}

// Session is a running local session: the cluster and what the UI needs.
type Session struct {
	Cluster *localdc.Cluster
	Driver  *proto.Driver
	// Options are ready for ui.New; Context is the session's.
	Options ui.Options

	closers []func() error
}

// StartLocal starts the embedded cluster and everything the UI talks to.
func StartLocal(ctx context.Context, cfg Config) (*Session, error) {
	cfg.defaults()
	cluster, err := localdc.Start(ctx, localdc.Config{DCs: cfg.DCs, Now: cfg.Clock, Faults: cfg.Faults})
	if err != nil {
		return nil, fmt.Errorf("start local dcs: %w", err)
	}
	if cfg.DC > cfg.DCs {
		cluster.Close()
		return nil, fmt.Errorf("dc %d: the local cluster has DCs 1..%d", cfg.DC, cfg.DCs)
	}
	s := &Session{Cluster: cluster}
	s.closers = append(s.closers, cluster.Close)
	events, cancel := cluster.Subscribe()
	s.closers = append(s.closers, func() error { cancel(); return nil })

	addrs := make(map[int]string)
	for _, dc := range cluster.DCs() {
		addrs[dc] = cluster.Addr(dc)
	}
	app := endpoints.LocalApp
	s.Driver = proto.NewDriver(proto.Options{
		Target: proto.Target{
			Env: string(endpoints.Local), DC: cfg.DC, Addr: cluster.Addr(cfg.DC), ProtocolDC: cluster.ProtocolDC(cfg.DC),
			PublicKeys: []*rsa.PublicKey{cluster.PublicKey()},
		},
		TempTTL:    cfg.TTL,
		PermKey:    cfg.PermKey,
		PermSource: cfg.PermSource,
		AppID:      app.ID,
		AppHash:    app.Hash,
		AppVersion: cfg.AppVersion,
		Now:        cfg.Clock,
		Addrs:      addrs,
		Transport:  cfg.Transport,
		Proxy:      cfg.Proxy,
	})
	// The driver goes first on Close: its connections end before the DCs.
	s.closers = append(s.closers, s.Driver.Close)

	methods, search := Catalog()
	s.Options = ui.Options{
		Backend:        newBackend(s.Driver),
		ServerEvents:   events,
		Clock:          cfg.Clock,
		Phone:          cfg.Phone,
		AutoLogin:      cfg.autoLogin,
		ExportDCs:      cluster.DCs(),
		Catalog:        methods,
		CatalogSearch:  search,
		SessionFormats: SessionFormats(app.ID, false),
		Context:        ctx,
	}
	s.Options.ResetKeys = s.Driver.ResetKeys
	return s, nil
}

// StartRemote assembles a session against a real DC (test or production):
// no embedded cluster, so no Server screen events, and a login at start
// only for a test DC's test phone (a real account needs a real code).
func StartRemote(ctx context.Context, ep endpoints.Endpoint, app endpoints.App, cfg Config) (*Session, error) {
	cfg.defaults()
	if ep.Env != endpoints.Test {
		// A real account's code comes by message; l asks for the phone.
		cfg.Phone, cfg.autoLogin = "", false
	}
	s := &Session{}
	s.Driver = proto.NewDriver(proto.Options{
		Target:     proto.Target{Env: string(ep.Env), DC: ep.DC, Addr: ep.Addr, ProtocolDC: ep.ProtocolDC, PublicKeys: ep.PublicKeys},
		TempTTL:    cfg.TTL,
		PermKey:    cfg.PermKey,
		PermSource: cfg.PermSource,
		AppID:      app.ID,
		AppHash:    app.Hash,
		AppVersion: cfg.AppVersion,
		Now:        cfg.Clock,
		Transport:  cfg.Transport,
		Proxy:      cfg.Proxy,
	})
	s.closers = append(s.closers, s.Driver.Close)
	methods, search := Catalog()
	s.Options = ui.Options{
		Backend:        newBackend(s.Driver),
		Clock:          cfg.Clock,
		Phone:          cfg.Phone,
		AutoLogin:      cfg.autoLogin,
		Catalog:        methods,
		CatalogSearch:  search,
		SessionFormats: SessionFormats(app.ID, ep.Env == endpoints.Test),
		Context:        ctx,
	}
	s.Options.ResetKeys = s.Driver.ResetKeys
	s.Options.RealLogin, s.Options.LoginDone = RealLogin(s.Driver, app)
	s.Options.LoginTarget = fmt.Sprintf("%s DC %d", ep.Env, ep.DC)
	s.Options.TestDCs = ep.Env == endpoints.Test
	return s, nil
}

// RealLogin wires the login forms to the driver: each opening gets a fresh
// proto/login flow over the driver's bound key, which follows *_MIGRATE_X by
// moving the driver's home DC, and a finished login is recorded with the
// driver.
func RealLogin(d *proto.Driver, app endpoints.App) (func() loginform.Backend, func(login.Result) error) {
	open := func() loginform.Backend {
		return login.New(login.Config{
			AppID: app.ID, AppHash: app.Hash,
			DC: d.HomeDC(), Invoker: d.Invoker(), Mover: d, Offset: d.ClockOffset(),
		})
	}
	done := func(r login.Result) error { return d.NoteLogin(r.DC, r.User) }
	return open, done
}

// Close stops everything StartLocal started, newest first.
func (s *Session) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}
