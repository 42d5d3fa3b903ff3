package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
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
99966XYYYY lives on DC X and its code is X five times; --bot registers bot
tokens for auth.importBotAuthorization. Temporary keys are kept in memory
only; --state keeps permanent keys and logins.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	fl.StringVar(&c.StatePath, "state", "", "keep permanent keys and logins in this file across restarts")
	fl.StringArrayVar(&c.Bots, "bot", nil, "register the bot token `ID:SECRET[@DC]` for auth.importBotAuthorization, home DC 2 unless @DC (repeatable)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every DC event, one line each")
	return cmd
}

func runDC(ctx context.Context, stdio *IO, cfg app.ClusterConfig, f dcFlags) error {
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
	c, err := dcs.Start(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	// Subscribe before printing the addresses, so that -v misses nothing
	// a client does after reading them.
	var sub <-chan model.ServerEvent
	if f.verbose {
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
	bots := ""
	if n := len(cfg.Bots); n > 0 {
		bots = fmt.Sprintf(", %d bot token(s)", n)
	}
	fmt.Fprintln(stdio.Err, Line(fmt.Sprintf("tgpfs dc: %d local DCs, RSA fingerprint %016x (%s), temp keys capped at %s%s; Ctrl-C stops",
		len(c.DCs()), uint64(c.Fingerprint()), dcs.KeyNote(), dcs.MaxTTL(), bots)))
	for {
		select {
		case <-ctx.Done():
			if err := c.Close(); err != nil {
				return err
			}
			return c.StateErr()
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
