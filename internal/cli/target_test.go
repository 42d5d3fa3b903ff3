package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tgpfs/proto/localdc"
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

// runningDC starts a cluster the way `tgpfs dc` runs one and writes its
// public key where --pubkey reads it.
func runningDC(t *testing.T) (*localdc.Cluster, string) {
	t.Helper()
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	pem := filepath.Join(t.TempDir(), "dc.pem")
	if err := os.WriteFile(pem, localdc.PublicKeyPEM(c.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	return c, pem
}

// tgpfs's own client pointed at a running server with --addr and --pubkey:
// audit's lifecycle and the TUI's snapshot both run against that server's
// keys and addresses, and find its other DCs through help.getConfig.
func TestClientThroughAddr(t *testing.T) {
	c, pem := runningDC(t)
	code, out, errOut := runSessionCLI("", nil, "audit", "--addr", c.Addr(3), "--pubkey", pem, "--dc-id", "3", "--json")
	if code != ExitOK {
		t.Fatalf("audit exit %d: %s\n%s", code, errOut, out)
	}
	rep := decodeAudit(t, out)
	if !rep.OK || !rep.TempKey.Bound || len(rep.Dropped) != 1 {
		t.Fatalf("audit through --addr: %+v", rep)
	}
	var held bool
	for _, k := range c.PermKeys(3) {
		held = held || k.ID.String() == rep.PermKey.ID
	}
	if !held {
		t.Fatalf("DC 3 of the running server does not hold the audit's permanent key %s", rep.PermKey.ID)
	}
	if !strings.Contains(out, `"addr": "`+c.Addr(3)+`"`) {
		t.Fatalf("audit target is not the --addr server:\n%s", out)
	}

	code, out, errOut = runSessionCLI("", nil, "--addr", c.Addr(2), "--pubkey", pem, "--snapshot-wait", "20s")
	if code != ExitOK {
		t.Fatalf("snapshot exit %d: %s", code, errOut)
	}
	for _, want := range []string{"local DC 2", "connected", "as Test", "Temporary key  ✓ bound"} {
		if !strings.Contains(out, want) {
			t.Errorf("snapshot through --addr lacks %q:\n%s", want, out)
		}
	}
}

// A wrong --pubkey is found out by the handshake: the server's
// fingerprints are none the client trusts, and nothing is bound.
func TestClientThroughAddrWrongKey(t *testing.T) {
	c, _ := runningDC(t)
	other := filepath.Join(t.TempDir(), "other.pem")
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, localdc.PublicKeyPEM(&k.PublicKey), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runSessionCLI("", nil, "audit", "--addr", c.Addr(2), "--pubkey", other, "--json")
	rep := decodeAudit(t, out)
	if code != ExitFailure || rep.OK || !strings.Contains(out, "rsa_fingerprint_known") {
		t.Fatalf("exit %d, report ok %v:\n%s", code, rep.OK, out)
	}
}
