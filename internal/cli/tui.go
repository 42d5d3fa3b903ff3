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
	"tgpfs/ui"
	"tgpfs/ui/live"
)

// The root command opens the UI against the embedded local DCs.
func init() {
	rootFlags = append(rootFlags, addTUIFlags)
	rootRun = runTUI
}

func addTUIFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.Duration("ttl", live.DefaultTTL, "lifetime of each temporary key (expires_in)")
	fs.String("phone", "", "test phone to log in with at start (default 99966X1234 for the home DC X)")
	fs.Bool("no-login", false, "do not log in at start (l logs in later)")
	fs.Duration("snapshot-wait", 10*time.Second, "when stdout is not a terminal: how long to wait for a bound temporary key before printing")
}

func runTUI(cmd *cobra.Command, stdio *IO, _ []string) error {
	fs := cmd.Flags()
	ttl, _ := fs.GetDuration("ttl")
	phone, _ := fs.GetString("phone")
	noLogin, _ := fs.GetBool("no-login")
	wait, _ := fs.GetDuration("snapshot-wait")
	if ttl < time.Minute {
		return usageErr(fmt.Errorf("--ttl %s: a temporary key lives at least 1m", ttl))
	}
	if noLogin {
		phone = "-"
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	sess, err := live.StartLocal(ctx, live.Config{TTL: ttl, Phone: phone})
	if err != nil {
		return err
	}
	defer sess.Close()

	if !isTerminal(stdio.Out) {
		return printSnapshot(ctx, stdio, sess, wait)
	}
	opts := sess.Options
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
		// The screen changes twice a second when idle; 20 flushes a
		// second keep typing immediate and cost a third of the default 60.
		tea.WithFPS(20),
	)
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("run the terminal UI: %w", err)
	}
	return nil
}

// printSnapshot is the root command when stdout is a pipe or a file: it
// runs the same session without a UI until a temporary key is bound (or
// wait passes), then prints what the Keys and Handshake screens would show.
func printSnapshot(ctx context.Context, stdio *IO, sess *live.Session, wait time.Duration) error {
	st := model.NewState()
	opts := sess.Options
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	var evs <-chan model.Event
	srv := opts.ServerEvents
	if b := opts.Backend; b != nil {
		evs = b.Events()
		go func() {
			if err := b.Connect(ctx); err != nil {
				return
			}
			if opts.Phone != "" {
				_ = b.Login(ctx, opts.Phone)
			}
		}()
	}
loop:
	for {
		if k, ok := st.Current(); ok && k.Bound && (opts.Phone == "" || st.User != nil) {
			break
		}
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
