// Package sessionstest makes session fixtures for tests: deterministic
// pseudo-random keys and Telegram Desktop tdata folders, so no real session
// ever needs to be committed.
package sessionstest

import (
	"bytes"
	"crypto/aes"
	"crypto/md5"  // #nosec G501 -- tdesktop's file checksum
	"crypto/sha1" // #nosec G505 -- tdesktop's msg_key
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"golang.org/x/crypto/pbkdf2"
)

// Key is a pseudo-random 256-byte auth key, the same for the same seed so
// golden files stay stable.
func Key(seed uint64) []byte {
	r := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 't', 'g', 'p', 'f', 's'}))
	k := make([]byte, 256)
	for i := range k {
		k[i] = byte(r.Uint32())
	}
	return k
}

// TData describes a Telegram Desktop folder to build.
type TData struct {
	Passcode []byte
	UserID   uint64
	DC       int
	Key      []byte
	// Accounts and Keys, when set, are the counts key_datas and the MTP
	// file declare, whatever they hold: a crafted folder that decrypts
	// and lies about its sizes.
	Accounts, Keys uint32
}

// WriteTData builds a tdata folder the way Telegram Desktop (v2.9+) lays it
// out: key_datas with the salt, the local key encrypted under the passcode
// key and the account list, and the account's MTP authorization in the
// file named after MD5("data"). It is the inverse of gotd's session/tdesktop
// reader, written from tdesktop's storage_domain.cpp / storage_account.cpp.
func WriteTData(t testing.TB, dir string, fx TData) {
	t.Helper()
	salt := bytes.Repeat([]byte{0x5a}, 32)
	var localKey crypto.Key
	for i := range localKey {
		localKey[i] = byte(i * 7)
	}

	// Local key under the passcode key: PBKDF2-HMAC-SHA512 over
	// SHA512(salt||passcode||salt), 100000 iterations with a passcode, 1 without.
	iters := 1
	if len(fx.Passcode) > 0 {
		iters = 100000
	}
	h := sha512.New()
	h.Write(salt)
	h.Write(fx.Passcode)
	h.Write(salt)
	var passKey crypto.Key
	copy(passKey[:], pbkdf2.Key(h.Sum(nil), salt, iters, len(passKey), sha512.New))

	keyInner := make([]byte, 4, 272)
	binary.LittleEndian.PutUint32(keyInner, 268)
	keyInner = append(keyInner, localKey[:]...)
	keyInner = append(keyInner, make([]byte, 272-len(keyInner))...)
	info := []byte{16, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0} // one account, index 0
	if fx.Accounts != 0 {
		binary.BigEndian.PutUint32(info[4:], fx.Accounts)
	}

	var kd bytes.Buffer
	qtArray(&kd, salt)
	qtArray(&kd, encryptLocal(t, keyInner, passKey))
	qtArray(&kd, encryptLocal(t, info, localKey))
	tdfFile(t, filepath.Join(dir, "key_datas"), kd.Bytes())

	var auth bytes.Buffer
	put := func(v uint32) { binary.Write(&auth, binary.BigEndian, v) }
	put(0x4b) // dbiMtpAuthorization
	put(0)    // main length, skipped
	put(0xffffffff)
	put(0xffffffff) // wide-ids tag
	binary.Write(&auth, binary.BigEndian, fx.UserID)
	put(uint32(fx.DC))
	keys := uint32(1)
	if fx.Keys != 0 {
		keys = fx.Keys
	}
	put(keys)
	put(uint32(fx.DC))
	auth.Write(fx.Key)
	inner := binary.BigEndian.AppendUint32(nil, uint32(auth.Len()))
	inner = append(inner, auth.Bytes()...)
	for len(inner)%16 != 0 {
		inner = append(inner, 0)
	}
	var mtp bytes.Buffer
	qtArray(&mtp, encryptLocal(t, inner, localKey))
	tdfFile(t, filepath.Join(dir, FileKey("data")+"s"), mtp.Bytes())
}

func qtArray(w *bytes.Buffer, b []byte) {
	binary.Write(w, binary.BigEndian, uint32(len(b)))
	w.Write(b)
}

// encryptLocal is tdesktop's local encryption: msg_key = SHA1(data)[:16],
// AES-IGE with MTProto 1.0 key derivation.
func encryptLocal(t testing.TB, data []byte, key crypto.Key) []byte {
	t.Helper()
	var msgKey bin.Int128
	sum := sha1.Sum(data) // #nosec G401
	copy(msgKey[:], sum[:])
	aesKey, iv := crypto.OldKeys(key, msgKey, crypto.Server)
	c, err := aes.NewCipher(aesKey[:])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 16+len(data))
	copy(out, msgKey[:])
	ige.EncryptBlocks(c, iv[:], out[16:], data)
	return out
}

// tdfFile writes "TDF$", version, data and tdesktop's MD5 checksum.
func tdfFile(t testing.TB, path string, data []byte) {
	t.Helper()
	version := []byte{1, 0, 0, 0}
	h := md5.New() // #nosec G401
	h.Write(data)
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(data))))
	h.Write(version)
	h.Write([]byte("TDF$"))
	out := append([]byte("TDF$"), version...)
	out = append(out, data...)
	out = h.Sum(out)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// FileKey names a tdata file: MD5 of the name, each byte's nibbles
// swapped, upper-case hex, first 16 digits.
func FileKey(s string) string {
	sum := md5.Sum([]byte(s)) // #nosec G401
	for i := range sum {
		sum[i] = sum[i]<<4 | sum[i]>>4
	}
	return strings.ToUpper(hex.EncodeToString(sum[:]))[:16]
}
