//go:build unix

package app

import "golang.org/x/sys/unix"

// writable reports whether the folder dir takes new files, asking the
// kernel (access(2), which also sees a read-only file system) instead of
// writing a probe that would change the folder's modification time.
func writable(dir string) error { return unix.Access(dir, unix.W_OK) }
