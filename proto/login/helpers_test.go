package login

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/localdc"
	"tgpfs/proto/session"
)

// The real tg.Invoker of these tests is the one tgpfs runs on: a permanent
// key and a temporary key made with proto/handshake against a local DC, the
// temporary key bound with proto/session, and calls wrapped in
// invokeWithLayer(initConnection). proto.Driver does the same; it does not
// yet hand its invoker out (see the report).

func startCluster(t *testing.T, cfg localdc.Config) *localdc.Cluster {
	t.Helper()
	if cfg.DCs == 0 {
		cfg.DCs = 3
	}
	c, err := localdc.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// dcConn is a PFS connection to one local DC: its invoker serializes
// calls, since a session serves one call at a time.
type dcConn struct {
	mu   sync.Mutex
	sess *session.Session
	conn transport.Conn
}

func (d *dcConn) Invoke(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sess.Invoke(ctx, in, out)
}

func dialDC(ctx context.Context, c *localdc.Cluster, dc int) (*dcConn, error) {
	open := func() (transport.Conn, error) {
		nc, err := net.Dial("tcp", c.Addr(dc))
		if err != nil {
			return nil, err
		}
		conn, err := transport.Intermediate.Handshake(nc)
		if err != nil {
			_ = nc.Close()
			return nil, err
		}
		return conn, nil
	}
	cfg := handshake.Config{DC: c.ProtocolDC(dc), ExpiresIn: time.Hour, Keys: []*rsa.PublicKey{c.PublicKey()}}
	pc, err := open()
	if err != nil {
		return nil, err
	}
	cfg.Kind = model.Permanent
	perm, err := handshake.Run(ctx, pc, cfg)
	_ = pc.Close()
	if err != nil {
		return nil, fmt.Errorf("perm key on DC %d: %w", dc, err)
	}
	conn, err := open()
	if err != nil {
		return nil, err
	}
	cfg.Kind = model.Temporary
	temp, err := handshake.Run(ctx, conn, cfg)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("temp key on DC %d: %w", dc, err)
	}
	sess, err := session.New(conn, temp.Key, temp.Salt, session.Options{Offset: temp.Offset,
		Wrap: func(q bin.Object) bin.Object {
			return &tg.InvokeWithLayerRequest{Layer: tg.Layer, Query: &tg.InitConnectionRequest{
				APIID: 1, DeviceModel: "tgpfs", SystemVersion: "test", AppVersion: "test",
				SystemLangCode: "en", LangCode: "en", Query: q}}
		}})
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	if _, err := sess.Bind(ctx, session.BindRequest{Perm: perm.Key, ExpiresAt: temp.ExpiresAt}); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("bind on DC %d: %w", dc, err)
	}
	return &dcConn{sess: sess, conn: conn}, nil
}

// testNet connects to a cluster's DCs and remembers every connection, so
// a test closes them all.
type testNet struct {
	t     *testing.T
	c     *localdc.Cluster
	mu    sync.Mutex
	moves []int
}

func newNet(t *testing.T, c *localdc.Cluster) *testNet {
	return &testNet{t: t, c: c}
}

func (n *testNet) dial(dc int) *dcConn {
	n.t.Helper()
	d, err := dialDC(context.Background(), n.c, dc)
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { _ = d.conn.Close() })
	return d
}

// MoveTo implements Mover as a client must: a new permanent key on the
// DC it is sent to and a temporary key bound to it.
func (n *testNet) MoveTo(ctx context.Context, dc int) (tg.Invoker, error) {
	d, err := dialDC(ctx, n.c, dc)
	if err != nil {
		return nil, err
	}
	n.t.Cleanup(func() { _ = d.conn.Close() })
	n.mu.Lock()
	n.moves = append(n.moves, dc)
	n.mu.Unlock()
	return d, nil
}
