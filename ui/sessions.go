package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/proto/login"
	"tgpfs/ui/layout"
	"tgpfs/ui/overlay"
	"tgpfs/ui/styles"
)

// The Sessions screen is the account's sessions, as Settings › Devices
// shows them: every device logged in, which one is this tgpfs key, and on
// the local DCs each one's permanent key and whether it uses PFS. It ends
// one session or all others, each after asking, and forks this session: a
// new device of the account, made by a login token this session accepts,
// copied as a session of another library. Every call runs in a command;
// the list is loaded when the screen comes into view and after each action.

// Sessions is what the Sessions screen needs. internal/app implements it
// over the driver, and over the local DCs for what only they know. Every
// method may block on the network and is only called from a tea.Cmd.
type Sessions interface {
	// List is the account's sessions, this one first.
	List(ctx context.Context) ([]Authorization, error)
	// Terminate ends one session by its hash; TerminateOthers every
	// session but this one.
	Terminate(ctx context.Context, hash int64) error
	TerminateOthers(ctx context.Context) error
	// Fork makes a new device of this session's account and returns its
	// key. When the account has a two-step verification password it
	// returns an error errors.As finds as *login.PasswordNeeded:
	// ForkPassword goes on with the password, ForkCancel gives it up.
	Fork(ctx context.Context) (ForkedKey, error)
	ForkPassword(ctx context.Context, password string) (ForkedKey, error)
	ForkCancel(ctx context.Context) error
}

// ForkedKey is a finished fork: its permanent key (the caller wipes it),
// where it lives and as whom, and its session's hash.
type ForkedKey struct {
	Key    []byte
	DC     int
	Addr   string
	UserID int64
	Hash   int64
}

// PFSUse says whether a session's client uses PFS, as the local DC that
// watched it judged; unknown where nobody judged it.
type PFSUse int

const (
	PFSUnknown PFSUse = iota
	PFSYes
	PFSNo
)

func (p PFSUse) String() string {
	switch p {
	case PFSYes:
		return "yes"
	case PFSNo:
		return "no"
	}
	return "unknown"
}

// Authorization is one session of the account. The strings are what each
// client said of itself, made safe to print by the caller.
type Authorization struct {
	Hash            int64 // 0 for this session, as Telegram shows it
	Current         bool
	Device          string
	Platform        string
	System          string
	APIID           int
	App             string
	AppVersion      string
	Official        bool
	Created, Active time.Time
	IP, Country     string
	PasswordPending bool
	// Local is set on the local DCs, which also know each session's
	// permanent key (the one that logged in, on PermDC) and PFS use.
	Local     bool
	PermKeyID model.KeyID
	PermDC    int
	UsesPFS   PFSUse
}

// Messages the Sessions screen's commands answer with, and the requests it
// makes of the root (which owns the overlays and the actions).
type (
	sessionsListed struct {
		list []Authorization
		err  error
	}
	// dialogRequest asks the root to open a dialog.
	dialogRequest struct{ layer overlay.Layer }
	// actionRequest asks the root to run an action as start runs it.
	actionRequest struct {
		name    string
		backend bool
		run     func(context.Context) (string, error)
	}
)

func request(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// Action names the screen starts.
const (
	actTerminate       = "terminate"
	actTerminateOthers = "terminate others"
	actFork            = "fork"
)

type sessionsScreen struct {
	sh      *shared
	ctx     context.Context
	be      Sessions
	formats []SessionFormat
	clip    Clipboard

	list    []Authorization
	loaded  bool
	loading bool
	listErr string // why the last listing failed, one line
	problem string // why the last action failed, one line
	note    string // what the last action did

	// The fork in progress: the format its session is copied as, and the
	// password hint while it waits for the password.
	forkFormat SessionFormat
	hint       string

	listCursor
	width, height int
	body          string
}

func newSessionsScreen(sh *shared, opts Options) screen {
	return &sessionsScreen{sh: sh, ctx: opts.Context, be: opts.Sessions, formats: opts.SessionFormats, clip: opts.Clipboard}
}

// detailRows is what the selected session's details take below the list.
const detailRows = 12

func (p *sessionsScreen) SetSize(w, h int) {
	p.width, p.height = w, h
	p.rows = max(h-detailRows-3, 2)
	p.clamp(len(p.list))
}

func (p *sessionsScreen) Bindings() []key.Binding {
	k := p.sh.keys
	return []key.Binding{k.Terminate, k.TerminateOthers, k.Fork, k.Refresh}
}

func (p *sessionsScreen) Typing() bool { return false }

func (p *sessionsScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case shownMsg:
		return p.load()
	case sessionsListed:
		p.loading, p.loaded, p.listErr = false, true, ""
		if msg.err != nil {
			p.listErr = p.advice(msg.err)
			return nil
		}
		p.setList(msg.list)
	case actionDone:
		return p.done(msg)
	case tea.MouseMsg:
		p.move(layout.Wheel(msg), len(p.list))
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

// load lists the sessions, unless a listing is under way.
func (p *sessionsScreen) load() tea.Cmd {
	if p.be == nil || p.loading {
		return nil
	}
	p.loading = true
	be, ctx := p.be, p.ctx
	return func() tea.Msg {
		list, err := be.List(ctx)
		return sessionsListed{list, err}
	}
}

// setList replaces the list, keeping the selection on the same session.
func (p *sessionsScreen) setList(list []Authorization) {
	sel, had := p.selected()
	p.list = list
	p.cursor = 0
	if had {
		for i, a := range list {
			if a.Hash == sel.Hash {
				p.cursor = i
			}
		}
	}
	p.clamp(len(p.list))
}

// done follows an action the screen started: the list is loaded again, a
// failure is shown in one line, and a fork that waits for the account's
// password asks for it.
func (p *sessionsScreen) done(msg actionDone) tea.Cmd {
	switch msg.name {
	case actTerminate, actTerminateOthers, actFork:
	default:
		return nil
	}
	p.note, p.problem = "", ""
	if msg.err == nil {
		p.note = msg.note
		return p.load()
	}
	var need *login.PasswordNeeded
	v := p.sh.classify(msg.err, p.sh.now)
	switch {
	case msg.name == actFork && v.Type == "PASSWORD_HASH_INVALID":
		return request(dialogRequest{p.askPassword(v.Advice)})
	case msg.name == actFork && errors.As(msg.err, &need):
		p.hint = need.Hint
		return request(dialogRequest{p.askPassword("")})
	}
	p.problem = v.Advice
	return p.load()
}

func (p *sessionsScreen) advice(err error) string { return p.sh.classify(err, p.sh.now).Advice }

func (p *sessionsScreen) selected() (Authorization, bool) { return selectedRow(p.listCursor, p.list) }

func (p *sessionsScreen) key(msg tea.KeyMsg) tea.Cmd {
	k := p.sh.keys
	if p.listCursor.key(msg, k, len(p.list)) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Refresh):
		return p.load()
	case key.Matches(msg, k.Terminate):
		return p.confirmTerminate()
	case key.Matches(msg, k.TerminateOthers):
		return p.confirmTerminateOthers()
	case key.Matches(msg, k.Fork):
		return p.pickForkFormat()
	}
	return nil
}

// ready says why an action cannot start, "" when it can.
func (p *sessionsScreen) ready() string {
	switch {
	case p.be == nil:
		return "no account to manage: not connected"
	case !p.loaded || p.loading:
		return "the list is loading"
	}
	return ""
}

func (p *sessionsScreen) confirmTerminate() tea.Cmd {
	a, ok := p.selected()
	switch why := p.ready(); {
	case why != "":
		p.note = why
		return nil
	case !ok:
		p.note = "no session selected"
		return nil
	case a.Current:
		p.note = "this is tgpfs's own session: end it from another device (account.resetAuthorization takes another session's hash)"
		return nil
	}
	be, hash := p.be, a.Hash
	return request(dialogRequest{&confirm{box: box{sh: p.sh}, title: "account.resetAuthorization",
		body: fmt.Sprintf("End the session of %s (%s)?\nEvery key logged in under it is logged out; its device must log in again.", a.Device, appLine(a)),
		yes: func() tea.Cmd {
			return request(actionRequest{name: actTerminate, backend: true, run: func(ctx context.Context) (string, error) {
				return "session " + hashText(hash) + " ended", be.Terminate(ctx, hash)
			}})
		}}})
}

func (p *sessionsScreen) confirmTerminateOthers() tea.Cmd {
	if why := p.ready(); why != "" {
		p.note = why
		return nil
	}
	if len(p.list) < 2 {
		p.note = "no other session to end"
		return nil
	}
	be, n := p.be, len(p.list)-1
	return request(dialogRequest{&confirm{box: box{sh: p.sh}, title: "auth.resetAuthorizations",
		body: fmt.Sprintf("End every other session of this account (%d)?\nTheir keys are logged out; this tgpfs stays logged in.", n),
		yes: func() tea.Cmd {
			return request(actionRequest{name: actTerminateOthers, backend: true, run: func(ctx context.Context) (string, error) {
				return fmt.Sprintf("%d other sessions ended", n), be.TerminateOthers(ctx)
			}})
		}}})
}

// pickForkFormat starts a fork by choosing the library whose session the
// new device is copied as.
func (p *sessionsScreen) pickForkFormat() tea.Cmd {
	switch why := p.ready(); {
	case why != "":
		p.note = why
		return nil
	case p.clip == nil || len(p.formats) == 0:
		p.note = "no clipboard or session format to copy the fork to: use tgpfs fork SESSION --to FORMAT"
		return nil
	}
	opts := make([]string, len(p.formats))
	for i, f := range p.formats {
		opts[i] = f.Name + " session (secret)"
	}
	return request(dialogRequest{&picker{box: box{sh: p.sh}, title: "Fork: a new device of this account, copied as", options: opts,
		pick: func(i int) tea.Cmd {
			p.forkFormat = p.formats[i]
			return p.fork(func(ctx context.Context, be Sessions) (ForkedKey, error) { return be.Fork(ctx) })
		}}})
}

// fork runs one step of the fork and copies the new device's session when
// the step finishes it.
func (p *sessionsScreen) fork(step func(context.Context, Sessions) (ForkedKey, error)) tea.Cmd {
	be, f, clip := p.be, p.forkFormat, p.clip
	return request(actionRequest{name: actFork, run: func(ctx context.Context) (string, error) {
		k, err := step(ctx, be)
		if err != nil {
			return "", err
		}
		defer clear(k.Key)
		text, err := f.Encode(k.Key, k.DC, k.Addr, k.UserID)
		if err != nil {
			return "", fmt.Errorf("encode the fork as a %s session: %w", f.Name, err)
		}
		where, err := clip.Copy(text, true)
		if err != nil {
			return "", err
		}
		note := "forked: a new device (session " + hashText(k.Hash) + "), its " + f.Name + " session copied"
		if where != "" {
			note += " to the " + where
		}
		return note + ", cleared in 30 s", nil
	}})
}

// askPassword asks for the account's two-step verification password, which
// the new device needs; problem says why it asks again.
func (p *sessionsScreen) askPassword(problem string) *input {
	hint := "The new device needs this account's two-step verification password (checked with SRP, never sent)."
	if p.hint != "" {
		hint += " Hint: " + p.hint
	}
	if problem != "" {
		hint = problem + ". " + hint
	}
	in := newInput(p.sh, "Two-step verification", hint, "", func(pw string) tea.Cmd {
		return p.fork(func(ctx context.Context, be Sessions) (ForkedKey, error) { return be.ForkPassword(ctx, pw) })
	})
	in.field.EchoMode = textinput.EchoPassword
	in.field.CharLimit = 256
	be := p.be
	in.cancel = func() tea.Cmd {
		return request(actionRequest{name: actFork, run: func(ctx context.Context) (string, error) {
			return "fork given up: its half-made session ended", be.ForkCancel(ctx)
		}})
	}
	return in
}

func hashText(h int64) string { return strconv.FormatInt(h, 10) }

func appLine(a Authorization) string {
	return strings.TrimSpace(a.App + " " + a.AppVersion)
}

func (p *sessionsScreen) Refresh() { p.body = p.render(p.sh.styles, p.sh.now) }

func (p *sessionsScreen) View() string { return p.body }

func (p *sessionsScreen) render(s styles.Styles, now time.Time) string {
	var b strings.Builder
	line := func(str string) { b.WriteString(str + "\n") }
	title := s.Section.Render("Sessions of the account")
	switch {
	case p.be == nil:
		return title + "\n\n" + s.Dim.Render("  Not connected: the account's sessions are listed once a key is logged in.")
	case !p.loaded:
		return title + "\n\n" + s.Dim.Render("  Loading account.getAuthorizations…")
	}
	line(title + s.Dim.Render(fmt.Sprintf("  %d · account.getAuthorizations · ◆ this tgpfs key", len(p.list))))
	wide := p.width >= 110
	head := fmt.Sprintf("    %-18s %-22s %-7s %-9s %-9s", "device", "app", "api_id", "created", "active")
	if wide {
		head += fmt.Sprintf(" %-16s %-4s %s", "perm key", "DC", "uses PFS")
	}
	line(s.Label.Render(head))
	end := min(p.top+p.rows, len(p.list))
	for i := p.top; i < end; i++ {
		a := p.list[i]
		mark := "  "
		if a.Current {
			mark = "◆ "
		}
		l := fmt.Sprintf("  %s%s %s %-7d %-9s %-9s", mark, layout.Pad(layout.Fit(a.Device, 18), 18), layout.Pad(layout.Fit(appLine(a), 22), 22), a.APIID,
			ago(now, a.Created), ago(now, a.Active))
		if wide {
			l += " " + layout.Pad(permKey(a), 16) + " " + layout.Pad(permDC(a), 4) + " " + usesPFS(a)
		}
		if i == p.cursor {
			// The marker shows the selection without colour too.
			l = s.Selected.Render(layout.Fit("› "+l[2:], p.width))
		}
		line(l)
	}
	line("")
	if a, ok := p.selected(); ok {
		p.renderDetail(&b, s, a)
	}
	switch {
	case p.listErr != "":
		line(s.Bad.Render("  " + styles.SymBad + " " + p.listErr))
	case p.problem != "":
		line(s.Bad.Render("  " + styles.SymBad + " " + p.problem))
	case p.note != "":
		line(s.OK.Render("  " + styles.SymOK + " " + p.note))
	}
	line(s.Dim.Render("  t end this session · T end all others · f fork this session · u refresh"))
	return strings.TrimRight(b.String(), "\n")
}

func (p *sessionsScreen) renderDetail(b *strings.Builder, s styles.Styles, a Authorization) {
	line := func(str string) { b.WriteString(str + "\n") }
	who := a.Device
	if a.Current {
		who += s.Dim.Render("  (this tgpfs key)")
	}
	line(s.Section.Render("Session") + " " + who)
	hash := hashText(a.Hash)
	if a.Current {
		hash += s.Dim.Render("  (Telegram shows a session its own hash as 0)")
	}
	line(row(s, "hash", hash))
	line(row(s, "device", strings.Join(nonEmpty(a.Device, a.Platform, a.System), " · ")))
	official := "unofficial"
	if a.Official {
		official = "official"
	}
	line(row(s, "app", fmt.Sprintf("%s  (api_id %d, %s)", appLine(a), a.APIID, official)))
	line(row(s, "created", stamp(a.Created)))
	line(row(s, "last active", stamp(a.Active)))
	line(row(s, "from", strings.Join(nonEmpty(a.IP, a.Country), " · ")))
	if a.PasswordPending {
		line(row(s, "login", s.Warn.Render("waiting for the two-step verification password")))
	}
	if !a.Local {
		line(row(s, "perm key", s.Dim.Render("known to the DC only (a local DC shows it)")))
		return
	}
	line(row(s, "perm key", permKey(a)+" on DC "+permDC(a)))
	pfs := usesPFS(a)
	if a.UsesPFS == PFSUnknown {
		pfs += s.Dim.Render(" (no DC observation of this client)")
	}
	line(row(s, "uses PFS", pfs))
}

func permKey(a Authorization) string {
	if !a.Local || a.PermKeyID == 0 {
		return "—"
	}
	return a.PermKeyID.String()
}

func permDC(a Authorization) string {
	if !a.Local || a.PermDC == 0 {
		return "—"
	}
	return strconv.Itoa(a.PermDC)
}

func usesPFS(a Authorization) string {
	if !a.Local {
		return "—"
	}
	return a.UsesPFS.String()
}

// ago is how long before now t was, in at most 8 cells: "now", "42s ago",
// "7m ago", "5h ago", "12d ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	switch d := now.Sub(t); {
	case d < 5*time.Second:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd ago", min(int(d.Hours())/24, 999))
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
