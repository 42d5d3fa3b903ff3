package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
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
