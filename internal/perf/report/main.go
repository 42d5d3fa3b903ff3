// Command report writes README.md's performance table from one run of the
// benchmarks behind it, so that no figure in it is typed by hand:
//
//	go run ./internal/perf/report          # full: each row's command as the table shows it (10+ minutes),
//	                                       # then the table between the markers in README.md is replaced
//	go run ./internal/perf/report -quick   # every benchmark once: does each still run, parse and give its row?
//	go run ./internal/perf/report -quick -in bench.txt   # the same from saved `go test -bench` output
//	go run ./internal/perf/report -short   # full, but go test -short: the 64-client handshake rounds are left out
//
// The full mode runs each distinct command of the table once, in order,
// and takes medians over its -count runs. -quick prints the table to
// stdout and never writes README.md: one iteration is a smoke test, not a
// measurement. It exits 1 when a row cannot be written (a benchmark was
// renamed, a metric is gone), naming what is missing.
//
// -short is for a machine too slow for gotd's client in the 64-client
// rounds: gotd's tgtest server gives each key-exchange step one minute,
// and 64 of gotd's clients at once (each proving the prime, about a second
// of CPU) pass it where the machine is slower than about one handshake a
// second. The table then says the rounds were left out.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The table sits between these lines in README.md.
const (
	beginMarker = "<!-- perf-table: written by `go run ./internal/perf/report`; do not edit by hand -->"
	endMarker   = "<!-- /perf-table -->"
)

// options are the command line's choices.
type options struct {
	quick  bool   // every benchmark once, the table to stdout
	short  bool   // go test -short (implied by quick)
	in     string // saved go test output instead of a run (implies quick)
	readme string // the README to rewrite
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "run every benchmark once and print the table; README.md is not written")
	flag.BoolVar(&o.short, "short", false, "pass -short to go test: the 64-client handshake rounds are left out")
	flag.StringVar(&o.in, "in", "", "read go test -bench output from `FILE` (- for stdin) instead of running the benchmarks; implies -quick")
	flag.StringVar(&o.readme, "readme", "", "the README to rewrite, at `PATH` (default: README.md at the module root)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./internal/perf/report [-quick | -short] [-in FILE] [-readme PATH]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	o.quick = o.quick || o.in != ""
	o.short = o.short || o.quick
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "perf report:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	r := newResults()
	started := time.Now()
	if o.in != "" {
		if err := readInput(r, o.in); err != nil {
			return err
		}
	} else {
		for _, b := range distinct(rows) {
			if err := runBench(r, root, b, o); err != nil {
				return err
			}
		}
	}
	table, err := render(r, facts(o, started))
	if err != nil {
		return err
	}
	if o.quick {
		fmt.Print(table)
		return nil
	}
	readme := o.readme
	if readme == "" {
		readme = filepath.Join(root, "README.md")
	}
	return rewrite(readme, table)
}

func readInput(r *results, in string) error {
	var f io.Reader = os.Stdin
	if in != "-" {
		file, err := os.Open(in)
		if err != nil {
			return err
		}
		defer file.Close()
		f = file
	}
	return r.parse(f, "")
}

// distinct lists each row's benchmark run once, in table order.
func distinct(rs []row) []bench {
	var out []bench
	seen := map[bench]bool{}
	for _, r := range rs {
		if !seen[r.Bench] {
			seen[r.Bench] = true
			out = append(out, r.Bench)
		}
	}
	return out
}

// runBench runs b with go test from the module root, echoing its output to
// stderr for progress, and adds what it printed to r.
func runBench(r *results, root string, b bench, o options) error {
	args := b.args(o)
	fmt.Fprintln(os.Stderr, "$ go", strings.Join(args, " "))
	var out bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return r.parse(&out, b.Pkg)
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the tgpfs repository")
	}
	return filepath.Dir(gomod), nil
}

// facts is the line under the table that says where its numbers come from.
func facts(o options, started time.Time) string {
	if o.quick {
		return "Smoke run (`-quick`, one iteration each): the figures are not measurements."
	}
	short := ""
	if o.short {
		short = " with `-short`, which leaves out the 64-client handshake rounds (on this machine gotd's client was too slow for them: tgtest allows a minute per step)"
	}
	return fmt.Sprintf("Written by `go run ./internal/perf/report` from one run of these commands%s; %s, GOMAXPROCS %d, %s, took %s.",
		short, runtime.Version(), runtime.GOMAXPROCS(0), started.Format("2006-01-02"), time.Since(started).Round(time.Second))
}

// render writes the table, or says which rows could not be written.
func render(r *results, footer string) (string, error) {
	var b strings.Builder
	b.WriteString("| What | Result | Measures | Command |\n|---|---|---|---|\n")
	var errs []error
	var prev bench
	for i, row := range rows {
		l := &lookup{r: r, pkg: row.Bench.Pkg}
		text := row.Result(l)
		if l.err != nil {
			errs = append(errs, fmt.Errorf("row %q: %w", row.What, l.err))
			continue
		}
		cmd := row.Bench.command()
		if i > 0 && row.Bench == prev {
			cmd = "same run"
		}
		prev = row.Bench
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row.What, text, row.Measures, cmd)
	}
	if len(errs) > 0 {
		return "", errors.Join(errs...)
	}
	b.WriteString("\n" + footer + "\n")
	return b.String(), nil
}

// rewrite replaces what stands between the markers in the README at path;
// the README must hold each marker once. It is a tracked file, so a plain
// write (which keeps its mode) is enough: git has the previous version.
func rewrite(path, table string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := replaceTable(string(old), table)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(updated), 0o644)
}

func replaceTable(doc, table string) (string, error) {
	if strings.Count(doc, beginMarker) != 1 || strings.Count(doc, endMarker) != 1 {
		return "", fmt.Errorf("want the markers %q and %q once each", beginMarker, endMarker)
	}
	before, rest, _ := strings.Cut(doc, beginMarker)
	_, after, ok := strings.Cut(rest, endMarker)
	if !ok {
		return "", errors.New("the end marker comes before the begin marker")
	}
	return before + beginMarker + "\n" + table + endMarker + after, nil
}
