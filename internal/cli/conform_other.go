//go:build !unix

package cli

import "os/exec"

// newGroup: without process groups the client alone is stopped.
func newGroup(*exec.Cmd) {}

// signalGroup kills the client; there is no gentler signal to send.
func signalGroup(cmd *exec.Cmd, _ bool) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
