// Package atomicfile writes files that hold secrets: created 0600, filled
// under a temporary name in the destination directory, synced, and only then
// given their final name, so a reader never sees half a key and a crash never
// leaves a truncated session where a good one used to be. It replaces only a
// regular file, and only when asked: never a directory, a device node, a
// FIFO, a socket, or a symbolic link (nor what it points to).
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"tgpfs/sessions/safetext"
)

// Mode is the permission of every file this package creates.
const Mode fs.FileMode = 0o600

// ErrExists reports a destination that exists while overwriting was not asked for.
var ErrExists = errors.New("file exists (use --force to overwrite)")

// ErrNotRegular reports a destination that exists and is not a regular file.
var ErrNotRegular = errors.New("--force replaces only a regular file")

// TargetError is a destination that cannot be written: it exists (see
// ErrExists), is not a regular file (ErrNotRegular), or sits in a folder
// that is missing or not writable. It is the caller's input that is wrong,
// not the machine.
type TargetError struct {
	Path string
	Err  error
}

func (e *TargetError) Error() string {
	return safetext.Line(safetext.Quote(e.Path)+": "+e.Err.Error(), safetext.MaxLine)
}

func (e *TargetError) Unwrap() error { return e.Err }

// Check says whether path can be written: its folder exists and is
// writable, and path is absent, or a regular file and force is set. It
// changes nothing on disk.
func Check(path string, force bool) error {
	dir := filepath.Dir(path)
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return &TargetError{Path: path, Err: errors.New("its folder does not exist")}
	case err != nil:
		return &TargetError{Path: path, Err: pathReason(err)}
	case !fi.IsDir():
		return &TargetError{Path: path, Err: fmt.Errorf("%s is not a folder", safetext.Quote(dir))}
	}
	if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
		return &TargetError{Path: path, Err: fmt.Errorf("its folder is not writable (%w)", err)}
	}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &TargetError{Path: path, Err: pathReason(err)}
	case fi.IsDir():
		return &TargetError{Path: path, Err: errors.New("is a directory")}
	case !force:
		return &TargetError{Path: path, Err: ErrExists}
	case !fi.Mode().IsRegular():
		return &TargetError{Path: path, Err: fmt.Errorf("%w, and this is %s", ErrNotRegular, safetext.FileKind(fi.Mode()))}
	}
	return nil
}

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
// path. Check runs first; without force the final step is a hard link,
// which fails instead of replacing a file that appeared in the meantime,
// and with force the destination is checked again just before the rename.
// On any error the temporary file is removed and path is untouched.
func Fill(path string, force bool, fill func(tmp string) error) (err error) {
	if err := Check(path, force); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create a temporary file next to %s: %w", safetext.Quote(path), pathReason(err))
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
		return fmt.Errorf("chmod the temporary file: %w", pathReason(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close the temporary file: %w", pathReason(err))
	}
	if err := fill(tmp); err != nil {
		return fmt.Errorf("write %s: %w", safetext.Quote(path), pathReason(err))
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("sync the temporary file: %w", pathReason(err))
	}
	if force {
		if err := Check(path, true); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("rename to %s: %w", safetext.Quote(path), pathReason(err))
		}
	} else {
		if err := os.Link(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return &TargetError{Path: path, Err: ErrExists}
			}
			// Some file systems have no hard links: fall back to a
			// checked rename, which only loses the race against a file
			// created in the last microseconds.
			if _, serr := os.Lstat(path); serr == nil {
				return &TargetError{Path: path, Err: ErrExists}
			}
			if err := os.Rename(tmp, path); err != nil {
				return fmt.Errorf("rename to %s: %w", safetext.Quote(path), pathReason(err))
			}
		} else {
			os.Remove(tmp)
		}
	}
	syncDir(dir)
	return nil
}

// pathReason drops the raw path an os error carries (the caller names the
// path, quoted).
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
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
