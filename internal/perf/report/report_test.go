package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sample is go test output in the shape `-bench . ./...` prints it, with
// every benchmark the table reads, the other lines go test interleaves
// (goos, logs, PASS, ok) and a second run of one benchmark.
const sample = `goos: linux
goarch: amd64
pkg: tgpfs/model/catalog
cpu: Some CPU @ 2.00GHz
BenchmarkFilter/fuzzy-2         	    1000	    500000 ns/op	     11627 ns/keystroke
BenchmarkFilter/substring-baseline-2         	   10000	     17200 ns/op	       400.0 ns/keystroke
PASS
ok  	tgpfs/model/catalog	3.1s
pkg: tgpfs/proto
BenchmarkRotate/tgpfs-2         	       8	  20200000 ns/op	   8800000 cpu-ns/op
BenchmarkRotate/gotd-2          	       8	 962000000 ns/op	 673000000 cpu-ns/op
BenchmarkRotate/tgpfs-2         	       8	  30200000 ns/op	   9800000 cpu-ns/op
BenchmarkRotate/tgpfs-2         	       8	  10200000 ns/op	   7800000 cpu-ns/op
BenchmarkModExp2048-2           	       8	   3000000 ns/op	   2950000 cpu-ns/op
ok  	tgpfs/proto	40s
pkg: tgpfs/internal/perf
BenchmarkClientHandshakeCPU/work=2-modexp-2048-2         	      20	   8000000 ns/op	         7.950 cpu-ms/op
BenchmarkClientHandshakeCPU/work=handshake/client=tgpfs-2         	      20	  15000000 ns/op	        11.60 cpu-ms/op
BenchmarkClientHandshakeCPU/work=handshake/client=gotd-2          	      20	 900000000 ns/op	       796.0 cpu-ms/op
BenchmarkHandshakeRatio/client=gotd/clients=1-2         	       3	 800000000 ns/op	         1.300 localdc-handshakes/s	         1.060 ratio-ours/tgtest	         1.230 tgtest-handshakes/s
BenchmarkHandshakeRatio/client=gotd/clients=8-2         	       3	 800000000 ns/op	         2.100 localdc-handshakes/s	         0.9300 ratio-ours/tgtest	         2.200 tgtest-handshakes/s
BenchmarkHandshakeRatio/client=tgpfs/clients=1-2        	       3	  20000000 ns/op	        62.80 localdc-handshakes/s	         1.000 ratio-ours/tgtest	        62.80 tgtest-handshakes/s
BenchmarkHandshakeRatio/client=tgpfs/clients=8-2        	       3	  20000000 ns/op	        92.30 localdc-handshakes/s	         0.9700 ratio-ours/tgtest	        95.00 tgtest-handshakes/s
BenchmarkPFSConnect/client=tgpfs-2         	      10	  22200000 ns/op
BenchmarkPFSConnect/client=gotd-2          	      10	 873000000 ns/op
BenchmarkSessionDecode
    sessions_bench_test.go:60: a log line under the parent's name
BenchmarkSessionDecode/format=telethon/reader=tgpfs-2         	 1000000	       840.0 ns/op	     512 B/op	       4 allocs/op
BenchmarkSessionDecode/format=telethon/reader=tgpfs-load-2    	 1000000	       900.0 ns/op	     600 B/op	       5 allocs/op
BenchmarkSessionDecode/format=telethon/reader=gotd-2          	 1000000	      1075 ns/op	     700 B/op	       6 allocs/op
BenchmarkSessionDecode/format=gotd/reader=tgpfs-2             	   30000	     34200 ns/op
BenchmarkSessionDecode/format=gotd/reader=gotd-2              	   60000	     16200 ns/op
BenchmarkSessionDecode/format=pyrogram/reader=tgpfs-2         	  500000	      2100 ns/op
ok  	tgpfs/internal/perf	300s
pkg: tgpfs/ui
BenchmarkView/Keys-2         	   20000	     52000 ns/op
BenchmarkView/Log-2          	   20000	     55000 ns/op
BenchmarkView/Tick+View-2    	   20000	    153000 ns/op
BenchmarkLayout/lipgloss-2   	   20000	     77300 ns/op
BenchmarkLayout/block-2      	   20000	     10800 ns/op
ok  	tgpfs/ui	20s
`

func parsed(t *testing.T, text string) *results {
	t.Helper()
	r := newResults()
	if err := r.parse(strings.NewReader(text), ""); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParse(t *testing.T) {
	r := parsed(t, sample)
	for _, tc := range []struct {
		pkg, name, unit string
		want            float64
	}{
		{"tgpfs/proto", "BenchmarkRotate/tgpfs", "ns/op", 20200000}, // the median of three runs
		{"tgpfs/proto", "BenchmarkRotate/tgpfs", "cpu-ns/op", 8800000},
		{"tgpfs/internal/perf", "BenchmarkHandshakeRatio/client=gotd/clients=8", "ratio-ours/tgtest", 0.93},
		{"tgpfs/internal/perf", "BenchmarkSessionDecode/format=telethon/reader=tgpfs-load", "allocs/op", 5},
		{"tgpfs/model/catalog", "BenchmarkFilter/substring-baseline", "ns/keystroke", 400},
	} {
		got, err := r.median(tc.pkg, tc.name, tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("median(%s, %s, %s) = %v, %v; want %v", tc.pkg, tc.name, tc.unit, got, err, tc.want)
		}
	}
	if _, err := r.median("tgpfs/proto", "BenchmarkRotate/tgpfs", "B/op"); err == nil {
		t.Error("a unit never printed has a median")
	}
	if got := r.subs("tgpfs/internal/perf", "BenchmarkSessionDecode/format=telethon"); strings.Join(got, ",") != "reader=tgpfs,reader=tgpfs-load,reader=gotd" {
		t.Errorf("subs = %q", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, text := range []string{
		"BenchmarkX-2  8  100 ns/op\n",            // no package
		"pkg: p\nBenchmarkX-2  8  1O0 ns/op\n",    // not a number
		"pkg: p\nBenchmarkX-2  8  1e999x ns/op\n", // not a number either
	} {
		if err := newResults().parse(strings.NewReader(text), ""); err == nil {
			t.Errorf("parse(%q) succeeded", text)
		}
	}
}

// TestRender writes the table from the sample: every row, the figures
// computed as the README states them, and the commands as they run.
func TestRender(t *testing.T) {
	table, err := render(parsed(t, sample), "footer")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| What | Result | Measures | Command |",
		"tgpfs 20.2 ms vs gotd's `mtproto.Conn` with `EnablePFS` 962 ms: **47.6× faster** | wall time per rotation | `go test -run '^$' -bench 'Rotate\\|ModExp' -benchtime 8x -count 3 ./proto/` |",
		"8.80 ms = **1.49×** two 2048-bit modular exponentiations (`BenchmarkModExp2048`, 2.95 ms each); gotd's path 673 ms | CPU time of the client process (getrusage) | same run |",
		"tgpfs 11.6 ms = **1.46×** two modexps (7.95 ms); gotd's exchange client 796 ms = **68.6×** ours",
		"tgpfs 22.2 ms vs gotd `telegram.Client` with PFS 873 ms: **39.3× faster**",
		"ours/tgtest **1.06 / 0.93** (gotd's per-handshake prime check dominates: 1.3 / 2.1 handshakes/s)",
		"ours/tgtest **1.00 / 0.97**; local DC 62.8 / 92.3 handshakes/s | wall-time throughput, rounds paired (one run) | same run |",
		"Telethon 840 ns vs 1.07 µs (**1.28× faster**); gotd JSON 34.2 µs vs 16.2 µs (2.11× slower); no gotd baseline: Pyrogram 2.10 µs",
		"Keys 52.0 µs, Log 55.0 µs, tick + view 153 µs; the layout helper 10.8 µs vs lipgloss 77.3 µs (**7.16×**)",
		"fuzzy 11.6 µs; 29.1× the time of a plain substring scan (the baseline, 400 ns) | wall time per keystroke (one op types 43) | `go test -run '^$' -bench Filter -benchtime 1s -count 3 ./model/catalog/` |",
		"\nfooter\n",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if n := strings.Count(table, "\n|"); n != len(rows)+1 {
		t.Errorf("%d table lines after the header, want %d rows and the rule", n, len(rows))
	}
}

// TestRenderNamesWhatIsMissing: a benchmark that was renamed, or a metric
// that is gone, fails the report and says which row and what.
func TestRenderNamesWhatIsMissing(t *testing.T) {
	for _, tc := range []struct{ drop, want string }{
		{"BenchmarkPFSConnect/client=gotd-2", `row "Connect with PFS`},
		{"BenchmarkView/", "no ns/op for BenchmarkView in tgpfs/ui"},
		{"ns/keystroke", "no ns/keystroke for BenchmarkFilter/fuzzy"},
		{"BenchmarkHandshakeRatio/client=tgpfs", `row "Same with tgpfs's client"`},
		{"BenchmarkSessionDecode/", "BenchmarkSessionDecode/format=telethon/reader=tgpfs"},
	} {
		var kept []string
		for _, line := range strings.Split(sample, "\n") {
			if !strings.Contains(line, tc.drop) {
				kept = append(kept, line)
			}
		}
		_, err := render(parsed(t, strings.Join(kept, "\n")), "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("without %q: error %v, want one naming %q", tc.drop, err, tc.want)
		}
	}
}

func TestReplaceTable(t *testing.T) {
	doc := "# x\n\ntext\n" + beginMarker + "\n| old |\n" + endMarker + "\nafter\n"
	got, err := replaceTable(doc, "| new |\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "# x\n\ntext\n" + beginMarker + "\n| new |\n" + endMarker + "\nafter\n"; got != want {
		t.Errorf("replaceTable:\n%q\nwant\n%q", got, want)
	}
	for _, bad := range []string{
		"no markers",
		beginMarker + "\n" + beginMarker + "\n" + endMarker,
		endMarker + "\n" + beginMarker,
	} {
		if _, err := replaceTable(bad, "| new |\n"); err == nil {
			t.Errorf("replaceTable(%q) succeeded", bad)
		}
	}
}

// TestRewriteKeepsTheRest rewrites a README file in place: only the table
// changes, and the file keeps its mode.
func TestRewriteKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	doc := "intro\n" + beginMarker + "\nold\n" + endMarker + "\noutro\n"
	if err := os.WriteFile(path, []byte(doc), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := rewrite(path, "new\n"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "intro\n"+beginMarker+"\nnew\n"+endMarker+"\noutro\n" {
		t.Errorf("README after rewrite:\n%s", b)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", info.Mode().Perm())
	}
}

// TestREADMEHasTheMarkers: the repository's README carries the table the
// command writes.
func TestREADMEHasTheMarkers(t *testing.T) {
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replaceTable(string(b), "x\n"); err != nil {
		t.Error("README.md:", err)
	}
}
