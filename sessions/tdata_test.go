package sessions

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tgpfs/sessions/sessionstest"
)

func TestTDataFileKey(t *testing.T) {
	// The account folder name every tdata has; see docs/anchors.md §2.1.
	if got := sessionstest.FileKey("data"); got != "D877F783D5D3EF8C" {
		t.Fatalf("file key of data = %s", got)
	}
}

func TestLoadTData(t *testing.T) {
	key := testKey(t, 3)
	tests := []struct {
		name      string
		written   []byte
		given     []byte
		wantErr   string
		viaAppDir bool
	}{
		{name: "no passcode"},
		{name: "app folder holding tdata", viaAppDir: true},
		{name: "passcode", written: []byte("hunter2"), given: []byte("hunter2")},
		{name: "wrong passcode", written: []byte("hunter2"), given: []byte("hunter3"), wantErr: "tdata session: wrong passcode"},
		{name: "missing passcode", written: []byte("hunter2"), wantErr: "passcode-protected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := root
			if tt.viaAppDir {
				dir = filepath.Join(root, "tdata")
				os.Mkdir(dir, 0o700)
			}
			sessionstest.WriteTData(t, dir, sessionstest.TData{Passcode: tt.written, UserID: 1 << 40, DC: 4, Key: key})
			s, err := Load(root, LoadOptions{Passcode: tt.given})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v, want error containing %q", err, tt.wantErr)
				}
				if !IsBadInput(err) {
					t.Errorf("error %v is not bad input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != TData || s.DC != 4 || s.UserID != 1<<40 || !bytes.Equal(s.AuthKey, key) {
				t.Errorf("got format %s dc %d user %d, key equal %v", s.Format, s.DC, s.UserID, bytes.Equal(s.AuthKey, key))
			}
			if s.Addr == "" || s.Port != 443 || !s.AddrFromDC {
				t.Errorf("address %q port %d fromDC %v, want DC 4's well-known address", s.Addr, s.Port, s.AddrFromDC)
			}
		})
	}
}
