package app

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tgpfs/sessions"
	"tgpfs/sessions/sessionstest"
)

func TestDefaultsAreValid(t *testing.T) {
	a, err := New(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if a.phone != TestPhone(DefaultDC) || a.cluster.DCs() != DefaultDCs || a.cfg.TTL != DefaultTTL {
		t.Fatalf("defaults: phone %q, %d DCs, ttl %s", a.phone, a.cluster.DCs(), a.cfg.TTL)
	}
	var out bytes.Buffer
	if err := a.WriteDryRun(&out, false); err != nil || !strings.Contains(out.String(), localAddrPlaceholder) {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
}

func TestMaxTTL(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	want := (time.Duration(maxInt32-1_700_000_000)*time.Second - time.Hour).Truncate(time.Hour)
	if got := MaxTTL(now); got != want {
		t.Fatalf("MaxTTL = %s, want %s", got, want)
	}
	if got := MaxTTL(time.Unix(maxInt32, 0)); got != 0 {
		t.Fatalf("MaxTTL in 2038 = %s, want 0: nothing fits any more", got)
	}
	if got := MaxTTL(time.Unix(0, 0)); got != (maxInt32*time.Second - time.Hour).Truncate(time.Hour) {
		t.Fatalf("MaxTTL in 1970 = %s, want expires_in's own bound", got)
	}
	for _, tc := range []struct {
		ttl time.Duration
		ok  bool
	}{{want, true}, {want + time.Hour, false}, {time.Second, true}, {time.Second - 1, false}} {
		cfg := Defaults()
		cfg.Clock = func() time.Time { return now }
		cfg.TTL = tc.ttl
		if _, err := New(cfg); (err == nil) != tc.ok {
			t.Errorf("--ttl %s: %v, want ok %v", tc.ttl, err, tc.ok)
		}
	}
}

// Every refusal of New is an *InputError naming the flag.
func TestNewRefuses(t *testing.T) {
	dir := t.TempDir()
	onDC4 := sessionString(t, 4)
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"--dc", func(c *Config) { c.Env = "mars" }},
		{"--dc-id", func(c *Config) { c.DC = 0 }},
		{"--dc-id", func(c *Config) { c.Env, c.DC = "prod", 6 }},
		{"--transport", func(c *Config) { c.Transport = "pigeon" }},
		{"--proxy", func(c *Config) { c.Proxy = "nohost" }},
		{"--app-id", func(c *Config) { c.AppID = maxInt32 + 1 }},
		{"--app-id", func(c *Config) { c.AppID = 5 }},
		{"environment", func(c *Config) { c.Getenv = env("TG_APP_ID", "x", "TG_APP_HASH", "h") }},
		{"TG_APP_ID/TG_APP_HASH", func(c *Config) { c.Getenv = env("TG_APP_ID", "99999999999", "TG_APP_HASH", "h") }},
		{"--ttl", func(c *Config) { c.TTL = 0 }},
		{"--ttl", func(c *Config) { c.TTL = 1500 * time.Millisecond }},
		{"--ttl", func(c *Config) { c.Env, c.TTL = "test", 59*time.Second }},
		{"--session", func(c *Config) { c.Session = "not a session" }},
		{"--session", func(c *Config) { c.Session = onDC4 }},
		{"--phone", func(c *Config) { c.Phone = "12" }},
		{"--phone", func(c *Config) { c.Phone, c.NoLogin = "9996621234", true }},
		{"--phone", func(c *Config) { c.Phone, c.Env = "9996621234", "prod" }},
		{"--dcs", func(c *Config) { c.Cluster.DCs = 0 }},
		{"--listen", func(c *Config) { c.Cluster.Listen = "127.0.0.1" }},
		{"--max-ttl", func(c *Config) { c.Cluster.MaxTTL = 0 }},
		{"--key", func(c *Config) { c.Cluster.KeyPath = dir }},
		{"--state", func(c *Config) { c.Cluster.StatePath = dir }},
		{"--bot", func(c *Config) { c.Cluster.Bots = []string{"x"} }},
		{"--fresh-reset", func(c *Config) { c.Cluster.FreshReset = -time.Second }},
		{"--password", func(c *Config) { c.Cluster.Passwords = []string{"9996621234"} }},
	} {
		cfg := Defaults()
		cfg.Getenv = env()
		tc.edit(&cfg)
		_, err := New(cfg)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Name != tc.name {
			t.Errorf("%s: New = %v, want an *InputError about %s", tc.name, err, tc.name)
		}
	}
}

// A session's DC becomes the home DC; a session decides the login.
func TestSessionDecidesDCAndLogin(t *testing.T) {
	cfg := Defaults()
	cfg.Session = sessionString(t, 3)
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.cfg.DC != 3 || a.phone != "" || len(a.Warnings()) != 1 || !strings.Contains(a.Warnings()[0], "AUTH_KEY_DUPLICATED") {
		t.Fatalf("dc %d, phone %q, warnings %q", a.cfg.DC, a.phone, a.Warnings())
	}
}

func sessionString(t *testing.T, dc int) string {
	t.Helper()
	b, err := sessions.Encode(&sessions.Session{DC: dc, Addr: "127.0.0.1", Port: 443, AuthKey: sessionstest.Key(1)}, sessions.Telethon)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestParseBot(t *testing.T) {
	const secret = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	for _, tc := range []struct {
		in     string
		dcs    int
		token  string
		dc     int
		errHas string
	}{
		{"123:" + secret, 3, "123:" + secret, 2, ""},
		{"123:" + secret, 1, "123:" + secret, 1, ""},
		{"123:" + secret + "@3", 3, "123:" + secret, 3, ""},
		{"123:" + secret + "@4", 3, "", 0, "want 1..3"},
		{"123:" + secret + "@", 3, "", 0, "not a DC number"},
		{"0123:" + secret, 3, "", 0, "not a bot id"},
		{secret, 3, "", 0, "<34 characters hidden>"},
		{"123:short", 3, "", 0, "too short"},
	} {
		token, dc, err := parseBot(tc.in, tc.dcs)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) || strings.Contains(err.Error(), secret) {
				t.Errorf("parseBot(%q) = %v; want an error with %q and no secret", tc.in, err, tc.errHas)
			}
			continue
		}
		if err != nil || token != tc.token || dc != tc.dc {
			t.Errorf("parseBot(%q, %d) = %q, %d, %v; want %q on DC %d", tc.in, tc.dcs, token, dc, err, tc.token, tc.dc)
		}
	}
}

func TestParsePasswords(t *testing.T) {
	const secret = "correct horse battery"
	for _, tc := range []struct {
		in     []string
		want   map[string]string
		errHas string
	}{
		{[]string{"9996621234=" + secret}, map[string]string{"9996621234": secret}, ""},
		{[]string{"+99966 3 1234=" + secret, "9996611234=a=b"}, map[string]string{"9996631234": secret, "9996611234": "a=b"}, ""},
		{[]string{secret}, nil, "--password <21 characters hidden>: want PHONE=PASSWORD"},
		{[]string{secret + "=9996621234"}, nil, "with a test phone 99966XYYYY before the ="},
		{[]string{"12345=" + secret}, nil, "with a test phone"},
		{[]string{"9996641234=" + secret}, nil, "--password 9996641234=<21 characters hidden>: the phone lives on DC 4; the cluster has 3"},
		{[]string{"9996621234="}, nil, "want a password of 1..256 bytes"},
		{[]string{"9996621234=" + strings.Repeat("x", 257)}, nil, "1..256 bytes"},
		{[]string{"9996621234=" + secret, "+9996621234=" + secret + "!"}, nil, "given already"},
	} {
		got, err := ClusterConfig{DCs: 3, Passwords: tc.in}.passwords()
		if tc.errHas != "" {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Name != "--password" || !strings.Contains(err.Error(), tc.errHas) || strings.Contains(err.Error(), secret) {
				t.Errorf("passwords(%q) = %v; want an --password error with %q and no password", tc.in, err, tc.errHas)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("passwords(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestRedaction(t *testing.T) {
	const s = "1BVtsOK4Bu0123456789abcdefghijklmnopqrstuvwxyz"
	// A --session that is no path is named as every session input is
	// (sessions/safetext.Redact): an excerpt and its length.
	if got := sessionValue(s); got != `"1BVt…" (46 characters)` {
		t.Errorf("sessionValue = %q", got)
	}
	if got := sessionValue("short"); got != "<5 characters hidden>" {
		t.Errorf("sessionValue(short) = %q", got)
	}
	for _, msg := range []string{`proxy "x:1:` + s + `": bad`, "proxy x:1:" + s, `say "a\"` + s + `"`} {
		if got := scrub(msg, s); strings.Contains(got, s) || !strings.Contains(got, "hidden") {
			t.Errorf("scrub(%q) = %q", msg, got)
		}
	}
	if got := scrub("the part is too short", "short"); got != "the part is too short" {
		t.Errorf("a short secret scrubbed ordinary words: %q", got)
	}
}

func TestCheckOutputPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		force  bool
		errHas string
	}{
		{filepath.Join(dir, "new"), false, ""},
		{file, true, ""},
		{file, false, "exists; use --force"},
		{link, true, "a symbolic link"},
		{fifo, true, "a FIFO"},
		{dir, true, "a directory"},
		{filepath.Join(dir, "no", "new"), false, "no such file"},
		{filepath.Join(file, "new"), false, "not a directory"},
		{"", false, "want a path"},
	} {
		err := CheckOutputPath("--out", tc.path, tc.force)
		if (tc.errHas == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("CheckOutputPath(%q, force %v) = %v, want %q", tc.path, tc.force, err, tc.errHas)
		}
	}
	if err := checkState(link); err == nil || !strings.Contains(err.Error(), "a symbolic link") {
		t.Errorf("--state through a symlink: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("the checks left files behind: %v", entries)
	}
}
