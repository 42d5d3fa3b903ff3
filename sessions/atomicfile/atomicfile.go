// Package atomicfile writes files that hold secrets: created 0600, filled
// under a temporary name in the destination directory, synced, and only then
// given their final name, so a reader never sees half a key and a crash never
// leaves a truncated session where a good one used to be.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Mode is the permission of every file this package creates.
const Mode fs.FileMode = 0o600

// ErrExists reports a destination that exists while overwriting was not asked for.
var ErrExists = errors.New("file exists (use --force to overwrite)")

// Write stores data at path. See Fill.
func Write(path string, data []byte, force bool) error {
	return Fill(path, force, func(tmp string) error {
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, Mode)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

// Fill creates an empty 0600 temporary file next to path, lets fill write it
// by name (SQLite wants a path, not an io.Writer), syncs it and moves it to
// path. Without force an existing path is left alone and ErrExists returned;
// the final step is then a hard link, which fails instead of replacing a file
// that appeared in the meantime. On any error the temporary file is removed
// and path is untouched.
func Fill(path string, force bool, fill func(tmp string) error) (err error) {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: %w", path, ErrExists)
		}
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; Chmod makes that independent of it.
	if err := f.Chmod(Mode); err != nil {
		f.Close()
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := fill(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if force {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("rename to %s: %w", path, err)
		}
	} else {
		if err := os.Link(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s: %w", path, ErrExists)
			}
			// Some file systems have no hard links: fall back to a
			// checked rename, which only loses the race against a file
			// created in the last microseconds.
			if _, serr := os.Lstat(path); serr == nil {
				return fmt.Errorf("%s: %w", path, ErrExists)
			}
			if err := os.Rename(tmp, path); err != nil {
				return fmt.Errorf("rename to %s: %w", path, err)
			}
		} else {
			os.Remove(tmp)
		}
	}
	syncDir(dir)
	return nil
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes the new directory entry durable. Not every platform can sync
// a directory; the file itself is already synced, so failures are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
