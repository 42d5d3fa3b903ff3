package cli

import (
	"github.com/spf13/cobra"

	"tgpfs/internal/app"
)

// addTargetFlags adds the flags that choose where tgpfs connects, bound to
// cfg. The TUI and `tgpfs audit` share them so both read the same way;
// dryRun is --dry-run.
func addTargetFlags(cmd *cobra.Command, cfg *app.Config, dryRun *bool) {
	fs := cmd.Flags()
	fs.StringVar(&cfg.Env, "dc", cfg.Env, "which DCs: local (embedded cluster), test or prod")
	fs.IntVar(&cfg.DC, "dc-id", cfg.DC, "DC number to connect to (1..5; local: 1..3)")
	fs.StringVar(&cfg.Transport, "transport", cfg.Transport, "MTProto transport: intermediate, abridged, padded or full")
	fs.StringVar(&cfg.Proxy, "proxy", cfg.Proxy, "MTProxy as host:port:hexsecret or a tg://proxy link")
	fs.BoolVar(&cfg.IPv6, "ipv6", cfg.IPv6, "use the DC's IPv6 address")
	fs.IntVar(&cfg.AppID, "app-id", cfg.AppID, "api_id for real DCs (or TG_APP_ID / APP_ID)")
	fs.StringVar(&cfg.AppHash, "app-hash", cfg.AppHash, "api_hash for real DCs (or TG_APP_HASH / APP_HASH)")
	fs.StringVar(&cfg.Session, "session", cfg.Session, "use the permanent key of this session file or string instead of making one")
	fs.BoolVar(dryRun, "dry-run", false, "print the endpoint, protocol dc id, RSA fingerprint, transport and app id presence, then exit without connecting")
}
