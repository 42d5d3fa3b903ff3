package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"tgpfs/proto/endpoints"
)

// targetFlags are the flags that choose where tgpfs connects. The TUI and
// `tgpfs audit` share them so both read the same way.
type targetFlags struct {
	env       string
	dc        int
	addr      string // an address that overrides the built-in list (from a session file)
	transport string
	proxy     string
	ipv6      bool
	appID     int
	appHash   string
	dryRun    bool
}

func (f *targetFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.env, "dc", "local", "which DCs: local (embedded cluster), test or prod")
	fs.IntVar(&f.dc, "dc-id", 2, "DC number to connect to")
	fs.StringVar(&f.transport, "transport", "intermediate", "MTProto transport: intermediate, abridged, padded or full")
	fs.StringVar(&f.proxy, "proxy", "", "MTProxy as host:port:hexsecret or a tg://proxy link")
	fs.BoolVar(&f.ipv6, "ipv6", false, "use the DC's IPv6 address")
	fs.IntVar(&f.appID, "app-id", 0, "api_id for real DCs (or TG_APP_ID / APP_ID)")
	fs.StringVar(&f.appHash, "app-hash", "", "api_hash for real DCs (or TG_APP_HASH / APP_HASH)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the endpoint, protocol dc id, RSA fingerprint, transport and app id presence, then exit without connecting")
}

// target is a resolved connection plan.
type target struct {
	Endpoint  endpoints.Endpoint
	Transport endpoints.Transport
	Proxy     *endpoints.Proxy
	App       endpoints.App
	AppErr    error
}

// resolve turns the flags into a target. localAddr gives the address of a
// local DC (the embedded cluster picks its ports at start); it may be nil
// for a dry run, which then shows a placeholder.
func (f *targetFlags) resolve(getenv func(string) string, localAddr func(dc int) string) (target, error) {
	env, err := endpoints.ParseEnv(f.env)
	if err != nil {
		return target{}, usageErr(err)
	}
	tr, err := endpoints.ParseTransport(f.transport)
	if err != nil {
		return target{}, usageErr(err)
	}
	proxy, err := endpoints.ParseProxy(f.proxy)
	if err != nil {
		return target{}, usageErr(err)
	}
	if f.dc < 1 || f.dc > 5 {
		return target{}, usageErr(fmt.Errorf("--dc-id %d: Telegram DCs are numbered 1 to 5", f.dc))
	}
	opts := endpoints.ResolveOptions{IPv6: f.ipv6, Addr: f.addr}
	if env == endpoints.Local {
		opts.Addr = "127.0.0.1:(chosen at start)"
		if localAddr != nil {
			opts.Addr = localAddr(f.dc)
		}
	}
	ep, err := endpoints.Resolve(env, f.dc, opts)
	if err != nil {
		return target{}, usageErr(err)
	}
	app, appErr := endpoints.ResolveApp(env, f.appID, f.appHash, getenv)
	return target{Endpoint: ep, Transport: tr, Proxy: proxy, App: app, AppErr: appErr}, nil
}

// writeDryRun prints the plan as text or as one JSON object.
func (t target) writeDryRun(w io.Writer, asJSON bool) error {
	plan := endpoints.NewPlan(t.Endpoint, t.Transport, t.Proxy, t.App, t.AppErr)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	return plan.WriteText(w)
}
