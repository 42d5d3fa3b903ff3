package tlayer

import (
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// BenchmarkTranscodeRatio: transcoding an answer to layer 144 (Telethon
// 1.25's) against gotd encoding the same value, paired in each op so both
// see the same load on a shared machine. ratio-transcode/gotd is the cost
// the DC adds on top of encoding, in units of the encoding itself.
func BenchmarkTranscodeRatio(b *testing.B) {
	for _, tc := range []struct {
		name   string
		method uint32
		v      bin.Encoder
	}{
		{"config", tg.HelpGetConfigRequestTypeID, dcConfig()},
		{"user", tg.UsersGetUsersRequestTypeID, &tg.UserClassVector{Elems: []tg.UserClass{dcUser()}}},
		{"auth.authorization", tg.AuthSignInRequestTypeID, &tg.AuthAuthorization{User: dcUser()}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const batch = 64
			var enc bin.Buffer
			if err := tc.v.Encode(&enc); err != nil {
				b.Fatal(err)
			}
			var out []byte
			var err error
			if out, err = AppendResult(out, 144, tc.method, enc.Buf); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var tGotd, tOurs time.Duration
			var buf bin.Buffer
			for b.Loop() {
				start := time.Now()
				for range batch {
					buf.Reset()
					_ = tc.v.Encode(&buf)
				}
				mid := time.Now()
				for range batch {
					out, _ = AppendResult(out[:0], 144, tc.method, enc.Buf)
				}
				tGotd, tOurs = tGotd+mid.Sub(start), tOurs+time.Since(mid)
			}
			n := float64(b.N * batch)
			b.ReportMetric(float64(tGotd.Nanoseconds())/n, "gotd-ns/encode")
			b.ReportMetric(float64(tOurs.Nanoseconds())/n, "tlayer-ns/transcode")
			b.ReportMetric(tOurs.Seconds()/tGotd.Seconds(), "ratio-transcode/gotd")
		})
	}
}
