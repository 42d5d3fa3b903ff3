package proto

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/proto/handshake"
	"tgpfs/proto/session"
	"tgpfs/proto/tap"
)

// This file is getting connected and staying connected: the one establish
// step that Connect, a move and a reset share, the permanent key, the
// dialing, initConnection, and what a failed call does to the connection.

// liveTemp is a temp key's connection and session.
type liveTemp struct {
	held   heldTemp
	conn   *tap.Conn
	sess   *session.Session
	broken bool // the connection failed; the key is still good
}

// Connect makes or loads the permanent key, makes and binds a temp key,
// calls help.getConfig through invokeWithLayer(initConnection(...)), and
// starts the renewal policy.
func (d *Driver) Connect(ctx context.Context) error {
	if err := d.action(ctx, ActConnect, d.establish); err != nil {
		return err
	}
	d.renew.reschedule()
	return nil
}

// establish connects to the current target: the permanent key (made, or the
// one given), a temp key bound to it, help.getConfig. Connect runs it, and
// so does rehome after a move or a reset. The caller holds d.act.
func (d *Driver) establish(ctx context.Context) error {
	d.connChanged(model.Connecting, "")
	err := d.ensurePerm(ctx)
	if err == nil {
		err = d.newTemp(ctx)
	}
	if err == nil {
		err = d.getConfig(ctx)
	}
	if err != nil {
		d.connChanged(model.Disconnected, err.Error())
		return err
	}
	d.connChanged(model.Connected, "")
	return nil
}

// dial opens a transport connection to a DC and puts it behind the tap.
// protocolDC is only needed by an MTProxy, which routes by dc id.
func (d *Driver) dial(ctx context.Context, addr string, protocolDC int, label string) (*tap.Conn, error) {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if d.opts.Dial != nil {
			return d.opts.Dial(ctx, addr)
		}
		var dl net.Dialer
		return dl.DialContext(ctx, network, addr)
	}
	ep := endpoints.Endpoint{Addr: addr, ProtocolDC: protocolDC}
	tc, err := endpoints.Dial(ctx, ep, d.opts.Transport, d.opts.Proxy, dial)
	if err != nil {
		return nil, err
	}
	return d.ring.Wrap(tc, label), nil
}

// dialTarget dials the current target.
func (d *Driver) dialTarget(ctx context.Context, role string) (*tap.Conn, error) {
	t := d.st().target
	return d.dial(ctx, t.Addr, t.ProtocolDC, fmt.Sprintf("dc%d %s", t.DC, role))
}

func (d *Driver) handshake(ctx context.Context, conn transport.Conn, kind model.KeyKind, protocolDC int) (handshake.Result, error) {
	res, err := handshake.Run(ctx, conn, handshake.Config{
		Kind: kind, DC: protocolDC, ExpiresIn: d.opts.TempTTL, Keys: d.st().target.PublicKeys, Now: d.now,
	})
	d.emit(model.HandshakeDone{At: d.now(), Transcript: res.Transcript})
	if err != nil {
		return res, fmt.Errorf("%s key exchange: %w", kind, err)
	}
	return res, nil
}

// syncClock records the server clock offset a handshake measured.
func (d *Driver) syncClock(offset time.Duration) {
	d.update(func(s *state) { s.offset = offset })
	d.emit(model.ClockSynced{At: d.now(), Offset: offset})
}

// ensurePerm loads opts.PermKey or makes a permanent key on its own
// connection.
func (d *Driver) ensurePerm(ctx context.Context) error {
	s := d.st()
	if !s.perm.Zero() {
		return nil
	}
	var (
		perm crypto.AuthKey
		md   = model.PermKey{DC: s.target.DC}
	)
	if s.givenPerm {
		if len(d.opts.PermKey) != 256 {
			return fmt.Errorf("permanent key is %d bytes, want 256", len(d.opts.PermKey))
		}
		var k crypto.Key
		copy(k[:], d.opts.PermKey)
		perm, md.Source = k.WithID(), d.opts.PermSource
		if md.Source == "" {
			md.Source = "given"
		}
	} else {
		conn, err := d.dialTarget(ctx, "perm")
		if err != nil {
			return err
		}
		defer conn.Close()
		res, err := d.handshake(ctx, conn, model.Permanent, s.target.ProtocolDC)
		if err != nil {
			return err
		}
		d.syncClock(res.Offset)
		perm, md.CreatedAt, md.Source = res.Key, d.now(), "generated"
	}
	md.ID, md.Fingerprint = model.KeyIDFromWire(perm.ID), model.Fingerprint(perm.Value[:])
	d.ring.AddKey(perm)
	d.update(func(s *state) { s.perm, s.permMd = perm, md })
	d.emit(model.PermKeyReady{At: d.now(), Key: md})
	return nil
}

// initConnection wraps the first query of every temp-key session, telling
// the DC who is calling: the app id and the version, device and system the
// caller gave in Options.
func (d *Driver) initConnection(q bin.Object) bin.Object {
	return &tg.InvokeWithLayerRequest{Layer: d.opts.Layer, Query: &tg.InitConnectionRequest{
		APIID: d.opts.AppID, DeviceModel: d.opts.DeviceModel, SystemVersion: d.opts.SystemVersion, AppVersion: d.opts.AppVersion,
		SystemLangCode: "en", LangCode: "en", Query: q,
	}}
}

// api returns the typed client of the current temp key's session. After a
// network failure it first reconnects with the same temp key: a lost TCP
// connection does not lose the key, only the session (a new one starts,
// with initConnection again).
func (d *Driver) api(ctx context.Context) (*tg.Client, error) {
	if d.live == nil {
		return nil, errors.New("not connected: no bound temporary key")
	}
	if d.live.broken {
		if err := d.reconnect(ctx); err != nil {
			return nil, err
		}
	}
	return tg.NewClient(d.live.sess), nil
}

func (d *Driver) reconnect(ctx context.Context) error {
	h := d.live.held
	conn, err := d.dialTarget(ctx, "temp")
	if err != nil {
		return fmt.Errorf("reconnect with temp key %s: %w", h.info.ID, err)
	}
	conn.Seal() // the key is bound: nothing unencrypted may leave
	sess, err := session.New(conn, h.key, h.salt, session.Options{Now: d.now, Offset: d.st().offset, Wrap: d.initConnection})
	if err != nil {
		_ = conn.Close()
		return err
	}
	_ = d.live.conn.Close()
	d.live.conn, d.live.sess, d.live.broken = conn, sess, false
	d.live.held.info.SessionID = sess.ID()
	d.update(func(s *state) {
		if t, ok := s.temp(h.info.ID); ok {
			t.info.SessionID = sess.ID()
		}
	})
	d.connChanged(model.Connected, "")
	return nil
}

// onCallErr reports a -404 on the current key: the DC forgot it. The key
// is ended and the renewal policy makes a new one unless paused.
func (d *Driver) onCallErr(err error) error {
	if d.live == nil {
		return err
	}
	if model.IsKeyNotFound(err) {
		d.endCurrent(model.NotFound, "transport error -404: the DC no longer knows this key")
		d.connChanged(model.Disconnected, "temp key -404")
		d.renew.kick()
		return err
	}
	var rpc *model.RPCError
	if !errors.As(err, &rpc) && ctxErr(err) == nil {
		// The connection failed under the call: keep the key, redial on
		// the next call.
		d.live.broken = true
		d.connChanged(model.Disconnected, err.Error())
	}
	return err
}

func ctxErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// GetConfig calls help.getConfig on the current temp key.
func (d *Driver) GetConfig(ctx context.Context) error {
	return d.action(ctx, ActGetConfig, d.getConfig)
}

func (d *Driver) getConfig(ctx context.Context) error {
	api, err := d.api(ctx)
	if err != nil {
		return err
	}
	cfg, err := api.HelpGetConfig(ctx)
	if err != nil {
		return d.onCallErr(fmt.Errorf("help.getConfig: %w", err))
	}
	ev := model.ConfigFetched{At: d.now(), ThisDC: cfg.ThisDC, TestMode: cfg.TestMode, Expires: time.Unix(int64(cfg.Expires), 0)}
	learned := map[int]string{}
	home := d.st().target.DC
	for _, o := range cfg.DCOptions {
		addr := net.JoinHostPort(o.IPAddress, fmt.Sprint(o.Port))
		ev.DCs = append(ev.DCs, model.DCOption{ID: o.ID, Addr: addr, IPv6: o.Ipv6, MediaOnly: o.MediaOnly})
		if _, set := d.opts.Addrs[o.ID]; set || o.Ipv6 || o.MediaOnly || o.CDN || o.ID == home {
			// The caller's addresses win, and the DC in use keeps the
			// address it was reached at.
			continue
		}
		learned[o.ID] = addr
	}
	d.update(func(s *state) {
		for id, a := range learned {
			s.addrs[id] = a
		}
	})
	d.emit(ev)
	return nil
}
