package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

func init() { register(newDCCmd) }

// dcFlags are the flags of `tgpfs dc`.
type dcFlags struct {
	listen    string
	dcs       int
	keyPath   string
	pubkeyOut string
	force     bool
	maxTTL    time.Duration
	statePath string
	verbose   bool
}

func newDCCmd(io *IO) *cobra.Command {
	var f dcFlags
	cmd := &cobra.Command{
		Use:   "dc",
		Short: "Run the local DC cluster in the foreground for any MTProto client",
		Long: `Run tgpfs's embedded cluster of local Telegram DCs in the foreground.

The first lines on stdout are "dc <id> <host:port>", one per DC. Point any
MTProto client at those addresses with the cluster's RSA public key
(--pubkey-out writes it). Login uses Telegram's test-DC convention: phone
99966XYYYY lives on DC X and its code is X five times. Temporary keys are
kept in memory only; --state keeps permanent keys and logins.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runDC(ctx, io, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:0", "host:PORT of DC 1; DC n listens on PORT+n-1 (port 0: a free port per DC)")
	fl.IntVar(&f.dcs, "dcs", 3, "number of DCs (ids 1..n)")
	fl.StringVar(&f.keyPath, "key", "", "RSA private key PEM to use instead of the committed public test key")
	fl.StringVar(&f.pubkeyOut, "pubkey-out", "", "write the cluster's RSA public key (PEM) to this path")
	fl.BoolVar(&f.force, "force", false, "let --pubkey-out overwrite an existing file")
	fl.DurationVar(&f.maxTTL, "max-ttl", 24*time.Hour, "cap on a temporary key's expires_in")
	fl.StringVar(&f.statePath, "state", "", "keep permanent keys and logins in this file across restarts")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every DC event, one line each")
	return cmd
}

func (f dcFlags) config() (localdc.Config, error) {
	cfg := localdc.Config{DCs: f.dcs, MaxTTL: f.maxTTL, StatePath: f.statePath}
	if f.dcs < 1 || f.dcs > 9 {
		return cfg, fmt.Errorf("--dcs %d: want 1..9 (test phones name the DC with one digit)", f.dcs)
	}
	if f.maxTTL <= 0 {
		return cfg, fmt.Errorf("--max-ttl %s: want a positive duration", f.maxTTL)
	}
	host, port, err := net.SplitHostPort(f.listen)
	if err != nil {
		return cfg, fmt.Errorf("--listen %q: %w", f.listen, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p+f.dcs-1 > 65535 {
		return cfg, fmt.Errorf("--listen %q: bad port", f.listen)
	}
	cfg.Host, cfg.BasePort = host, p
	if f.keyPath != "" {
		data, err := os.ReadFile(f.keyPath)
		if err != nil {
			return cfg, fmt.Errorf("--key: %w", err)
		}
		key, err := localdc.ParsePrivateKeyPEM(data)
		if err != nil {
			return cfg, fmt.Errorf("--key %s: %w", f.keyPath, err)
		}
		cfg.Key = key
	}
	return cfg, nil
}

func runDC(ctx context.Context, io *IO, f dcFlags) error {
	cfg, err := f.config()
	if err != nil {
		return usageErr(err)
	}
	if f.pubkeyOut != "" && !f.force {
		if _, err := os.Stat(f.pubkeyOut); err == nil {
			return usageErr(fmt.Errorf("--pubkey-out %s exists; use --force to overwrite", f.pubkeyOut))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return usageErr(fmt.Errorf("--pubkey-out: %w", err))
		}
	}
	c, err := localdc.Start(ctx, cfg)
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
	for _, id := range c.DCs() {
		fmt.Fprintf(io.Out, "dc %d %s\n", id, c.Addr(id))
	}
	if f.pubkeyOut != "" {
		if err := writePublicKey(f.pubkeyOut, localdc.PublicKeyPEM(c.PublicKey())); err != nil {
			return err
		}
	}
	keyNote := "the committed public test key"
	if f.keyPath != "" {
		keyNote = f.keyPath
	}
	fmt.Fprintf(io.Err, "tgpfs dc: %d local DCs, RSA fingerprint %016x (%s), temp keys capped at %s; Ctrl-C stops\n",
		len(c.DCs()), uint64(c.Fingerprint()), keyNote, cfg.MaxTTL)
	for {
		select {
		case <-ctx.Done():
			if err := c.Close(); err != nil {
				return err
			}
			if err := c.StateErr(); err != nil {
				return err
			}
			return nil
		case ev, ok := <-sub:
			if !ok {
				sub = nil
				continue
			}
			fmt.Fprintln(io.Out, localdc.FormatEvent(ev))
		}
	}
}

// writePublicKey writes the PEM through a temp file and a rename, so a
// client never reads half a key. The key is public; the file is still 0600
// like every file tgpfs writes that holds a key.
func writePublicKey(path string, pem []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("--pubkey-out: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(pem); err != nil {
		_ = f.Close()
		return fmt.Errorf("--pubkey-out: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--pubkey-out: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("--pubkey-out: %w", err)
	}
	return nil
}
