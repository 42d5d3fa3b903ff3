package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/proto/session"
	"tgpfs/ui/loginform"
	"tgpfs/ui/overlay"
)

// blockingBackend is a Backend, a login backend and a clipboard whose every
// method counts the call and then waits until the test lets it go: a driver
// with an action stuck mid-flight.
type blockingBackend struct {
	events  chan model.Event
	release chan struct{}

	mu    sync.Mutex
	calls []string
}

func newBlockingBackend() *blockingBackend {
	return &blockingBackend{events: make(chan model.Event), release: make(chan struct{})}
}

func (b *blockingBackend) block(call string) {
	b.mu.Lock()
	b.calls = append(b.calls, call)
	b.mu.Unlock()
	<-b.release
}

func (b *blockingBackend) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

func (b *blockingBackend) Events() <-chan model.Event { return b.events }
func (b *blockingBackend) Connect(context.Context) error {
	b.block("Connect")
	return nil
}
func (b *blockingBackend) Rotate(context.Context) error { b.block("Rotate"); return nil }
func (b *blockingBackend) Drop(context.Context) error   { b.block("Drop"); return nil }
func (b *blockingBackend) Export(context.Context, int) error {
	b.block("Export")
	return nil
}
func (b *blockingBackend) Login(context.Context, string) error { b.block("Login"); return nil }
func (b *blockingBackend) SetRenewalPaused(bool)               { b.block("SetRenewalPaused") }
func (b *blockingBackend) Frames() []Frame                     { b.block("Frames"); return nil }
func (b *blockingBackend) OpenFrame(f Frame) OpenResult {
	b.block("OpenFrame")
	return OpenResult{}
}
func (b *blockingBackend) RevealKey(model.KeyKind) []byte { b.block("RevealKey"); return nil }
func (b *blockingBackend) Copy(string, bool) (string, error) {
	b.block("Copy")
	return "", nil
}
func (b *blockingBackend) SendCode(context.Context, string) (login.CodeSent, error) {
	b.block("SendCode")
	return login.CodeSent{}, nil
}
func (b *blockingBackend) SignIn(context.Context, string) (login.Result, error) {
	b.block("SignIn")
	return login.Result{}, nil
}
func (b *blockingBackend) SignUp(context.Context, string, string) (login.Result, error) {
	b.block("SignUp")
	return login.Result{}, nil
}
func (b *blockingBackend) Password(context.Context, string) (login.Result, error) {
	b.block("Password")
	return login.Result{}, nil
}
func (b *blockingBackend) Bot(context.Context, string) (login.Result, error) {
	b.block("Bot")
	return login.Result{}, nil
}
func (b *blockingBackend) PollQR(context.Context, ...int64) (login.QR, error) {
	b.block("PollQR")
	return login.QR{}, nil
}

// boundKeys are the keys the app, the overlays and the login forms answer
// to; everyKey adds some they do not.
func boundKeys() []tea.KeyMsg {
	keys := []tea.KeyMsg{
		{Type: tea.KeyTab}, {Type: tea.KeyShiftTab}, {Type: tea.KeyEnter}, {Type: tea.KeyEsc},
		{Type: tea.KeyUp}, {Type: tea.KeyDown}, {Type: tea.KeyLeft}, {Type: tea.KeyRight},
		{Type: tea.KeyPgUp}, {Type: tea.KeyPgDown}, {Type: tea.KeyHome}, {Type: tea.KeyEnd},
		{Type: tea.KeyBackspace}, {Type: tea.KeySpace, Runes: []rune{' '}},
	}
	for _, r := range "bcdeglnopqrykjG123456/?[]" {
		keys = append(keys, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return keys
}

func everyKey() []tea.KeyMsg {
	keys := boundKeys()
	for _, r := range "afhimstuvwxz7890+:" {
		keys = append(keys, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return keys
}

// TestUpdateNeverWaitsOnTheBackend is the freeze's regression test: with an
// action blocked mid-flight in the backend (on a channel the test holds),
// Update and View return for every key on every screen and under every
// overlay, and none of them calls the backend (they only return commands,
// which the test does not run). Pressing l used to call RealLogin, which
// asks the driver for its home DC, inside Update.
func TestUpdateNeverWaitsOnTheBackend(t *testing.T) {
	be := newBlockingBackend()
	defer close(be.release)
	realLogins := 0
	newModel := func() *Model {
		m := New(Options{
			Backend: be, Clock: func() time.Time { return goldenNow },
			Catalog: demoCatalog(), Clipboard: be, Phone: "9996621234",
			SessionFormats: []SessionFormat{{Name: "Telethon", Encode: func([]byte, int, string, int64) (string, error) { return "", nil }}},
			RealLogin:      func() loginform.Backend { realLogins++; be.block("RealLogin"); return be },
			LoginDone:      func(login.Result) error { be.block("LoginDone"); return nil },
			ResetKeys:      func(context.Context) error { be.block("ResetKeys"); return nil },
		})
		for _, ev := range demoEvents() {
			m.st.Apply(ev)
		}
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		return m
	}

	// An action stuck in the backend: rotate's command, run as the
	// program would run it, off the event loop.
	m := newModel()
	_, cmd := m.Update(keyMsg("b"))
	go drain(cmd)
	waitFor(t, "the rotation to block in the backend", func() bool { return len(be.Calls()) == 1 })

	// Where the keys land: each screen, and each overlay over the Keys
	// screen.
	setups := map[string]func(m *Model){}
	for s := range numScreens {
		setups["screen "+s.String()] = func(m *Model) { m.show(s) }
	}
	for name, keys := range map[string][]string{
		"help": {"?"}, "drop confirm": {"d"}, "export picker": {"e"}, "copy picker": {"y"},
		"reveal confirm": {"r"}, "catalog filter": {"3", "/"}, "phone dialog": {},
	} {
		setups[name] = func(m *Model) {
			if name == "phone dialog" {
				m.opts.RealLogin = nil
				keys = []string{"l"}
			}
			for _, k := range keys {
				m.Update(keyMsg(k))
			}
		}
	}
	setups["login form"] = func(m *Model) { m.Update(loginFormReady{be}) }
	setups["login form, phone"] = func(m *Model) { m.Update(loginFormReady{be}); m.Update(keyMsg("1")) }
	setups["key problem"] = func(m *Model) {
		m.Update(eventMsg{refusedBind()})
	}
	setups["flood banner"] = func(m *Model) {
		m.Update(actionDone{name: "rotate", err: fmt.Errorf("rotate: %w", session.NewRPCError(420, "FLOOD_WAIT_30"))})
	}

	calls := len(be.Calls())
	for _, name := range slices.Sorted(maps.Keys(setups)) {
		setup := setups[name]
		for _, k := range boundKeys() {
			m := newModel()
			setup(m)
			returns(t, name+", key "+k.String(), func() {
				m.Update(k)
				_ = m.View()
			})
		}
		// And all the keys one after another, through whatever they
		// open, then what the overlays answer with.
		m := newModel()
		setup(m)
		for _, k := range everyKey() {
			returns(t, name+", in a row, key "+k.String(), func() {
				m.Update(k)
				m.Update(tickMsg{})
				_ = m.View()
			})
		}
		for _, msg := range []tea.Msg{
			overlay.AnswerMsg{Drop: true}, loginform.DoneMsg{Result: login.Result{DC: 2, User: user}},
			loginform.CancelMsg{}, loginFormReady{be}, CaptureMsg{Reply: make(chan Capture, 1)},
		} {
			returns(t, fmt.Sprintf("%s, then %T", name, msg), func() {
				m.Update(msg)
				_ = m.View()
			})
		}
	}
	if got := be.Calls(); len(got) != calls || realLogins != 0 {
		t.Fatalf("Update or View called the backend: %v (RealLogin %d times)", got[calls:], realLogins)
	}
}

// returns runs f and ends the test if it has not returned after 30 s: an
// Update takes microseconds, so f hangs, it is not slow.
func returns(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: Update did not return", what)
	}
}

// drain runs a command as the program does, batches included.
func drain(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if b, ok := cmd().(tea.BatchMsg); ok {
		for _, c := range b {
			go drain(c)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
	}
}

// The overlay that takes a key is the one on screen, whatever opened
// first: help or a login form underneath, a key problem arriving on top.
func TestOverlayOnTopTakesTheKeys(t *testing.T) {
	be := newBlockingBackend()
	defer close(be.release)
	m := New(Options{Clock: func() time.Time { return goldenNow }, Catalog: demoCatalog(),
		ResetKeys: func(context.Context) error { return nil }})
	for _, ev := range demoEvents() {
		m.st.Apply(ev)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	emi := eventMsg{refusedBind()}
	const problem, help, form = "The DC refused the keys", "(any key closes)", "Phone number"

	step := func(msg tea.Msg) {
		_, cmd := m.Update(msg)
		// Run the answer a component sends back, as the program would.
		for cmd != nil {
			out := cmd()
			if _, ok := out.(tea.BatchMsg); ok || out == nil {
				return
			}
			_, cmd = m.Update(out)
		}
	}
	shows := func(want string, not ...string) {
		t.Helper()
		v := m.View()
		if !strings.Contains(v, want) {
			t.Fatalf("screen lacks %q:\n%s", want, v)
		}
		for _, n := range not {
			if strings.Contains(v, n) {
				t.Fatalf("screen shows %q under %q:\n%s", n, want, v)
			}
		}
	}

	step(keyMsg("?"))
	shows(help)
	step(emi) // the renewal's bind fails while help is open
	shows(problem, help)
	step(keyMsg("n")) // answers the problem (drawn), not the help under it
	shows(help, problem)
	if m.flash != "kept the keys" {
		t.Fatalf("flash = %q, want the problem's answer", m.flash)
	}
	step(keyMsg("x"))
	shows("Permanent key", help)

	step(loginFormReady{be})
	step(keyMsg("1"))
	shows(form)
	step(emi)
	shows(problem, form)
	step(keyMsg("9")) // not typed into the phone under it
	step(keyMsg("n"))
	shows(form, problem)
	if v := m.View(); strings.Contains(v, "Phone number  9") {
		t.Fatalf("the key went to the form under the problem:\n%s", v)
	}
	if len(be.Calls()) != 0 {
		t.Fatalf("backend called: %v", be.Calls())
	}
}

// The key-problem dialog follows the driver's verdict, not the UI's own
// reading of the error: a young permanent key's bind that the driver is
// still retrying asks nothing; the same error once the driver has given the
// key up asks before dropping both keys.
func TestBindFailedFollowsTheDriversVerdict(t *testing.T) {
	m := New(Options{Clock: func() time.Time { return goldenNow }, Catalog: demoCatalog(),
		ResetKeys: func(context.Context) error { return nil }})
	for _, ev := range demoEvents() {
		m.st.Apply(ev)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	const problem = "The DC refused the keys"
	retrying := refusedBind()
	retrying.Verdict = model.Classify(&model.RPCError{Code: 400, Message: "ENCRYPTED_MESSAGE_INVALID", Type: "ENCRYPTED_MESSAGE_INVALID"},
		model.KeyState{PermAge: time.Second, HomeDC: true})
	if retrying.Verdict.DropKeys {
		t.Fatal("a first failed bind of a young key must be retried, not dropped")
	}
	m.Update(eventMsg{retrying})
	if strings.Contains(m.View(), problem) {
		t.Fatal("the dialog opened while the driver retries the bind")
	}
	m.Update(eventMsg{refusedBind()})
	if !strings.Contains(m.View(), problem) {
		t.Fatalf("the dialog did not open when the driver gave the keys up:\n%s", m.View())
	}
}
