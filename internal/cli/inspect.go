package cli

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tgpfs/sessions"
)

// inspectNow is inspect's clock: whether a stored temporary key is still
// live depends on it. Tests fix it.
var inspectNow = time.Now

// loadFlags are the flags that say how to read a session; inspect and
// convert share them.
type loadFlags struct {
	passcode string
	account  int
	from     string
}

func (f *loadFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.passcode, "passcode", "", "passcode of a tdata folder (or TGPFS_PASSCODE)")
	fs.IntVar(&f.account, "account", 1, "account number in a multi-account tdata folder")
	fs.StringVar(&f.from, "from", "", "skip detection: read the input as this format")
}

// load reads the session named by arg: a path, a string, or "-" for a
// string on standard input (which keeps it out of shell history). Every
// problem with the input is bad input (exit status 2).
func (f *loadFlags) load(stdio *IO, arg string) (*sessions.Session, error) {
	opts := sessions.LoadOptions{Account: f.account - 1}
	if f.passcode == "" {
		f.passcode = stdio.Getenv("TGPFS_PASSCODE")
	}
	if f.passcode != "" {
		opts.Passcode = []byte(f.passcode)
	}
	if f.from != "" {
		ff, err := sessions.ParseFormat(f.from)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--from: %w", err))
		}
		opts.Format = ff
	}
	if f.account < 1 || f.account > sessions.MaxTDataAccounts {
		return nil, usageErr(fmt.Errorf("--account %d: from 1 to %d", f.account, sessions.MaxTDataAccounts))
	}
	if arg == "-" {
		text, err := sessions.ReadText(stdio.In)
		if err != nil {
			return nil, usageErr(err)
		}
		arg = text
	}
	s, err := sessions.Load(arg, opts)
	if err != nil {
		if sessions.IsBadInput(err) {
			return nil, usageErr(err)
		}
		return nil, err
	}
	return s, nil
}

// oneSession accepts exactly one SESSION argument; anything else is a
// usage error (exit status 2).
func oneSession(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErr(fmt.Errorf("want one SESSION (a path, a session string or -), got %d arguments", len(args)))
	}
	return nil
}

func newInspectCmd(stdio *IO) *cobra.Command {
	var (
		lf     loadFlags
		asJSON bool
		reveal bool
	)
	cmd := &cobra.Command{
		Use:   "inspect SESSION",
		Short: "Say what a session file or string is: format, DC, address, user, key id and stored temporary keys (offline)",
		Long: `Inspect reads a session made by gotd, Telethon, Pyrogram, GramJS, mtcute or
Telegram Desktop and explains it, without connecting anywhere and without
writing anything anywhere. SESSION is a file, a tdata folder, a session string,
or "-" to read the string from standard input.

The permanent key's id (the low 64 bits of SHA1(key), as Telegram defines it)
and a fingerprint (the first 8 bytes of SHA256(key)) are shown; the key bytes
themselves only with --reveal. Temporary keys the file stores (mtcute's storage,
Telethon 1.40+ with store_tmp_auth_key_on_disk) are listed with their expiry and
a verdict: a temporary key on disk decrypts the traffic recorded under it, which
is what PFS is there to prevent.`,
		Args: oneSession,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lf.load(stdio, args[0])
			if err != nil {
				return err
			}
			// A failed write is reported by RunContext, which checks
			// every write to stdout.
			if asJSON {
				writeInspectJSON(stdio.Out, s, reveal, inspectNow())
			} else {
				writeInspectText(stdio.Out, s, reveal, inspectNow())
			}
			return nil
		},
	}
	lf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().BoolVar(&reveal, "reveal", false, "also print the auth key bytes (a password to the account)")
	return cmd
}

// inspectJSON is the --json shape. Facts the format does not record are null.
type inspectJSON struct {
	Format      string          `json:"format"`
	Version     string          `json:"version"`
	Why         string          `json:"why"`
	Source      string          `json:"source"`
	DC          int             `json:"dc"`
	Addr        string          `json:"addr"` // host:port
	Host        string          `json:"host"`
	Port        int             `json:"port"`
	AddrFromDC  bool            `json:"addr_from_dc"`
	TestMode    *bool           `json:"test_mode"`
	UserID      *int64          `json:"user_id"`
	APIID       *int            `json:"api_id"`
	IsBot       *bool           `json:"is_bot"`
	KeyID       string          `json:"key_id"`
	Fingerprint string          `json:"fingerprint"`
	HasTempKey  bool            `json:"has_temp_key"`
	TempKeys    []tempKeyJSON   `json:"temp_keys"`
	Verdict     tempVerdictJSON `json:"temp_key_verdict"`
	Notes       []string        `json:"notes"`
	AuthKey     string          `json:"auth_key,omitempty"`
}

type tempKeyJSON struct {
	DC    int    `json:"dc"`
	Index int    `json:"index"`
	KeyID string `json:"key_id"`
	// ExpiresAt is unix seconds as the client wrote it down; null when
	// the format does not record it.
	ExpiresAt *int64 `json:"expires_at"`
	// State is "live", "expired" or "unknown" (no expiry recorded).
	State   string `json:"state"`
	TempKey string `json:"temp_key,omitempty"`
}

type tempVerdictJSON struct {
	OK     bool   `json:"ok"`
	Stored int    `json:"stored"`
	Live   int    `json:"live"`
	Text   string `json:"text"`
}

var stateNames = map[sessions.TempKeyState]string{
	sessions.TempKeyLive:          "live",
	sessions.TempKeyExpired:       "expired",
	sessions.TempKeyExpiryUnknown: "unknown",
}

func writeInspectJSON(w io.Writer, s *sessions.Session, reveal bool, now time.Time) {
	rec := s.Records()
	verdict := sessions.JudgeTempKeys(s, now)
	v := inspectJSON{
		Format: string(s.Format), Version: s.Version, Why: s.Why, Source: s.Source,
		DC: s.DC, Addr: s.HostPort(), Host: s.Addr, Port: s.Port, AddrFromDC: s.AddrFromDC,
		KeyID: s.KeyID().String(), Fingerprint: s.Fingerprint(), HasTempKey: len(s.TempKeys) > 0,
		TempKeys: []tempKeyJSON{},
		Verdict:  tempVerdictJSON{OK: verdict.OK, Stored: verdict.Stored, Live: verdict.Live, Text: verdict.Text},
		Notes:    notes(s),
	}
	for _, k := range s.TempKeys {
		tk := tempKeyJSON{DC: k.DC, Index: k.Index, KeyID: k.KeyID().String(), State: stateNames[k.State(now)]}
		if !k.ExpiresAt.IsZero() {
			at := k.ExpiresAt.Unix()
			tk.ExpiresAt = &at
		}
		if reveal {
			tk.TempKey = hex.EncodeToString(k.Key)
		}
		v.TempKeys = append(v.TempKeys, tk)
	}
	if s.TestModeKnown {
		v.TestMode = &s.TestMode
	}
	if rec.UserID {
		v.UserID = &s.UserID
	}
	if rec.APIID && s.APIID != 0 {
		v.APIID = &s.APIID
	}
	if rec.IsBot {
		v.IsBot = &s.IsBot
	}
	if reveal {
		v.AuthKey = hex.EncodeToString(s.AuthKey)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // a failed write is RunContext's to report
}

func notes(s *sessions.Session) []string {
	n := append([]string{}, s.Extra...)
	if s.AddrFromDC {
		n = append(n, fmt.Sprintf("the format stores no address: %s is DC %d's well-known address", s.HostPort(), s.DC))
	}
	if len(s.TempKeys) > 0 {
		n = append(n, "tgpfs neither uses nor converts temporary keys: each belongs to one connection of the program that made it")
	}
	if s.TakeoutID != 0 {
		n = append(n, "a takeout session is active (takeout_id "+strconv.FormatInt(s.TakeoutID, 10)+")")
	}
	return n
}

func writeInspectText(w io.Writer, s *sessions.Session, reveal bool, now time.Time) {
	rec := s.Records()
	notRecorded := "not recorded by " + string(s.Format)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("format", fmt.Sprintf("%s (%s)", s.Format, s.Version))
	row("why", s.Why)
	row("source", s.Source)
	row("dc", strconv.Itoa(s.DC))
	switch {
	case s.HostPort() == "":
		row("address", "unknown")
	case s.AddrFromDC:
		row("address", s.HostPort()+" (well-known address of the DC)")
	default:
		row("address", s.HostPort())
	}
	if s.TestModeKnown {
		row("test mode", yesOrNo(s.TestMode))
	} else {
		row("test mode", "not recorded")
	}
	if rec.UserID {
		row("user id", strconv.FormatInt(s.UserID, 10))
	} else {
		row("user id", notRecorded)
	}
	if rec.APIID && s.APIID != 0 {
		row("api id", strconv.Itoa(s.APIID))
	} else {
		row("api id", notRecorded)
	}
	if rec.IsBot {
		row("bot", yesOrNo(s.IsBot))
	}
	row("key id", s.KeyID().String()+"  (low 64 bits of SHA1(key))")
	row("fingerprint", s.Fingerprint()+"  (first 8 bytes of SHA256(key))")
	if !reveal {
		row("auth key", "hidden: --reveal prints it")
	}
	for _, k := range s.TempKeys {
		row("temp key", tempKeyText(k, s.Format, now))
	}
	verdict := sessions.JudgeTempKeys(s, now)
	mark := "[ok  ] "
	if !verdict.OK {
		mark = "[warn] "
	}
	row("temp keys", mark+verdict.Text)
	for _, n := range notes(s) {
		row("note", n)
	}
	tw.Flush()
	if reveal {
		printKey(w, "auth key (256 bytes, a password to the account):", s.AuthKey)
		for _, k := range s.TempKeys {
			printKey(w, fmt.Sprintf("temp key %s (dc %d #%d):", k.KeyID(), k.DC, k.Index), k.Key)
		}
	}
}

func printKey(w io.Writer, title string, key []byte) {
	fmt.Fprintln(w, title)
	h := hex.EncodeToString(key)
	for i := 0; i < len(h); i += 64 {
		fmt.Fprintln(w, "  "+h[i:min(i+64, len(h))])
	}
}

// tempKeyText is one stored temporary key: where, which, and until when.
func tempKeyText(k sessions.TempKey, f sessions.Format, now time.Time) string {
	head := fmt.Sprintf("dc %d #%d  id %s  ", k.DC, k.Index, k.KeyID())
	at := k.ExpiresAt.UTC().Format("2006-01-02 15:04:05 UTC")
	switch k.State(now) {
	case sessions.TempKeyLive:
		return head + "live until " + at + " (" + untilText(k.ExpiresAt.Sub(now)) + " left)"
	case sessions.TempKeyExpired:
		return head + "expired " + at + " (it still decrypts what was recorded under it)"
	}
	return head + "expiry not recorded by " + string(f)
}

// untilText is a duration for people: "23h59m", "12 days".
func untilText(d time.Duration) string {
	if d >= 48*time.Hour {
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func yesOrNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
