package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"tgpfs/sessions"
)

type auditJSON struct {
	PermKey struct {
		ID     string `json:"id"`
		Source string `json:"source"`
	} `json:"perm_key"`
	TempKey struct {
		ID          string `json:"id"`
		ExpiresAt   int64  `json:"expires_at"`
		Bound       bool   `json:"bound"`
		RotatedFrom string `json:"rotated_from"`
	} `json:"temp_key"`
	Handshake struct {
		Checks []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"checks"`
	} `json:"handshake"`
	Steps []struct {
		Name       string  `json:"name"`
		OK         bool    `json:"ok"`
		DurationMS float64 `json:"duration_ms"`
	} `json:"steps"`
	Dropped    []string `json:"dropped"`
	OK         bool     `json:"ok"`
	BindFailed []struct {
		Type   string `json:"Type"`
		Advice string `json:"Advice"`
	} `json:"bind_failures"`
}

func decodeAudit(t *testing.T, out string) auditJSON {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	var rep auditJSON
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatal("stdout holds more than one JSON document")
	}
	return rep
}

var hexID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestAuditLocalJSON(t *testing.T) {
	code, out, errOut := runSessionCLI("", nil, "audit", "--json", "--ttl", "10m")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	rep := decodeAudit(t, out)
	if !rep.OK || !hexID.MatchString(rep.PermKey.ID) || !hexID.MatchString(rep.TempKey.ID) || !rep.TempKey.Bound {
		t.Fatalf("report %+v", rep)
	}
	if d := time.Until(time.Unix(rep.TempKey.ExpiresAt, 0)); d < 8*time.Minute || d > 12*time.Minute {
		t.Fatalf("expires_at is %v away, want about 10m", d)
	}
	if len(rep.Handshake.Checks) < 15 {
		t.Fatalf("%d checks", len(rep.Handshake.Checks))
	}
	for _, c := range rep.Handshake.Checks {
		if !c.OK {
			t.Errorf("check %s failed", c.Name)
		}
	}
	want := []string{"connect", "get_config", "rotate", "drop", "get_config_after_drop"}
	if len(rep.Steps) != len(want) {
		t.Fatalf("steps %+v", rep.Steps)
	}
	for i, s := range rep.Steps {
		if s.Name != want[i] || !s.OK {
			t.Errorf("step %d = %+v, want %s ok", i, s, want[i])
		}
	}
	if len(rep.Dropped) != 1 || rep.Dropped[0] != rep.TempKey.RotatedFrom || rep.TempKey.RotatedFrom == rep.TempKey.ID {
		t.Fatalf("dropped %v, rotated from %s", rep.Dropped, rep.TempKey.RotatedFrom)
	}
}

func TestAuditText(t *testing.T) {
	code, out, _ := runSessionCLI("", nil, "audit", "--dc-id", "1")
	if code != 0 || !strings.Contains(out, "PASS: every check and step passed") || !strings.Contains(out, "[ok  ] new_nonce_hash1") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// A session's permanent key the local DC never saw: the bind fails with
// ENCRYPTED_MESSAGE_INVALID and the audit exits 1 with the spec's advice.
func TestAuditSessionKeyUnknownToDC(t *testing.T) {
	var str string
	for _, f := range sessions.Writable {
		if f.IsString() {
			b, err := sessions.Encode(fixtureSession(), f)
			if err != nil {
				t.Fatal(err)
			}
			str = string(b)
			break
		}
	}
	code, out, _ := runSessionCLI("", nil, "audit", "--json", "--session", str)
	if code != ExitFailure {
		t.Fatalf("exit %d\n%s", code, out)
	}
	rep := decodeAudit(t, out)
	if rep.OK || len(rep.BindFailed) == 0 || rep.BindFailed[0].Type != "ENCRYPTED_MESSAGE_INVALID" ||
		!strings.Contains(rep.BindFailed[0].Advice, "drop both keys") {
		t.Fatalf("report %+v", rep)
	}
	if !strings.Contains(rep.PermKey.Source, "session") {
		t.Fatalf("perm key source %q", rep.PermKey.Source)
	}
}

func TestAuditBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"audit", "--dc", "mars"},
		{"audit", "--dc-id", "9"},
		{"audit", "--session", "not a session at all"},
		{"audit", "--ttl", "0s"},
	} {
		if code, out, _ := runSessionCLI("", nil, args...); code != ExitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
	}
}
