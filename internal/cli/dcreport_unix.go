//go:build unix

package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyReport is the channel SIGUSR1 arrives on: `kill -USR1` writes the
// report of a running `tgpfs dc`.
func notifyReport() chan os.Signal {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	return ch
}
