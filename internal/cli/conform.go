package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"tgpfs/internal/app"
	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/sessions/atomicfile"
)

// This file is `tgpfs conform`: run an MTProto client against fresh local
// DCs once per scenario and print what the DCs judged of it. The matrix and
// the JSON document are in conform_report.go; killing a client's process
// group is in conform_unix.go.

type conformFlags struct {
	scenarios []string
	asJSON    bool
	timeout   time.Duration
	report    string
	force     bool
	verbose   bool
}

const (
	// The DC the client is pointed at, and its test phone.
	conformDC = app.DefaultDC
	// Default DURATIONs of the default runs. A forgotten key comes early
	// in a run; the restart comes once the permanent key a client made at
	// the start is past 60 s, when the spec's answer (drop both keys) does
	// not turn on an age the restarted DC can no longer know.
	conformForgetAfter  = 3 * time.Second
	conformRestartAfter = 70 * time.Second
	// A run's default timeout is conformBaseTimeout plus its scenario's
	// DURATION.
	conformBaseTimeout = 15 * time.Second
	maxConformTimeout  = 24 * time.Hour
	// conformGrace is how long a client has between SIGTERM and SIGKILL.
	conformGrace = 3 * time.Second
	// conformSettle lets the DC take in the connections' close after the
	// client is gone, before the report is read.
	conformSettle = 200 * time.Millisecond
	// conformTail is how much of a client's output is kept to show when
	// it fails on its own (all of it goes to stderr with -v).
	conformTail = 2 << 10
	// plainRun names the run without a scenario.
	plainRun = "plain"
)

// conformStarts counts the clusters and client processes conform started:
// the bad-usage tests check that a refused command line starts none.
var conformStarts atomic.Int64

func newConformCmd(stdio *IO) *cobra.Command {
	var f conformFlags
	cmd := &cobra.Command{
		Use:   "conform [--scenario S]... [--json] [--timeout D] -- CMD [ARGS...]",
		Short: "Judge an MTProto client's PFS: run it against fresh local DCs under each scenario",
		Long: `Run the client command CMD once per scenario, each time against a fresh
cluster of local DCs that observes it, and print the matrix of scenarios and
verdicts: ok (kept the rule), FAIL (broke it), - (not seen: the run never put
the client to that test).

The client finds DC ` + strconv.Itoa(conformDC) + ` in its environment (TGPFS_DC_HOST, TGPFS_DC_PORT,
TGPFS_DC_ID, TGPFS_DC_PEM: a file holding the DCs' RSA public key, and
TGPFS_PHONE: a test phone of that DC, code its DC digit five times), and in
its arguments, where {host} {port} {pem} {dc} {phone} are replaced.

Each --scenario is one run: NAME[=DURATION], with commas combining scenarios
in that run, or "plain" for none. Without --scenario: plain, then every
scenario alone (forget-temp-after=` + conformForgetAfter.String() + `, restart-after=` + conformRestartAfter.String() + `):
` + scenarioList() + `
A run ends when the client exits or at its timeout (default ` + conformBaseTimeout.String() + ` plus the
scenario's DURATION), when its process group gets SIGTERM, then SIGKILL.

Exit status 0 only when no verdict failed and every run saw a client; 1
otherwise; 2 for bad usage. With --json stdout holds one JSON document:
{"runs": [{"scenario", "exit_code", "stopped", "seconds", "report"}], "ok"}.

Example, tgpfs judging itself:
  tgpfs conform -- tgpfs audit --addr {host}:{port} --pubkey {pem} --dc-id {dc} --hold 10m`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConform(cmd.Context(), stdio, f, args, cmd.ArgsLenAtDash())
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.scenarios, "scenario", nil, "one run's scenarios, `NAME[=DURATION][,NAME...]` or plain (repeatable: one run each)")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON document instead of the matrix")
	fl.DurationVar(&f.timeout, "timeout", 0, "stop each run's client after this long (0: "+conformBaseTimeout.String()+" plus the scenario's DURATION)")
	fl.StringVar(&f.report, "report", "", "also write the JSON document to this file (0600, atomically)")
	fl.BoolVar(&f.force, "force", false, "let --report replace an existing regular file")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "pass the client's output through to stderr")
	return cmd
}

// scenarioList is the scenario catalog, one line each, for --help.
func scenarioList() string {
	var b strings.Builder
	for _, s := range model.ScenarioCatalog() {
		name := string(s.Name)
		if s.Arg != "" {
			name += "=" + s.Arg
		}
		fmt.Fprintf(&b, "  %-28s %s\n", name, s.Explain)
	}
	return b.String()
}

// conformRun is one planned run.
type conformRun struct {
	name      string // "plain", or the scenarios as ParseScenarios prints them
	scenarios []model.Scenario
	timeout   time.Duration
	cluster   *app.Cluster
}

// conformPlan is a checked command line, ready to start.
type conformPlan struct {
	runs   []conformRun
	client string // the command, as found
	args   []string
}

func runConform(ctx context.Context, stdio *IO, f conformFlags, args []string, dash int) error {
	p, err := planConform(f, args, dash)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "tgpfs-conform-")
	if err != nil {
		return fmt.Errorf("make a folder for the DCs' public key: %w", err)
	}
	defer os.RemoveAll(dir)
	pem := filepath.Join(dir, "dc.pem")

	out := conformOutput{Runs: []conformResult{}}
	for i, r := range p.runs {
		if ctx.Err() != nil {
			break
		}
		res, err := p.run(ctx, stdio, r, pem, f.verbose)
		if err != nil {
			return fmt.Errorf("run %d (%s): %w", i+1, r.name, err)
		}
		out.Runs = append(out.Runs, res)
		fmt.Fprintln(stdio.Err, Line(fmt.Sprintf("tgpfs conform: run %d/%d %s: %s", i+1, len(p.runs), r.name, res.summary())))
	}
	failed := out.judge()
	interrupted := len(out.Runs) < len(p.runs)
	out.OK = out.OK && !interrupted
	if err := out.write(stdio.Out, f.asJSON, p.commandLine()); err != nil {
		return err
	}
	if f.report != "" {
		if err := atomicfile.Write(f.report, out.document(), f.force); err != nil {
			return fmt.Errorf("--report %s: %w", strconv.Quote(f.report), err)
		}
	}
	switch {
	case interrupted:
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("interrupted after %d of %d runs", len(out.Runs), len(p.runs))}
	case !out.OK:
		return &ExitError{Code: ExitFailure, Err: errors.New(failed)}
	}
	return nil
}

// planConform checks the whole command line before anything starts.
func planConform(f conformFlags, args []string, dash int) (*conformPlan, error) {
	if dash < 0 || len(args) == dash {
		return nil, usageErr(errors.New("want the client command after --: tgpfs conform [flags] -- CMD [ARGS...]"))
	}
	if dash > 0 {
		return nil, usageErr(fmt.Errorf("%q before --: put the client command after --, flags of tgpfs conform before it", args[0]))
	}
	if f.timeout != 0 {
		if err := app.DurationIn("--timeout", f.timeout, time.Second, maxConformTimeout, "how long each run's client may take"); err != nil {
			return nil, err
		}
	}
	runs, err := conformRuns(f.scenarios, f.timeout)
	if err != nil {
		return nil, err
	}
	if f.report != "" {
		if err := app.CheckOutputPath("--report", f.report, f.force); err != nil {
			return nil, err
		}
	}
	client, err := findClient(args[0])
	if err != nil {
		return nil, err
	}
	return &conformPlan{runs: runs, client: client, args: args[1:]}, nil
}

// conformRuns reads the --scenario values, or plans the default runs, and
// checks each run's cluster.
func conformRuns(values []string, timeout time.Duration) ([]conformRun, error) {
	var runs []conformRun
	if len(values) == 0 {
		runs = append(runs, conformRun{name: plainRun})
		for _, s := range model.ScenarioCatalog() {
			sc := model.Scenario{Name: s.Name}
			switch {
			case s.Name == model.ScenarioForgetTempAfter:
				sc.After = conformForgetAfter
			case s.Name == model.ScenarioRestartAfter:
				sc.After = conformRestartAfter
			case s.Arg != "":
				sc.After = conformForgetAfter
			}
			runs = append(runs, conformRun{name: sc.String(), scenarios: []model.Scenario{sc}})
		}
	}
	for _, v := range values {
		if strings.TrimSpace(v) == plainRun {
			runs = append(runs, conformRun{name: plainRun})
			continue
		}
		list, err := app.ParseScenarios([]string{v})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, &app.InputError{Name: "--scenario", Value: `""`, Reason: errors.New("want NAME[=DURATION][,NAME...], or plain for no scenario")}
		}
		names := make([]string, len(list))
		for i, s := range list {
			names[i] = s.String()
		}
		runs = append(runs, conformRun{name: strings.Join(names, ","), scenarios: list})
	}
	for i := range runs {
		r := &runs[i]
		r.timeout = timeout
		if timeout == 0 {
			r.timeout = defaultRunTimeout(r.scenarios)
		}
		cfg := app.Defaults().Cluster
		for _, sc := range r.scenarios {
			cfg.Scenarios = append(cfg.Scenarios, sc.String())
		}
		c, err := app.NewCluster(cfg)
		if err != nil {
			return nil, err
		}
		r.cluster = c
	}
	return runs, nil
}

// defaultRunTimeout is conformBaseTimeout plus the longest DURATION of the
// run's scenarios. A restart before a permanent key made at the start is a
// minute old also waits for that minute: a client that follows the spec
// retries the bind of a young key, and makes new keys only once it is old.
func defaultRunTimeout(list []model.Scenario) time.Duration {
	var longest time.Duration
	for _, s := range list {
		longest = max(longest, s.After)
		if s.Name == model.ScenarioRestartAfter && s.After < model.PermYoung {
			longest = max(longest, model.PermYoung+5*time.Second)
		}
	}
	return conformBaseTimeout + longest
}

// findClient looks the client command up as exec would.
func findClient(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	reason := err
	var ee *exec.Error
	switch {
	case errors.Is(err, exec.ErrNotFound) && !strings.ContainsRune(name, filepath.Separator):
		reason = errors.New("not found in $PATH")
	case errors.As(err, &ee):
		reason = app.Pathless(ee.Err)
	}
	return "", &app.InputError{Name: "client command", Value: strconv.Quote(name), Reason: reason}
}

func (p *conformPlan) commandLine() string {
	return strings.Join(append([]string{filepath.Base(p.client)}, p.args...), " ")
}

// run starts r's cluster, the client against it, and stops both; the
// report is the DCs' as the client left them.
func (p *conformPlan) run(ctx context.Context, stdio *IO, r conformRun, pem string, verbose bool) (conformResult, error) {
	res := conformResult{Scenario: r.name}
	c, err := r.cluster.Start(ctx)
	if err != nil {
		return res, err
	}
	conformStarts.Add(1)
	defer c.Close()
	if err := os.WriteFile(pem, localdc.PublicKeyPEM(c.PublicKey()), 0o600); err != nil {
		return res, fmt.Errorf("write the DCs' public key: %w", err)
	}
	host, port, _ := net.SplitHostPort(c.Addr(conformDC))
	phone := app.TestPhone(conformDC)
	dc := strconv.Itoa(conformDC)
	fill := strings.NewReplacer("{host}", host, "{port}", port, "{pem}", pem, "{dc}", dc, "{phone}", phone)
	args := make([]string, len(p.args))
	for i, a := range p.args {
		args[i] = fill.Replace(a)
	}
	cmd := exec.Command(p.client, args...)
	cmd.Env = append(os.Environ(), "TGPFS_DC_HOST="+host, "TGPFS_DC_PORT="+port, "TGPFS_DC_ID="+dc, "TGPFS_DC_PEM="+pem, "TGPFS_PHONE="+phone)
	tail := &tailBuffer{max: conformTail}
	var out io.Writer = tail
	if verbose {
		out = io.MultiWriter(tail, stdio.Err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	// A grandchild holding the output open must not hold the run.
	cmd.WaitDelay = time.Second
	newGroup(cmd)

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("start %s: %w", p.client, err)
	}
	conformStarts.Add(1)
	res.ExitCode, res.Stopped = wait(ctx, cmd, r.timeout)
	res.Seconds = time.Since(start).Seconds()
	if res.ExitCode != 0 && !res.Stopped && !verbose {
		for _, line := range tail.lines(5) {
			fmt.Fprintln(stdio.Err, Line("  client: "+line))
		}
	}
	time.Sleep(conformSettle)
	res.Report = c.Report()
	return res, nil
}

// wait waits for cmd until it exits or timeout passes (or ctx ends); then
// its process group gets SIGTERM and, after conformGrace, SIGKILL. Nothing
// of the client outlives its run. It returns the exit code (-1 for a
// signal) and whether conform stopped it.
func wait(ctx context.Context, cmd *exec.Cmd, timeout time.Duration) (code int, stopped bool) {
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		stopped = true
	case <-ctx.Done():
		stopped = true
	}
	if stopped {
		signalGroup(cmd, false)
		g := time.NewTimer(conformGrace)
		select {
		case <-done:
		case <-g.C:
			signalGroup(cmd, true)
			<-done
		}
		g.Stop()
	}
	signalGroup(cmd, true)
	return cmd.ProcessState.ExitCode(), stopped
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// lines are the last n lines kept.
func (t *tailBuffer) lines(n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	all := strings.Split(string(bytes.TrimRight(t.buf, "\n")), "\n")
	if len(all) == 1 && all[0] == "" {
		return nil
	}
	return all[max(0, len(all)-n):]
}

// conformOutput is the --json document.
type conformOutput struct {
	Runs []conformResult `json:"runs"`
	OK   bool            `json:"ok"`
}

// conformResult is one run.
type conformResult struct {
	Scenario string `json:"scenario"`
	// ExitCode is the client's exit status; -1 when a signal ended it.
	ExitCode int `json:"exit_code"`
	// Stopped: conform stopped the client at the run's timeout.
	Stopped bool    `json:"stopped"`
	Seconds float64 `json:"seconds"`
	// Report is the DCs' report, as tgpfs dc --report writes it.
	Report model.ConformanceReport `json:"report"`
}

func (r conformResult) summary() string {
	how := fmt.Sprintf("exit %d", r.ExitCode)
	if r.Stopped {
		how = "stopped at the timeout"
	}
	failed := 0
	for _, c := range r.Report.Clients {
		for _, v := range c.Verdicts {
			if v.Result == model.ResultFail {
				failed++
			}
		}
	}
	return fmt.Sprintf("%s after %.1f s; %d client(s), %d verdict(s) failed", how, r.Seconds, len(r.Report.Clients), failed)
}

// document is the --json document as bytes.
func (o conformOutput) document() []byte {
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		// Every field is a plain value: this cannot fail.
		panic(err)
	}
	return append(b, '\n')
}
