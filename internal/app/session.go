package app

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"tgpfs/proto"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/localdc"
)

// localAddrPlaceholder stands for a local DC's address before the cluster
// has picked its ports (a dry run).
const localAddrPlaceholder = "127.0.0.1:(chosen at start)"

// endpoint resolves where the driver connects. localAddr gives a running
// cluster's address of a DC; nil before the cluster runs.
func (a *App) endpoint(localAddr func(dc int) string) (endpoints.Endpoint, error) {
	opts := endpoints.ResolveOptions{IPv6: a.cfg.IPv6, Addr: a.addr}
	if a.env == endpoints.Local {
		opts.Addr = localAddrPlaceholder
		if localAddr != nil {
			opts.Addr = localAddr(a.cfg.DC)
		}
	}
	ep, err := endpoints.Resolve(a.env, a.cfg.DC, opts)
	if err != nil {
		return ep, bad("--dc-id", strconv.Itoa(a.cfg.DC), "%w", err)
	}
	return ep, nil
}

// WriteDryRun prints where Start would connect, as aligned text or as one
// JSON object, without starting anything. It refuses what Start refuses:
// New has checked the same Config for both.
func (a *App) WriteDryRun(w io.Writer, asJSON bool) error {
	ep, err := a.endpoint(nil)
	if err != nil {
		return err
	}
	plan := endpoints.NewPlan(ep, a.transport, a.proxy, a.app, a.appErr)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	return plan.WriteText(w)
}

// Session is a running tgpfs: the local cluster (nil against real DCs) and
// the driver, with what the UI and the commands need of them.
type Session struct {
	app     *App
	ctx     context.Context
	Cluster *localdc.Cluster
	Driver  *proto.Driver
	// Target is where the driver connects first.
	Target proto.Target

	closers []func() error
}

// Start starts what the Config describes: the embedded cluster when the
// target is local (unless Config.Attach names a running one) and the
// driver. Nothing is dialed until the driver's Connect. ctx bounds the
// cluster and every UI action.
func (a *App) Start(ctx context.Context) (*Session, error) {
	if a.appErr != nil {
		return nil, &InputError{Name: "--app-id", Reason: a.appErr}
	}
	s := &Session{app: a, ctx: ctx}
	var localAddr func(int) string
	if a.env == endpoints.Local {
		s.Cluster = a.cfg.Attach
		if s.Cluster == nil {
			c, err := a.cluster.Start(ctx)
			if err != nil {
				return nil, err
			}
			s.Cluster = c
			s.closers = append(s.closers, c.Close)
		}
		localAddr = s.Cluster.Addr
	}
	ep, err := a.endpoint(localAddr)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	s.Target = proto.Target{Env: string(ep.Env), DC: ep.DC, Addr: ep.Addr, ProtocolDC: ep.ProtocolDC, PublicKeys: ep.PublicKeys}
	opts := proto.Options{
		TempTTL: a.cfg.TTL,
		AppID:   a.app.ID,
		AppHash: a.app.Hash,
		// initConnection tells the DC (and Settings > Devices) which tgpfs.
		AppVersion: Version,
		Now:        a.cfg.Clock,
		Transport:  a.transport,
		Proxy:      a.proxy,
		Dial:       a.cfg.Dial,
		Frames:     a.cfg.Frames,
	}
	if c := s.Cluster; c != nil {
		s.Target.ProtocolDC = c.ProtocolDC(ep.DC)
		s.Target.PublicKeys = []*rsa.PublicKey{c.PublicKey()}
		opts.Addrs = make(map[int]string)
		for _, dc := range c.DCs() {
			opts.Addrs[dc] = c.Addr(dc)
		}
	}
	opts.Target = s.Target
	if a.sess != nil {
		opts.PermKey, opts.PermSource = a.sess.AuthKey, a.sess.PermKey().Source
	}
	s.Driver = proto.NewDriver(opts)
	// The driver goes first on Close: its connections end before the DCs.
	s.closers = append(s.closers, s.Driver.Close)
	return s, nil
}

// App is the validated Config the session was started from.
func (s *Session) App() *App { return s.app }

// Close stops everything Start started, newest first. An attached cluster
// stays up.
func (s *Session) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}
