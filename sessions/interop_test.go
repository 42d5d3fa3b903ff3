package sessions

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// telethonScript reads a string and a .session with Telethon itself and
// prints what Telethon sees, then writes a string and a .session for us.
const telethonScript = `
import sys, hashlib, struct
from telethon.sessions import StringSession, SQLiteSession
from telethon.crypto import AuthKey
def kid(k): return "%016x" % struct.unpack('<Q', hashlib.sha1(k).digest()[12:20])[0]
s = StringSession(sys.argv[1])
print(s.dc_id, s.server_address, s.port, kid(s.auth_key.key))
q = SQLiteSession(sys.argv[2])
print(q.dc_id, q.server_address, q.port, kid(q.auth_key.key))
q.close()
key = bytes(range(256))
o = StringSession()
o.set_dc(4, '2001:67c:4e8:f004::a', 443)
o.auth_key = AuthKey(key)
print(o.save())
w = SQLiteSession(sys.argv[3])
w.set_dc(5, '91.108.56.130', 443)
w.auth_key = AuthKey(key)
w.save(); w.close()
`

// TestTelethonInterop checks our Telethon writers and readers against
// Telethon itself, where it is installed (Debian: python3-telethon).
func TestTelethonInterop(t *testing.T) {
	// Debian's package installs for the system python, which a pyenv
	// or venv python3 earlier in PATH does not see.
	py := ""
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(name); err == nil && exec.Command(p, "-c", "import telethon").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("Telethon is not installed for python3 (apt-get install python3-telethon)")
	}
	dir := t.TempDir()
	s := base(t)
	str, err := Encode(s, Telethon)
	if err != nil {
		t.Fatal(err)
	}
	ours := filepath.Join(dir, "ours.session")
	if err := WriteFile(ours, s, TelethonSQLite, false); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(dir, "theirs.session")
	var stderr bytes.Buffer
	cmd := exec.Command(py, "-c", telethonScript, string(str), ours, theirs)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("telethon: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("telethon printed %q", out)
	}
	want := "2 149.154.167.51 443 " + s.KeyID().String()
	for i, what := range []string{"string", ".session"} {
		if lines[i] != want {
			t.Errorf("Telethon reads our %s as %q, want %q", what, lines[i], want)
		}
	}
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = byte(i)
	}
	for _, in := range []string{lines[2], theirs} {
		got, err := Load(in, LoadOptions{})
		if err != nil {
			t.Fatalf("reading Telethon's own output: %v", err)
		}
		if !bytes.Equal(got.AuthKey, key) || got.DC == 0 || got.Addr == "" {
			t.Errorf("%s: dc %d addr %q", got.Format, got.DC, got.Addr)
		}
	}
}
