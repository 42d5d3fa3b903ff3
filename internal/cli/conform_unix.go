//go:build unix

package cli

import (
	"os/exec"
	"syscall"
)

// newGroup puts the client in a process group of its own, so that
// stopping it stops whatever it started too (a shell, an interpreter's
// helpers).
func newGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends the client's process group SIGTERM, or SIGKILL when
// hard. A group already gone is no error.
func signalGroup(cmd *exec.Cmd, hard bool) {
	if cmd.Process == nil {
		return
	}
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
