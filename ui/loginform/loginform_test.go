package loginform

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"tgpfs/proto/login"
	"tgpfs/proto/session"
)

// host runs a Form as a program would: it sizes it, and keeps what it
// reports.
type host struct {
	form      Form
	done      *login.Result
	cancelled bool
}

func (h *host) Init() tea.Cmd { return h.form.Init() }

func (h *host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		h.form.SetSize(m.Width, m.Height)
		return h, nil
	case DoneMsg:
		h.done = &m.Result
		return h, nil
	case CancelMsg:
		h.cancelled = true
		return h, tea.Quit
	}
	var cmd tea.Cmd
	h.form, cmd = h.form.Update(msg)
	return h, cmd
}

func (h *host) View() string { return h.form.View() }

type step struct {
	keys    string // typed; "\r" is enter, "\x1b" is esc
	advance time.Duration
	scan    bool
	// wait is text the screen must show before the next step; after a
	// step that answers asynchronously, text only the answer draws (the
	// menu already says "Link Desktop Device").
	wait string
}

func enter() tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyEnter} }

func TestGolden(t *testing.T) {
	scenarios := []struct {
		name  string
		steps []step
		check func(t *testing.T, h *host, b *fakeBackend)
	}{
		{name: "menu", steps: []step{{wait: "QR code"}}},
		{name: "phone", steps: []step{{keys: "1", wait: "Phone number"}}},
		{name: "phone-password", steps: []step{
			{keys: "1", wait: "Phone number"}, {keys: "+99966 2 1234\r", wait: "sent via app"},
			{keys: "22222\r", wait: "Hint"}, {keys: password, wait: "•••••••"}},
			check: func(t *testing.T, h *host, b *fakeBackend) {
				if v := h.View(); strings.Contains(v, password) {
					t.Error("the password is drawn in clear")
				}
			}},
		{name: "phone-done", steps: []step{
			{keys: "1", wait: "Phone number"}, {keys: "+99966 2 1234\r", wait: "sent via app"},
			{keys: "22222\r", wait: "Hint"}, {keys: password + "\r", wait: "logged in"}},
			check: func(t *testing.T, h *host, b *fakeBackend) {
				if h.done == nil || h.done.User.ID != 777000 {
					t.Errorf("DoneMsg = %+v", h.done)
				}
				if got := strings.Join(b.Calls(), ","); got != "sendCode,signIn,checkPassword" {
					t.Errorf("calls = %s", got)
				}
			}},
		{name: "phone-moved", steps: []step{
			{keys: "1", wait: "Phone number"}, {keys: "9996631234\r", wait: "continues on DC 3"},
			{keys: "33333\r", wait: "PHONE_MIGRATE_3"}}},
		{name: "phone-wrong-code", steps: []step{
			{keys: "1", wait: "Phone number"}, {keys: "9996621000\r", wait: "sent via app"},
			{keys: "12345\r", wait: "PHONE_CODE_INVALID"}}},
		{name: "phone-wrong-password", steps: []step{
			{keys: "1", wait: "Phone number"}, {keys: phone2FA + "\r", wait: "sent via app"},
			{keys: "22222\r", wait: "Hint"}, {keys: "hunter3\r", wait: "wrong two-step"}}},
		{name: "flood", steps: []step{
			{keys: "1", wait: "Phone number"}, {keys: phoneFlood + "\r", wait: "1m15s"},
			{advance: 30 * time.Second, wait: "wait 45s"}},
			check: func(t *testing.T, h *host, b *fakeBackend) {
				// While the wait lasts, enter sends nothing.
				if got := len(b.Calls()); got != 1 {
					t.Errorf("%d calls during the flood wait", got)
				}
			}},
		{name: "flood-over", steps: []step{
			{keys: "1", wait: "Phone number"}, {keys: phoneFlood + "\r", wait: "1m15s"},
			{advance: 75 * time.Second, wait: "wait is over"}}},
		{name: "bot", steps: []step{
			{keys: "3", wait: "Bot token"}, {keys: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", wait: "bot id 123456789"}}},
		{name: "bot-done", steps: []step{
			{keys: "3", wait: "Bot token"}, {keys: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\r", wait: "logged in"}}},
		{name: "qr", steps: []step{{keys: "2", wait: "a new code in 30s"}}},
		{name: "qr-refresh", steps: []step{
			{keys: "2", wait: "a new code in 30s"}, {advance: 31 * time.Second, wait: "a new code in 40s"}},
			check: func(t *testing.T, h *host, b *fakeBackend) {
				if got := strings.Count(strings.Join(b.Calls(), ","), "exportLoginToken"); got != 2 {
					t.Errorf("%d tokens exported, want 2 (one renewed on expiry)", got)
				}
			}},
		{name: "qr-done", steps: []step{
			{keys: "2", wait: "a new code in 30s"}, {scan: true, keys: "\r", wait: "logged in"}}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, sc := range scenarios {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				clock := newClock()
				b := &fakeBackend{clock: clock}
				h := &host{form: New(b, Options{Now: clock.Now, Target: "test DC 2", Test: true})}
				tm := teatest.NewTestModel(t, h, teatest.WithInitialTermSize(size[0], size[1]))
				for _, st := range sc.steps {
					if st.scan {
						b.Scan()
					}
					clock.Advance(st.advance)
					for _, r := range st.keys {
						switch r {
						case '\r':
							tm.Send(enter())
						default:
							tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
						}
					}
					if st.wait != "" {
						teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte(st.wait)) },
							teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
					}
				}
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*host)
				view := fm.View()
				for i, line := range strings.Split(view, "\n") {
					if w := len([]rune(line)); w > size[0] {
						t.Errorf("line %d is %d cells wide, more than %d: %q", i, w, size[0], line)
					}
				}
				if n := strings.Count(view, "\n") + 1; n > size[1] {
					t.Errorf("view is %d lines, more than %d", n, size[1])
				}
				golden.RequireEqual(t, []byte(view))
				if sc.check != nil {
					sc.check(t, fm, b)
				}
			})
		}
	}
}

func TestStaleAnswersAreDropped(t *testing.T) {
	clock := newClock()
	b := &fakeBackend{clock: clock}
	f := NewPhoneForm(b, Options{Now: clock.Now})
	f.inputs[stepPhone].SetValue(phone2FA)
	f, cmd := f.Update(enter())
	if cmd == nil || !f.Busy() {
		t.Fatal("enter on a phone number starts auth.sendCode")
	}
	first := cmd().(callDone)
	// The user cancels and the form goes idle; the old answer arrives late.
	f, _ = f.Update(tea.KeyMsg{Type: tea.KeyEsc})
	f, _ = f.Update(first)
	if f.step != stepPhone {
		t.Fatalf("a cancelled request's answer moved the form to step %d", f.step)
	}
	// An answer for another form is not taken either.
	other := first
	other.form++
	if f2, _ := f.Update(other); f2.step != stepPhone {
		t.Fatal("another form's answer was taken")
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	clock := newClock()
	b := &fakeBackend{clock: clock}
	f := NewPhoneForm(b, Options{Now: clock.Now})
	f.inputs[stepPhone].SetValue("call me")
	f, cmd := f.Update(enter())
	if cmd != nil || !strings.Contains(f.View(), "unexpected") {
		t.Fatalf("a non-number was sent, or no error shown: %q", f.View())
	}
	bf := NewBotForm(b, Options{Now: clock.Now})
	bf.input.SetValue("not-a-token")
	bf, cmd = bf.Update(enter())
	if cmd != nil || !strings.Contains(bf.View(), "bot token") {
		t.Fatalf("a malformed token was sent: %q", bf.View())
	}
	if len(b.Calls()) != 0 {
		t.Errorf("backend called: %v", b.Calls())
	}
}

func TestAdviceForServerErrors(t *testing.T) {
	clock := newClock()
	r := newRunner(Options{Now: clock.Now})
	for _, tc := range []struct {
		err  error
		want string
	}{
		{session.NewRPCError(406, "AUTH_KEY_DUPLICATED"), "two connections at once"},
		{session.NewRPCError(401, "SESSION_REVOKED"), "log in again"},
		{session.NewRPCError(400, "PHONE_NUMBER_BANNED"), "PHONE_NUMBER_BANNED"},
	} {
		p, cmd := r.fail(tc.err, "auth.signIn")
		if cmd != nil || !strings.Contains(p.view(r.opts.Styles, 0), tc.want) {
			t.Errorf("%v: %q", tc.err, p.view(r.opts.Styles, 0))
		}
	}
}
