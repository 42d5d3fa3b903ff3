// Package loginform is the UI for logging in on Telegram's real DCs: a
// phone number form (phone, then code, then the two-step password, masked),
// a bot token form, a QR code to scan with a logged-in app, and a
// FLOOD_WAIT banner that counts down on its own.
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
	"sync/atomic"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/proto/login"
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
	// Yes and No answer a KeyProblem that asks before a destructive step.
	Yes key.Binding
	No  key.Binding
}

// DefaultKeyMap is the key map the README documents.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Submit:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Next:    key.NewBinding(key.WithKeys("down", "tab", "j"), key.WithHelp("↓", "next")),
		Prev:    key.NewBinding(key.WithKeys("up", "shift+tab", "k"), key.WithHelp("↑", "previous")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "new code")),
		Yes:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:      key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),
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
	if o.Styles == nil {
		s := styles.Default()
		o.Styles = &s
	}
	if o.Keys == nil {
		k := DefaultKeyMap()
		o.Keys = &k
	}
	return o
}

// lastID numbers the components, so a message is only taken by the one
// that asked for it even when several are alive.
var lastID atomic.Int64

func nextID() int { return int(lastID.Add(1)) }

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
	return runner{id: nextID(), opts: opts.withDefaults()}
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
	flood  *FloodBanner
}

// fail reads err by the real server's rules.
func (r *runner) fail(err error, what string) (problem, tea.Cmd) {
	v := login.Classify(err, login.KeyState{})
	if v.Kind == login.FloodWait {
		b := NewFloodBanner(r.opts.Now().Add(v.Wait), what, r.opts)
		return problem{flood: &b}, b.Init()
	}
	return problem{advice: v.Advice}, nil
}

func (p problem) blocking() bool { return p.flood != nil && p.flood.Active() }

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
		return wrap(s.Bad.Render(styles.SymBad+" ")+p.advice, width)
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

// frame lays a form out in width x height: title, a blank line when there
// is room for it, the body, and the help line on the last row.
func frame(s *styles.Styles, width, height int, title, body, help string) string {
	content := s.Section.Render(title) + "\n\n" + body
	if height > 0 && strings.Count(body, "\n")+1+3 > height {
		content = s.Section.Render(title) + "\n" + body
	}
	if width > 0 {
		content = lipgloss.NewStyle().Width(width).MaxWidth(width).Render(content)
	}
	helpLine := s.StatusHint.Render(help)
	if width > 0 {
		helpLine = lipgloss.NewStyle().MaxWidth(width).Render(helpLine)
	}
	if height <= 0 {
		return content + "\n\n" + helpLine
	}
	lines := strings.Split(content, "\n")
	if len(lines) > height-1 {
		lines = lines[:max(height-1, 0)]
	}
	for len(lines) < height-1 {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, helpLine), "\n")
}

// indent wraps s to width with every line indented by n spaces.
func indent(s string, n, width int) string {
	st := lipgloss.NewStyle().PaddingLeft(n)
	if width > 0 {
		st = st.Width(width)
	}
	return st.Render(s)
}

func wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	return lipgloss.NewStyle().Width(width).Render(s)
}

func helpText(bs ...key.Binding) string {
	var parts []string
	for _, b := range bs {
		if b.Enabled() && b.Help().Key != "" {
			parts = append(parts, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return strings.Join(parts, " · ")
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

func keyMatches(m tea.KeyMsg, b key.Binding) bool { return key.Matches(m, b) }

// withHelp is b described as desc, for a help line that says what enter
// does at this step.
func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}
