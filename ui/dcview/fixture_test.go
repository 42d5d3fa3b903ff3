package dcview

import (
	"sync"
	"sync/atomic"
	"time"

	"tgpfs/model"
	"tgpfs/ui/internal/uitest"
)

// goldenNow is the clock of every golden: the demo's keys were made a
// little before it.
var goldenNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func at(sec int) time.Time { return goldenNow.Add(time.Duration(sec) * time.Second) }

const (
	permA  model.KeyID = 0x0f0e0d0c0b0a0908
	tempA1 model.KeyID = 0x1a2b3c4d5e6f7a8b
	tempA2 model.KeyID = 0x71b4e9d2c8a3f0d5
	permB  model.KeyID = 0x5e5e5e5e00c0ffee
	permC  model.KeyID = 0x33aa33aa33aa33aa
)

// verdicts builds a client's verdicts in catalog order: every verdict not
// named is not_seen, as the observer reports one no run put the client to.
func verdicts(set map[model.VerdictName]model.ClientVerdict) []model.ClientVerdict {
	var out []model.ClientVerdict
	for _, info := range model.VerdictCatalog() {
		v, ok := set[info.Name]
		if !ok {
			v = model.ClientVerdict{Name: info.Name, Result: model.ResultNotSeen, Detail: "not put to this test yet"}
			if info.Scenario != "" {
				v.Detail = "needs scenario " + string(info.Scenario)
			}
		}
		v.Name = info.Name
		out = append(out, v)
	}
	return out
}

// demoReport is what the cluster reports after two clients ran against
// it: tgpfs's own client, which did PFS (a temp key expired, the current
// one is bound), a gotd client without PFS, and a third that only made a
// key.
func demoReport() model.ConformanceReport {
	ok := func(d string) model.ClientVerdict { return model.ClientVerdict{Result: model.ResultOK, Detail: d} }
	fail := func(d string) model.ClientVerdict { return model.ClientVerdict{Result: model.ResultFail, Detail: d} }
	x := func(inner string) model.KeyExchange {
		return model.KeyExchange{Inner: inner, Scheme: "RSA_PAD", Transport: "intermediate"}
	}
	tgpfs := model.ClientReport{
		ID:     1,
		Client: model.ClientIdentity{APIID: 17349, DeviceModel: "tgpfs", SystemVersion: "linux/amd64", AppVersion: "0.1.0", LangCode: "en", Layer: 229},
		DCs:    []int{2}, Transports: []string{"intermediate"},
		FirstSeen: at(-125), LastSeen: at(-2),
		PermKeys: []model.ObservedPermKey{{ID: permA.String(), DC: 2, Created: at(-125), Exchange: x("p_q_inner_data_dc")}},
		TempKeys: []model.ObservedTempKey{
			{ID: tempA1.String(), DC: 2, Created: at(-124), Exchange: x("p_q_inner_data_temp_dc"), ExpiresIn: 90, ExpiresAt: at(-34),
				Bound: true, PermID: permA.String(), BoundAt: at(-124), WrappedBind: false, Ended: model.KeyEndExpired, EndedAt: at(-34)},
			{ID: tempA2.String(), DC: 2, Created: at(-48), Exchange: x("p_q_inner_data_temp_dc"), ExpiresIn: 90, ExpiresAt: at(42),
				Bound: true, PermID: permA.String(), BoundAt: at(-48)},
		},
		Verdicts: verdicts(map[model.VerdictName]model.ClientVerdict{
			model.VerdictUsesPFS:           ok("2 temporary keys bound to 0f0e0d0c0b0a0908; no call under the permanent key after the first bind at 15:07:22"),
			model.VerdictNoCallsBeforeBind: ok("2 binds, nothing else under an unbound key"),
			model.VerdictTempTTL:           ok("expires_in 90s asked; renewed 14s before expiry, nothing sent after it"),
		}),
		Counts: model.ClientCounts{Calls: 14, BadMsgCodes: map[int]int{}},
		Events: []model.ClientEvent{
			{At: at(-125), What: "key made", Key: permA.String(), Detail: "permanent, p_q_inner_data_dc"},
			{At: at(-124), What: "key made", Key: tempA1.String(), Detail: "temporary, p_q_inner_data_temp_dc, expires_in 1m30s"},
			{At: at(-124), What: "bind", Key: tempA1.String(), Detail: "to 0f0e0d0c0b0a0908: ok"},
			{At: at(-124), What: "identity", Detail: "tgpfs 0.1.0 on linux/amd64 (api_id 17349, layer 229)"},
			{At: at(-123), What: "call", Key: tempA1.String(), Detail: "help.getConfig under a temporary key"},
			{At: at(-48), What: "key made", Key: tempA2.String(), Detail: "temporary, p_q_inner_data_temp_dc, expires_in 1m30s"},
			{At: at(-48), What: "bind", Key: tempA2.String(), Detail: "to 0f0e0d0c0b0a0908: ok"},
			{At: at(-34), What: "key ended", Key: tempA1.String(), Detail: "temporary key expired"},
		},
	}
	gotd := model.ClientReport{
		ID:     2,
		Client: model.ClientIdentity{APIID: 17349, DeviceModel: "gotd", SystemVersion: "linux", AppVersion: "v0.162.0", LangCode: "en", Layer: 229},
		DCs:    []int{2}, Transports: []string{"intermediate"},
		FirstSeen: at(-30), LastSeen: at(-1),
		PermKeys: []model.ObservedPermKey{{ID: permB.String(), DC: 2, Created: at(-30), Exchange: x("p_q_inner_data_dc")}},
		TempKeys: []model.ObservedTempKey{},
		Verdicts: verdicts(map[model.VerdictName]model.ClientVerdict{
			model.VerdictUsesPFS:           fail("no temporary key made: 6 calls went under the permanent key 5e5e5e5e00c0ffee"),
			model.VerdictNoCallsBeforeBind: ok("no temporary key, so nothing under an unbound one"),
		}),
		Counts: model.ClientCounts{Calls: 6, BadMsgCodes: map[int]int{32: 1}, MsgIDProblems: 1},
		Events: []model.ClientEvent{
			{At: at(-30), What: "key made", Key: permB.String(), Detail: "permanent, p_q_inner_data_dc"},
			{At: at(-29), What: "identity", Detail: "gotd v0.162.0 on linux (api_id 17349, layer 229)"},
			{At: at(-29), What: "call", Key: permB.String(), Detail: "help.getConfig under a permanent key"},
			{At: at(-29), What: "bad msg", Key: permB.String(), Detail: "code 32"},
			{At: at(-28), What: "rule", Detail: "uses_pfs: fail"},
		},
	}
	bare := model.ClientReport{
		ID: 3, DCs: []int{1}, Transports: []string{"abridged"}, FirstSeen: at(-5), LastSeen: at(-5),
		PermKeys: []model.ObservedPermKey{{ID: permC.String(), DC: 1, Created: at(-5), Exchange: model.KeyExchange{Inner: "p_q_inner_data", Scheme: "RSA_PKCS1", Transport: "abridged"}}},
		TempKeys: []model.ObservedTempKey{},
		Verdicts: verdicts(nil),
		Counts:   model.ClientCounts{BadMsgCodes: map[int]int{}},
		Events:   []model.ClientEvent{{At: at(-5), What: "key made", Key: permC.String(), Detail: "permanent, p_q_inner_data"}},
	}
	return model.ConformanceReport{At: goldenNow, Scenarios: []string{}, Clients: []model.ClientReport{tgpfs, gotd, bare}}
}

// demoEvents are the cluster's events behind demoReport, as the stream
// carried them.
func demoEvents() []model.ServerEvent {
	return []model.ServerEvent{
		{At: at(-125), DC: 2, Kind: model.SrvKeyCreated, KeyID: permA, KeyKind: model.Permanent, Detail: "p_q_inner_data_dc, RSA_PAD, intermediate"},
		{At: at(-125), DC: 2, Kind: model.SrvClient, Client: 1, Detail: "first seen on dc2 over intermediate"},
		{At: at(-124), DC: 2, Kind: model.SrvKeyCreated, KeyID: tempA1, KeyKind: model.Temporary, ExpiresAt: at(-34)},
		{At: at(-124), DC: 2, Kind: model.SrvKeyBound, KeyID: tempA1, KeyKind: model.Temporary, PermID: permA, ExpiresAt: at(-34)},
		{At: at(-48), DC: 2, Kind: model.SrvKeyCreated, KeyID: tempA2, KeyKind: model.Temporary, ExpiresAt: at(42)},
		{At: at(-48), DC: 2, Kind: model.SrvKeyBound, KeyID: tempA2, KeyKind: model.Temporary, PermID: permA, ExpiresAt: at(42)},
		{At: at(-34), DC: 2, Kind: model.SrvKeyExpired, KeyID: tempA1, KeyKind: model.Temporary, PermID: permA, ExpiresAt: at(-34)},
		{At: at(-30), DC: 2, Kind: model.SrvKeyCreated, KeyID: permB, KeyKind: model.Permanent, Detail: "p_q_inner_data_dc, RSA_PAD, intermediate"},
		{At: at(-30), DC: 2, Kind: model.SrvClient, Client: 2, Detail: "first seen on dc2 over intermediate"},
		{At: at(-28), DC: 2, Kind: model.SrvRule, Client: 2, Detail: "uses_pfs: fail: a call under the permanent key and no temporary key"},
		{At: at(-20), DC: 2, Kind: model.SrvKeyNotFound, KeyID: tempA1},
		{At: at(-5), DC: 1, Kind: model.SrvKeyCreated, KeyID: permC, KeyKind: model.Permanent, Detail: "p_q_inner_data, RSA_PKCS1, abridged"},
	}
}

// fakeCluster stands for the cluster's two outputs the view reads: its
// report and its event stream. The report is what the test set last.
type fakeCluster struct {
	mu     sync.Mutex
	report model.ConformanceReport
	calls  atomic.Int64
	events chan model.ServerEvent
	// gate, when set, holds every Report call until it is closed: a
	// cluster whose lock is taken.
	gate chan struct{}
	// cost is how long each Report takes: a cluster with many clients.
	cost time.Duration
}

func newFakeCluster(r model.ConformanceReport) *fakeCluster {
	return &fakeCluster{report: r, events: make(chan model.ServerEvent, 64)}
}

func (f *fakeCluster) Report() model.ConformanceReport {
	f.calls.Add(1)
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	time.Sleep(f.cost)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.report
}

func (f *fakeCluster) set(r model.ConformanceReport) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.report = r
}

// testClock is a settable clock.
type testClock = uitest.Clock

func newTestClock(t time.Time) *testClock { return uitest.NewClock(t) }
