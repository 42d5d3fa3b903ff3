package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"

	"tgpfs/model"
	"tgpfs/ui/internal/uitest"
	"tgpfs/ui/layout"
)

func TestMain(m *testing.M) { uitest.Main(m) }

// harness runs the app in a teatest program with the demo session applied.
type harness struct {
	t      *testing.T
	tm     *teatest.TestModel
	be     *fakeBackend
	sess   *fakeSessions
	clip   *memClipboard
	clock  *testClock
	cancel context.CancelFunc
}

func newHarness(t *testing.T, w, h int, events []model.Event) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{t: t, be: newFakeBackend(), sess: newFakeSessions(), clip: &memClipboard{}, clock: newTestClock(goldenNow), cancel: cancel}
	m := New(Options{
		Backend:   hs.be,
		Sessions:  hs.sess,
		Clock:     hs.clock.Now,
		Phone:     "9996621234",
		Catalog:   demoCatalog(),
		Clipboard: hs.clip,
		SessionFormats: []SessionFormat{{Name: "Telethon", Encode: func(key []byte, dc int, addr string, _ int64) (string, error) {
			return fmt.Sprintf("telethon:%d:%s:%d", dc, addr, len(key)), nil
		}}},
		Context: ctx,
	})
	for _, ev := range events {
		m.st.Apply(ev)
	}
	hs.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	t.Cleanup(hs.stop)
	return hs
}

func (h *harness) stop() {
	h.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	h.tm.WaitFinished(h.t, teatest.WithFinalTimeout(5*time.Second))
	h.cancel()
}

func (h *harness) keys(ks ...string) {
	for _, k := range ks {
		h.tm.Send(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyMsg { return uitest.Key(k) }

func askCapture(reply chan<- Capture) tea.Msg { return CaptureMsg{Reply: reply} }

// capture reads the screen from inside the program's loop.
func (h *harness) capture() Capture {
	h.t.Helper()
	return uitest.Capture(h.t, h.tm, askCapture)
}

// await captures until cond holds: for results that arrive from commands.
func (h *harness) await(what string, cond func(Capture) bool) Capture {
	h.t.Helper()
	return uitest.Await(h.t, h.tm, askCapture, what, cond, func(c Capture) string { return c.View })
}

// idleAfter holds once action has finished and been logged as done, and
// nothing else runs.
func idleAfter(action string) func(Capture) bool {
	return func(c Capture) bool {
		log := c.State.Log
		return len(c.Busy) == 0 && len(log) > 0 && strings.HasPrefix(log[len(log)-1].Text, action+" done")
	}
}

func contains(s string) func(Capture) bool {
	return func(c Capture) bool { return strings.Contains(c.View, s) }
}

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// TestScreens renders every screen of the demo session at both sizes and
// compares it with its golden file (go test ./ui -run TestScreens -update).
func TestScreens(t *testing.T) {
	screens := []struct {
		name  string
		keys  []string
		ready func(Capture) bool
		// then is pressed once ready holds, for screens that load first.
		then    []string
		settled func(Capture) bool
		// more are events after the demo session's.
		more []model.Event
	}{
		{"Keys", []string{"1"}, contains("Earlier temporary keys (2)"), nil, nil, nil},
		{"KeysExport", []string{"1"}, contains("Temporary keys on DC 3 (2)"), nil, nil, exportKeyEvents()},
		{"Handshake", []string{"2"}, contains("dh_prime_safe"), nil, nil, nil},
		{"Catalog", []string{"3"}, contains("bindTempAuthKey"), nil, nil, nil},
		{"Traffic", []string{"4"}, contains("req_pq_multi"), []string{"down", "o"}, contains("opens → ping"), nil},
		{"Server", []string{"5"}, contains("Recent server events"), nil, nil, nil},
		{"Log", []string{"6"}, contains("exported from DC 2 to DC 3"), nil, nil, nil},
		{"Help", []string{"?"}, contains("bind a fresh temp key"), nil, nil, nil},
		{"DropConfirm", []string{"d"}, contains("except the current 71b4e9d2c8a3f0d5"), nil, nil, nil},
		{"ExportPicker", []string{"e"}, contains("DC 3 (already authorized)"), nil, nil, nil},
		{"Login", []string{"l"}, contains("9996621234"), nil, nil, nil},
		{"Reveal", []string{"r", "y"}, contains("shown until"), nil, nil, nil},
		{"Sessions", []string{"7"}, contains("Pixel 8"), []string{"down"}, contains("hash         -4012345678901234567"), nil},
		{"SessionsTerminate", []string{"7"}, contains("Pixel 8"), []string{"down", "down", "t"}, contains("End the session of Pixel 8"), nil},
		{"SessionsFork", []string{"7"}, contains("Pixel 8"), []string{"f"}, contains("Fork: a new device"), nil},
	}
	for _, sc := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz.w, sz.h), func(t *testing.T) {
				h := newHarness(t, sz.w, sz.h, append(demoEvents(), sc.more...))
				h.keys(sc.keys...)
				c := h.await(sc.name, sc.ready)
				if sc.then != nil {
					h.keys(sc.then...)
					c = h.await(sc.name+" after "+strings.Join(sc.then, " "), sc.settled)
				}
				uitest.RequireScreen(t, c.View, sz.w, sz.h)
			})
		}
	}
}

// The program really draws to its terminal, not only to captures.
func TestRendersToTerminal(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	teatest.WaitFor(t, h.tm.Output(), func(b []byte) bool {
		return strings.Contains(string(b), "71b4e9d2c8a3f0d5") && strings.Contains(string(b), "as Test User")
	}, teatest.WithDuration(5*time.Second))
}

func TestTabsMoveBetweenScreens(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	steps := []struct {
		key  string
		want Screen
	}{
		{"tab", ScreenHandshake}, {"tab", ScreenCatalog}, {"shift+tab", ScreenHandshake},
		{"shift+tab", ScreenKeys}, {"shift+tab", ScreenSessions}, {"shift+tab", ScreenLog}, {"tab", ScreenSessions}, {"tab", ScreenKeys},
		{"7", ScreenSessions},
		{"5", ScreenServer}, {"4", ScreenTraffic}, {"1", ScreenKeys},
	}
	for _, s := range steps {
		h.keys(s.key)
		if c := h.capture(); c.Screen != s.want {
			t.Fatalf("after %s: screen %s, want %s", s.key, c.Screen, s.want)
		}
	}
}

func TestBindRotates(t *testing.T) {
	h := newHarness(t, 120, 40, demoEvents())
	h.keys("b")
	c := h.await("the new key", idleAfter("rotate"))
	if old, _ := c.State.Temp(tempC); old.End != model.Rotated {
		t.Fatalf("previous key ended %s, want rotated", old.End)
	}
	if !strings.Contains(c.View, tempD.String()) || !strings.Contains(c.View, "fresh temp key bound") {
		t.Fatalf("screen lacks the new key or the note:\n%s", c.View)
	}
	if got := h.be.Calls(); !slices.Equal(got, []string{"rotate"}) {
		t.Fatalf("calls = %v", got)
	}
}

func TestDropAsksFirst(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.keys("d", "esc")
	if c := h.capture(); strings.Contains(c.View, "enter/y yes") {
		t.Fatalf("dialog still open:\n%s", c.View)
	}
	if calls := h.be.Calls(); len(calls) != 0 {
		t.Fatalf("cancelled drop called %v", calls)
	}
	h.keys("d", "y")
	h.await("the drop", idleAfter("drop"))
}

func TestExportPicksDC(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	// DC 2 is home, so the picker offers 1 and 3; move down to 3.
	h.keys("e", "down", "enter")
	c := h.await("the export", idleAfter("export"))
	if _, ok := c.State.Authorized[3]; !ok {
		t.Fatalf("authorized = %v", c.State.Authorized)
	}
	h.keys("e", "1")
	h.await("export to 1", func(c Capture) bool { _, ok := c.State.Authorized[1]; return ok })
}

func TestLogin(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.keys("l", "enter")
	c := h.await("login", func(c Capture) bool { return c.State.User != nil })
	if c.State.User.Phone != "9996621234" || !strings.Contains(c.View, "as Test User") {
		t.Fatalf("user %+v, screen:\n%s", c.State.User, c.View)
	}
}

func TestFailedLoginShowsInStatusAndLog(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.be.loginErr = errors.New("rpc error code 400: PHONE_CODE_INVALID")
	// Clear the prefilled phone and type another one.
	h.keys("l")
	for range len("9996621234") {
		h.keys("backspace")
	}
	h.keys("9", "9", "9", "6", "6", "2", "0", "0", "0", "0", "enter")
	c := h.await("the error", contains("✗ login failed"))
	if c.State.User != nil {
		t.Fatal("logged in after a failed login")
	}
	if got := h.be.Calls(); !slices.Equal(got, []string{"login 9996620000", "login"}) {
		t.Fatalf("calls = %v", got)
	}
	status := c.View[strings.LastIndex(c.View, "\n")+1:]
	if !strings.Contains(status, "✗ login failed") || !strings.Contains(status, "PHONE_COD") {
		t.Fatalf("status bar = %q", status)
	}
	if !strings.Contains(c.State.LastErr, "PHONE_CODE_INVALID") {
		t.Fatalf("LastErr = %q", c.State.LastErr)
	}
	h.keys("6")
	h.await("the log entry", contains("login failed after"))
}

func TestRevealHidesAgain(t *testing.T) {
	h := newHarness(t, 120, 40, demoEvents())
	h.keys("r")
	if c := h.capture(); strings.Contains(c.View, "5a5a5a") {
		t.Fatal("bytes shown before the confirmation")
	}
	h.keys("y")
	h.await("the bytes", func(c Capture) bool {
		return strings.Contains(c.View, "5a5a5a5a") && strings.Contains(c.View, "a5a5a5a5")
	})
	// The hide timer is 10 s; send its message now rather than wait.
	h.tm.Send(hideMsg{seq: 1})
	if c := h.capture(); strings.Contains(c.View, "5a5a5a") {
		t.Fatalf("bytes still shown after hiding:\n%s", c.View)
	}
}

func TestCopy(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.keys("y", "enter")
	h.await("the copy", func(Capture) bool { return slices.Equal(h.clip.Copied(), []string{permID.String()}) })
	h.keys("y", "2")
	h.await("the temp id", func(Capture) bool { return len(h.clip.Copied()) == 2 && h.clip.Copied()[1] == tempC.String() })
	h.keys("y", "3")
	h.await("the session", func(Capture) bool {
		return len(h.clip.Copied()) == 3 && h.clip.Copied()[2] == "telethon:2:127.0.0.1:44302:256"
	})
}

func TestPauseRenewal(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.keys("p")
	c := h.await("paused", func(c Capture) bool { return h.be.paused.Load() })
	if !c.State.RenewalPaused || !strings.Contains(c.View, "renewal paused") {
		t.Fatalf("paused = %v, screen:\n%s", c.State.RenewalPaused, c.View)
	}
	h.keys("p")
	h.await("resumed", func(c Capture) bool { return !h.be.paused.Load() && !c.State.RenewalPaused })
}

func TestCountdownFollowsTheClock(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.await("60 s left", contains("1:00"))
	h.clock.Set(goldenNow.Add(15 * time.Second))
	h.await("45 s left", contains("0:45"))
	// Past expires_at the key is expired, even before the driver says so.
	h.clock.Set(sec(131))
	c := h.await("expiry", contains("none in use"))
	if k, _ := c.State.Temp(tempC); k.End != model.Expired {
		t.Fatalf("end = %s", k.End)
	}
}

func TestTrafficOpen(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.keys("4")
	h.await("frames", contains("transport error"))
	// Newest first: the cursor starts on #10; #9 is the ping under the
	// dropped key.
	h.keys("down", "o")
	c := h.await("the open result", contains("Frame #9"))
	for _, want := range []string{"✗ permanent key 5f1c3a2e9b7d4410: does not open", "✓ its temporary key 0c9e7f3a51d2b6e8: opens", "temporary, dropped"} {
		if !strings.Contains(c.View, want) {
			t.Errorf("missing %q in:\n%s", want, c.View)
		}
	}
}

func TestCatalogFilterAndSnippet(t *testing.T) {
	h := newHarness(t, 120, 40, demoEvents())
	h.keys("3", "/", "d", "r", "o", "p", "enter")
	c := h.await("the filter", func(c Capture) bool { return strings.Contains(c.View, "except_auth_keys") })
	if strings.Contains(c.View, "  sendCode") {
		t.Fatalf("filter left sendCode in:\n%s", c.View)
	}
	// Keys typed into the filter are text, not actions.
	if calls := h.be.Calls(); len(calls) != 0 {
		t.Fatalf("typing the filter ran %v", calls)
	}
	h.keys("c")
	h.await("the snippet", func(Capture) bool {
		got := h.clip.Copied()
		return len(got) == 1 && strings.Contains(got[0], "AuthDropTempAuthKeys")
	})
}

func TestMouseWheelScrolls(t *testing.T) {
	evs := demoEvents()
	for i := range 30 {
		evs = append(evs, model.ClockSynced{At: sec(60 + i), Offset: time.Duration(i) * time.Millisecond})
	}
	h := newHarness(t, 80, 24, evs)
	h.keys("6")
	bottom := h.capture().View
	h.tm.Send(tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	h.tm.Send(tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	up := h.capture().View
	if up == bottom {
		t.Fatal("wheel did not scroll the log")
	}
	// The log follows its newest line; the wheel leaves it behind.
	if !strings.Contains(bottom, "offset 29ms") || strings.Contains(up, "offset 29ms") {
		t.Fatalf("before:\n%s\nafter:\n%s", bottom, up)
	}
}

func TestQuitWipesRevealedBytes(t *testing.T) {
	h := newHarness(t, 80, 24, demoEvents())
	h.keys("r", "y")
	h.await("the bytes", contains("5a5a"))
	h.keys("q")
	fm := h.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if fm.revealed != nil {
		t.Fatal("revealed bytes kept after quit")
	}
}

func BenchmarkView(b *testing.B) {
	m := New(Options{Clock: func() time.Time { return goldenNow }, Catalog: demoCatalog()})
	for _, ev := range demoEvents() {
		m.st.Apply(ev)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for s := range numScreens {
		b.Run(s.String(), func(b *testing.B) {
			m.screen = s
			m.refresh()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
	// A tick is what an idle session pays twice a second: re-render the
	// Keys screen and lay it out.
	b.Run("Tick+View", func(b *testing.B) {
		m.screen = ScreenKeys
		for b.Loop() {
			m.Update(tickMsg{})
			_ = m.View()
		}
	})
}

func TestSnapshot(t *testing.T) {
	st := model.NewState()
	for _, ev := range demoEvents() {
		st.Apply(ev)
	}
	st.Apply(refusedBind())
	out := Snapshot(st, goldenNow)
	for _, want := range []string{
		"tgpfs · local DC 2 (127.0.0.1:44302) · connected · as Test User · layer 214",
		"id           71b4e9d2c8a3f0d5",
		"1:00",
		"✓ dh_prime_safe",
		"✗ bind of temporary key 2b7e151628aed2a6 failed: ENCRYPTED_MESSAGE_INVALID",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("snapshot lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("snapshot has escape sequences")
	}
}

// BenchmarkLayout compares block, which View uses to size the screen, with
// the lipgloss Width/Height/MaxHeight style it replaced (the baseline).
func BenchmarkLayout(b *testing.B) {
	st := model.NewState()
	for _, ev := range demoEvents() {
		st.Apply(ev)
	}
	body := layout.Fit(renderLog(st, stylesForBench(), 120), 120)
	b.Run("lipgloss", func(b *testing.B) {
		for b.Loop() {
			_ = lipgloss.NewStyle().Width(120).Height(37).MaxHeight(37).Render(body)
		}
	})
	b.Run("block", func(b *testing.B) {
		for b.Loop() {
			_ = layout.Block(body, 120, 37)
		}
	})
}

func TestBlockMatchesLipgloss(t *testing.T) {
	st := model.NewState()
	for _, ev := range demoEvents() {
		st.Apply(ev)
	}
	for _, w := range []int{40, 80, 120} {
		body := layout.Fit(renderLog(st, stylesForBench(), w), w)
		for _, h := range []int{5, 21, 37} {
			want := lipgloss.NewStyle().Width(w).Height(h).MaxHeight(h).Render(body)
			if got := layout.Block(body, w, h); got != want {
				t.Errorf("%dx%d: block differs from lipgloss:\n%q\n%q", w, h, got, want)
			}
		}
	}
}

// A CatalogSearch decides what the filter keeps: here one that matches
// error names, which the list's own filter (names only) cannot.
func TestCatalogSearchMatchesErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	search := func(q string) []string {
		var out []string
		for _, m := range demoCatalog() {
			for _, e := range m.Errors {
				if strings.Contains(strings.ToLower(e.Type), strings.ToLower(q)) {
					out = append(out, m.Name)
					break
				}
			}
		}
		return out
	}
	m := New(Options{Clock: func() time.Time { return goldenNow }, Catalog: demoCatalog(), CatalogSearch: search, Context: ctx})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	for _, k := range []string{"3", "/", "D", "C", "_", "I", "D", "enter"} {
		tm.Send(keyMsg(k))
	}
	h := &harness{t: t, tm: tm, cancel: cancel}
	c := h.await("the filtered list", contains("auth.exportAuthorization"))
	if strings.Contains(c.View, "bindTempAuthKey") {
		t.Fatalf("filter kept bindTempAuthKey:\n%s", c.View)
	}
	h.stop()
}

func TestUntilNextSecond(t *testing.T) {
	tests := []struct {
		at   time.Duration // past a whole second
		want time.Duration
	}{
		{0, time.Second + tickSlack},
		{250 * time.Millisecond, 750*time.Millisecond + tickSlack},
		{999 * time.Millisecond, time.Millisecond + tickSlack},
	}
	for _, tt := range tests {
		if got := layout.UntilNextSecond(t0.Add(tt.at)); got != tt.want {
			t.Errorf("layout.UntilNextSecond(+%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestHandshakeHistory(t *testing.T) {
	h := newHarness(t, 120, 40, demoEvents())
	h.keys("2")
	h.await("the newest", contains("Handshake 4 of 4  temporary key exchange with DC 2"))
	h.tm.Send(tea.KeyMsg{Type: tea.KeyLeft})
	h.await("the one before", func(c Capture) bool {
		return strings.Contains(c.View, "Handshake 3 of 4") && strings.Contains(c.View, "key "+tempB.String())
	})
	h.keys("[", "[", "[") // the last press stays on the oldest
	h.await("the first", contains("Handshake 1 of 4  permanent key exchange"))
	h.keys("]")
	h.await("the second", contains("Handshake 2 of 4"))
}

func TestConnectAndAutoLogin(t *testing.T) {
	for _, auto := range []bool{false, true} {
		t.Run(fmt.Sprint("auto=", auto), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			be := newFakeBackend()
			m := New(Options{Backend: be, Clock: func() time.Time { return goldenNow }, Connect: true, AutoLogin: auto, Phone: "9996621234", Context: ctx})
			h := &harness{t: t, tm: teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24)), cancel: cancel}
			defer h.stop()
			want := []string{"connect"}
			if auto {
				want = append(want, "login 9996621234", "login")
			}
			h.await("the calls", func(c Capture) bool { return len(c.Busy) == 0 && slices.Equal(be.Calls(), want) })
		})
	}
}

func TestHeaderTargets(t *testing.T) {
	tests := []struct {
		target model.Target
		want   string
	}{
		{model.Target{Env: "local", DC: 2, Layer: 214}, "tgpfs · local DC 2 · ● connected · not logged in · layer 214"},
		{model.Target{Env: "test", DC: 2, Layer: 214}, "tgpfs · test DC 2 · ● connected"},
		{model.Target{Env: "prod", DC: 4, Layer: 214}, "tgpfs · production DC 4 · ● connected"},
	}
	for _, tt := range tests {
		m := New(Options{Clock: func() time.Time { return goldenNow }})
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		m.st.Apply(model.ConnChanged{Target: tt.target, Phase: model.Connected})
		if got := m.header(); !strings.Contains(got, tt.want) {
			t.Errorf("header = %q, want %q in it", got, tt.want)
		}
	}
}

func TestWrapWords(t *testing.T) {
	tests := []struct {
		text  string
		limit int
		want  []string
	}{
		{"short", 20, []string{"short"}},
		{"dropped temporary keys except 71b4e9d2c8a3f0d5; 1 proven gone with -404", 40,
			[]string{"dropped temporary keys except", "71b4e9d2c8a3f0d5; 1 proven gone with", "-404"}},
		{"a 0123456789abcdefghij b", 8, []string{"a", "01234567", "89abcdef", "ghij b"}},
		{"two\nlines", 20, []string{"two", "lines"}},
		{"", 20, []string{""}},
	}
	for _, tt := range tests {
		got := layout.WrapWords(tt.text, tt.limit)
		if !slices.Equal(got, tt.want) {
			t.Errorf("layout.WrapWords(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
		}
		for _, l := range got {
			if lipgloss.Width(l) > tt.limit {
				t.Errorf("line %q is wider than %d", l, tt.limit)
			}
		}
	}
}

// The Log screen wraps long entries at their words instead of cutting
// them: at 80 columns every word of every entry is on screen, whole.
func TestLogWrapsLongEntries(t *testing.T) {
	st := model.NewState()
	for _, ev := range demoEvents() {
		st.Apply(ev)
	}
	st.Apply(model.BindFailed{At: sec(66), ID: tempD, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID",
		Advice: "the DC does not know the permanent key: drop both keys, make new ones and bind again"})
	out := renderLog(st, stylesForBench(), 80)
	var words []string
	for _, l := range strings.Split(out, "\n") {
		if w := lipgloss.Width(l); w > 80 {
			t.Errorf("line %q is %d cells wide", l, w)
		}
		if strings.Contains(l, "…") && !strings.HasSuffix(l, "drop…") {
			t.Errorf("line %q is cut", l)
		}
		f := strings.Fields(l)
		if len(f) > 0 && len(f[0]) == 8 && strings.Count(f[0], ":") == 2 {
			f = f[2:] // the time and the mark
		}
		words = append(words, f...)
	}
	var want []string
	for _, e := range st.Log {
		want = append(want, strings.Fields(e.Text)...)
	}
	// Broken only at spaces: "-404" stays one word.
	if !slices.Equal(words, want) {
		t.Fatalf("the wrapped log's words differ from the entries':\n%q\n%q", words, want)
	}
}

// An export's temporary key on DC 3 is live there; it is listed under DC
// 3's own heading, after this DC's earlier keys, not among them.
func TestKeysGroupedByDC(t *testing.T) {
	st := model.NewState()
	for _, ev := range append(demoEvents(), exportKeyEvents()...) {
		st.Apply(ev)
	}
	out := renderKeys(st, goldenNow, stylesForBench(), 120, nil)
	home := strings.Index(out, "Earlier temporary keys on DC 2 (2)")
	dc3 := strings.Index(out, "Temporary keys on DC 3 (2)")
	if home < 0 || dc3 < home {
		t.Fatalf("want this DC's keys, then DC 3's:\n%s", out)
	}
	for _, id := range []model.KeyID{tempA, tempB} {
		if i := strings.Index(out, id.String()); i < home || i > dc3 {
			t.Errorf("%s is not under this DC's heading", id)
		}
	}
	for _, id := range []model.KeyID{tempE, tempF} {
		if i := strings.Index(out, id.String()); i < dc3 {
			t.Errorf("%s is not under DC 3's heading", id)
		}
	}
	// One DC only: the heading stays as it was.
	st = model.NewState()
	for _, ev := range demoEvents() {
		st.Apply(ev)
	}
	if out := renderKeys(st, goldenNow, stylesForBench(), 120, nil); !strings.Contains(out, "Earlier temporary keys (2)") || strings.Contains(out, "Temporary keys on") {
		t.Fatalf("one DC's keys:\n%s", out)
	}
}
