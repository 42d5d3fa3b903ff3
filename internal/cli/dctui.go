package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/x/term"

	"tgpfs/internal/app"
	"tgpfs/proto/localdc"
)

// dcTerminal is where `tgpfs dc --tui` runs: the terminal it draws on and
// the one it reads keys from.
type dcTerminal struct {
	in  io.Reader
	out io.Writer
	tty *os.File // /dev/tty, when opened for the keys
}

// openDCTerminal picks the terminals of `tgpfs dc --tui`, before anything
// starts.
//
// The "dc N host:port" lines go to stdout either way, first, as scripts
// read them, and the view repeats them in its header. The view is drawn on
// stdout when that is a terminal (the lines stay above it once it ends, as
// it uses the alternate screen), else on stderr: `tgpfs dc --tui | script`
// shows the view while the script reads the lines. Keys come from stdin
// when it is a terminal, else from /dev/tty. No terminal to draw on or to
// read keys from is bad usage.
func openDCTerminal(stdio *IO, f dcFlags) (*dcTerminal, error) {
	if f.verbose {
		return nil, usageErr(errors.New("--tui shows every event itself and -v prints them as lines: give one of them"))
	}
	t := &dcTerminal{}
	switch {
	case isTerminal(stdio.Out):
		t.out = raw(stdio.Out)
	case isTerminal(stdio.Err):
		t.out = stdio.Err
	default:
		return nil, usageErr(errors.New("--tui needs a terminal on stdout or stderr (without one, -v prints every event as a line)"))
	}
	if f, ok := stdio.In.(*os.File); ok && term.IsTerminal(f.Fd()) {
		t.in = f
		return t, nil
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil, usageErr(fmt.Errorf("--tui reads keys from a terminal: stdin is not one, and %w", app.Pathless(err)))
	}
	t.in, t.tty = tty, tty
	return t, nil
}

// runDCView runs the server's view until the user quits or ctx ends; the
// caller then stops the DCs as Ctrl-C does. A report asked for with
// SIGUSR1 meanwhile is written as without --tui; a failure to write it is
// said once the view is gone, as the view owns the terminal until then.
func runDCView(ctx context.Context, stdio *IO, c *localdc.Cluster, view *app.DCView, t *dcTerminal, report string, reports <-chan os.Signal) error {
	var failed []string
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-reports:
				if err := writeReport(report, c.Report()); err != nil {
					failed = append(failed, err.Error())
				}
			case <-done:
				return
			}
		}
	}()
	err := view.Run(ctx, t.in, t.out)
	close(done)
	<-stopped
	for _, msg := range failed {
		fmt.Fprintln(stdio.Err, Line("tgpfs dc: "+msg))
	}
	return err
}

// Close closes /dev/tty if it was opened.
func (t *dcTerminal) Close() {
	if t.tty != nil {
		_ = t.tty.Close()
	}
}
