package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"tgpfs/model"
)

func TestDCListsScenariosAndVerdicts(t *testing.T) {
	for _, tc := range []struct {
		flag  string
		names []string
	}{
		{"--scenarios", []string{"forget-temp-after=DURATION ", "reject-first-bind ", "salt-on-bind ", "restart-after=DURATION ", "hostile-handshake "}},
		{"--verdicts", []string{"uses_pfs ", "no_calls_before_bind ", "temp_ttl ", "recovers_from_forgotten_key ", "bind_retry_policy ",
			"bind_after_bad_server_salt ", "checks_server_dh.nonce ", "checks_server_dh.answer_sha1 ", "checks_server_dh.dh_prime ",
			"checks_server_dh.g_a_range ", "checks_server_dh.new_nonce_hash ", "  msg_id_problems "}},
	} {
		var out, errb bytes.Buffer
		if code := Run([]string{"dc", tc.flag}, &IO{In: strings.NewReader(""), Out: &out, Err: &errb}); code != ExitOK {
			t.Fatalf("dc %s: exit %d, stderr %q", tc.flag, code, errb.String())
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		for _, name := range tc.names {
			found := false
			for _, l := range lines {
				found = found || (strings.HasPrefix(l, name) && len(strings.TrimSpace(strings.TrimPrefix(l, name))) > 10)
			}
			if !found {
				t.Errorf("dc %s: no line for %q with its explanation in\n%s", tc.flag, name, out.String())
			}
		}
		if strings.Contains(out.String(), "dc 1 ") || errb.Len() != 0 {
			t.Errorf("dc %s started the DCs or said %q", tc.flag, errb.String())
		}
	}
}

func TestDCReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		say  string // in the one line on stderr
	}{
		{[]string{"--scenario", "forget-everything"}, `--scenario "forget-everything": unknown scenario`},
		{[]string{"--scenario", "reject-first-bind,forget-temp-after=soon"}, `--scenario "forget-temp-after=soon": not a duration`},
		{[]string{"--scenario", "restart-after"}, `--scenario "restart-after": want restart-after=DURATION`},
		{[]string{"--scenario", "salt-on-bind", "--scenario", "salt-on-bind"}, `given twice`},
		{[]string{"--report", filepath.Join(dir, "missing", "report.json")}, `--report`},
		{[]string{"--report", dir}, `not a regular file`},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		args := append([]string{"dc"}, tt.args...)
		if code := Run(args, &IO{In: strings.NewReader(""), Out: &out, Err: &errb}); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errb.String())
		}
		if out.Len() != 0 || strings.Count(strings.TrimSuffix(errb.String(), "\n"), "\n") != 0 || !strings.Contains(errb.String(), tt.say) {
			t.Errorf("%v: stdout %q, stderr %q; want one line saying %q and nothing started", args, out.String(), errb.String(), tt.say)
		}
	}
}

func TestReportTableEscapesClients(t *testing.T) {
	var b bytes.Buffer
	reportTable(&b, model.ConformanceReport{Clients: []model.ClientReport{{ID: 3,
		Client:   model.ClientIdentity{APIID: 9, DeviceModel: "evil\x1b]0;owned\a", AppVersion: "1\n2"},
		Verdicts: []model.ClientVerdict{{Name: model.VerdictUsesPFS, Result: model.ResultFail, Detail: "no temporary key bound"}}}}})
	out := b.String()
	if strings.ContainsAny(out, "\x1b\a") || !strings.Contains(out, `evil\x1b]0;owned\a 1\n2`) || strings.Count(out, "\n") != 3 {
		t.Fatalf("table:\n%q", out)
	}
	if !strings.Contains(out, "  fail uses_pfs                         no temporary key bound") {
		t.Fatalf("verdict line:\n%s", out)
	}
}
