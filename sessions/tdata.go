package sessions

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gotd/td/session"
	"github.com/gotd/td/session/tdesktop"
)

// TData is Telegram Desktop's tdata folder, read with gotd's
// session/tdesktop after tgpfs has checked every file it will read
// (tdata_check.go). tgpfs does not write tdata folders.
const TData Format = "tdata"

var tdataFormat = &Descriptor{
	Format:  TData,
	Name:    "Telegram Desktop tdata folder",
	Kind:    KindFolder,
	Records: Recorded{Addr: true, TestMode: true, UserID: true},
	folder: &folderCodec{
		find: findTData,
		read: func(root fs.FS, opts LoadOptions) (*Session, error) {
			return decodeTData(root, opts.Passcode, opts.Account)
		},
	},
}

// findTData finds the folder holding key_data: root itself, or the tdata
// folder inside the Telegram Desktop folder.
func findTData(root fs.FS) (fs.FS, error) {
	if hasKeyData(root) {
		return root, nil
	}
	if sub, err := fs.Sub(root, "tdata"); err == nil && hasKeyData(sub) {
		return sub, nil
	}
	return nil, errors.New("holds no key_datas (or key_data0/1): not a Telegram Desktop tdata folder")
}

// hasKeyData reports whether root looks like a tdata folder: it holds the
// key_data file under one of the names Telegram Desktop writes.
func hasKeyData(root fs.FS) bool {
	for _, n := range []string{"key_datas", "key_data0", "key_data1"} {
		if _, err := fs.Stat(root, n); err == nil {
			return true
		}
	}
	return false
}

// decodeTData reads account number account (0-based, in key_data order) of
// a Telegram Desktop tdata folder.
func decodeTData(root fs.FS, passcode []byte, account int) (s *Session, err error) {
	checked, err := checkedTData(root, passcode)
	if err != nil {
		return nil, &FormatError{Format: TData, Err: err}
	}
	// What is left after the checks is gotd's to refuse; it indexes
	// decrypted buffers by lengths the files declare, so a slice bound it
	// misses must still be an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, formatErr(TData, "malformed data (%v)", r)
		}
	}()
	accounts, err := tdesktop.ReadFS(checked, passcode)
	if err != nil {
		var magic *tdesktop.WrongMagicError
		switch {
		case errors.Is(err, tdesktop.ErrKeyInfoDecrypt):
			return nil, formatErr(TData, "the account list does not decrypt with the local key")
		case errors.Is(err, tdesktop.ErrNoAccounts):
			return nil, formatErr(TData, "key_data lists no accounts")
		case errors.As(err, &magic):
			return nil, formatErr(TData, "a file does not start with TDF$")
		}
		return nil, formatErr(TData, "%v", err)
	}
	if account < 0 || account >= len(accounts) {
		return nil, formatErr(TData, "account %d asked for, the folder has %d", account+1, len(accounts))
	}
	a := accounts[account]
	d, err := session.TDesktopSession(a)
	if err != nil {
		return nil, formatErr(TData, "account %d: %v", account+1, err)
	}
	s = &Session{
		Format:        TData,
		Version:       "tdesktop local storage",
		Why:           "directory with key_data (TDF$ files): Telegram Desktop tdata, read with gotd session/tdesktop",
		DC:            d.DC,
		Addr:          d.Addr,
		TestMode:      a.Config.Environment.Test(),
		TestModeKnown: len(a.Config.DCOptions.Options) > 0,
		UserID:        int64(a.Authorization.UserID),
		AuthKey:       append([]byte(nil), d.AuthKey...),
		Extra: []string{fmt.Sprintf("account %d of %d, with keys for DC %s",
			account+1, len(accounts), dcList(a.Authorization.Keys))},
	}
	// The address comes from the account's config when it has one, else
	// from gotd's built-in list; either way the port is the DC option's.
	s.Port = 443
	for _, o := range d.Config.DCOptions {
		if o.ID == d.DC && o.IPAddress == d.Addr {
			s.Port = o.Port
			break
		}
	}
	if len(d.Config.DCOptions) == 0 {
		s.AddrFromDC = true
	}
	return s, nil
}

// dcList names the DCs keys are held for: "2" or "1, 2 and 4".
func dcList[V any](keys map[int]V) string {
	ids := slices.Sorted(maps.Keys(keys))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
