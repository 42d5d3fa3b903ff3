package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"tgpfs/internal/clipboard"
	"tgpfs/model"
	"tgpfs/proto/endpoints"
	"tgpfs/sessions"
	"tgpfs/ui"
	"tgpfs/ui/live"
)

// The root command opens the UI, against the embedded local DCs unless
// --dc says otherwise.
func init() {
	rootFlags = append(rootFlags, tui.add)
	rootRun = func(cmd *cobra.Command, stdio *IO, _ []string) error {
		f := *tui // runTUI may adjust its copy (a session's DC); the flags stay as parsed
		return runTUI(cmd.Context(), stdio, &f)
	}
}

// tuiFlags are the root command's flags. NewRoot registers them afresh, so
// each command line starts from the defaults.
type tuiFlags struct {
	target  targetFlags
	ttl     time.Duration
	phone   string
	noLogin bool
	session string
	wait    time.Duration
	asJSON  bool
}

var tui = &tuiFlags{}

func (f *tuiFlags) add(cmd *cobra.Command) {
	f.target.add(cmd)
	fs := cmd.Flags()
	fs.DurationVar(&f.ttl, "ttl", live.DefaultTTL, "lifetime of each temporary key (expires_in)")
	fs.StringVar(&f.phone, "phone", "", "test phone to log in with at start (default 99966X1234 for home DC X; local and test DCs only)")
	fs.BoolVar(&f.noLogin, "no-login", false, "do not log in at start (l logs in later)")
	fs.StringVar(&f.session, "session", "", "use the permanent key of this session file or string instead of making one")
	fs.BoolVar(&f.asJSON, "json", false, "with --dry-run: print one JSON object")
	fs.DurationVar(&f.wait, "snapshot-wait", 10*time.Second, "when stdout is not a terminal: how long to wait for a bound temporary key before printing")
}

func runTUI(ctx context.Context, stdio *IO, f *tuiFlags) error {
	env, err := endpoints.ParseEnv(f.target.env)
	if err != nil {
		return usageErr(err)
	}
	if f.ttl < time.Minute && env != endpoints.Local {
		return usageErr(fmt.Errorf("--ttl %s: real DCs want at least a minute", f.ttl))
	}
	if f.ttl < time.Second {
		return usageErr(fmt.Errorf("--ttl %s: at least 1s", f.ttl))
	}
	cfg := live.Config{DC: f.target.dc, TTL: f.ttl, Phone: f.phone, AppVersion: Version}
	if f.noLogin {
		cfg.Phone = "-"
	}
	if f.session != "" {
		sess, err := sessions.Load(f.session, sessions.LoadOptions{})
		if err != nil {
			return usageErr(fmt.Errorf("--session: %w", err))
		}
		if sess.DC >= 1 && sess.DC <= 5 {
			f.target.dc, cfg.DC = sess.DC, sess.DC
		}
		if sess.HostPort() != "" && !sess.AddrFromDC && env != endpoints.Local {
			f.target.addr = sess.HostPort()
		}
		cfg.PermKey, cfg.PermSource = sess.AuthKey, sess.PermKey().Source
		// Logging in again would replace the session's own login.
		cfg.Phone = "-"
		fmt.Fprintln(stdio.Err, "warning: using the permanent key of "+sess.PermKey().Source+": "+sessions.DuplicateWarning)
	}
	if f.target.dryRun {
		t, err := f.target.resolve(stdio.Getenv, nil)
		if err != nil {
			return err
		}
		return t.writeDryRun(stdio.Out, f.asJSON)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	var s *live.Session
	if env == endpoints.Local {
		if cfg.DC < 1 || cfg.DC > live.DefaultDCs {
			return usageErr(fmt.Errorf("--dc-id %d: the local cluster has DCs 1..%d", cfg.DC, live.DefaultDCs))
		}
		t, err := f.target.resolve(stdio.Getenv, nil)
		if err != nil {
			return err
		}
		cfg.Transport, cfg.Proxy = t.Transport, t.Proxy
		s, err = live.StartLocal(ctx, cfg)
		if err != nil {
			return err
		}
	} else {
		t, err := f.target.resolve(stdio.Getenv, nil)
		if err != nil {
			return err
		}
		if t.AppErr != nil {
			return usageErr(t.AppErr)
		}
		cfg.Transport, cfg.Proxy = t.Transport, t.Proxy
		s, err = live.StartRemote(ctx, t.Endpoint, t.App, cfg)
		if err != nil {
			return err
		}
	}
	defer s.Close()

	if !isTerminal(stdio.Out) {
		return printSnapshot(ctx, stdio, s, f.wait)
	}
	opts := s.Options
	opts.Connect = true
	clip := clipboard.ForTerminal(stdio.Getenv, stdio.Out)
	defer clip.Close()
	opts.Clipboard = clip
	p := tea.NewProgram(ui.New(opts),
		tea.WithContext(ctx),
		tea.WithInput(stdio.In),
		tea.WithOutput(stdio.Out),
		tea.WithAltScreen(),
		tea.WithMouseCellMotion(),
		// The screen changes once a second when idle; 20 flushes a
		// second keep typing immediate and cost a third of the default 60.
		tea.WithFPS(20),
	)
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("run the terminal UI: %w", err)
	}
	return nil
}

// printSnapshot is the root command when stdout is a pipe or a file: it
// runs the same session without a UI until a temporary key is bound and the
// login is done (or wait passes), then prints what the Keys and Handshake
// screens would show. It exits 0 either way: the snapshot says what failed.
func printSnapshot(ctx context.Context, stdio *IO, s *live.Session, wait time.Duration) error {
	st := model.NewState()
	opts := s.Options
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	var evs <-chan model.Event
	srv := opts.ServerEvents
	finished := make(chan struct{})
	if b := opts.Backend; b != nil {
		evs = b.Events()
		go func() {
			defer close(finished)
			if err := b.Connect(ctx); err != nil {
				return
			}
			if opts.AutoLogin && opts.Phone != "" {
				_ = b.Login(ctx, opts.Phone)
			}
		}()
	}
loop:
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				break loop
			}
			st.Apply(ev)
		case ev, ok := <-srv:
			if !ok {
				srv = nil
				continue
			}
			st.Apply(ev)
		case <-finished:
			// Connect and login have returned; what they reported is
			// already queued. Take it, then print.
			finished = nil
			deadline.Reset(100 * time.Millisecond)
		case <-deadline.C:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	_, err := fmt.Fprint(stdio.Out, ui.Snapshot(st, opts.Clock()))
	return err
}

// isTerminal reports whether w is a terminal the UI can take over.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
