package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func runTarget(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(args, &IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(k string) string { return env[k] }})
	return out.String(), errOut.String(), code
}

func TestDryRunJSON(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want map[string]any
	}{
		{
			args: []string{"audit", "--dc", "test", "--dry-run", "--json"},
			env:  map[string]string{"TG_APP_ID": "12345", "TG_APP_HASH": "abc"},
			want: map[string]any{"dc": 2.0, "addr": "149.154.167.40:443", "protocol_dc_id": 10002.0, "rsa_fingerprint": "b25898df208d2603", "transport": "intermediate", "app_id_present": true},
		},
		{
			args: []string{"audit", "--dc", "prod", "--dc-id", "4", "--transport", "abridged", "--dry-run", "--json"},
			want: map[string]any{"dc": 4.0, "addr": "149.154.167.91:443", "protocol_dc_id": 4.0, "rsa_fingerprint": "d09d1d85de64fd85", "transport": "abridged", "app_id_present": false},
		},
	} {
		out, errOut, code := runTarget(t, tc.env, tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: stdout is not one JSON document: %v\n%s", tc.args, err, out)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%v: %s = %v, want %v", tc.args, k, got[k], v)
			}
		}
	}
}

func TestDryRunText(t *testing.T) {
	out, _, code := runTarget(t, nil, "audit", "--dc", "prod", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"prod DC 2", "149.154.167.41:443", "d09d1d85de64fd85", "app id           missing", "--app-id"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run text lacks %q:\n%s", want, out)
		}
	}
}

func TestRealDCNeedsApp(t *testing.T) {
	_, errOut, code := runTarget(t, nil, "audit", "--dc", "test")
	if code != ExitUsage || !strings.Contains(errOut, "TG_APP_ID") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming TG_APP_ID", code, errOut)
	}
	for _, args := range [][]string{
		{"audit", "--dc", "mars", "--dry-run"},
		{"audit", "--transport", "carrier-pigeon", "--dry-run"},
		{"audit", "--proxy", "nohost", "--dry-run"},
		{"audit", "--dc-id", "9", "--dry-run"},
	} {
		if _, _, code := runTarget(t, nil, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

func TestRootDryRun(t *testing.T) {
	out, errOut, code := runTarget(t, map[string]string{"APP_ID": "5", "APP_HASH": "h"}, "--dc", "prod", "--dc-id", "4", "--dry-run", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if got["addr"] != "149.154.167.91:443" || got["protocol_dc_id"] != 4.0 || got["rsa_fingerprint"] != "d09d1d85de64fd85" || got["app_source"] != "APP_ID/APP_HASH" {
		t.Fatalf("dry run: %v", got)
	}
	out, _, code = runTarget(t, nil, "--dc", "test", "--dc-id", "3", "--dry-run")
	if code != 0 || !strings.Contains(out, "protocol dc id   10003") || !strings.Contains(out, "149.154.175.117:443") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
