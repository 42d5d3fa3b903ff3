package sessions

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"tgpfs/sessions/sessionstest"
)

// Every decoder gets a fuzz target. The seeds are valid inputs made by our
// own writers plus a few broken ones; `go test` runs them, `go test -fuzz`
// explores from them. A decoder must never panic, and whatever it accepts
// must hold a full key and survive being written out again.

func seedStrings(f *testing.F, to Format) {
	s := base(f)
	b, err := Encode(s, to)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add(string(b[:len(b)/2]))
	f.Add("")
	f.Add("1")
}

// decoded is every decoder's fuzz invariant: input it refuses is refused
// with a format error (bad input, exit 2), and what it accepts holds a
// whole key. It reports whether the input was accepted.
func decoded(t *testing.T, s *Session, err error) bool {
	t.Helper()
	if err != nil {
		if !IsBadInput(err) {
			t.Fatalf("error is not a format error: %v", err)
		}
		return false
	}
	if len(s.AuthKey) != KeySize {
		t.Fatalf("accepted a %d-byte key", len(s.AuthKey))
	}
	return true
}

func checkAccepted(t *testing.T, s *Session, err error, f Format) {
	if !decoded(t, s, err) {
		return
	}
	if s.DC <= 0 || s.DC > 255 || s.Port < 0 || s.Port > 0xffff {
		return // decodes, but is not a session any writer should take
	}
	if s.Addr == "" {
		return
	}
	out, err := Encode(s, f)
	if err != nil {
		return // e.g. a GramJS address Telethon cannot hold
	}
	again, err := DecodeString(string(out), f)
	if err != nil {
		t.Fatalf("cannot read back what we wrote: %v", err)
	}
	if !bytes.Equal(again.AuthKey, s.AuthKey) || again.DC != s.DC {
		t.Fatalf("round trip changed the session")
	}
}

func FuzzDecodeTelethon(f *testing.F) {
	seedStrings(f, Telethon)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := decodeTelethon(in)
		checkAccepted(t, s, err, Telethon)
	})
}

func FuzzDecodePyrogram(f *testing.F) {
	seedStrings(f, Pyrogram)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := decodePyrogram(in)
		if err == nil && s.APIID == 0 {
			s.APIID = 1
		}
		if err == nil && s.UserID <= 0 {
			s.UserID = 1
		}
		checkAccepted(t, s, err, Pyrogram)
	})
}

func FuzzDecodeGramJS(f *testing.F) {
	seedStrings(f, GramJS)
	tele, _ := Encode(base(f), Telethon)
	f.Add(string(tele))
	f.Fuzz(func(t *testing.T, in string) {
		s, err := decodeGramJS(in)
		if err == nil && s.Port > 0x7fff {
			return
		}
		checkAccepted(t, s, err, GramJS)
	})
}

func FuzzDecodeGotd(f *testing.F) {
	seedStrings(f, Gotd)
	f.Add(`{"Version":1,"Data":{}}`)
	f.Add(`{"Version":1,"Data":{"AuthKey":null,"Addr":"::"}}`)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := decodeGotd([]byte(in))
		checkAccepted(t, s, err, Gotd)
	})
}

func FuzzDecodeMtcute(f *testing.F) {
	seedStrings(f, Mtcute)
	if b, err := os.ReadFile("testdata/mtcute/string.txt"); err == nil {
		f.Add(string(bytes.TrimSpace(b))) // written by mtcute itself
	}
	f.Add("Aw")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := decodeMtcute(in)
		checkAccepted(t, s, err, Mtcute)
	})
}

func FuzzDetect(f *testing.F) {
	for _, to := range []Format{Telethon, Pyrogram, GramJS, Gotd, Mtcute} {
		b, _ := Encode(base(f), to)
		f.Add(string(b))
	}
	f.Add("hello")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := DecodeString(in, "")
		decoded(t, s, err)
	})
}

func FuzzDecodeSQLite(f *testing.F) {
	dir := f.TempDir()
	var paths []string
	for _, to := range []Format{TelethonSQLite, PyrogramSQLite, MtcuteSQLite} {
		p := filepath.Join(dir, string(to))
		if err := WriteFile(p, base(f), to, false); err != nil {
			f.Fatal(err)
		}
		paths = append(paths, p)
	}
	v8 := filepath.Join(dir, "v8")
	sessionstest.WriteTelethonV8(f, v8, sessionstest.TelethonV8{DC: 2, Addr: "1.2.3.4", Port: 443, Key: testKey(f, 1), TmpKey: testKey(f, 2), Stored: true, Reloaded: true})
	paths = append(paths, v8, "testdata/mtcute/storage.session", "testdata/mtcute/live.session")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p := filepath.Join(t.TempDir(), "f.session")
		if err := os.WriteFile(p, in, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Load(p, LoadOptions{})
		decoded(t, s, err)
	})
}

// FuzzDecodeTData mutates the key_datas file of a valid folder; the
// account's data file stays valid so the fuzzer can reach past key_datas.
func FuzzDecodeTData(f *testing.F) {
	dir := f.TempDir()
	sessionstest.WriteTData(f, dir, sessionstest.TData{UserID: 7, DC: 2, Key: testKey(f, 2)})
	keyData, err := os.ReadFile(filepath.Join(dir, "key_datas"))
	if err != nil {
		f.Fatal(err)
	}
	mtpName := sessionstest.FileKey("data") + "s"
	mtp, err := os.ReadFile(filepath.Join(dir, mtpName))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(keyData, mtp)
	f.Add(keyData[:40], mtp)
	f.Add(keyData, mtp[:len(mtp)-1])
	// Folders that decrypt and lie about their sizes: gotd alone would
	// allocate 16 GiB for either.
	for _, fx := range []sessionstest.TData{{Accounts: 0xffffffff}, {Keys: 0xffffffff}, {Accounts: 2}} {
		d := f.TempDir()
		fx.UserID, fx.DC, fx.Key = 7, 2, testKey(f, 2)
		sessionstest.WriteTData(f, d, fx)
		kd, _ := os.ReadFile(filepath.Join(d, "key_datas"))
		m, _ := os.ReadFile(filepath.Join(d, mtpName))
		f.Add(kd, m)
	}
	f.Fuzz(func(t *testing.T, kd, data []byte) {
		root := fstest.MapFS{
			"key_datas": {Data: kd},
			mtpName:     {Data: data},
		}
		s, err := decodeTData(root, nil, 0)
		decoded(t, s, err)
	})
}
