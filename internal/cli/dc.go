package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"tgpfs/internal/app"
	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/sessions/atomicfile"
)

// dcFlags are the flags of `tgpfs dc` that are not the cluster's own.
type dcFlags struct {
	pubkeyOut string
	force     bool
	verbose   bool
	tui       bool   // --tui: the server's view instead of event lines
	report    string // --report: where the conformance report goes
	scenarios bool   // --scenarios: list them and exit
	verdicts  bool   // --verdicts: list them and exit
}

func newDCCmd(stdio *IO) *cobra.Command {
	cfg := app.Defaults().Cluster
	var f dcFlags
	cmd := &cobra.Command{
		Use:   "dc",
		Short: "Run the local DC cluster in the foreground for any MTProto client",
		Long: `Run tgpfs's embedded cluster of local Telegram DCs in the foreground.

The first lines on stdout are "dc <id> <host:port>", one per DC. Point any
MTProto client at those addresses with the cluster's RSA public key
(--pubkey-out writes it). Login uses Telegram's test-DC convention: phone
99966XYYYY lives on DC X and its code is X five times; --password gives such
an account a 2FA password (SRP), --bot registers bot tokens for
auth.importBotAuthorization. QR login and the account's sessions
(account.getAuthorizations, resetAuthorization, auth.resetAuthorizations)
are served; --fresh-reset 24h adds Telegram's rule that a new session cannot
end others. Temporary keys are kept in memory only; --state keeps permanent
keys, logins and sessions.

The DC judges every client it sees by Telegram's PFS rules (--verdicts
lists them); --scenario makes it probe them (--scenarios lists the
probes); --report writes what it saw as JSON when it stops and on SIGUSR1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case f.scenarios:
				return printScenarios(stdio.Out)
			case f.verdicts:
				return printVerdicts(stdio.Out)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDC(ctx, stdio, cfg, f)
		},
	}
	c := &cfg
	fl := cmd.Flags()
	fl.StringVar(&c.Listen, "listen", c.Listen, "host:PORT of DC 1; DC n listens on PORT+n-1 (port 0: a free port per DC)")
	fl.IntVar(&c.DCs, "dcs", c.DCs, "number of DCs (ids 1..n, at most 9)")
	fl.StringVar(&c.KeyPath, "key", "", "RSA private key PEM to use instead of the committed public test key")
	fl.StringVar(&f.pubkeyOut, "pubkey-out", "", "write the cluster's RSA public key (PEM) to this path")
	fl.BoolVar(&f.force, "force", false, "let --pubkey-out replace an existing regular file")
	fl.DurationVar(&c.MaxTTL, "max-ttl", c.MaxTTL, "cap on a temporary key's expires_in")
	fl.StringVar(&c.StatePath, "state", "", "keep permanent keys, logins and sessions in this file across restarts")
	fl.StringArrayVar(&c.Bots, "bot", nil, "register the bot token `ID:SECRET[@DC]` for auth.importBotAuthorization, home DC 2 unless @DC (repeatable)")
	fl.StringArrayVar(&c.Passwords, "password", nil, "give a test account a 2FA password, as `PHONE=PASSWORD`: its logins then need auth.checkPassword (repeatable)")
	fl.DurationVar(&c.FreshReset, "fresh-reset", 0, "a session younger than this may not end others (406 FRESH_RESET_AUTHORISATION_FORBIDDEN; Telegram: 24h); 0 is off")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every DC event, one line each")
	fl.BoolVar(&f.tui, "tui", false, "watch every client live in a terminal UI instead (the dc lines still go to stdout first; the UI is drawn on stdout, or on stderr when stdout is not a terminal)")
	fl.StringArrayVar(&c.Scenarios, "scenario", nil, "probe clients with `NAME[=DURATION][,NAME…]` (see --scenarios; repeatable)")
	fl.StringVar(&f.report, "report", "", "write the conformance report (JSON) to this path when the DC stops and on SIGUSR1")
	fl.BoolVar(&f.scenarios, "scenarios", false, "list the scenarios, one line each, and exit")
	fl.BoolVar(&f.verdicts, "verdicts", false, "list the verdicts the DC judges clients by, one line each, and exit")
	return cmd
}

func runDC(ctx context.Context, stdio *IO, cfg app.ClusterConfig, f dcFlags) error {
	var screen *dcTerminal
	if f.tui {
		t, err := openDCTerminal(stdio, f)
		if err != nil {
			return err
		}
		defer t.Close()
		screen = t
	}
	dcs, err := app.NewCluster(cfg)
	if err != nil {
		return err
	}
	// Before anything runs: a script that waits for the "dc N" lines
	// must be able to trust that the key file is there too.
	if f.pubkeyOut != "" {
		if err := app.CheckOutputPath("--pubkey-out", f.pubkeyOut, f.force); err != nil {
			return err
		}
	}
	if f.report != "" {
		if err := app.CheckReportPath(f.report); err != nil {
			return err
		}
	}
	c, err := dcs.Start(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	reports := notifyReport()
	defer signal.Stop(reports)
	// Subscribe before printing the addresses, so that -v misses nothing
	// a client does after reading them.
	var sub <-chan model.ServerEvent
	var view *app.DCView
	switch {
	case screen != nil:
		view = app.NewDCView(c, dcs.MaxTTL())
		defer view.Close()
	case f.verbose:
		ch, cancel := c.Subscribe()
		defer cancel()
		sub = ch
	}
	if f.pubkeyOut != "" {
		// The key is public; the file is still 0600 and written
		// atomically, like every file tgpfs writes that holds a key.
		if err := atomicfile.Write(f.pubkeyOut, localdc.PublicKeyPEM(c.PublicKey()), f.force); err != nil {
			return fmt.Errorf("--pubkey-out %s: %w", strconv.Quote(f.pubkeyOut), err)
		}
	}
	for _, id := range c.DCs() {
		if _, err := fmt.Fprintf(stdio.Out, "dc %d %s\n", id, c.Addr(id)); err != nil {
			return err
		}
	}
	extra := ""
	if n := len(cfg.Bots); n > 0 {
		extra += fmt.Sprintf(", %d bot token(s)", n)
	}
	if n := len(cfg.Passwords); n > 0 {
		extra += fmt.Sprintf(", %d 2FA password(s)", n)
	}
	if cfg.FreshReset > 0 {
		extra += fmt.Sprintf(", sessions end others after %s", cfg.FreshReset)
	}
	if list := dcs.Scenarios(); len(list) > 0 {
		names := make([]string, len(list))
		for i, s := range list {
			names[i] = s.String()
		}
		extra += ", scenarios " + strings.Join(names, ",")
	}
	fmt.Fprintln(stdio.Err, Line(fmt.Sprintf("tgpfs dc: %d local DCs, RSA fingerprint %016x (%s), temp keys capped at %s%s; Ctrl-C stops",
		len(c.DCs()), uint64(c.Fingerprint()), dcs.KeyNote(), dcs.MaxTTL(), extra)))
	if view != nil {
		if err := runDCView(ctx, stdio, c, view, screen, f.report, reports); err != nil {
			return err
		}
		return stopDC(stdio, c, f.report)
	}
	for {
		select {
		case <-ctx.Done():
			return stopDC(stdio, c, f.report)
		case <-reports:
			// Asked for while running: a failure is said, not fatal.
			if err := writeReport(f.report, c.Report()); err != nil {
				fmt.Fprintln(stdio.Err, Line("tgpfs dc: "+err.Error()))
			}
		case ev, ok := <-sub:
			if !ok {
				sub = nil
				continue
			}
			// Events quote what clients sent (names, phones): escaped, so
			// a client cannot write to the operator's terminal.
			if _, err := fmt.Fprintln(stdio.Out, Escape(localdc.FormatEvent(ev))); err != nil {
				return err
			}
		}
	}
}

// stopDC stops the cluster when the user stops `tgpfs dc` (Ctrl-C,
// SIGTERM, q in the TUI), whatever showed its events, and writes the
// report.
func stopDC(stdio *IO, c *localdc.Cluster, report string) error {
	if err := c.Close(); err != nil {
		return err
	}
	if err := finalReport(stdio, report, c.Report()); err != nil {
		return err
	}
	return c.StateErr()
}
