package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"tgpfs/internal/app"
)

// rootFlags are the root command's own flags; the rest go into app.Config.
type rootFlags struct {
	dryRun bool
	asJSON bool
	wait   time.Duration
}

// maxSnapshotWait bounds --snapshot-wait: a snapshot waits for one bound
// key, which takes well under a second on the local DCs.
const maxSnapshotWait = time.Hour

// newRootCmd is the root command: the UI, against the embedded local DCs
// unless --dc says otherwise.
func newRootCmd(stdio *IO) *cobra.Command {
	cfg := app.Defaults()
	var f rootFlags
	cmd := &cobra.Command{
		Use:           "tgpfs",
		Short:         "Inspect Telegram MTProto sessions and watch Perfect Forward Secrecy work",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd.Context(), stdio, cfg, f)
		},
	}
	fs := cmd.Flags()
	// -v is --verbose wherever it exists (tgpfs dc -v); the version has
	// no shorthand.
	fs.Bool("version", false, "print the version and exit")
	addTargetFlags(cmd, &cfg, &f.dryRun)
	fs.DurationVar(&cfg.TTL, "ttl", cfg.TTL, "lifetime of each temporary key (expires_in)")
	fs.StringVar(&cfg.Phone, "phone", "", "test phone to log in with at start (default 99966X1234 for home DC X; local and test DCs only)")
	fs.BoolVar(&cfg.NoLogin, "no-login", false, "do not log in at start (l logs in later)")
	fs.BoolVar(&f.asJSON, "json", false, "with --dry-run: print one JSON object")
	fs.DurationVar(&f.wait, "snapshot-wait", 10*time.Second, "when stdout is not a terminal: how long to wait for a bound temporary key before printing")
	return cmd
}

func runTUI(ctx context.Context, stdio *IO, cfg app.Config, f rootFlags) error {
	cfg.Getenv = stdio.Getenv
	a, err := app.New(cfg)
	if err != nil {
		return err
	}
	if err := app.DurationIn("--snapshot-wait", f.wait, time.Millisecond, maxSnapshotWait, "how long a snapshot waits for a bound key"); err != nil {
		return err
	}
	if f.asJSON && !f.dryRun {
		return usageErr(errors.New("--json goes with --dry-run (the UI has no JSON form; tgpfs audit --json has)"))
	}
	if f.dryRun {
		return a.WriteDryRun(stdio.Out, f.asJSON)
	}
	for _, w := range a.Warnings() {
		warn(stdio, w)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	s, err := a.Start(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if !isTerminal(stdio.Out) {
		// Not a terminal: the same session without a UI, printed once.
		_, err := io.WriteString(stdio.Out, s.Snapshot(ctx, f.wait))
		return err
	}
	return s.RunTUI(stdio.In, raw(stdio.Out), stdio.Getenv)
}

// isTerminal reports whether w is a terminal the UI can take over.
func isTerminal(w io.Writer) bool {
	f, ok := terminal(w)
	return ok && term.IsTerminal(f.Fd())
}
