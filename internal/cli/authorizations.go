package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tgpfs/internal/app"
	"tgpfs/model"
	"tgpfs/proto/endpoints"
)

type authorizationsFlags struct {
	dryRun          bool
	asJSON          bool
	terminate       int64
	terminateOthers bool
	timeout         time.Duration
}

func newAuthorizationsCmd(stdio *IO) *cobra.Command {
	cfg := app.Defaults()
	var f authorizationsFlags
	cmd := &cobra.Command{
		Use:   "authorizations",
		Short: "List the account's sessions (devices logged in), or end one or all others",
		Long: `Authorizations connects with the session's key (--session; on the local DCs
without one, a new key logged in with the test phone) and lists the account's
sessions as account.getAuthorizations answers: device, platform, app, api_id,
created, last active, address, and which one is this key. On the local DCs
each session's permanent key is shown too, and whether its client uses PFS
where a DC judged it.

--terminate HASH ends one session (account.resetAuthorization), and
--terminate-others every session but this one (auth.resetAuthorizations); the
list that follows shows the result. With --json stdout holds one JSON array.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("terminate") && f.terminateOthers {
				return usageErr(errors.New("--terminate HASH and --terminate-others go alone: give one"))
			}
			if cmd.Flags().Changed("terminate") && f.terminate == 0 {
				return usageErr(errors.New("--terminate 0: hash 0 is how Telegram shows a session its own entry; end this session from another one"))
			}
			return runAuthorizations(cmd.Context(), stdio, cfg, f, cmd.Flags().Changed("terminate"))
		},
	}
	addTargetFlags(cmd, &cfg, &f.dryRun)
	fs := cmd.Flags()
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON array of the sessions")
	fs.Int64Var(&f.terminate, "terminate", 0, "end the session with this hash (as listed)")
	fs.BoolVar(&f.terminateOthers, "terminate-others", false, "end every session of the account but this one")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "give up after this long (0: never)")
	return cmd
}

func runAuthorizations(ctx context.Context, stdio *IO, cfg app.Config, f authorizationsFlags, terminate bool) error {
	cfg.Getenv = stdio.Getenv
	editConfig(&cfg)
	a, err := app.New(cfg)
	if err != nil {
		return err
	}
	if err := app.DurationIn("--timeout", f.timeout, 0, maxAuditTimeout, "0 waits as long as it takes"); err != nil {
		return err
	}
	if cfg.Session == "" && a.Env() == endpoints.Prod {
		return usageErr(errors.New("--session is required: on production DCs tgpfs has no login of its own to list the sessions of"))
	}
	if f.dryRun {
		return a.WriteDryRun(stdio.Out, f.asJSON)
	}
	ctx, s, stop, err := startBounded(ctx, stdio, a, f.timeout)
	if err != nil {
		return err
	}
	defer stop()
	if err := s.ConnectAndLogIn(ctx); err != nil {
		return err
	}
	switch {
	case terminate:
		if err := s.Driver.TerminateAuthorization(ctx, f.terminate); err != nil {
			return serverSays("--terminate "+strconv.FormatInt(f.terminate, 10), err)
		}
		fmt.Fprintf(stdio.Err, "ended session %d\n", f.terminate)
	case f.terminateOthers:
		if err := s.Driver.TerminateOtherAuthorizations(ctx); err != nil {
			return serverSays("--terminate-others", err)
		}
		fmt.Fprintln(stdio.Err, "ended every other session")
	}
	list, err := s.Authorizations(ctx)
	if err != nil {
		return serverSays("account.getAuthorizations", err)
	}
	if f.asJSON {
		return writeAuthorizationsJSON(stdio.Out, list)
	}
	return writeAuthorizationsText(stdio.Out, list)
}

// startBounded tells the App's warnings and starts it, for at most timeout
// (0: no bound). stop closes the session and releases the bound.
func startBounded(ctx context.Context, stdio *IO, a *app.App, timeout time.Duration) (context.Context, *app.Session, func(), error) {
	for _, w := range a.Warnings() {
		warn(stdio, w)
	}
	cancel := func() {}
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	s, err := a.Start(ctx)
	if err != nil {
		cancel()
		return ctx, nil, nil, err
	}
	return ctx, s, func() { _ = s.Close(); cancel() }, nil
}

// serverSays is a refused call as one line: the real server's rule for the
// error where one explains it (FRESH_RESET_AUTHORISATION_FORBIDDEN,
// HASH_INVALID, AUTH_KEY_UNREGISTERED, ...), else the error itself.
func serverSays(what string, err error) error {
	if v := model.Classify(err, model.KeyState{}); v.Explained() {
		return &adviceError{what: what, advice: v.Advice, err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// adviceError reads as the rule's advice and wraps the error it explains.
type adviceError struct {
	what, advice string
	err          error
}

func (e *adviceError) Error() string { return e.what + ": " + e.advice }
func (e *adviceError) Unwrap() error { return e.err }

// authorizationJSON is one element of the --json array. The hash is a
// string: it is an int64, which a JSON number loses in JavaScript and jq.
// The local DCs' fields appear on local DCs only.
type authorizationJSON struct {
	Hash            string `json:"hash"`
	Current         bool   `json:"current"`
	DeviceModel     string `json:"device_model"`
	Platform        string `json:"platform"`
	SystemVersion   string `json:"system_version"`
	AppName         string `json:"app_name"`
	AppVersion      string `json:"app_version"`
	APIID           int    `json:"api_id"`
	OfficialApp     bool   `json:"official_app"`
	PasswordPending bool   `json:"password_pending"`
	DateCreated     int64  `json:"date_created"`
	DateActive      int64  `json:"date_active"`
	IP              string `json:"ip"`
	Country         string `json:"country"`
	Region          string `json:"region"`
	*authorizationLocal
}

// authorizationLocal is what only the local DCs know of a session: its
// permanent key (null when they no longer hold it) and whether its client
// uses PFS (null where no DC judged it).
type authorizationLocal struct {
	PermKeyID *string `json:"perm_key_id"`
	PermDC    int     `json:"perm_dc,omitempty"`
	UsesPFS   *bool   `json:"uses_pfs"`
}

func writeAuthorizationsJSON(w io.Writer, list []app.Authorization) error {
	out := make([]authorizationJSON, len(list))
	for i, a := range list {
		out[i] = authorizationJSON{
			Hash: strconv.FormatInt(a.Hash, 10), Current: a.Current, DeviceModel: a.DeviceModel, Platform: a.Platform,
			SystemVersion: a.SystemVersion, AppName: a.AppName, AppVersion: a.AppVersion, APIID: a.APIID,
			OfficialApp: a.OfficialApp, PasswordPending: a.PasswordPending,
			DateCreated: a.Created.Unix(), DateActive: a.Active.Unix(), IP: a.IP, Country: a.Country, Region: a.Region,
		}
		if a.Local {
			l := &authorizationLocal{PermDC: a.PermDC, UsesPFS: a.UsesPFS}
			if a.PermKey != 0 {
				id := a.PermKey.String()
				l.PermKeyID = &id
			}
			out[i].authorizationLocal = l
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// maxField bounds each client-chosen string in the text table.
const maxField = 40

func writeAuthorizationsText(w io.Writer, list []app.Authorization) error {
	var b strings.Builder
	local := len(list) > 0 && list[0].Local
	noun := "sessions"
	if len(list) == 1 {
		noun = "session"
	}
	fmt.Fprintf(&b, "%d %s (account.getAuthorizations); * is this key\n\n", len(list), noun)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := "HASH\t\tDEVICE\tPLATFORM\tAPP\tAPI_ID\tCREATED (UTC)\tACTIVE (UTC)\tIP"
	if local {
		head += "\tPERM KEY\tUSES PFS"
	}
	fmt.Fprintln(tw, head)
	field := func(s string) string { return bound(Escape(s), maxField) }
	for _, a := range list {
		cur := ""
		if a.Current {
			cur = "*"
		}
		app := strings.TrimSpace(a.AppName + " " + a.AppVersion)
		if a.PasswordPending {
			app += " (password due)"
		}
		row := fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s", a.Hash, cur, field(a.DeviceModel), field(a.Platform), field(app),
			a.APIID, a.Created.UTC().Format(time.DateTime), a.Active.UTC().Format(time.DateTime), field(a.IP))
		if local {
			key, pfs := "—", "unknown"
			if a.PermKey != 0 {
				key = fmt.Sprintf("%s (DC %d)", a.PermKey, a.PermDC)
			}
			if a.UsesPFS != nil {
				pfs = map[bool]string{true: "yes", false: "no"}[*a.UsesPFS]
			}
			row += "\t" + key + "\t" + pfs
		}
		fmt.Fprintln(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}
