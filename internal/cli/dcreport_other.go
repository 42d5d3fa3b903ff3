//go:build !unix

package cli

import "os"

// notifyReport: no SIGUSR1 here; the report is written when the DC stops.
func notifyReport() chan os.Signal { return make(chan os.Signal) }
