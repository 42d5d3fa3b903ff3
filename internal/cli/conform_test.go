package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// childEnv makes this test binary a client of `tgpfs conform`: the tests
// run conform with os.Executable() as CMD, and TestMain turns the child
// into the client the variable names.
const childEnv = "TGPFS_CLI_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "tgpfs":
		// tgpfs itself, as `tgpfs ARGS...` would run.
		os.Exit(Main(os.Args[1:]))
	case "gotd-no-pfs":
		os.Exit(gotdWithoutPFS())
	default:
		fmt.Fprintln(os.Stderr, "unknown", childEnv)
		os.Exit(2)
	}
}

// gotdWithoutPFS is gotd's telegram.Client without EnablePFS, pointed at
// the DC conform names in the environment: every call goes under its
// permanent key.
func gotdWithoutPFS() int {
	data, err := os.ReadFile(os.Getenv("TGPFS_DC_PEM"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	keys, err := crypto.ParseRSAPublicKeys(data)
	if err != nil || len(keys) != 1 {
		fmt.Fprintln(os.Stderr, "TGPFS_DC_PEM: want one key:", err)
		return 1
	}
	var port int
	fmt.Sscan(os.Getenv("TGPFS_DC_PORT"), &port)
	var id int
	fmt.Sscan(os.Getenv("TGPFS_DC_ID"), &id)
	c := telegram.NewClient(17349, "344583e45741c457fe1862106095a5eb", telegram.Options{
		PublicKeys: []telegram.PublicKey{{RSA: keys[0]}},
		DC:         id,
		DCList:     dcs.List{Options: []tg.DCOption{{ID: id, IPAddress: os.Getenv("TGPFS_DC_HOST"), Port: port}}},
		Resolver:   dcs.Plain(dcs.PlainOptions{}),
		NoUpdates:  true,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = c.Run(ctx, func(ctx context.Context) error {
		for range 3 {
			if _, err := c.API().HelpGetConfig(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotd:", err)
		return 1
	}
	return 0
}

// conformAs runs `tgpfs conform ARGS -- <this binary> CHILDARGS` with the
// child being who.
func conformAs(t *testing.T, who string, args []string, child ...string) (int, string, string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(childEnv, who)
	argv := append(append(append([]string{"conform"}, args...), "--", self), child...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out, errb strings.Builder
	code := RunContext(ctx, argv, &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: os.Getenv})
	return code, out.String(), errb.String()
}

// matrixRow is the cells of one verdict's row of the matrix.
func matrixRow(t *testing.T, out string, name model.VerdictName) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == string(name) {
			return f[1:]
		}
	}
	t.Fatalf("no row %s in\n%s", name, out)
	return nil
}

// tgpfs's own client through --addr, under every scenario but the restart
// (whose spec answer takes a minute of bind retries: .ci/run runs it):
// ok everywhere, each scenario's verdict seen ok in its run, exit 0, and
// the --report document as --json prints it.
func TestConformOwnClient(t *testing.T) {
	if testing.Short() {
		t.Skip("five runs of audit --hold")
	}
	report := filepath.Join(t.TempDir(), "conform.json")
	runs := []struct {
		scenario string
		verdicts []model.VerdictName // the ones the scenario probes
	}{
		{"plain", []model.VerdictName{model.VerdictUsesPFS, model.VerdictNoCallsBeforeBind, model.VerdictTempTTL}},
		{"forget-temp-after=2s", []model.VerdictName{model.VerdictRecoversForgottenKey}},
		{"reject-first-bind", []model.VerdictName{model.VerdictBindRetryPolicy}},
		{"salt-on-bind", []model.VerdictName{model.VerdictBindAfterBadSalt}},
		{"hostile-handshake", []model.VerdictName{model.VerdictChecksNonce, model.VerdictChecksAnswerSHA1,
			model.VerdictChecksDHPrime, model.VerdictChecksGARange, model.VerdictChecksNewNonceHash}},
	}
	var args []string
	for _, r := range runs {
		args = append(args, "--scenario", r.scenario)
	}
	args = append(args, "--timeout", "40s", "--report", report)
	code, out, errOut := conformAs(t, "tgpfs", args, "audit", "--addr", "{host}:{port}", "--pubkey", "{pem}", "--dc-id", "{dc}", "--hold", "6s")
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.HasSuffix(out, "PASS: no verdict failed\n") || strings.Contains(out, "failures") {
		t.Fatalf("matrix:\n%s", out)
	}
	for _, v := range model.VerdictCatalog() {
		if cells := matrixRow(t, out, v.Name); slices.Contains(cells, "FAIL") {
			t.Errorf("%s: %v", v.Name, cells)
		}
	}
	for i, r := range runs {
		for _, v := range r.verdicts {
			if cells := matrixRow(t, out, v); len(cells) != len(runs) || cells[i] != "ok" {
				t.Errorf("run %d (%s): %s row %v, want ok in column %d\n%s", i+1, r.scenario, v, cells, i+1, out)
			}
		}
	}
	var doc conformOutput
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.OK || len(doc.Runs) != len(runs) {
		t.Fatalf("report ok %v, %d runs", doc.OK, len(doc.Runs))
	}
	for i, r := range doc.Runs {
		// Under hostile-handshake audit itself reports the answers it
		// refused, and exits 1: the verdicts are the DC's, not the exit's.
		exit := 0
		if r.Scenario == "hostile-handshake" {
			exit = 1
		}
		if r.Scenario != runs[i].scenario || r.ExitCode != exit || r.Stopped || len(r.Report.Clients) == 0 {
			t.Errorf("run %d: %s exit %d stopped %v, %d clients", i+1, r.Scenario, r.ExitCode, r.Stopped, len(r.Report.Clients))
		}
	}
	if fi, err := os.Stat(report); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, %v", fi.Mode(), err)
	}
}

// gotd without EnablePFS: uses_pfs fails, the matrix shows FAIL with the
// detail, and conform exits 1; --json says the same and nothing else.
func TestConformFailingClient(t *testing.T) {
	code, out, errOut := conformAs(t, "gotd-no-pfs", []string{"--scenario", "plain"})
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitFailure, out, errOut)
	}
	if cells := matrixRow(t, out, model.VerdictUsesPFS); len(cells) != 1 || cells[0] != "FAIL" {
		t.Errorf("uses_pfs row %v\n%s", cells, out)
	}
	if !strings.Contains(out, "uses_pfs: ") || !strings.HasSuffix(strings.TrimSpace(out), "FAIL") {
		t.Errorf("matrix without the failure's detail:\n%s", out)
	}
	if !strings.Contains(errOut, "verdict(s) failed") {
		t.Errorf("stderr %q", errOut)
	}

	code, out, _ = conformAs(t, "gotd-no-pfs", []string{"--scenario", "plain", "--json"})
	var doc conformOutput
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json stdout is not one document: %v\n%s", err, out)
	}
	if code != ExitFailure || doc.OK || len(doc.Runs) != 1 || doc.Runs[0].Report.Worst(model.VerdictUsesPFS) != model.ResultFail {
		t.Fatalf("exit %d, ok %v, runs %+v", code, doc.OK, doc.Runs)
	}
}

// Bad usage: exit 2, one line, nothing on stdout, and nothing started: no
// cluster, no client (the client here would leave a file behind).
func TestConformBadUsage(t *testing.T) {
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	taken := filepath.Join(dir, "taken.json")
	if err := os.WriteFile(taken, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	client := []string{"--", "touch", started}
	c := func(want string, args ...string) badCase {
		return badCase{args: append([]string{"conform"}, args...), want: want}
	}
	withClient := func(want string, args ...string) badCase {
		return c(want, append(args, client...)...)
	}
	cases := []badCase{
		c("want the client command after --", "touch", started),
		c("want the client command after --"),
		c("want the client command after --", "--"),
		c(`"touch" before --`, "touch", "--", "touch", started),
		c(`client command "no-such-client-xyz": not found in $PATH`, "--", "no-such-client-xyz"),
		c(`client command "`+dir+`/nope"`, "--", dir+"/nope"),
		c("client command", "--", dir),
		withClient(`--scenario`, "--scenario", "no-such-scenario"),
		withClient(`--scenario`, "--scenario", "forget-temp-after=soon"),
		withClient(`--scenario`, "--scenario", "forget-temp-after"),
		withClient(`--scenario`, "--scenario", "plain", "--scenario", "reject-first-bind,nope"),
		withClient(`--scenario`, "--scenario", ""),
		withClient("--timeout 500ms: want 1s..", "--timeout", "500ms"),
		withClient("--timeout -1s", "--timeout", "-1s"),
		withClient("--timeout 48h0m0s", "--timeout", "48h"),
		withClient(`invalid argument "x" for "--timeout"`, "--timeout", "x"),
		withClient(`--report "`+filepath.Join(dir, "missing", "r.json")+`": folder`, "--report", filepath.Join(dir, "missing", "r.json")),
		withClient("exists; use --force", "--report", taken),
		withClient("not a regular file (a directory)", "--report", dir, "--force"),
		withClient("unknown flag: --nope", "--nope"),
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			before := conformStarts.Load()
			code, stdout, stderr := runBounded(t, tc.args, nil)
			checkRefused(t, tc, code, stdout, stderr)
			if n := conformStarts.Load() - before; n != 0 {
				t.Errorf("started %d clusters or clients", n)
			}
			if _, err := os.Stat(started); err == nil {
				t.Fatal("the client command ran")
			}
		})
	}
}

// A command that never reaches the DCs has kept no rule: exit 1, and the
// matrix says the run saw no client.
func TestConformNoClient(t *testing.T) {
	code, out, errOut := runBounded(t, []string{"conform", "--scenario", "plain", "--", "true"}, nil)
	if code != ExitFailure || !strings.Contains(out, "the DCs saw no client") || !strings.Contains(errOut, "1 run(s) saw no client") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
