package proto

import (
	"context"
	"strings"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/proto/tap"
)

// rest swallows what is left of a buffer: the query inside initConnection.
type rest struct{ b []byte }

func (r *rest) Decode(b *bin.Buffer) error {
	r.b, b.Buf = append([]byte(nil), b.Buf...), nil
	return nil
}
func (r *rest) Encode(b *bin.Buffer) error { b.Put(r.b); return nil }

// sentInitConnection opens the first invokeWithLayer frame the driver sent
// under its current temp key and decodes the initConnection inside.
func sentInitConnection(t *testing.T, d *Driver) (int, tg.InitConnectionRequest) {
	t.Helper()
	cur, ok := d.TempKey()
	if !ok {
		t.Fatal("no temp key")
	}
	var k crypto.Key
	copy(k[:], d.RevealKey(model.Temporary))
	key := k.WithID()
	for _, f := range d.Frames() {
		if f.Dir != model.Sent || f.AuthKeyID != cur.ID || !strings.HasPrefix(f.Type, "invokeWithLayer") {
			continue
		}
		body, err := tap.Open(f, key)
		if err != nil {
			t.Fatal(err)
		}
		init := tg.InitConnectionRequest{Query: &rest{}}
		req := tg.InvokeWithLayerRequest{Query: &init}
		if err := req.Decode(&bin.Buffer{Buf: body}); err != nil {
			t.Fatalf("decode %s: %v", f.Type, err)
		}
		return req.Layer, init
	}
	t.Fatal("no invokeWithLayer frame under the current temp key")
	return 0, tg.InitConnectionRequest{}
}

// TestInitConnectionSendsVersion reads initConnection off the wire: it
// carries the app version, device and system the caller gave, and without
// them the defaults, never a placeholder.
func TestInitConnectionSendsVersion(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	for _, tc := range []struct {
		name                string
		app, device, system string
		wantApp, wantDevice string
		wantSystemContains  string
	}{
		{"given", "1.2.3", "Test Rig", "plan9 mips", "1.2.3", "Test Rig", "plan9 mips"},
		{"defaults", "", "", "", buildVersion(), "tgpfs", " "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := localOptions(c, 1)
			opts.AppVersion, opts.DeviceModel, opts.SystemVersion = tc.app, tc.device, tc.system
			d := NewDriver(opts)
			col := collect(d)
			defer func() { _ = d.Close(); <-col.done }()
			if err := d.Connect(context.Background()); err != nil {
				t.Fatal(err)
			}
			layer, init := sentInitConnection(t, d)
			if layer != tg.Layer || init.APIID != opts.AppID {
				t.Errorf("layer %d, api_id %d", layer, init.APIID)
			}
			if init.AppVersion != tc.wantApp || init.DeviceModel != tc.wantDevice || !strings.Contains(init.SystemVersion, tc.wantSystemContains) {
				t.Errorf("initConnection app %q device %q system %q", init.AppVersion, init.DeviceModel, init.SystemVersion)
			}
			if init.AppVersion == "" || init.AppVersion == "tgpfs" || init.SystemVersion == "tgpfs" {
				t.Errorf("placeholder sent: app %q system %q", init.AppVersion, init.SystemVersion)
			}
			if _, ok := init.Query.(*rest); !ok || len(init.Query.(*rest).b) == 0 {
				t.Error("no query inside initConnection")
			}
		})
	}
}
