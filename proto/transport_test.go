package proto

import (
	"context"
	"testing"

	"tgpfs/proto/endpoints"
	"tgpfs/proto/localdc"
)

// TestDriverTransports runs the whole connect (perm key, temp key, bind,
// initConnection + help.getConfig) and a rotation over every transport the
// command line offers; the local DC detects the codec from the first bytes,
// as Telegram does.
func TestDriverTransports(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	for _, tr := range endpoints.Transports {
		t.Run(string(tr), func(t *testing.T) {
			opts := localOptions(c, 1)
			opts.Transport = tr
			d := NewDriver(opts)
			defer d.Close()
			collect(d)
			ctx := context.Background()
			if err := d.Connect(ctx); err != nil {
				t.Fatalf("connect over %s: %v", tr, err)
			}
			first, ok := d.TempKey()
			if !ok || !first.Bound {
				t.Fatalf("no bound temp key over %s: %+v", tr, first)
			}
			if err := d.Rotate(ctx); err != nil {
				t.Fatalf("rotate over %s: %v", tr, err)
			}
			if err := d.GetConfig(ctx); err != nil {
				t.Fatalf("getConfig over %s: %v", tr, err)
			}
			second, _ := d.TempKey()
			if second.ID == first.ID || !second.Bound {
				t.Fatalf("rotation over %s kept %s (bound %v)", tr, second.ID, second.Bound)
			}
			for _, f := range d.Frames() {
				if f.TransportError != 0 {
					t.Fatalf("frame %d (%s) is transport error -%d", f.Seq, f.Label, f.TransportError)
				}
			}
		})
	}
}
