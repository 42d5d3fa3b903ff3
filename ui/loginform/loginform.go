// Package loginform is the UI for logging in on Telegram's real DCs: a
// phone number form (phone, then code, then the two-step password, masked),
// a bot token form, and a QR code to scan with a logged-in app. A
// FLOOD_WAIT answer shows ui/overlay's banner, counting down on its own.
//
// Each form is a self-contained Bubble Tea v1 component (Init, Update, View,
// SetSize, a KeyMap) in the style of the bubbles package: Update returns the
// concrete type, and the parent decides where the View goes. Requests run as
// tea.Cmds against a Backend, which *login.Flow implements, so the forms
// never see a connection. A form reports its end with DoneMsg or CancelMsg.
package loginform

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/ui/overlay"
	"tgpfs/ui/styles"
)

// Backend is what the forms log in through. *login.Flow implements it.
type Backend interface {
	SendCode(ctx context.Context, phone string) (login.CodeSent, error)
	SignIn(ctx context.Context, code string) (login.Result, error)
	SignUp(ctx context.Context, first, last string) (login.Result, error)
	Password(ctx context.Context, password string) (login.Result, error)
	Bot(ctx context.Context, token string) (login.Result, error)
	PollQR(ctx context.Context, exceptIDs ...int64) (login.QR, error)
}

var _ Backend = (*login.Flow)(nil)

// DoneMsg is sent when a form has logged in.
type DoneMsg struct{ Result login.Result }

// CancelMsg is sent when the user leaves a form without logging in.
type CancelMsg struct{}

// KeyMap is every key the forms answer to. Text goes to the focused input.
type KeyMap struct {
	Submit key.Binding
	Cancel key.Binding
	// Next and Prev move between the login methods of Form's menu.
	Next key.Binding
	Prev key.Binding
	// Refresh asks the QR form for a new token now.
	Refresh key.Binding
}

// DefaultKeyMap is the key map the README documents.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Submit:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Next:    key.NewBinding(key.WithKeys("down", "tab", "j"), key.WithHelp("↓", "next")),
		Prev:    key.NewBinding(key.WithKeys("up", "shift+tab", "k"), key.WithHelp("↑", "previous")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "new code")),
	}
}

// Options are shared by the forms.
type Options struct {
	// Context is the parent of every request; nil = context.Background().
	Context context.Context
	// Timeout bounds one request; 0 = 60 s.
	Timeout time.Duration
	// Now is the clock countdowns read; nil = time.Now.
	Now func() time.Time
	// Target names the DC for the title, e.g. "test DC 2".
	Target string
	// Test marks Telegram's test DCs, where the form explains the test
	// phone numbers (99966XYYYY, code X five times).
	Test   bool
	Styles *styles.Styles // nil = styles.Default()
	Keys   *KeyMap        // nil = DefaultKeyMap()
}

func (o Options) withDefaults() Options {
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Styles = styles.OrDefault(o.Styles)
	if o.Keys == nil {
		k := DefaultKeyMap()
		o.Keys = &k
	}
	return o
}

// callDone carries a finished request back to the form that made it.
type callDone struct {
	form, seq int
	val       any
	err       error
}

// tickMsg drives countdowns once a second.
type tickMsg struct{ form int }

func tick(form int) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{form: form} })
}

// runner runs one request at a time for a form and drops answers to
// requests it no longer waits for (cancelled, or superseded).
type runner struct {
	id     int
	seq    int
	busy   string // what is running, "" when idle
	cancel context.CancelFunc
	opts   Options
}

func newRunner(opts Options) runner {
	return runner{id: overlay.NextID(), opts: opts.withDefaults()}
}

func (r *runner) start(what string, f func(ctx context.Context) (any, error)) tea.Cmd {
	r.stop()
	r.seq++
	seq, id := r.seq, r.id
	ctx, cancel := context.WithTimeout(r.opts.Context, r.opts.Timeout)
	r.cancel, r.busy = cancel, what
	return func() tea.Msg {
		defer cancel()
		v, err := f(ctx)
		return callDone{form: id, seq: seq, val: v, err: err}
	}
}

// take reports whether m answers the request in flight, and ends it.
func (r *runner) take(m callDone) bool {
	if m.form != r.id || m.seq != r.seq || r.busy == "" {
		return false
	}
	r.busy, r.cancel = "", nil
	return true
}

func (r *runner) stop() {
	if r.cancel != nil {
		r.cancel()
	}
	r.cancel, r.busy = nil, ""
}

// problem is the last error a form shows: one line of advice, or, for a
// FLOOD_WAIT, a banner with its countdown.
type problem struct {
	advice string
	flood  *overlay.FloodBanner
}

// classify reads err by the real server's rules. It is the one call of the
// classifier in this package.
func classify(err error) model.Verdict { return model.Classify(err, model.KeyState{}) }

// fail reads err by the real server's rules.
func (r *runner) fail(err error, what string) (problem, tea.Cmd) {
	v := classify(err)
	if v.Kind == model.FloodWait {
		b := overlay.NewFloodBanner(r.opts.Now().Add(v.Wait), what, overlay.Options{Now: r.opts.Now, Styles: r.opts.Styles})
		return problem{flood: &b}, b.Init()
	}
	return problem{advice: v.Advice}, nil
}

func (p problem) blocking() bool { return p.flood != nil && p.flood.Active() }

// update gives the banner its ticks; it takes no other message, so every
// message may be passed.
func (p *problem) update(msg tea.Msg) tea.Cmd {
	if p.flood == nil {
		return nil
	}
	b, cmd := p.flood.Update(msg)
	p.flood = &b
	return cmd
}

func (p *problem) setSize(width, height int) {
	if p.flood != nil {
		p.flood.SetSize(width, height)
	}
}

func (p problem) view(s *styles.Styles, width int) string {
	switch {
	case p.flood != nil:
		return p.flood.View()
	case p.advice != "":
		return overlay.Wrap(s.Bad.Render(styles.SymBad+" ")+p.advice, width)
	}
	return ""
}

func newInput(prompt, placeholder string, limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	in.CharLimit = limit
	// A steady cursor: blinking redraws the screen twice a second for
	// nothing, and would make every snapshot of the form different.
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}

// newSecretInput is an input for a password or a token: masked as typed.
func newSecretInput(prompt, placeholder string, limit int) textinput.Model {
	in := newInput(prompt, placeholder, limit)
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	return in
}

// indent wraps s to width with every line indented by n spaces.
func indent(s string, n, width int) string {
	st := lipgloss.NewStyle().PaddingLeft(n)
	if width > 0 {
		st = st.Width(width)
	}
	return st.Render(s)
}

func userLine(s *styles.Styles, r login.Result) string {
	u := r.User
	who := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if who == "" {
		who = "user"
	}
	detail := fmt.Sprintf("id %d", u.ID)
	if u.Phone != "" {
		detail += ", +" + u.Phone
	}
	if u.Bot {
		detail += ", bot"
	}
	line := s.OK.Render(styles.SymOK+" logged in") + fmt.Sprintf(" as %s (%s) on DC %d", who, detail, r.DC)
	for _, m := range r.Moves {
		line += "\n" + s.Dim.Render(fmt.Sprintf("  moved from DC %d to DC %d (%s)", m.From, m.To, m.Reason))
	}
	return line
}

func busyLine(s *styles.Styles, what string) string {
	if what == "" {
		return ""
	}
	return s.StatusBusy.Render(styles.SymPending + " " + what)
}
