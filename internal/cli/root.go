// Package cli wires tgpfs's subcommands together. Each subcommand lives in its
// own file and registers itself with register, so the parts of the program
// can grow independently; the commands only parse flags and call into ui,
// proto, sessions and model.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Version is the tool's version, reported in initConnection and --version.
const Version = "0.1.0"

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

// subcommands are added by the files of this package in init.
var subcommands []func(*IO) *cobra.Command

func register(f func(*IO) *cobra.Command) { subcommands = append(subcommands, f) }

// rootRun is set by the file that implements the default action (the UI).
var rootRun func(cmd *cobra.Command, io *IO, args []string) error

// rootFlags lets that file add flags to the root command.
var rootFlags []func(cmd *cobra.Command)

// NewRoot builds the command tree.
func NewRoot(stdio *IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "tgpfs",
		Short:         "Inspect Telegram MTProto sessions and watch Perfect Forward Secrecy work",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
	}
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	for _, f := range rootFlags {
		f(root)
	}
	if rootRun != nil {
		root.RunE = func(cmd *cobra.Command, args []string) error { return rootRun(cmd, stdio, args) }
	}
	for _, f := range subcommands {
		root.AddCommand(f(stdio))
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	return root
}

// Run executes the command line and returns the exit status.
func Run(args []string, stdio *IO) int {
	if stdio.Getenv == nil {
		stdio.Getenv = os.Getenv
	}
	root := NewRoot(stdio)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stdio.Err, "tgpfs:", err)
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFailure
}

// Main runs tgpfs with the process's standard streams.
func Main(args []string) int {
	return Run(args, &IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv})
}
