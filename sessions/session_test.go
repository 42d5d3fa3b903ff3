package sessions

import (
	"bytes"
	"crypto/sha1" // #nosec G505
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotd/td/crypto"
	gotdsession "github.com/gotd/td/session"

	"tgpfs/model"
	"tgpfs/sessions/sessionstest"
)

func testKey(t testing.TB, seed uint64) []byte { return sessionstest.Key(seed) }

func TestKeyIDMatchesGotd(t *testing.T) {
	for seed := range uint64(4) {
		key := testKey(t, seed)
		var k crypto.Key
		copy(k[:], key)
		want := k.ID()
		if got := KeyIDOf(key).Wire(); got != want {
			t.Errorf("seed %d: key id %x, gotd says %x", seed, got, want)
		}
		sum := sha1.Sum(key) // #nosec G401
		if got := KeyIDOf(key).Wire(); !bytes.Equal(got[:], sum[12:20]) {
			t.Errorf("seed %d: key id is not SHA1[12:20]", seed)
		}
		if fp := model.Fingerprint(key); len(fp) != 16 || fp == KeyIDOf(key).String() {
			t.Errorf("seed %d: fingerprint %q", seed, fp)
		}
	}
}

// base is a session with every field some format records.
func base(t testing.TB) *Session {
	return &Session{
		DC: 2, Addr: "149.154.167.51", Port: 443,
		APIID: 12345, UserID: 5_000_000_001, AuthKey: testKey(t, 1),
	}
}

// produce writes s in format f: a file path for file formats, else the string.
func produce(t *testing.T, s *Session, f Format) string {
	t.Helper()
	if f.IsString() {
		b, err := Encode(s, f)
		if err != nil {
			t.Fatalf("encode %s: %v", f, err)
		}
		return string(b)
	}
	path := filepath.Join(t.TempDir(), "s."+string(f))
	if err := WriteFile(path, s, f, false); err != nil {
		t.Fatalf("write %s: %v", f, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s written with mode %v", f, fi.Mode().Perm())
	}
	return path
}

// records says which fields a format keeps.
type records struct{ addr, user, api bool }

var kept = map[Format]records{
	Gotd:           {addr: true},
	Telethon:       {addr: true},
	TelethonSQLite: {addr: true},
	GramJS:         {addr: true},
	Pyrogram:       {user: true, api: true},
	PyrogramSQLite: {user: true, api: true},
	TData:          {user: true},
	Mtcute:         {addr: true, user: true},
	MtcuteSQLite:   {addr: true, user: true},
}

// Every format has a line in kept, so a new format cannot skip the round trips.
func TestKeptCoversEveryFormat(t *testing.T) {
	for _, f := range Formats {
		if _, ok := kept[f]; !ok {
			t.Errorf("%s: add it to kept", f)
		}
	}
}

func TestRoundTripEveryPair(t *testing.T) {
	for _, from := range Writable {
		for _, to := range Writable {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				want := base(t)
				got1, err := Load(produce(t, want, from), LoadOptions{})
				if err != nil {
					t.Fatalf("load %s: %v", from, err)
				}
				if got1.Format != from {
					t.Fatalf("detected %s, want %s (%s)", got1.Format, from, got1.Why)
				}
				// What the CLI's --api-id and --user-id flags would supply.
				if !kept[from].api {
					got1.APIID = want.APIID
				}
				if !kept[from].user {
					got1.UserID = want.UserID
				}
				got2, err := Load(produce(t, got1, to), LoadOptions{})
				if err != nil {
					t.Fatalf("load %s: %v", to, err)
				}
				checkSame(t, got2, want, kept[from], kept[to])
			})
		}
	}
}

func TestRoundTripFromTData(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t, 9)
	sessionstest.WriteTData(t, dir, sessionstest.TData{UserID: 42, DC: 2, Key: key})
	src, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src.APIID = 777
	for _, to := range Writable {
		t.Run(string(to), func(t *testing.T) {
			got, err := Load(produce(t, src, to), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.AuthKey, key) || got.DC != 2 || got.KeyID() != KeyIDOf(key) {
				t.Errorf("%s: dc %d key id %s, want dc 2 key id %s", to, got.DC, got.KeyID(), KeyIDOf(key))
			}
			if kept[to].user && got.UserID != 42 {
				t.Errorf("user id %d, want 42", got.UserID)
			}
		})
	}
}

func checkSame(t *testing.T, got, want *Session, from, to records) {
	t.Helper()
	if !bytes.Equal(got.AuthKey, want.AuthKey) {
		t.Fatalf("key changed")
	}
	if got.DC != want.DC || got.KeyID() != want.KeyID() {
		t.Errorf("dc %d key %s, want dc %d key %s", got.DC, got.KeyID(), want.DC, want.KeyID())
	}
	// DC 2's address survives even through Pyrogram, which stores only the
	// DC id, because the well-known address is filled back in.
	if got.HostPort() == "" {
		t.Errorf("no address after the round trip")
	}
	if from.addr && to.addr && got.HostPort() != want.HostPort() {
		t.Errorf("addr %s, want %s", got.HostPort(), want.HostPort())
	}
	if to.user && got.UserID != want.UserID {
		t.Errorf("user id %d, want %d", got.UserID, want.UserID)
	}
	if to.api && got.APIID != want.APIID {
		t.Errorf("api id %d, want %d", got.APIID, want.APIID)
	}
}

// Our writers must produce what the reference readers accept: gotd's own
// decoder of Telethon strings is one we can run here.
func TestTelethonStringReadByGotd(t *testing.T) {
	for _, addr := range []string{"149.154.167.51", "2001:67c:4e8:f002::a"} {
		s := base(t)
		s.Addr = addr
		str, err := Encode(s, Telethon)
		if err != nil {
			t.Fatal(err)
		}
		wantLen := 1 + telethonIPv4Chars
		if strings.Contains(addr, ":") {
			wantLen = 1 + telethonIPv6Chars
		}
		if len(str) != wantLen {
			t.Errorf("%s: string is %d characters, want %d", addr, len(str), wantLen)
		}
		d, err := gotdsession.TelethonSession(string(str))
		if err != nil {
			t.Fatalf("gotd cannot read our Telethon string: %v", err)
		}
		if !bytes.Equal(d.AuthKey, s.AuthKey) || d.DC != s.DC || d.Addr != s.HostPort() {
			t.Errorf("gotd read dc %d addr %s", d.DC, d.Addr)
		}
		// GramJS reads Telethon strings too.
		g, err := DecodeString(string(str), GramJS)
		if err != nil || g.Format != Telethon || g.HostPort() != s.HostPort() {
			t.Errorf("GramJS reading of a Telethon string: %v %+v", err, g)
		}
	}
}

func TestPyrogramOldLayouts(t *testing.T) {
	key := testKey(t, 5)
	old := append([]byte{3, 1}, key...)
	old = append(old, 0, 0, 0x30, 0x39, 1) // user 12345 (u32), bot
	old64 := append([]byte{3, 0}, key...)
	old64 = append(old64, 0, 0, 0, 1, 0, 0, 0, 2, 0) // user 2^32+2 (u64), not a bot
	tests := []struct {
		raw      []byte
		chars    int
		user     int64
		bot, tst bool
	}{
		{old, pyrogramOldChars, 12345, true, true},
		{old64, pyrogramOld64Chars, 1<<32 + 2, false, false},
	}
	for _, tt := range tests {
		str := base64.RawURLEncoding.EncodeToString(tt.raw)
		if len(str) != tt.chars {
			t.Fatalf("fixture is %d characters, want %d", len(str), tt.chars)
		}
		s, err := Load(str, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Format != Pyrogram || s.DC != 3 || s.UserID != tt.user || s.IsBot != tt.bot || s.TestMode != tt.tst || !bytes.Equal(s.AuthKey, key) {
			t.Errorf("%d chars: got %+v", tt.chars, s)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := base(t)
	tele, _ := Encode(good, Telethon)
	pyro, _ := Encode(good, Pyrogram)
	gram, _ := Encode(good, GramJS)
	gotdJSON, _ := Encode(good, Gotd)

	dir := t.TempDir()
	tsql := filepath.Join(dir, "t.session")
	if err := WriteFile(tsql, good, TelethonSQLite, false); err != nil {
		t.Fatal(err)
	}
	full, _ := os.ReadFile(tsql)
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	foreign := filepath.Join(dir, "foreign.db")
	execSQLite(t, foreign, `create table notes (id integer primary key, body text)`)
	wrongVersion := filepath.Join(dir, "v9.session")
	execSQLite(t, wrongVersion,
		`create table version (version integer primary key)`, `insert into version values (9)`,
		`create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob)`)
	noKey := filepath.Join(dir, "nokey.session")
	execSQLite(t, noKey,
		`create table version (number integer primary key)`, `insert into version values (3)`,
		`create table sessions (dc_id integer primary key, api_id integer, test_mode integer, auth_key blob, date integer, user_id integer, is_bot integer)`,
		`insert into sessions values (2, null, null, null, 0, null, null)`)

	tests := []struct {
		name, input string
		want        string // substring of the one-line error
	}{
		{"telethon short", string(tele[:len(tele)-8]), "telethon session: "},
		{"telethon bad base64", string(tele[:100]) + "!" + string(tele[101:]), "telethon session: bad url-safe base64"},
		{"pyrogram wrong length", string(pyro[:300]), "pyrogram session: 300 characters decode to 225 bytes"},
		{"gramjs short key", string(gram[:len(gram)-12]), "gramjs session: key is"},
		{"gotd wrong version", strings.Replace(string(gotdJSON), `"Version":1`, `"Version":2`, 1), "gotd session: version 2"},
		{"gotd short key", `{"Version":1,"Data":{"DC":2,"AuthKey":"AAAA"}}`, "gotd session: AuthKey is 3 bytes"},
		{"gotd not json", "{nope", "gotd session: bad JSON"},
		{"garbage", "hello world", `"hello world": no such file or directory, and not a session string`},
		{"missing file", "./nope.session", "nope.session"},
		{"truncated sqlite", file("trunc.session", full[:2000]), "sqlite session: "},
		{"sqlite header only", file("hdr.session", full[:10]), "sqlite session: "},
		{"foreign sqlite", foreign, "no session tables of a known library in this database (tables: notes)"},
		{"telethon schema 9", wrongVersion, "telethon-sqlite session: schema version 9"},
		{"pyrogram without key", noKey, "pyrogram-sqlite session: no auth key"},
		{"not tdata", dir, "not a Telegram Desktop tdata folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(tt.input, LoadOptions{})
			if err == nil {
				t.Fatalf("loaded %s from bad input", s.Format)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
			if !IsBadInput(err) {
				t.Errorf("%v is not classified as bad input", err)
			}
		})
	}
}

func TestWriteRefusals(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "x.session")
	os.WriteFile(existing, []byte("keep"), 0o600)
	s := base(t)
	noAPI := base(t)
	noAPI.APIID = 0
	noUser := base(t)
	noUser.UserID = 0
	highPort := base(t)
	highPort.Port = 40000

	tests := []struct {
		name  string
		s     *Session
		to    Format
		path  string
		field Field // wanted MissingFieldError.Field
		want  string
	}{
		{name: "exists", s: s, to: TelethonSQLite, path: existing, want: "file exists"},
		{name: "exists string format", s: s, to: Telethon, path: existing, want: "file exists"},
		{name: "pyrogram needs api id", s: noAPI, to: Pyrogram, field: FieldAPIID},
		{name: "pyrogram sqlite needs user id", s: noUser, to: PyrogramSQLite, field: FieldUserID},
		{name: "gramjs port", s: highPort, to: GramJS, want: "cannot store port 40000"},
		{name: "tdata", s: s, to: TData, want: "read only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = filepath.Join(t.TempDir(), "out")
			}
			err := WriteFile(path, tt.s, tt.to, false)
			if err == nil {
				t.Fatal("written")
			}
			if tt.field != "" {
				me, ok := err.(*MissingFieldError)
				if !ok || me.Field != tt.field {
					t.Fatalf("error %v, want missing %s", err, tt.field)
				}
			} else if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.path == "" {
				if _, err := os.Stat(path); err == nil {
					t.Errorf("a file was written")
				}
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep" {
		t.Errorf("existing file changed to %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// Pyrogram files upgraded from v2 have api_id as the last column.
func TestPyrogramUpgradedColumnOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "up.session")
	key := testKey(t, 6)
	execSQLite(t, path,
		`create table version (number integer primary key)`, `insert into version values (3)`,
		`create table sessions (dc_id integer primary key, test_mode integer, auth_key blob, date integer not null, user_id integer, is_bot integer)`,
		`alter table sessions add api_id integer`,
		`insert into sessions values (5, 0, x'`+hexOf(key)+`', 0, 99, 1, 4242)`)
	s, err := Load(path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != PyrogramSQLite || s.APIID != 4242 || s.UserID != 99 || !s.IsBot || s.DC != 5 {
		t.Errorf("got %+v", s)
	}
}

// Telethon 2's schema (still moving): one datacenter row per DC, the user
// row names the home DC.
func TestTelethonV2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.session")
	key, other := testKey(t, 10), testKey(t, 11)
	execSQLite(t, path,
		`create table version (version integer primary key)`, `insert into version values (10)`,
		`create table datacenter (id integer primary key, addr text not null, auth blob)`,
		`create table user (id integer primary key, dc integer not null, bot integer not null)`,
		`insert into datacenter values (1, '149.154.175.53:443', x'`+hexOf(other)+`')`,
		`insert into datacenter values (4, '149.154.167.91:443', x'`+hexOf(key)+`')`,
		`insert into user values (777, 4, 1)`)
	s, err := Load(path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != TelethonSQLite || s.DC != 4 || s.HostPort() != "149.154.167.91:443" || s.UserID != 777 || !s.IsBot || !bytes.Equal(s.AuthKey, key) {
		t.Errorf("got %s dc %d %s user %d bot %v", s.Format, s.DC, s.HostPort(), s.UserID, s.IsBot)
	}
	if !strings.Contains(s.Version, "Telethon 2") {
		t.Errorf("version %q", s.Version)
	}
}
