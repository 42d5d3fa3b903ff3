// Command pfsmatrix runs `tgpfs conform` over every client of the interop
// suite and rewrites the README's "How MTProto libraries do PFS" table:
// one row per verdict, one column per client, each cell ok, FAIL or not
// seen with the scenario that probed it.
//
//	go run ./interop/pfsmatrix                 # from the module root; rewrites README.md
//	go run ./interop/pfsmatrix -n              # print the table, leave README.md alone
//	go run ./interop/pfsmatrix -only gotd,tgpfs
//
// Each client is started the interop suite's way (its script in interop/,
// --scenario session: log in with TGPFS_PHONE, a call a second) and judged
// under conform's default scenarios; a client that is not installed here is
// skipped, and the README says so. The clients run side by side (-parallel),
// each against clusters of its own.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"tgpfs/model"
)

// client is one column: how to start it under conform, and how to tell
// whether it is installed.
type client struct {
	name    string
	command []string // after `tgpfs conform --`, with {placeholders}
	// missing says why the client cannot run here ("" when it can).
	missing func() string
}

// sessionSeconds outlasts every run's timeout: conform stops the client.
const sessionSeconds = "600"

func clients(bin string) []client {
	// gotdclient's --seconds is a Go duration, the scripts' a number.
	script := func(seconds string, argv ...string) []string {
		return append(argv, "--dcs", "2={host}:{port}", "--pubkey", "{pem}", "--scenario", "session", "--seconds", seconds)
	}
	npm := func(pkg string) func() string {
		return func() string {
			if _, err := exec.LookPath("node"); err != nil {
				return "node is not installed"
			}
			if _, err := os.Stat(filepath.Join("interop/npm/node_modules", pkg)); err != nil {
				return pkg + " is not installed (cd interop/npm && npm ci --ignore-scripts)"
			}
			return ""
		}
	}
	always := func() string { return "" }
	gotd := filepath.Join(bin, "gotdclient")
	return []client{
		{"tgpfs", []string{filepath.Join(bin, "tgpfs"), "audit", "--addr", "{host}:{port}", "--pubkey", "{pem}", "--dc-id", "{dc}", "--hold", "10m"}, always},
		{"gotd (EnablePFS)", script(sessionSeconds+"s", gotd, "--pfs"), always},
		{"gotd", script(sessionSeconds+"s", gotd), always},
		{"mtcute (usePfs)", script(sessionSeconds, "node", "interop/npm/mtcute.mjs", "--transport", "intermediate", "--pfs"), npm("@mtcute/node")},
		{"GramJS", script(sessionSeconds, "node", "interop/npm/gramjs.cjs", "--transport", "full"), npm("telegram")},
		{"Telethon", script(sessionSeconds, "/usr/bin/python3", "interop/telethon/client.py", "--transport", "full"), func() string {
			if exec.Command("/usr/bin/python3", "-c", "import telethon").Run() != nil {
				return "Telethon is not installed for /usr/bin/python3 (apt-get install python3-telethon)"
			}
			return ""
		}},
	}
}

// outcome is one client's conform document, or why there is none.
type outcome struct {
	skipped string
	err     error
	runs    []run
}

type run struct {
	Scenario string                  `json:"scenario"`
	ExitCode int                     `json:"exit_code"`
	Report   model.ConformanceReport `json:"report"`
}

const (
	begin = "<!-- pfsmatrix:begin -->"
	end   = "<!-- pfsmatrix:end -->"
)

func main() {
	readme := flag.String("readme", "README.md", "the file whose table to rewrite")
	dry := flag.Bool("n", false, "print the table instead of rewriting the file")
	only := flag.String("only", "", "comma-separated client names to run (default all)")
	parallel := flag.Int("parallel", 3, "clients judged at once")
	var scenarios multi
	flag.Var(&scenarios, "scenario", "passed to tgpfs conform (repeatable; default: conform's default runs)")
	flag.Parse()
	if err := run1(*readme, *dry, *only, *parallel, scenarios); err != nil {
		fmt.Fprintln(os.Stderr, "pfsmatrix:", err)
		os.Exit(1)
	}
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func run1(readme string, dry bool, only string, parallel int, scenarios []string) error {
	text, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	if !bytes.Contains(text, []byte(begin)) || !bytes.Contains(text, []byte(end)) {
		return fmt.Errorf("%s has no %s … %s markers", readme, begin, end)
	}
	bin, err := os.MkdirTemp("", "pfsmatrix-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	for _, pkg := range []string{".", "./interop/gotdclient"} {
		name := filepath.Base(pkg)
		if pkg == "." {
			name = "tgpfs"
		}
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	var list []client
	for _, c := range clients(bin) {
		if only == "" || slices.Contains(strings.Split(only, ","), c.name) {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return fmt.Errorf("-only %q names no client", only)
	}
	results := make([]outcome, len(list))
	var wg sync.WaitGroup
	slots := make(chan struct{}, max(1, parallel))
	for i, c := range list {
		if why := c.missing(); why != "" {
			results[i].skipped = why
			fmt.Fprintf(os.Stderr, "pfsmatrix: %s: skipped: %s\n", c.name, why)
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i] = judge(filepath.Join(bin, "tgpfs"), c, scenarios)
		})
	}
	wg.Wait()
	table := render(list, results, time.Now())
	if dry {
		fmt.Print(table)
		return nil
	}
	if err := os.WriteFile(readme+".tmp", splice(text, table), 0o644); err != nil {
		return err
	}
	return os.Rename(readme+".tmp", readme)
}

// splice puts table between the markers of text, in a new slice (the
// parts of text must not be appended to: they share its array).
func splice(text []byte, table string) []byte {
	head, rest, _ := bytes.Cut(text, []byte(begin))
	_, tail, _ := bytes.Cut(rest, []byte(end))
	var b bytes.Buffer
	b.Write(head)
	b.WriteString(begin + "\n")
	b.WriteString(table)
	b.WriteString(end)
	b.Write(tail)
	return b.Bytes()
}

// judge runs tgpfs conform --json over one client.
func judge(tgpfs string, c client, scenarios []string) outcome {
	start := time.Now()
	args := []string{"conform", "--json"}
	for _, s := range scenarios {
		args = append(args, "--scenario", s)
	}
	args = append(append(args, "--"), c.command...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tgpfs, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var doc struct {
		Runs []run `json:"runs"`
	}
	if jerr := json.Unmarshal(stdout.Bytes(), &doc); jerr != nil {
		return outcome{err: fmt.Errorf("%s: tgpfs conform: %v: %s", c.name, err, lastLine(stderr.String()))}
	}
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return outcome{err: fmt.Errorf("%s: tgpfs conform: %v", c.name, err)}
	}
	fmt.Fprintf(os.Stderr, "pfsmatrix: %s: %d runs in %s\n", c.name, len(doc.Runs), time.Since(start).Round(time.Second))
	return outcome{runs: doc.Runs}
}

// render is the markdown between the markers.
func render(list []client, results []outcome, at time.Time) string {
	var b strings.Builder
	b.WriteString("| verdict |")
	for _, c := range list {
		b.WriteString(" " + c.name + " |")
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---|", len(list)))
	b.WriteString("\n| runs that reached the DC |")
	for _, r := range results {
		b.WriteString(" " + reached(r) + " |")
	}
	b.WriteString("\n")
	for _, v := range model.VerdictCatalog() {
		fmt.Fprintf(&b, "| `%s` |", v.Name)
		for _, r := range results {
			b.WriteString(" " + verdictCell(r, v.Name) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString(failures(list, results))
	var notes []string
	for i, r := range results {
		switch {
		case r.skipped != "":
			notes = append(notes, fmt.Sprintf("%s skipped: %s.", list[i].name, r.skipped))
		case r.err != nil:
			notes = append(notes, fmt.Sprintf("%s: %v.", list[i].name, r.err))
		}
	}
	fmt.Fprintf(&b, "\nMade by `go run ./interop/pfsmatrix` on %s.", at.UTC().Format("2006-01-02"))
	for _, n := range notes {
		b.WriteString(" " + mdEscape(n))
	}
	b.WriteString("\n")
	return b.String()
}

// maxDetail bounds a failure's detail in the list under the table.
const maxDetail = 240

// failures lists each failed verdict's detail, once per client and
// verdict (the first run that failed it), under the table.
func failures(list []client, results []outcome) string {
	var b strings.Builder
	for i, r := range results {
		seen := map[model.VerdictName]bool{}
		for _, run := range r.runs {
			for _, c := range run.Report.Clients {
				for _, v := range c.Verdicts {
					if v.Result != model.ResultFail || seen[v.Name] {
						continue
					}
					seen[v.Name] = true
					d := v.Detail
					if len(d) > maxDetail {
						d = d[:maxDetail] + "…"
					}
					fmt.Fprintf(&b, "- %s, `%s` (%s): %s\n", list[i].name, v.Name, run.Scenario, mdEscape(d))
				}
			}
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\nWhy each fail failed (the first run's detail):\n\n" + b.String()
}

// mdEscape keeps a client's text from making markdown of its own.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "*", `\*`, "_", `\_`, "<", "&lt;", "\n", " ").Replace(s)
}

func reached(r outcome) string {
	switch {
	case r.skipped != "":
		return "not installed"
	case r.err != nil:
		return "error"
	}
	n := 0
	for _, run := range r.runs {
		if len(run.Report.Clients) > 0 {
			n++
		}
	}
	return fmt.Sprintf("%d of %d", n, len(r.runs))
}

// verdictCell: FAIL with the scenarios it failed under, else ok with the
// scenarios that probed it (or "every run"), else not seen.
func verdictCell(r outcome, name model.VerdictName) string {
	if r.skipped != "" || r.err != nil {
		return ""
	}
	var failed, kept []string
	for _, run := range r.runs {
		switch run.Report.Worst(name) {
		case model.ResultFail:
			failed = append(failed, run.Scenario)
		case model.ResultOK:
			kept = append(kept, run.Scenario)
		}
	}
	switch {
	case len(failed) > 0 && len(failed) == len(r.runs):
		return "**FAIL** (every run)"
	case len(failed) > 0:
		return "**FAIL** (" + strings.Join(failed, ", ") + ")"
	case len(kept) == len(r.runs):
		return "ok (every run)"
	case len(kept) > 0:
		return "ok (" + strings.Join(kept, ", ") + ")"
	}
	return "not seen"
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
