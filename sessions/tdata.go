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
// a Telegram Desktop tdata folder with gotd's session/tdesktop, which
// decrypts the local key from the passcode and the account's MTP data.
func decodeTData(root fs.FS, passcode []byte, account int) (s *Session, err error) {
	// gotd's reader indexes decrypted buffers by the lengths they declare;
	// a crafted folder must give an error, not crash the program.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, formatErr(TData, "malformed data (%v)", r)
		}
	}()
	accounts, err := tdesktop.ReadFS(root, passcode)
	if err != nil {
		var magic *tdesktop.WrongMagicError
		msg := err.Error()
		switch {
		case errors.Is(err, tdesktop.ErrKeyInfoDecrypt),
			strings.Contains(msg, "decrypt keyEncrypted"):
			if len(passcode) == 0 {
				return nil, formatErr(TData, "the local key does not decrypt without a passcode: this tdata is passcode-protected (give --passcode)")
			}
			return nil, formatErr(TData, "wrong passcode: the local key does not decrypt (msg_key mismatch)")
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

// dcList names the DCs a tdata account holds keys for: "2" or "1, 2 and 4".
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
