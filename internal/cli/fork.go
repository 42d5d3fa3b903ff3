package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"tgpfs/internal/app"
	"tgpfs/proto/login"
	"tgpfs/sessions"
	"tgpfs/sessions/atomicfile"
	"tgpfs/sessions/safetext"
)

// editConfig changes the Config of the commands of this file and of
// `tgpfs --fork` before it is validated: the tests attach a running
// cluster, which the source sessions they fork belong to.
var editConfig = func(*app.Config) {}

type forkFlags struct {
	to, out      string
	force        bool
	passwordFile string
	dryRun       bool
	timeout      time.Duration
}

func newForkCmd(stdio *IO) *cobra.Command {
	cfg := app.Defaults()
	cfg.Fork = true
	var f forkFlags
	writable := sessions.FormatList(sessions.Writable)
	cmd := &cobra.Command{
		Use:   "fork SESSION --to FORMAT [-o PATH]",
		Short: "Make a new device of a session's account without copying its key, and write it as a session",
		Long: `Fork makes a new permanent key on the session's DC and logs it in the way a
phone logs in a desktop by its QR code: the new key exports a login token
(auth.exportLoginToken), the session's key accepts it (auth.acceptLoginToken),
and the new key finishes the login (following loginTokenMigrateTo to the
account's DC). The new authorization is written in FORMAT: ` + writable + `.

The fork is a device of its own: the account lists it next to the session, each
can be ended alone, and using both never costs AUTH_KEY_DUPLICATED. The
session's key is used for the accept and nothing else: one connection, one
temporary key bound to it, one call. A bot's session cannot accept login
tokens and is refused. When the account has a two-step verification password
the new device needs it: asked on the terminal (not echoed), or read from
--password-file.

SESSION is a file, a session string, or "-" for a string on standard input.
String formats go to standard output unless -o is given; files are created
0600, written atomically, and replace an existing regular file only with --force.`,
		Args: oneSession,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("session") {
				return usageErr(errors.New("give the session to fork as SESSION, not --session"))
			}
			return runFork(cmd.Context(), stdio, cfg, f, args[0])
		},
	}
	addTargetFlags(cmd, &cfg, &f.dryRun)
	_ = cmd.Flags().MarkHidden("session")
	fs := cmd.Flags()
	fs.StringVar(&f.to, "to", "", "format of the new session: "+writable)
	fs.StringVarP(&f.out, "output", "o", "", "write to this file (required for the file formats)")
	fs.BoolVar(&f.force, "force", false, "replace an existing output file (a regular file only)")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the account's two-step verification password from this file instead of asking")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "give up after this long (0: never)")
	return cmd
}

// forkTarget checks --to and -o before anything starts: the format must be
// one tgpfs writes, a file format needs -o, and -o must be free (or a
// regular file and --force).
func forkTarget(f forkFlags) (sessions.Format, error) {
	writable := sessions.FormatList(sessions.Writable)
	if f.to == "" {
		return "", usageErr(fmt.Errorf("--to FORMAT is required (%s)", writable))
	}
	to, err := sessions.ParseFormat(f.to)
	if err != nil {
		return "", usageErr(fmt.Errorf("--to: %w", err))
	}
	if d, _ := sessions.Describe(to); !to.Writable() {
		return "", usageErr(fmt.Errorf("--to %s: tgpfs reads this format (%s) but does not write it", to, d.Name))
	}
	if !to.IsString() && f.out == "" {
		return "", usageErr(fmt.Errorf("%s is a file: give -o PATH", to))
	}
	if f.out != "" {
		if err := atomicfile.Check(f.out, f.force); err != nil {
			return "", usageErr(fmt.Errorf("-o: %w", err))
		}
	}
	return to, nil
}

func runFork(ctx context.Context, stdio *IO, cfg app.Config, f forkFlags, source string) error {
	to, err := forkTarget(f)
	if err != nil {
		return err
	}
	if err := app.DurationIn("--timeout", f.timeout, 0, maxAuditTimeout, "0 waits as long as it takes"); err != nil {
		return err
	}
	fromStdin := source == "-"
	if fromStdin {
		if source, err = sessions.ReadText(stdio.In); err != nil {
			return usageErr(fmt.Errorf("SESSION -: %w", err))
		}
		if source == "" {
			return usageErr(errors.New("SESSION -: standard input is empty"))
		}
	}
	password, err := forkPassword(stdio, f.passwordFile, !fromStdin)
	if err != nil {
		return err
	}
	cfg.Getenv, cfg.Session = stdio.Getenv, source
	editConfig(&cfg)
	a, err := app.New(cfg)
	if err != nil {
		return asSessionArg(err)
	}
	if f.dryRun {
		return a.WriteDryRun(stdio.Out, false)
	}
	ctx, s, stop, err := startBounded(ctx, stdio, a, f.timeout)
	if err != nil {
		return err
	}
	defer stop()
	r, err := s.Fork(ctx, password)
	if err != nil {
		return asSessionArg(forkErr(err, "give --password-file PATH"))
	}
	out, err := s.ForkedSession(to, r)
	if err != nil {
		return err
	}
	defer clear(out.AuthKey)
	if f.out == "" {
		text, err := sessions.Encode(out, to)
		if err != nil {
			return convertErr(err)
		}
		if _, err := fmt.Fprintln(stdio.Out, string(text)); err != nil {
			return err
		}
	} else if err := sessions.WriteFile(f.out, out, to, f.force); err != nil {
		return convertErr(err)
	}
	noteFork(stdio, r)
	if f.out != "" {
		fmt.Fprintf(stdio.Err, "wrote the fork as a %s session to %s (mode 0600)\n", to, safetext.Quote(f.out))
	}
	return nil
}

// noteFork says what a fork made, on stderr.
func noteFork(stdio *IO, r app.Forked) {
	fmt.Fprintf(stdio.Err, "forked: a new device of %s on DC %d, permanent key %s, session hash %d\n",
		Line(r.User.Name()), r.DC, r.KeyID, r.Hash)
	fmt.Fprintf(stdio.Err, "the source's key %s accepted one login token and was used for nothing else; "+
		"end the fork alone with: tgpfs authorizations --session SOURCE --terminate %d\n", r.Source, r.Hash)
}

// asSessionArg names SESSION, the argument, where app names --session.
func asSessionArg(err error) error {
	var ie *app.InputError
	if errors.As(err, &ie) && ie.Name == "--session" {
		c := *ie
		c.Name = "SESSION"
		return &c
	}
	return err
}

// forkErr is what a failed fork tells the user: a password that was due
// and could not be asked for says how to give it (give); the rest (a bot's
// session found out by the server is bad --session input, as when the
// session says so) as it is.
func forkErr(err error, give string) error {
	if errors.Is(err, login.ErrPasswordNeeded) {
		return usageErr(errors.New("the account has a two-step verification password: " + give + " (standard input is no terminal to ask on)"))
	}
	return err
}

// forkPassword is where a fork's 2FA password comes from: --password-file
// (read now, so a bad path stops the fork before any network I/O), else a
// prompt on the terminal when standard input is one (and not the
// session's source), else nowhere.
func forkPassword(stdio *IO, file string, mayAsk bool) (app.PasswordFunc, error) {
	if file != "" {
		pw, err := app.ReadPasswordFile(file)
		if err != nil {
			return nil, err
		}
		return app.PasswordFromFile(file, pw), nil
	}
	in, ok := stdio.In.(*os.File)
	if !mayAsk || !ok || !term.IsTerminal(in.Fd()) {
		return nil, nil
	}
	return func(_ context.Context, hint string, attempt int) (string, error) {
		return promptPassword(stdio.Err, in, hint, attempt)
	}, nil
}

// promptPassword asks on the terminal without echoing what is typed.
func promptPassword(w io.Writer, in *os.File, hint string, attempt int) (string, error) {
	prompt := "two-step verification password for the new device"
	if hint != "" {
		prompt += " (hint: " + Line(hint) + ")"
	}
	if attempt > 1 {
		prompt = "wrong password; " + prompt
	}
	fmt.Fprint(w, prompt+": ")
	b, err := term.ReadPassword(in.Fd())
	fmt.Fprintln(w)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	defer clear(b)
	if len(b) == 0 {
		return "", errors.New("no password given")
	}
	return string(b), nil
}

// forkForTUI makes the fork `tgpfs --session S --fork` runs on, asking for
// the 2FA password on the terminal if the account has one.
func forkForTUI(ctx context.Context, stdio *IO, s *app.Session) error {
	password, err := forkPassword(stdio, "", true)
	if err != nil {
		return err
	}
	r, err := s.Fork(ctx, password)
	if err != nil {
		return forkErr(err, "run tgpfs on a terminal, or fork with tgpfs fork --password-file PATH")
	}
	noteFork(stdio, r)
	return nil
}
