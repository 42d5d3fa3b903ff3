package localdc

import (
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// BenchmarkLayerRoundTripRatio: one RPC round trip over a real connection
// (encrypt, frame, the DC's call path, decrypt) by a client of layer 144,
// whose call and answer go through tlayer, against the same call by a
// client of layer 229, whose call tlayer passes through unchanged, paired
// in each op so both see the same load. ratio-144/229 is what speaking an
// older layer costs a call, end to end.
func BenchmarkLayerRoundTripRatio(b *testing.B) {
	c := startCluster(b, Config{})
	clients := map[int]*pfsClient{}
	for i, layer := range []int{144, 229} {
		p := newPFSClient(b, c, 1, time.Hour)
		p.mustBind(b)
		lc := callsOf(layer)
		phone := "999661050" + string(rune('0'+i))
		var sent tg.AuthSentCode
		p.call(inLayer(layer, lc.sendCode(b, phone, ""))).decode(b, &sent)
		if a := p.call(lc.signUp(b, phone, sent.PhoneCodeHash)); a.rpcErr != nil {
			b.Fatalf("layer %d: signUp: %v", layer, a.rpcErr)
		}
		clients[layer] = p
	}
	for _, tc := range []struct {
		name string
		req  bin.Encoder
	}{
		{"help.getConfig", &tg.HelpGetConfigRequest{}},
		{"users.getUsers", &tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var t229, t144 time.Duration
			for b.Loop() {
				start := time.Now()
				if a := clients[229].call(tc.req); a.rpcErr != nil {
					b.Fatal(a.rpcErr)
				}
				mid := time.Now()
				if a := clients[144].call(tc.req); a.rpcErr != nil {
					b.Fatal(a.rpcErr)
				}
				t229, t144 = t229+mid.Sub(start), t144+time.Since(mid)
			}
			n := float64(b.N)
			b.ReportMetric(float64(t229.Nanoseconds())/n, "ns/call-229")
			b.ReportMetric(float64(t144.Nanoseconds())/n, "ns/call-144")
			b.ReportMetric(t144.Seconds()/t229.Seconds(), "ratio-144/229")
		})
	}
}
