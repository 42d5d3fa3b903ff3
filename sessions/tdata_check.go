package sessions

import (
	"bytes"
	"crypto/aes"
	"crypto/md5"  // #nosec G501 -- tdesktop's file checksum
	"crypto/sha1" // #nosec G505 -- tdesktop's msg_key
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"testing/fstest"
	"time"

	"tgpfs/sessions/safetext"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"golang.org/x/crypto/pbkdf2"
)

// gotd's tdesktop reader trusts the lengths inside the files it decrypts: a
// key_datas that decrypts and declares 2^32-1 accounts makes it allocate
// 16 GiB before it reads one, and an account file declaring 2^32-1 keys a
// map hint of the same size; that is a fatal "out of memory", which no
// recover catches. So tgpfs reads the folder itself first: each file at
// most maxTDataFile bytes and only if it is a regular file, the account
// list and key counts checked against the bytes that hold them, and gotd
// is handed an in-memory copy of exactly the files checked.

// maxTDataFile bounds one tdata file. key_datas is about 300 bytes and an
// account's MTP file about 300 bytes per DC key; the config, the largest
// file read, a few KB. 1 MiB is far above any of them.
const maxTDataFile = 1 << 20

// MaxTDataAccounts bounds key_datas' account list (and so --account).
// Telegram Desktop allows 3 accounts, 6 with Premium.
const MaxTDataAccounts = 16

// errTDataPasscode and errTDataNoPasscode are the two ways the local key
// does not decrypt.
var (
	errTDataPasscode   = errors.New("wrong passcode: the local key does not decrypt (msg_key mismatch)")
	errTDataNoPasscode = errors.New("the local key does not decrypt without a passcode: this tdata is passcode-protected (give --passcode)")
)

// dirFS is a folder on disk that opens only regular files, without
// blocking on a FIFO swapped in, and refuses any larger than maxTDataFile.
type dirFS string

func (d dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := os.OpenFile(filepath.Join(string(d), filepath.FromSlash(name)), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		return f, nil
	}
	if err == nil {
		err = checkTDataFile(name, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (d dirFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return os.Stat(filepath.Join(string(d), filepath.FromSlash(name)))
}

func (d dirFS) Sub(dir string) (fs.FS, error) {
	if !fs.ValidPath(dir) {
		return nil, &fs.PathError{Op: "sub", Path: dir, Err: fs.ErrInvalid}
	}
	return dirFS(filepath.Join(string(d), filepath.FromSlash(dir))), nil
}

func checkTDataFile(name string, fi fs.FileInfo) error {
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is %s: a tdata folder holds only regular files", safetext.Quote(name), safetext.FileKind(fi.Mode()))
	case fi.Size() > maxTDataFile:
		return fmt.Errorf("%s is %d bytes, more than any tdata file (at most %d KiB)", safetext.Quote(name), fi.Size(), maxTDataFile>>10)
	}
	return nil
}

// readTDataFile reads one file of root, bounded whatever root is.
func readTDataFile(root fs.FS, name string) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkTDataFile(name, fi); err != nil {
		return nil, err
	}
	return readAtMost(f, maxTDataFile)
}

// tdf is the body of a "TDF$" file, checked against its MD5.
type tdf struct {
	name string
	raw  []byte // the whole file, as handed on to gotd
	data []byte // the body
}

// openTDF picks the file gotd would read for name: the first of the "s",
// "0" and "1" variants that exists and starts like a TDF$ file.
func openTDF(root fs.FS, name string) (*tdf, error) {
	for _, suffix := range []string{"s", "0", "1"} {
		p := name + suffix
		raw, err := readTDataFile(root, p)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(raw) < 8+16 || string(raw[:4]) != "TDF$" {
			continue // gotd skips a short file or one without the magic
		}
		version, body, sum := raw[4:8], raw[8:len(raw)-16], raw[len(raw)-16:]
		h := md5.New() // #nosec G401
		h.Write(body)
		h.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(body))))
		h.Write(version)
		h.Write([]byte("TDF$"))
		if !bytes.Equal(h.Sum(nil), sum) {
			return nil, fmt.Errorf("%s: checksum mismatch (a damaged or edited file)", safetext.Quote(p))
		}
		return &tdf{name: p, raw: raw, data: body}, nil
	}
	return nil, fmt.Errorf("%s is missing", safetext.Quote(name+"s"))
}

// qtArray reads a QByteArray: a length (0xffffffff for null) and the bytes.
func qtArray(b []byte, order binary.ByteOrder) (arr, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, io.ErrUnexpectedEOF
	}
	n := order.Uint32(b)
	if n == 0xffffffff {
		return nil, b[4:], nil
	}
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("an array of %d bytes in %d", n, len(b)-4)
	}
	return b[4 : 4+n], b[4+n:], nil
}

// tdataLocalDecrypt is tdesktop's decryptLocal: msg_key, AES-IGE with
// MTProto 1.0 key derivation, msg_key = SHA1(plaintext)[:16].
func tdataLocalDecrypt(enc []byte, key crypto.Key) ([]byte, bool) {
	if len(enc) < 32 || len(enc)%aes.BlockSize != 0 {
		return nil, false
	}
	var msgKey bin.Int128
	copy(msgKey[:], enc)
	aesKey, iv := crypto.OldKeys(key, msgKey, crypto.Server)
	c, err := aes.NewCipher(aesKey[:])
	if err != nil {
		return nil, false
	}
	out := make([]byte, len(enc)-16)
	ige.DecryptBlocks(c, iv[:], out, enc[16:])
	sum := sha1.Sum(out) // #nosec G401
	return out, bytes.Equal(sum[:16], msgKey[:])
}

// checkedTData reads and checks what gotd will read of root and returns
// those files alone, in memory.
func checkedTData(root fs.FS, passcode []byte) (fs.FS, error) {
	kd, err := openTDF(root, "key_data")
	if err != nil {
		return nil, err
	}
	salt, rest, err := qtArray(kd.data, binary.BigEndian)
	if err != nil || len(salt) != 32 {
		return nil, fmt.Errorf("key_data: no 32-byte salt")
	}
	keyEnc, rest, err := qtArray(rest, binary.BigEndian)
	if err != nil {
		return nil, fmt.Errorf("key_data: %v", err)
	}
	infoEnc, _, err := qtArray(rest, binary.BigEndian)
	if err != nil {
		return nil, fmt.Errorf("key_data: %v", err)
	}
	keyInner, ok := tdataLocalDecrypt(keyEnc, tdataPasscodeKey(passcode, salt))
	if !ok {
		if len(passcode) == 0 {
			return nil, errTDataNoPasscode
		}
		return nil, errTDataPasscode
	}
	if len(keyInner) < 4+len(crypto.Key{}) {
		return nil, fmt.Errorf("key_data: the local key is %d bytes", len(keyInner)-4)
	}
	var local crypto.Key
	copy(local[:], keyInner[4:])
	info, ok := tdataLocalDecrypt(infoEnc, local)
	if !ok || len(info) < 8 {
		return nil, fmt.Errorf("key_data: the account list does not decrypt with the local key")
	}
	count := binary.BigEndian.Uint32(info[4:])
	if count < 1 || count > MaxTDataAccounts || uint64(count)*4 > uint64(len(info)-8) {
		return nil, fmt.Errorf("key_data declares %d accounts in %d bytes (Telegram Desktop holds 1 to 6)", count, len(info)-8)
	}
	out := fstest.MapFS{"key_datas": {Data: kd.raw, Mode: 0o600, ModTime: time.Unix(0, 0)}}
	for i := range count {
		idx := binary.BigEndian.Uint32(info[8+4*i:])
		name := tdataAccountFile(idx)
		mtp, err := openTDF(root, name)
		if err != nil {
			return nil, fmt.Errorf("account %d: %w", i+1, err)
		}
		if err := checkMTPData(mtp, local); err != nil {
			return nil, fmt.Errorf("account %d: %w", i+1, err)
		}
		out[name+"s"] = &fstest.MapFile{Data: mtp.raw, Mode: 0o600}
		// The config is optional and gotd ignores a bad one; only its
		// size needs bounding.
		if cfg, err := openTDF(root, path.Join(name, "config")); err == nil {
			out[path.Join(name, "configs")] = &fstest.MapFile{Data: cfg.raw, Mode: 0o600}
		}
	}
	return out, nil
}

// checkMTPData checks that an account's MTP authorization declares no more
// keys than its bytes hold.
func checkMTPData(f *tdf, local crypto.Key) error {
	enc, _, err := qtArray(f.data, binary.BigEndian)
	if err != nil {
		return fmt.Errorf("%s: %v", safetext.Quote(f.name), err)
	}
	dec, ok := tdataLocalDecrypt(enc, local)
	if !ok {
		return fmt.Errorf("%s does not decrypt with the local key", safetext.Quote(f.name))
	}
	// length, dbi id, main length, legacy user id, legacy main DC.
	b := dec
	if len(b) < 20 {
		return fmt.Errorf("%s: %d bytes is too short for an MTP authorization", safetext.Quote(f.name), len(b))
	}
	wide := binary.BigEndian.Uint64(b[12:]) == ^uint64(0)
	b = b[20:]
	if wide { // 64-bit user id and main DC follow
		if len(b) < 12 {
			return fmt.Errorf("%s: too short for a 64-bit user id", safetext.Quote(f.name))
		}
		b = b[12:]
	}
	if len(b) < 4 {
		return fmt.Errorf("%s: no key count", safetext.Quote(f.name))
	}
	keys := binary.BigEndian.Uint32(b)
	if uint64(keys)*(4+KeySize) > uint64(len(b)-4) {
		return fmt.Errorf("%s declares %d keys in %d bytes", safetext.Quote(f.name), keys, len(b)-4)
	}
	return nil
}

// tdataPasscodeKey is tdesktop's new local key derivation: PBKDF2-HMAC-
// SHA512 over SHA512(salt || passcode || salt), 100000 iterations with a
// passcode and 1 without.
func tdataPasscodeKey(passcode, salt []byte) crypto.Key {
	iters := 1
	if len(passcode) > 0 {
		iters = 100000
	}
	h := sha512.New()
	h.Write(salt)
	h.Write(passcode)
	h.Write(salt)
	var k crypto.Key
	copy(k[:], pbkdf2.Key(h.Sum(nil), salt, iters, len(k), sha512.New))
	return k
}

// tdataAccountFile names account idx's MTP file: the file key of "data",
// or of "data#N" for the others.
func tdataAccountFile(idx uint32) string {
	name := "data"
	if idx > 0 {
		name = fmt.Sprintf("data#%d", idx+1)
	}
	sum := md5.Sum([]byte(name)) // #nosec G401
	const hexDigits = "0123456789ABCDEF"
	out := make([]byte, 0, 16)
	for _, c := range sum[:8] {
		out = append(out, hexDigits[c&15], hexDigits[c>>4])
	}
	return string(out)
}
