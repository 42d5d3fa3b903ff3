package observe

import (
	"testing"
	"time"

	"tgpfs/model"
)

// BenchmarkCall is the observer's share of an API call on a bound
// temporary key, the hook that runs most often: it must not allocate.
//
//	go test -run '^$' -bench . -benchmem ./proto/localdc/observe/
func BenchmarkCall(b *testing.B) {
	o := New(Config{})
	s := steps{o}
	s.pfs()
	call := Call{Key: T, Kind: model.Temporary, Method: "help.getConfig"}
	now := at(10)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		o.Call(now, cn(1), call)
	}
	if n := testing.AllocsPerRun(100, func() { o.Call(now, cn(1), call) }); n != 0 {
		b.Fatalf("%v allocations per call", n)
	}
}

// BenchmarkHandshake is the observer's share of a key exchange: a new
// client, its key, its connection gone.
func BenchmarkHandshake(b *testing.B) {
	o := New(Config{})
	now := at(0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		now = now.Add(time.Millisecond)
		o.KeyMade(now, cn(i), KeyMade{ID: model.KeyID(i), Kind: model.Permanent})
		o.ConnClosed(now, ConnID(i))
		o.DrainNotices(nil)
	}
}
