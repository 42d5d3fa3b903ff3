package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		existing []byte // nil: no file before
		force    bool
		wantErr  error
		want     []byte
	}{
		{name: "new file", want: []byte("new")},
		{name: "existing without force", existing: []byte("old"), wantErr: ErrExists, want: []byte("old")},
		{name: "existing with force", existing: []byte("old"), force: true, want: []byte("new")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "s.session")
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, []byte("new"), tt.force)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Write: got %v, want %v", err, tt.wantErr)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if string(got) != string(tt.want) {
				t.Errorf("content %q, want %q", got, tt.want)
			}
			if err == nil {
				fi, _ := os.Stat(path)
				if fi.Mode().Perm() != Mode {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), Mode)
				}
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the destination", len(entries))
			}
		})
	}
}

func TestFillFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.session")
	boom := errors.New("boom")
	err := Fill(path, false, func(tmp string) error {
		if err := os.WriteFile(tmp, []byte("half"), Mode); err != nil {
			t.Fatal(err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("directory holds %v after a failed fill, want nothing", entries)
	}
}

// Check and Fill refuse every destination that is not absent or a regular
// file, before anything is created, and with --force too.
func TestRefusedTargets(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		force  bool
		want   error  // errors.Is, when set
		reason string // in the message
	}{
		{name: "existing", path: regular, want: ErrExists},
		{name: "symlink", path: link, force: true, want: ErrNotRegular, reason: "a symbolic link"},
		{name: "symlink without force", path: link, want: ErrExists},
		{name: "FIFO", path: fifo, force: true, want: ErrNotRegular, reason: "a FIFO"},
		{name: "device", path: "/dev/null", force: true, want: ErrNotRegular, reason: "a character device"},
		{name: "directory", path: sub, force: true, reason: "is a directory"},
		{name: "missing folder", path: filepath.Join(dir, "none", "x"), reason: "its folder does not exist"},
		{name: "file as folder", path: filepath.Join(regular, "x"), reason: "is not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadDir(dir)
			err := Write(tt.path, []byte("new"), tt.force)
			var te *TargetError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a *TargetError", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.reason) || strings.Count(err.Error(), "\n") != 0 {
				t.Errorf("message %q, want one line with %q", err, tt.reason)
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("%d entries after, %d before", len(after), len(before))
			}
		})
	}
	if b, _ := os.ReadFile(regular); string(b) != "old" {
		t.Errorf("the symlink's target changed to %q", b)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v", err)
	}
}
