// Package cli is tgpfs's command line: NewRoot lists every subcommand, each
// in its own file, and Run turns what they return into one line on stderr
// and an exit status. The commands parse flags into values they own and
// build everything through internal/app, the composition root.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"tgpfs/internal/app"
)

// Version is the tool's version, reported by --version.
const Version = app.Version

// Exit codes shared by every subcommand.
const (
	ExitOK      = 0
	ExitFailure = 1 // a check or step failed, or the action failed
	ExitUsage   = 2 // bad input: flags, session strings, files
)

// ExitError carries an exit code out of a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// usageErr marks err as bad input (exit status 2).
func usageErr(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// IO is where commands read and write; tests swap it.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
}

// NewRoot builds the command tree. The root command itself runs the UI;
// the subcommands are listed here, each built afresh with its own flag
// values, so two trees never share state. Flag errors are usage errors.
func NewRoot(stdio *IO) *cobra.Command {
	root := newRootCmd(stdio)
	root.AddCommand(
		newAuditCmd(stdio),
		newDCCmd(stdio),
		newCatalogCmd(stdio),
		newInspectCmd(stdio),
		newConvertCmd(stdio),
	)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.SetHelpCommand(newHelpCmd(root))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(flagHint(err)) })
	return root
}

// flagHint adds what -v means to the error of a command that lacks it:
// people type -v for the version.
func flagHint(err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) && ne.GetSpecifiedName() == "v" {
		return fmt.Errorf("%w (-v is --verbose, which tgpfs dc has; the version is tgpfs --version)", err)
	}
	return err
}

// markStarts makes every command of the tree set *started when its own
// code begins. Whatever cobra refuses before that (an unknown command or
// flag, a wrong number of arguments) is a usage error.
func markStarts(cmd *cobra.Command, started *bool) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			*started = true
			return run(c, args)
		}
	}
	for _, sub := range cmd.Commands() {
		markStarts(sub, started)
	}
}

// newHelpCmd is `tgpfs help [COMMAND]`; an unknown COMMAND is a usage
// error, not a help page.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Help about any command",
		RunE: func(_ *cobra.Command, args []string) error {
			cmd, rest, err := root.Find(args)
			if len(args) > 0 && (err != nil || len(rest) > 0) {
				return usageErr(fmt.Errorf("help: unknown command %q; see tgpfs --help", args[len(args)-1]))
			}
			return cmd.Help()
		},
	}
}

// Run executes the command line and returns the exit status.
func Run(args []string, stdio *IO) int { return RunContext(context.Background(), args, stdio) }

// RunContext is Run until ctx ends (tests stop `tgpfs dc` with it). Every
// error reaches the user here, as one bounded line with control characters
// escaped; a failed write to stdout fails the command.
func RunContext(ctx context.Context, args []string, stdio *IO) int {
	out := &checkedOut{w: stdio.Out}
	cio := *stdio
	cio.Out = out
	if cio.Getenv == nil {
		cio.Getenv = os.Getenv
	}
	root := NewRoot(&cio)
	started := false
	markStarts(root, &started)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if out.err != nil {
		// Whatever the command made of it: its output is lost.
		err = fmt.Errorf("write stdout: %w", app.Pathless(out.err))
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stdio.Err, Line("tgpfs: "+err.Error()))
	if code := exitCode(err); started || code != ExitFailure || out.err != nil {
		return code
	}
	// The command line itself was refused (cobra's own checks).
	return ExitUsage
}

// warn tells the user something before a command goes on.
func warn(stdio *IO, msg string) { fmt.Fprintln(stdio.Err, Line("warning: "+msg)) }

// Main runs tgpfs with the process's standard streams.
func Main(args []string) int {
	return Run(args, &IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv})
}
