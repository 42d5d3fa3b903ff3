package cli

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"tgpfs/sessions"
	"tgpfs/sessions/atomicfile"
	"tgpfs/sessions/safetext"
)

// fieldFlags maps a field a target format may need to the flag that gives it.
var fieldFlags = map[sessions.Field]string{
	sessions.FieldAPIID:  "--api-id",
	sessions.FieldUserID: "--user-id",
	sessions.FieldAddr:   "--addr",
	sessions.FieldPort:   "--addr",
	sessions.FieldDC:     "--dc-id",
}

func newConvertCmd(stdio *IO) *cobra.Command {
	var (
		lf     loadFlags
		to     string
		out    string
		force  bool
		apiID  int
		userID int64
		addr   string
		dc     int
		bot    bool
		test   bool
	)
	writable := sessions.FormatList(sessions.Writable)
	cmd := &cobra.Command{
		Use:   "convert SESSION --to FORMAT [-o PATH]",
		Short: "Write a session in another library's format (offline)",
		Long: `Convert reads SESSION like inspect does and writes the same permanent key in
FORMAT: ` + writable + `.

String formats go to standard output unless -o is given; files are created
0600, written atomically, and never replace an existing file without --force,
and then only a regular file (never a directory, a device, a FIFO or a symbolic
link). Values the target needs and the source does not record come from flags:
--api-id and --user-id for Pyrogram, --addr where the source stores only a DC
id. Temporary keys the source stores are never copied.`,
		Args: oneSession,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return usageErr(fmt.Errorf("--to FORMAT is required (%s)", writable))
			}
			target, err := sessions.ParseFormat(to)
			if err != nil {
				return usageErr(fmt.Errorf("--to: %w", err))
			}
			if d, _ := sessions.Describe(target); !target.Writable() {
				return usageErr(fmt.Errorf("--to %s: tgpfs reads this format (%s) but does not write it", target, d.Name))
			}
			if !target.IsString() && out == "" {
				return usageErr(fmt.Errorf("%s is a file: give -o PATH", target))
			}
			if out != "" {
				if err := atomicfile.Check(out, force); err != nil {
					return usageErr(fmt.Errorf("-o: %w", err))
				}
			}
			s, err := lf.load(stdio, args[0])
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if err := fill(s, fillFlags{
				apiID: apiID, apiSet: f.Changed("api-id"),
				userID: userID, userSet: f.Changed("user-id"),
				addr: addr, dc: dc, bot: bot, botSet: f.Changed("bot"),
				test: test, testSet: f.Changed("test-mode"),
			}); err != nil {
				return usageErr(err)
			}
			if out == "" {
				text, err := sessions.Encode(s, target)
				if err != nil {
					return convertErr(err)
				}
				if _, err := fmt.Fprintln(stdio.Out, string(text)); err != nil {
					return err // RunContext says the write failed, in its words
				}
			} else {
				if err := sessions.WriteFile(out, s, target, force); err != nil {
					return convertErr(err)
				}
				fmt.Fprintf(stdio.Err, "wrote %s session to %s (mode 0600), key id %s\n", target, safetext.Quote(out), s.KeyID())
			}
			if n := len(s.TempKeys); n > 0 {
				fmt.Fprintf(stdio.Err, "note: the %d temporary keys the source stores were not copied (each belongs to one connection of the program that made it)\n", n)
			}
			fmt.Fprintln(stdio.Err, "warning: the new session shares its permanent key with the original: "+sessions.DuplicateWarning)
			return nil
		},
	}
	lf.add(cmd)
	fs := cmd.Flags()
	fs.StringVar(&to, "to", "", "target format: "+writable)
	fs.StringVarP(&out, "output", "o", "", "write to this file (required for the file formats)")
	fs.BoolVar(&force, "force", false, "replace an existing output file (a regular file only)")
	fs.IntVar(&apiID, "api-id", 0, "api_id, when the source does not record it (Pyrogram needs it)")
	fs.Int64Var(&userID, "user-id", 0, "user id, when the source does not record it (Pyrogram needs it)")
	fs.StringVar(&addr, "addr", "", "server host:port, when the source records only the DC id")
	fs.IntVar(&dc, "dc-id", 0, "DC id, when the source does not record it")
	fs.BoolVar(&bot, "bot", false, "the account is a bot (Pyrogram records it)")
	fs.BoolVar(&test, "test-mode", false, "the session belongs to Telegram's test DCs")
	return cmd
}

type fillFlags struct {
	apiID         int
	apiSet        bool
	userID        int64
	userSet       bool
	addr          string
	dc            int
	bot, botSet   bool
	test, testSet bool
}

// fill gives the session the values from flags. A flag may supply what the
// source lacks; contradicting what the source records is an error, since
// one of the two is wrong and a silently wrong session fails much later.
func fill(s *sessions.Session, f fillFlags) error {
	rec := s.Records()
	if f.apiSet {
		if rec.APIID && s.APIID != 0 && s.APIID != f.apiID {
			return fmt.Errorf("--api-id %d contradicts the source's api_id %d", f.apiID, s.APIID)
		}
		s.APIID = f.apiID
	}
	if f.userSet {
		if rec.UserID && s.UserID != 0 && s.UserID != f.userID {
			return fmt.Errorf("--user-id %d contradicts the source's user id %d", f.userID, s.UserID)
		}
		s.UserID = f.userID
	}
	if f.dc != 0 {
		if s.DC != 0 && s.DC != f.dc {
			return fmt.Errorf("--dc-id %d contradicts the source's DC %d", f.dc, s.DC)
		}
		s.DC = f.dc
	}
	if f.testSet {
		if rec.TestMode && s.TestModeKnown && s.TestMode != f.test {
			return fmt.Errorf("--test-mode=%v contradicts the source", f.test)
		}
		s.TestMode = f.test
		if s.AddrFromDC {
			s.Addr, s.Port, s.AddrFromDC = "", 0, false // re-derive for the other environment
		}
	}
	if f.botSet {
		if rec.IsBot && s.IsBot != f.bot {
			return fmt.Errorf("--bot=%v contradicts the source", f.bot)
		}
		s.IsBot = f.bot
	}
	if f.addr != "" {
		host, port, err := net.SplitHostPort(f.addr)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil || p <= 0 || p > 0xffff || host == "" {
			return fmt.Errorf("--addr %s: want host:port with a port from 1 to 65535", safetext.Quote(f.addr))
		}
		if s.Addr != "" && !s.AddrFromDC && s.HostPort() != net.JoinHostPort(host, port) {
			return fmt.Errorf("--addr %s contradicts the source's address %s", f.addr, s.HostPort())
		}
		s.Addr, s.Port, s.AddrFromDC = host, p, false
	}
	return nil
}

// convertErr turns the writers' errors into what the user sees: a missing
// value names the flag that supplies it; an existing or unfit target and a
// value the format cannot hold are bad input (exit status 2); a failed
// write (a full disk) is a failure (exit status 1).
func convertErr(err error) error {
	var me *sessions.MissingFieldError
	if errors.As(err, &me) {
		return usageErr(fmt.Errorf("%w: give %s", err, fieldFlags[me.Field]))
	}
	if sessions.IsBadInput(err) {
		return usageErr(err)
	}
	return err
}
