package cli

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"tgpfs/sessions"
)

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
// string on standard input (which keeps it out of shell history).
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
			return nil, usageErr(err)
		}
		opts.Format = ff
	}
	if f.account < 1 {
		return nil, usageErr(fmt.Errorf("--account counts from 1"))
	}
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(stdio.In, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("read session from stdin: %w", err)
		}
		arg = strings.TrimSpace(string(b))
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
		Short: "Say what a session file or string is: format, DC, address, user and key id (offline)",
		Long: `Inspect reads a session made by gotd, Telethon, Pyrogram, GramJS or Telegram
Desktop and explains it, without connecting anywhere. SESSION is a file, a
tdata folder, a session string, or "-" to read the string from standard input.

The permanent key's id (the low 64 bits of SHA1(key), as Telegram defines it)
and a fingerprint (the first 8 bytes of SHA256(key)) are shown; the key bytes
themselves only with --reveal.`,
		Args: oneSession,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lf.load(stdio, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeInspectJSON(stdio.Out, s, reveal)
			}
			return writeInspectText(stdio.Out, s, reveal)
		},
	}
	lf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().BoolVar(&reveal, "reveal", false, "also print the auth key bytes (a password to the account)")
	return cmd
}

// inspectJSON is the --json shape. Facts the format does not record are null.
type inspectJSON struct {
	Format      string   `json:"format"`
	Version     string   `json:"version"`
	Why         string   `json:"why"`
	Source      string   `json:"source"`
	DC          int      `json:"dc"`
	Addr        string   `json:"addr"` // host:port
	Host        string   `json:"host"`
	Port        int      `json:"port"`
	AddrFromDC  bool     `json:"addr_from_dc"`
	TestMode    *bool    `json:"test_mode"`
	UserID      *int64   `json:"user_id"`
	APIID       *int     `json:"api_id"`
	IsBot       *bool    `json:"is_bot"`
	KeyID       string   `json:"key_id"`
	Fingerprint string   `json:"fingerprint"`
	HasTempKey  bool     `json:"has_temp_key"`
	Notes       []string `json:"notes"`
	AuthKey     string   `json:"auth_key,omitempty"`
}

func writeInspectJSON(w io.Writer, s *sessions.Session, reveal bool) error {
	rec := s.Records()
	v := inspectJSON{
		Format: string(s.Format), Version: s.Version, Why: s.Why, Source: s.Source,
		DC: s.DC, Addr: s.HostPort(), Host: s.Addr, Port: s.Port, AddrFromDC: s.AddrFromDC,
		KeyID: s.KeyID().String(), Fingerprint: s.Fingerprint(), HasTempKey: s.HasTempKey,
		Notes: notes(s),
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
	return enc.Encode(v)
}

func notes(s *sessions.Session) []string {
	n := append([]string{}, s.Extra...)
	if s.AddrFromDC {
		n = append(n, fmt.Sprintf("the format stores no address: %s is DC %d's well-known address", s.HostPort(), s.DC))
	}
	if s.HasTempKey {
		n = append(n, "the file also holds a temporary key; tgpfs neither uses nor converts it")
	}
	if s.TakeoutID != 0 {
		n = append(n, "a takeout session is active (takeout_id "+strconv.FormatInt(s.TakeoutID, 10)+")")
	}
	return n
}

func writeInspectText(w io.Writer, s *sessions.Session, reveal bool) error {
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
	for _, n := range notes(s) {
		row("note", n)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if reveal {
		fmt.Fprintln(w, "auth key (256 bytes, a password to the account):")
		h := hex.EncodeToString(s.AuthKey)
		for i := 0; i < len(h); i += 64 {
			fmt.Fprintln(w, "  "+h[i:min(i+64, len(h))])
		}
	}
	return nil
}

func yesOrNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
