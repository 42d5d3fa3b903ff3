package dcview

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"tgpfs/model"
	"tgpfs/ui/internal/uitest"
)

func TestMain(m *testing.M) { uitest.Main(m) }

var testDCs = []DC{{1, "127.0.0.1:44001"}, {2, "127.0.0.1:44002"}, {3, "127.0.0.1:44003"}}

// harness runs the view in a teatest program against a fake cluster.
type harness struct {
	t     *testing.T
	tm    *teatest.TestModel
	c     *fakeCluster
	clock *testClock
}

type harnessOpt func(*Options)

func newHarness(t *testing.T, w, h int, r model.ConformanceReport, evs []model.ServerEvent, opts ...harnessOpt) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{t: t, c: newFakeCluster(r), clock: newTestClock(goldenNow)}
	o := Options{
		DCs: testDCs, Note: "RSA b25898df208d2603", Report: hs.c.Report, Events: hs.c.events,
		Clock: hs.clock.Now, Tick: 20 * time.Millisecond, Rest: 5 * time.Millisecond, Context: ctx,
	}
	for _, f := range opts {
		f(&o)
	}
	m := New(o)
	for _, ev := range evs {
		m.st.apply(ev)
	}
	hs.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() {
		hs.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		hs.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		cancel()
	})
	// Keys pressed before the first report find no client to open.
	hs.await("the first report", func(c Capture) bool { return c.Report.At.Equal(r.At) && !c.Report.At.IsZero() || len(r.Clients) == 0 })
	return hs
}

func (h *harness) keys(ks ...string) {
	for _, k := range ks {
		h.tm.Send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyMsg { return uitest.Key(k) }

func askCapture(reply chan<- Capture) tea.Msg { return CaptureMsg{Reply: reply} }

// await captures until cond holds: for what arrives from commands.
func (h *harness) await(what string, cond func(Capture) bool) Capture {
	h.t.Helper()
	return uitest.Await(h.t, h.tm, askCapture, what, cond, func(c Capture) string { return c.View })
}

func contains(subs ...string) func(Capture) bool {
	return func(c Capture) bool {
		for _, s := range subs {
			if !strings.Contains(c.View, s) {
				return false
			}
		}
		return true
	}
}

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

func withScenarios(r model.ConformanceReport, names ...string) model.ConformanceReport {
	r.Scenarios = names
	return r
}

// TestScreens renders every page of the demo cluster at both sizes and
// compares it with its golden file (go test ./ui/dcview -run TestScreens
// -update).
func TestScreens(t *testing.T) {
	pages := []struct {
		name   string
		report model.ConformanceReport
		events []model.ServerEvent
		keys   []string
		ready  func(Capture) bool
	}{
		{"Clients", demoReport(), demoEvents(), nil, contains("Clients (3)", "report of 15:09:26")},
		{"ClientOK", demoReport(), demoEvents(), []string{"enter"}, contains("Client 1 ·", "0:42 left")},
		{"ClientFail", withScenarios(demoReport(), "forget-temp-after=30s", "salt-on-bind"), demoEvents(), []string{"down", "enter"},
			contains("Client 2 ·", "✗ fail", "scenario forget-temp-after=30s")},
		{"ClientUnnamed", demoReport(), demoEvents(), []string{"G", "enter"}, contains("Client 3", "no initConnection seen")},
		{"Help", demoReport(), demoEvents(), []string{"?"}, contains("open the client")},
		{"Empty", model.ConformanceReport{At: goldenNow}, nil, nil, contains("No client yet")},
	}
	for _, p := range pages {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", p.name, sz.w, sz.h), func(t *testing.T) {
				h := newHarness(t, sz.w, sz.h, p.report, p.events)
				h.keys(p.keys...)
				c := h.await(p.name, p.ready)
				uitest.RequireScreen(t, c.View, sz.w, sz.h)
			})
		}
	}
}

// The countdown is computed from the key's expiry and the clock at each
// tick: moving the clock moves it, by exactly what the clock moved, and
// past the expiry the key is shown expired, not at a negative time.
func TestCountdownFollowsTheClock(t *testing.T) {
	h := newHarness(t, 120, 40, demoReport(), demoEvents())
	h.keys("enter")
	h.await("0:42 left", contains("0:42 left"))
	h.clock.Set(goldenNow.Add(30*time.Second + 500*time.Millisecond))
	h.await("0:11 left", contains("0:11 left"))
	h.clock.Set(goldenNow.Add(10 * time.Second)) // a clock stepped back
	h.await("0:32 left", contains("0:32 left"))
	h.clock.Set(goldenNow.Add(43 * time.Second))
	c := h.await("expired", contains("✗ expired at 15:10:08", "the DC answers -404 from now on"))
	if strings.Contains(c.View, "-0:") {
		t.Errorf("a negative countdown:\n%s", c.View)
	}
	h.keys("esc")
	h.await("the list's countdown", contains("● 0:00"))
}

// When --max-ttl caps a key's life, the countdown runs to the DC's own
// expiry (from its key-made event), and the client's declared expiry is
// still shown.
func TestCountdownUsesTheDCsExpiry(t *testing.T) {
	evs := append(demoEvents()[:4], model.ServerEvent{At: at(-48), DC: 2, Kind: model.SrvKeyCreated, KeyID: tempA2, KeyKind: model.Temporary, ExpiresAt: at(12),
		Detail: "expires_in 1m30s capped to 1m0s"})
	h := newHarness(t, 120, 40, demoReport(), evs)
	h.keys("enter")
	h.await("the capped countdown", contains("expires 15:09:38", "0:12 left", "declared 15:10:08"))
}

// Events arrive as they happen, and each one is followed by a new report,
// so a bind shows in the list and on the client's page without a key
// press.
func TestEventsAndReportsArriveLive(t *testing.T) {
	r := demoReport()
	h := newHarness(t, 120, 40, r, demoEvents())
	h.await("the first report", func(c Capture) bool { return len(c.Report.Clients) == 3 })
	const tempB model.KeyID = 0x0b0b0b0b0b0b0b0b
	// The gotd client makes a temporary key and binds it.
	next := demoReport()
	next.At = at(1)
	gotd := &next.Clients[1]
	gotd.TempKeys = append(gotd.TempKeys, model.ObservedTempKey{ID: tempB.String(), DC: 2, Created: at(1), ExpiresIn: 60, ExpiresAt: at(61),
		Bound: true, PermID: permB.String(), BoundAt: at(1), WrappedBind: true})
	h.c.set(next)
	h.c.events <- model.ServerEvent{At: at(1), DC: 2, Kind: model.SrvKeyBound, KeyID: tempB, KeyKind: model.Temporary, PermID: permB, ExpiresAt: at(61)}
	c := h.await("the bind and the new report", contains("✓ bound     #2   0b0b0b0b0b0b0b0b", "report of 15:09:27"))
	if !strings.Contains(c.View, "● 1:01") {
		t.Errorf("the gotd client's new key has no countdown in the list:\n%s", c.View)
	}
	h.keys("down", "enter")
	h.await("the key on the client's page", contains("0b0b0b0b0b0b0b0b  dc 2  bound to 5e5e5e5e00c0ffee", "(inside initConnection)"))
	// The stream ends when the cluster stops: the view says so.
	close(h.c.events)
	h.await("the stopped cluster", contains("the cluster stopped"))
}

// The selection stays on a client, not on a row: a report that forgets the
// first client keeps the second selected; one that forgets the selected
// client selects the one now in its place.
func TestSelectionFollowsTheClient(t *testing.T) {
	h := newHarness(t, 120, 40, demoReport(), demoEvents())
	h.keys("down")
	h.await("client 2 selected", contains("› 2 "))
	r := demoReport()
	r.Clients, r.Forgotten = r.Clients[1:], 1
	h.c.set(r)
	h.c.events <- model.ServerEvent{At: at(1), DC: 2, Kind: model.SrvKeyNotFound, KeyID: tempA1}
	h.await("client 2 still selected", contains("Clients (2), 1 forgotten", "› 2 "))
	r.Clients = r.Clients[1:]
	h.c.set(r)
	h.c.events <- model.ServerEvent{At: at(2), DC: 2, Kind: model.SrvKeyNotFound, KeyID: tempA1}
	h.await("client 3 selected", contains("Clients (1)", "› 3 "))
}

// ←/→ walk the clients' pages; a page whose client the cluster forgot
// says so.
func TestClientPages(t *testing.T) {
	h := newHarness(t, 80, 24, demoReport(), demoEvents())
	h.keys("enter")
	h.await("client 1", func(c Capture) bool { return c.Client == 1 })
	h.keys("right")
	h.await("client 2", func(c Capture) bool { return c.Client == 2 && strings.Contains(c.View, "Client 2 ·") })
	h.keys("right", "right")
	h.await("client 3, the last", func(c Capture) bool { return c.Client == 3 })
	h.keys("left")
	h.await("client 2 again", func(c Capture) bool { return c.Client == 2 })
	// Scrolling reaches the events at the bottom of the page.
	h.keys("G")
	h.await("the events", contains("Events (5)", "help.getConfig under a permanent key"))
	r := demoReport()
	r.Clients = r.Clients[:1]
	h.c.set(r)
	h.c.events <- model.ServerEvent{At: at(1), DC: 2, Kind: model.SrvKeyNotFound, KeyID: tempA1}
	h.await("a forgotten client", contains("no longer remembers this client"))
	h.keys("esc")
	h.await("the list", func(c Capture) bool { return c.Client == -1 && strings.Contains(c.View, "Clients (1)") })
}

// What a client calls itself reaches the screen escaped: it cannot clear
// the operator's screen, set the terminal's title or reverse the text.
func TestClientStringsAreEscaped(t *testing.T) {
	r := demoReport()
	r.Clients[0].Client.DeviceModel = "evil\x1b[2J\x1b]0;owned\a"
	r.Clients[0].Client.AppVersion = "\u202e1.0"
	r.Clients[0].Events = append(r.Clients[0].Events, model.ClientEvent{At: at(0), What: "call", Detail: "x\r\nfake line"})
	for _, keys := range [][]string{nil, {"enter"}} {
		h := newHarness(t, 120, 40, r, demoEvents())
		h.keys(keys...)
		c := h.await("the escaped name", contains(`evil\x1b[2J\x1b]0;owned\a`))
		for _, bad := range []string{"\x1b", "\a", "\u202e", "\r"} {
			if strings.Contains(c.View, bad) {
				t.Errorf("%q reached the screen:\n%s", bad, c.View)
			}
		}
	}
}

// The view never waits for the cluster: while a report is stuck behind the
// cluster's lock, keys, events and captures are still answered, and one
// request at most is in flight however many ticks and events come.
func TestUpdateNeverWaitsOnTheCluster(t *testing.T) {
	c := newFakeCluster(demoReport())
	gate := make(chan struct{})
	c.gate = gate
	m := New(Options{DCs: testDCs, Report: c.Report, Events: c.events, Clock: func() time.Time { return goldenNow },
		Tick: time.Millisecond, Rest: time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	defer func() {
		tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}()
	for i := range 20 {
		c.events <- model.ServerEvent{At: at(i), DC: 2, Kind: model.SrvKeyNotFound, KeyID: model.KeyID(i + 1)}
		tm.Send(keyMsg("down"))
		tm.Send(keyMsg("?"))
		tm.Send(keyMsg("x"))
	}
	view := func(c Capture) string { return c.View }
	got := uitest.Await(t, tm, askCapture, "every event applied", func(c Capture) bool { return c.Events == 20 }, view)
	if !strings.Contains(got.View, "reading the report") {
		t.Errorf("the view does not say it waits for the report:\n%s", got.View)
	}
	if n := c.calls.Load(); n != 1 {
		t.Errorf("%d report requests in flight, want 1", n)
	}
	close(gate)
	uitest.Await(t, tm, askCapture, "the report", func(c Capture) bool { return len(c.Report.Clients) == 3 }, view)
}

// A report that takes long is asked for less often: after each, the view
// pauses four times what it took, however many events and ticks come, so
// it holds the cluster's lock a fifth of the time at most.
func TestReportsArePacedByTheirCost(t *testing.T) {
	c := newFakeCluster(demoReport())
	c.cost = 40 * time.Millisecond
	m := New(Options{Report: c.Report, Events: c.events, Tick: time.Millisecond, Rest: time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	defer func() {
		tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}()
	start := time.Now()
	for i := range 200 {
		c.events <- model.ServerEvent{At: at(i), DC: 2, Kind: model.SrvKeyNotFound, KeyID: model.KeyID(i + 1)}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	// Each report costs at least cost and is followed by 4 x cost: at
	// most one per 5 x cost, and one more for the one under way. A slow
	// machine asks for fewer, never more.
	if n, most := c.calls.Load(), int64(elapsed/(5*c.cost))+2; n > most || n < 2 {
		t.Errorf("%d reports in %v of events, want 2..%d", n, elapsed.Round(time.Millisecond), most)
	}
}

// q quits, and so does ctrl+c, from the list, a client's page or the help.
func TestQuit(t *testing.T) {
	for _, keys := range [][]string{{"q"}, {"enter", "q"}, {"?", "ctrl+c"}} {
		c := newFakeCluster(demoReport())
		tm := teatest.NewTestModel(t, New(Options{Report: c.Report, Events: c.events}), teatest.WithInitialTermSize(80, 24))
		for _, k := range keys {
			tm.Send(keyMsg(k))
		}
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}
}
