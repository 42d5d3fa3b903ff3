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

// A folder that decrypts and lies about its sizes is refused before gotd's
// reader allocates for it (16 GiB for 2^32-1 accounts, a map hint as large
// for 2^32-1 keys), and so is a file that is too big or not a file.
func TestTDataCountsAndSizesChecked(t *testing.T) {
	mtp := sessionstest.FileKey("data") + "s"
	tests := []struct {
		name   string
		fx     sessionstest.TData
		change func(dir string)
		want   string
	}{
		{name: "2^32-1 accounts", fx: sessionstest.TData{Accounts: 0xffffffff}, want: "declares 4294967295 accounts"},
		{name: "as written", want: ""},
		{name: "3 accounts in the room of 2", fx: sessionstest.TData{Accounts: 3}, want: "declares 3 accounts in 8 bytes"},
		{name: "2^32-1 keys", fx: sessionstest.TData{Keys: 0xffffffff}, want: "declares 4294967295 keys"},
		{name: "key_datas too big", change: func(d string) {
			if err := os.Truncate(filepath.Join(d, "key_datas"), 2<<20); err != nil {
				t.Fatal(err)
			}
		}, want: "more than any tdata file"},
		{name: "account file is a directory", change: func(d string) {
			os.Remove(filepath.Join(d, mtp))
			os.Mkdir(filepath.Join(d, mtp), 0o700)
		}, want: "is a directory"},
		{name: "account file missing", change: func(d string) { os.Remove(filepath.Join(d, mtp)) }, want: "is missing"},
		{name: "checksum", change: func(d string) {
			b, _ := os.ReadFile(filepath.Join(d, mtp))
			b[10] ^= 1
			os.WriteFile(filepath.Join(d, mtp), b, 0o600)
		}, want: "checksum mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fx := tt.fx
			fx.UserID, fx.DC, fx.Key = 1, 2, testKey(t, 4)
			sessionstest.WriteTData(t, dir, fx)
			if tt.change != nil {
				tt.change(dir)
			}
			s, err := Load(dir, LoadOptions{})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.DC != 2 {
					t.Errorf("dc %d", s.DC)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !IsBadInput(err) {
				t.Fatalf("got %v, want bad input with %q", err, tt.want)
			}
		})
	}
}
