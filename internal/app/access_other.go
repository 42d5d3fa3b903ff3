//go:build !unix

package app

import "os"

// writable reports whether the folder dir takes new files by creating and
// removing a probe file: nothing is left behind.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".tgpfs-probe-*")
	if err != nil {
		return err
	}
	_ = f.Close()
	return os.Remove(f.Name())
}
