package sessions

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tgpfs/sessions/safetext"
	"tgpfs/sessions/sessionstest"
)

// pattern is a key the mtcute fixture script uses: f(i) for i in 0..255.
func pattern(f func(i int) byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = f(i)
	}
	return k
}

var (
	mtcutePerm  = pattern(func(i int) byte { return byte(i) })
	mtcuteTemp0 = pattern(func(i int) byte { return byte(255 - i) })
	mtcuteTemp1 = pattern(func(i int) byte { return byte(i*7 + 3) })
)

// mtcuteFacts is testdata/mtcute/facts.json, what make.mjs gave mtcute.
type mtcuteFacts struct {
	Library  string `json:"library"`
	DC       int    `json:"dc"`
	Addr     string `json:"addr"`
	Port     int    `json:"port"`
	UserID   int64  `json:"user_id"`
	TempKeys []struct {
		DC      int   `json:"dc"`
		Idx     int   `json:"idx"`
		Expires int64 `json:"expires"`
	} `json:"temp_keys"`
}

func readFacts(t *testing.T) mtcuteFacts {
	t.Helper()
	b, err := os.ReadFile("testdata/mtcute/facts.json")
	if err != nil {
		t.Fatal(err)
	}
	var f mtcuteFacts
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// The storage and the string mtcute 0.30.3 itself wrote (make.mjs) read
// back to what went in, temporary keys and their expiry included.
func TestMtcuteFixtures(t *testing.T) {
	facts := readFacts(t)
	str, err := os.ReadFile("testdata/mtcute/string.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"testdata/mtcute/storage.session", strings.TrimSpace(string(str))} {
		s, err := Load(in, LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", safetext.Redact(in), err)
		}
		if !bytes.Equal(s.AuthKey, mtcutePerm) || s.DC != facts.DC || s.Addr != facts.Addr || s.Port != facts.Port || s.UserID != facts.UserID || s.IsBot {
			t.Errorf("%s: dc %d %s user %d bot %v, key equal %v", s.Format, s.DC, s.HostPort(), s.UserID, s.IsBot, bytes.Equal(s.AuthKey, mtcutePerm))
		}
		if !s.TestModeKnown || s.TestMode {
			t.Errorf("%s: test mode %v known %v", s.Format, s.TestMode, s.TestModeKnown)
		}
		if s.Format == Mtcute {
			if len(s.TempKeys) != 0 || s.Records().TempKeys {
				t.Errorf("mtcute string: %d temp keys", len(s.TempKeys))
			}
			continue
		}
		if s.Format != MtcuteSQLite {
			t.Fatalf("detected %s", s.Format)
		}
		want := []TempKey{
			{DC: 2, Index: 0, Key: mtcuteTemp0, ExpiresAt: time.Unix(facts.TempKeys[0].Expires, 0).UTC()},
			{DC: 2, Index: 1, Key: mtcuteTemp1, ExpiresAt: time.Unix(facts.TempKeys[1].Expires, 0).UTC()},
		}
		if len(s.TempKeys) != len(want) {
			t.Fatalf("%d temp keys, want %d", len(s.TempKeys), len(want))
		}
		for i, k := range s.TempKeys {
			w := want[i]
			if k.DC != w.DC || k.Index != w.Index || !bytes.Equal(k.Key, w.Key) || !k.ExpiresAt.Equal(w.ExpiresAt) {
				t.Errorf("temp key %d: dc %d #%d expires %v, want dc %d #%d expires %v", i, k.DC, k.Index, k.ExpiresAt, w.DC, w.Index, w.ExpiresAt)
			}
		}
	}
}

// live.session was written by mtcute's network manager itself, after it
// made and bound a temporary key on a local DC: the expiry it stored is a
// day after the key was made, in milliseconds (not the seconds mtcute's
// repository interface documents).
func TestMtcuteLiveFixture(t *testing.T) {
	s, err := Load("testdata/mtcute/live.session", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != MtcuteSQLite || s.DC != 2 || len(s.TempKeys) != 1 {
		t.Fatalf("%s dc %d, %d temp keys", s.Format, s.DC, len(s.TempKeys))
	}
	fi, err := os.Stat("testdata/mtcute/live.session")
	if err != nil {
		t.Fatal(err)
	}
	k := s.TempKeys[0]
	// The fixture was made on 2026-12-01; a day later, give or take the
	// clock skew of a machine, is when its key expires.
	made := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if k.ExpiresAt.Before(made.Add(24*time.Hour)) || k.ExpiresAt.After(made.Add(49*time.Hour)) {
		t.Errorf("expires %v, want a day after %v (file written %v)", k.ExpiresAt, made, fi.ModTime())
	}
	if k.KeyID() == s.KeyID() {
		t.Error("temp key id equals the permanent key id")
	}
	if s.Records().UserID || s.Records().Addr {
		t.Errorf("records %+v for a storage that never logged in", s.Records())
	}
}

func TestMtcuteExpiryUnits(t *testing.T) {
	at := time.Date(2026, 12, 2, 14, 28, 5, 0, time.UTC)
	for _, v := range []int64{at.Unix(), at.UnixMilli()} {
		if got := mtcuteExpiry(v); !got.Equal(at) {
			t.Errorf("mtcuteExpiry(%d) = %v, want %v", v, got, at)
		}
	}
}

func TestTelethonV8(t *testing.T) {
	key, tmp := testKey(t, 8), testKey(t, 80)
	tests := []struct {
		name        string
		fx          sessionstest.TelethonV8
		wantTemp    bool
		wantTakeout int64
		note        string
	}{
		{name: "stored", fx: sessionstest.TelethonV8{TmpKey: tmp, Stored: true}, wantTemp: true},
		{name: "not stored", fx: sessionstest.TelethonV8{TmpKey: tmp}},
		{name: "stored, loaded and saved again", fx: sessionstest.TelethonV8{TmpKey: tmp, Stored: true, Reloaded: true}, wantTemp: true, note: "sits in the takeout_id column"},
		{name: "takeout, loaded and saved again", fx: sessionstest.TelethonV8{TakeoutID: 77, Reloaded: true}, wantTakeout: 77, note: "takeout id sits in the tmp_auth_key column"},
		{name: "upgraded from 7", fx: sessionstest.TelethonV8{TakeoutID: 5, Upgraded: true}, wantTakeout: 5},
		{name: "WAL journal", fx: sessionstest.TelethonV8{TmpKey: tmp, Stored: true, WAL: true}, wantTemp: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v8.session")
			fx := tt.fx
			fx.DC, fx.Addr, fx.Port, fx.Key = 4, "149.154.167.91", 443, key
			sessionstest.WriteTelethonV8(t, path, fx)
			s, err := Load(path, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != TelethonSQLite || s.Version != "schema 8" || s.DC != 4 || !bytes.Equal(s.AuthKey, key) || !s.Records().TempKeys {
				t.Fatalf("got %s %s dc %d records %+v", s.Format, s.Version, s.DC, s.Records())
			}
			if got := len(s.TempKeys) == 1 && bytes.Equal(s.TempKeys[0].Key, tmp); got != tt.wantTemp {
				t.Errorf("temp key read %v, want %v (%d keys)", got, tt.wantTemp, len(s.TempKeys))
			}
			if tt.wantTemp && (s.TempKeys[0].DC != 4 || !s.TempKeys[0].ExpiresAt.IsZero()) {
				t.Errorf("temp key dc %d expires %v: Telethon records no expiry", s.TempKeys[0].DC, s.TempKeys[0].ExpiresAt)
			}
			if s.TakeoutID != tt.wantTakeout {
				t.Errorf("takeout %d, want %d", s.TakeoutID, tt.wantTakeout)
			}
			if tt.note != "" && !strings.Contains(strings.Join(s.Extra, "\n"), tt.note) {
				t.Errorf("notes %q lack %q", s.Extra, tt.note)
			}
		})
	}
}

func TestJudgeTempKeys(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	live := TempKey{DC: 2, Key: testKey(t, 1), ExpiresAt: now.Add(time.Hour)}
	dead := TempKey{DC: 2, Key: testKey(t, 2), ExpiresAt: now.Add(-time.Hour)}
	unknown := TempKey{DC: 2, Key: testKey(t, 3)}
	tests := []struct {
		name   string
		s      *Session
		ok     bool
		stored int
		live   int
		want   string
	}{
		{"a format without temp keys", &Session{Format: Telethon}, true, 0, 0, "this telethon string has no place for temporary keys"},
		{"storage with none stored", &Session{Format: MtcuteSQLite}, true, 0, 0, "no temporary key stored"},
		{"one live", &Session{Format: MtcuteSQLite, TempKeys: []TempKey{live}}, false, 1, 1, "under it (and use it until it expires)"},
		{"one expired", &Session{Format: MtcuteSQLite, TempKeys: []TempKey{dead}}, false, 1, 0, "(an expired key still decrypts it)"},
		{"two expired", &Session{Format: MtcuteSQLite, TempKeys: []TempKey{dead, dead}}, false, 2, 0, "(expired keys still decrypt it)"},
		{"one of two live", &Session{Format: MtcuteSQLite, TempKeys: []TempKey{dead, live}}, false, 2, 1, "use the live one until it expires"},
		{"no expiry recorded", &Session{Format: TelethonSQLite, TempKeys: []TempKey{unknown}}, false, 1, 1, "may still use it: the file records no expiry"},
		{"two of three live", &Session{Format: MtcuteSQLite, TempKeys: []TempKey{live, live, dead}}, false, 3, 2, "the 2 live ones until they expire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := JudgeTempKeys(tt.s, now)
			if v.OK != tt.ok || v.Stored != tt.stored || v.Live != tt.live || !strings.Contains(v.Text, tt.want) {
				t.Errorf("got %+v, want ok %v stored %d live %d text with %q", v, tt.ok, tt.stored, tt.live, tt.want)
			}
			if !v.OK && !strings.Contains(v.Text, "gives back part of what PFS gives") {
				t.Errorf("a stored key's verdict does not say what it costs: %q", v.Text)
			}
		})
	}
	if live.State(now) != TempKeyLive || dead.State(now) != TempKeyExpired || unknown.State(now) != TempKeyExpiryUnknown {
		t.Error("states")
	}
	if dead.State(dead.ExpiresAt) != TempKeyExpired {
		t.Error("a key is expired at its expiry")
	}
}

// mtcuteReadScript makes mtcute read a string and a storage we wrote, and
// print what it sees.
const mtcuteReadScript = `
import { SqliteStorage, TelegramClient } from '@mtcute/node'
const [str, file] = process.argv.slice(-2)
const a = new TelegramClient({ apiId: 1, apiHash: '0', storage: new SqliteStorage(':memory:') })
await a.importSession(str)
const ours = await a.exportSession()
await a.destroy()
const storage = new SqliteStorage(file)
const b = new TelegramClient({ apiId: 1, apiHash: '0', storage })
await b.prepare()
const key = await storage.authKeys.get(2)
const self = await b.storage.self.fetch()
console.log(JSON.stringify({ roundtrip: ours === str, key: Buffer.from(key ?? []).toString('hex'), self }))
await b.destroy()
`

// TestMtcuteInterop has mtcute itself read what our writers produce, where
// the fixture folder's npm packages are installed (npm ci in
// sessions/testdata/mtcute).
func TestMtcuteInterop(t *testing.T) {
	dir, err := filepath.Abs("testdata/mtcute")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@mtcute", "node")); err != nil {
		t.Skip("mtcute is not installed: npm ci in sessions/testdata/mtcute")
	}
	s := base(t)
	str, err := Encode(s, Mtcute)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ours.session")
	if err := WriteFile(file, s, MtcuteSQLite, false); err != nil {
		t.Fatal(err)
	}
	// -e resolves @mtcute/node from the working directory.
	cmd := exec.Command(node, "--input-type=module", "-e", mtcuteReadScript, "--", string(str), file)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("mtcute: %v\n%s", err, stderr)
	}
	var got struct {
		Roundtrip bool   `json:"roundtrip"`
		Key       string `json:"key"`
		Self      struct {
			UserID int64 `json:"userId"`
			IsBot  bool  `json:"isBot"`
		} `json:"self"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if !got.Roundtrip {
		t.Error("mtcute re-exports our string differently")
	}
	if got.Key != hexOf(s.AuthKey) || got.Self.UserID != s.UserID {
		t.Errorf("mtcute reads our storage as key %.16s… user %d", got.Key, got.Self.UserID)
	}
}
