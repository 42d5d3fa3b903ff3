//go:build unix

package cli

import (
	"context"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/localdc"
)

// TestDCReport runs `tgpfs dc --report` under a scenario with tgpfs's own
// client, asks for the report with SIGUSR1, and stops the DC: the report
// is there both times, without key bytes, and the table is on stderr.
func TestDCReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	dc := startDCCommand(t, 2, "--report", path, "--scenario", "reject-first-bind")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := proto.NewDriver(proto.Options{
		Target:  proto.Target{Env: "local", DC: 2, Addr: dc.addrs[2], ProtocolDC: 2, PublicKeys: []*rsa.PublicKey{&localdc.TestPrivateKey().PublicKey}},
		TempTTL: time.Hour, AppID: 1, AppHash: "x",
		// Named here, so the table's line does not follow the driver's
		// defaults (the build's version and platform).
		DeviceModel: "tgpfs", AppVersion: "tgpfs", SystemVersion: "tgpfs",
	})
	go func() {
		for range d.Events() {
		}
	}()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	permBytes := hex.EncodeToString(d.RevealKey(model.Permanent)[:16])
	_ = d.Close()

	read := func() model.ConformanceReport {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), permBytes) {
			t.Fatal("the report holds the permanent key's bytes")
		}
		var r model.ConformanceReport
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("report: %v", err)
		}
		return r
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no report after SIGUSR1")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := read()
	if len(r.Clients) != 1 || r.Clients[0].Client.APIID != 1 || len(r.Scenarios) != 1 || r.Scenarios[0] != "reject-first-bind" {
		t.Fatalf("report on SIGUSR1: %+v", r)
	}
	if v, _ := r.Clients[0].Verdict(model.VerdictBindRetryPolicy); v.Result != model.ResultOK {
		t.Fatalf("bind_retry_policy %+v", v)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v", st.Mode().Perm())
	}

	if code := dc.stop(); code != ExitOK {
		t.Fatalf("dc: exit %d, stderr %q", code, dc.stderr.String())
	}
	if r := read(); len(r.Clients) != 1 {
		t.Fatalf("report at exit: %+v", r)
	}
	e := dc.stderr.String()
	t.Logf("stderr:\n%s", e)
	for _, want := range []string{"scenarios reject-first-bind; Ctrl-C stops", "tgpfs dc: 1 client seen; scenarios reject-first-bind",
		"client 1  tgpfs tgpfs on tgpfs (api_id 1, layer ", "  ok   uses_pfs ", "  ok   bind_retry_policy ", "  not seen: recovers_from_forgotten_key, "} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr lacks %q:\n%s", want, e)
		}
	}
}
