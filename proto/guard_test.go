package proto

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/mtproto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/proto/tap"
)

// TestGuardAgainstGotdExchange runs gotd's own mtproto.Conn over a sealed
// tap connection. Given the bound temp key it works (encrypted frames
// only); with no key it would run a key exchange and make an unbound key,
// and the guard refuses that first unencrypted frame.
func TestGuardAgainstGotdExchange(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	d := NewDriver(localOptions(c, 1))
	col := collect(d)
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	var k crypto.Key
	copy(k[:], d.RevealKey(model.Temporary))
	temp := k.WithID()

	ring := tap.NewRing(64, nil)
	dialer := func(ctx context.Context) (transport.Conn, error) {
		var dl net.Dialer
		nc, err := dl.DialContext(ctx, "tcp", c.Addr(1))
		if err != nil {
			return nil, err
		}
		tc, err := transport.Intermediate.Handshake(nc)
		if err != nil {
			return nil, err
		}
		conn := ring.Wrap(tc, "gotd")
		conn.Seal()
		return conn, nil
	}
	errDone := errors.New("done") // ends gotd's Run once the call is answered
	run := func(key crypto.AuthKey) error {
		conn := mtproto.New(dialer, mtproto.Options{DC: 1, PublicKeys: []exchange.PublicKey{{RSA: c.PublicKey()}}, Key: key})
		return conn.Run(ctx, func(ctx context.Context) error {
			var cfg tg.Config
			if err := conn.Invoke(ctx, &tg.HelpGetConfigRequest{}, &cfg); err != nil {
				return err
			}
			return errDone
		})
	}
	if err := run(temp); !errors.Is(err, errDone) {
		t.Fatalf("gotd with the bound temp key: %v", err)
	}
	if err := run(crypto.AuthKey{}); !errors.Is(err, tap.ErrSealed) {
		t.Fatalf("gotd with no key: err = %v, want the guard's ErrSealed", err)
	}
	for _, f := range ring.Frames() {
		if f.Dir == model.Sent && !f.Encrypted() {
			t.Fatalf("an unencrypted frame left a sealed connection: %+v", f)
		}
	}
	_ = d.Close()
	<-col.done
}
