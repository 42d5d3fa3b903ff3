package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// bench is one `go test -bench` invocation: the rows that share one read
// the same run.
type bench struct {
	Pkg       string // import path
	Pattern   string // -bench
	Benchtime string // -benchtime
	Count     int    // -count
}

// dir is the package as a relative path for the command line.
func (b bench) dir() string { return "./" + strings.TrimPrefix(b.Pkg, module+"/") + "/" }

// args are go test's arguments for b: quick runs it once; short passes
// -short (which leaves out the 64-client handshake rounds), as CI does.
func (b bench) args(o options) []string {
	bt, n := b.Benchtime, b.Count
	if o.quick {
		bt, n = "1x", 1
	}
	var short []string
	if o.short {
		short = []string{"-short"}
	}
	// go test's default 10-minute timeout covers benchmarks too; a full
	// run of the slow rows on a busy machine needs more.
	args := append([]string{"test"}, short...)
	return append(args, "-run", "^$", "-bench", b.Pattern, "-benchtime", bt, "-count", strconv.Itoa(n), "-timeout", "60m", b.dir())
}

// command is the invocation as the README shows it.
func (b bench) command() string {
	pat := b.Pattern
	if strings.ContainsAny(pat, "|$ ") {
		pat = "'" + strings.ReplaceAll(pat, "|", `\|`) + "'"
	}
	return fmt.Sprintf("`go test -run '^$' -bench %s -benchtime %s -count %d %s`", pat, b.Benchtime, b.Count, b.dir())
}

// row is one line of the README's performance table.
type row struct {
	What string
	// Measures says which quantity the figures are: wall-clock or CPU
	// time, and of what.
	Measures string
	Bench    bench
	// Result writes the figures from the run's results.
	Result func(l *lookup) string
}

const module = "tgpfs"

var (
	protoRotate = bench{Pkg: module + "/proto", Pattern: "Rotate|ModExp", Benchtime: "8x", Count: 3}
	perfCPU     = bench{Pkg: module + "/internal/perf", Pattern: "ClientHandshakeCPU", Benchtime: "20x", Count: 3}
	perfConnect = bench{Pkg: module + "/internal/perf", Pattern: "PFSConnect", Benchtime: "10x", Count: 3}
	perfRatio   = bench{Pkg: module + "/internal/perf", Pattern: "HandshakeRatio", Benchtime: "3x", Count: 1}
	perfDecode  = bench{Pkg: module + "/internal/perf", Pattern: "SessionDecode", Benchtime: "1s", Count: 3}
	uiView      = bench{Pkg: module + "/ui", Pattern: "View|Layout", Benchtime: "1s", Count: 3}
	catFilter   = bench{Pkg: module + "/model/catalog", Pattern: "Filter", Benchtime: "1s", Count: 3}
)

// rows is the table, in order.
var rows = []row{
	{
		What: "Rotation (new connection, temp-key exchange, bind) against the local DC", Measures: "wall time per rotation", Bench: protoRotate,
		Result: versus("BenchmarkRotate/tgpfs", "BenchmarkRotate/gotd", "gotd's `mtproto.Conn` with `EnablePFS`"),
	},
	{
		What:     "Client CPU per rotation (DC in a child process)",
		Measures: "CPU time of the client process (getrusage)",
		Bench:    protoRotate,
		Result: func(l *lookup) string {
			ours, exp := l.get("BenchmarkRotate/tgpfs", "cpu-ns/op"), l.get("BenchmarkModExp2048", "cpu-ns/op")
			gotd := l.get("BenchmarkRotate/gotd", "cpu-ns/op")
			return fmt.Sprintf("%s = **%s** two 2048-bit modular exponentiations (`BenchmarkModExp2048`, %s each); gotd's path %s",
				dur(ours), times(ours/(2*exp)), dur(exp), dur(gotd))
		},
	},
	{
		What:     "Client CPU per permanent-key exchange",
		Measures: "CPU time of the client process (getrusage)",
		Bench:    perfCPU,
		Result: func(l *lookup) string {
			const p = "BenchmarkClientHandshakeCPU/"
			base := l.get(p+"work=2-modexp-2048", "cpu-ms/op") * 1e6
			ours := l.get(p+"work=handshake/client=tgpfs", "cpu-ms/op") * 1e6
			gotd := l.get(p+"work=handshake/client=gotd", "cpu-ms/op") * 1e6
			return fmt.Sprintf("tgpfs %s = **%s** two modexps (%s); gotd's exchange client %s = **%s** ours",
				dur(ours), times(ours/base), dur(base), dur(gotd), times(gotd/ours))
		},
	},
	{
		What: "Connect with PFS from a stored permanent key (temp key + bind + help.getConfig)", Measures: "wall time per connect", Bench: perfConnect,
		Result: versus("BenchmarkPFSConnect/client=tgpfs", "BenchmarkPFSConnect/client=gotd", "gotd `telegram.Client` with PFS"),
	},
	{
		What: "Local DC vs gotd `tgtest`, permanent keys, gotd's client", Measures: pairedRounds, Bench: perfRatio,
		Result: handshakeRatio("gotd", "ours/tgtest **%s** (gotd's per-handshake prime check dominates: %s handshakes/s)"),
	},
	{
		What: "Same with tgpfs's client", Measures: pairedRounds, Bench: perfRatio,
		Result: handshakeRatio("tgpfs", "ours/tgtest **%s**; local DC %s handshakes/s"),
	},
	{
		What:     "Session decode vs gotd's readers",
		Measures: "wall time per decode (one goroutine)",
		Bench:    perfDecode,
		Result:   sessionDecode,
	},
	{
		What:     "UI `View()` at 120x40",
		Measures: "wall time per call",
		Bench:    uiView,
		Result: func(l *lookup) string {
			var parts []string
			screens := l.r.subs(l.pkg, "BenchmarkView")
			if len(screens) == 0 {
				l.get("BenchmarkView", "ns/op") // reports what is missing
			}
			for _, s := range screens {
				name := s
				if s == "Tick+View" {
					name = "tick + view"
				}
				parts = append(parts, name+" "+dur(l.get("BenchmarkView/"+s, "ns/op")))
			}
			block, lip := l.get("BenchmarkLayout/block", "ns/op"), l.get("BenchmarkLayout/lipgloss", "ns/op")
			return fmt.Sprintf("%s; the layout helper %s vs lipgloss %s (**%s**)", strings.Join(parts, ", "), dur(block), dur(lip), times(lip/block))
		},
	},
	{
		What:     "Catalog filter, per keystroke",
		Measures: "wall time per keystroke (one op types 43)",
		Bench:    catFilter,
		Result: func(l *lookup) string {
			fuzzy, base := l.get("BenchmarkFilter/fuzzy", "ns/keystroke"), l.get("BenchmarkFilter/substring-baseline", "ns/keystroke")
			return fmt.Sprintf("fuzzy %s; %s the time of a plain substring scan (the baseline, %s)", dur(fuzzy), times(fuzzy/base), dur(base))
		},
	},
}

// versus sets tgpfs's wall time per op against gotd's doing the same.
func versus(ours, gotd, gotdIs string) func(*lookup) string {
	return func(l *lookup) string {
		o, g := l.get(ours, "ns/op"), l.get(gotd, "ns/op")
		return fmt.Sprintf("tgpfs %s vs %s %s: **%s faster**", dur(o), gotdIs, dur(g), times(g/o))
	}
}

const pairedRounds = "wall-time throughput, rounds paired (one run)"

// handshakeRatio reads BenchmarkHandshakeRatio for one client at every
// client count it ran with and fills format with the ratios ours/tgtest
// and the local DC's handshakes/s, each list joined with " / ".
func handshakeRatio(client, format string) func(*lookup) string {
	return func(l *lookup) string {
		p := "BenchmarkHandshakeRatio/client=" + client
		counts := l.r.subs(l.pkg, p)
		if len(counts) == 0 {
			l.get(p+"/clients=1", "ratio-ours/tgtest") // reports what is missing
		}
		var rs, hs []string
		for _, c := range counts {
			rs = append(rs, fmt.Sprintf("%.2f", l.get(p+"/"+c, "ratio-ours/tgtest")))
			hs = append(hs, fmt.Sprintf("%.1f", l.get(p+"/"+c, "localdc-handshakes/s")))
		}
		return fmt.Sprintf(format, strings.Join(rs, " / "), strings.Join(hs, " / "))
	}
}

// formatNames are the session formats as the README names them.
var formatNames = map[string]string{
	"telethon": "Telethon", "gotd": "gotd JSON", "tdata": "tdata", "pyrogram": "Pyrogram", "gramjs": "GramJS",
	"telethon-sqlite": "Telethon SQLite", "pyrogram-sqlite": "Pyrogram SQLite", "mtcute": "mtcute", "mtcute-sqlite": "mtcute SQLite",
}

func sessionDecode(l *lookup) string {
	const p = "BenchmarkSessionDecode/"
	var withBase, without []string
	formats := l.r.subs(l.pkg, "BenchmarkSessionDecode")
	if len(formats) == 0 {
		l.get(p+"format=telethon/reader=tgpfs", "ns/op") // reports what is missing
	}
	for _, f := range formats {
		format := strings.TrimPrefix(f, "format=")
		name := formatNames[format]
		if name == "" {
			name = format
		}
		readers := l.r.subs(l.pkg, p+f)
		ours := l.get(p+f+"/reader=tgpfs", "ns/op")
		if !slices.Contains(readers, "reader=gotd") {
			without = append(without, name+" "+dur(ours))
			continue
		}
		gotd := l.get(p+f+"/reader=gotd", "ns/op")
		verdict := fmt.Sprintf("**%s faster**", times(gotd/ours))
		if ours > gotd {
			verdict = fmt.Sprintf("%s slower", times(ours/gotd))
		}
		withBase = append(withBase, fmt.Sprintf("%s %s vs %s (%s)", name, dur(ours), dur(gotd), verdict))
	}
	out := strings.Join(withBase, "; ")
	if len(without) > 0 {
		out += "; no gotd baseline: " + strings.Join(without, ", ")
	}
	return out
}

// dur writes nanoseconds with three significant digits in a fitting unit.
func dur(ns float64) string {
	unit, div := "ns", 1.0
	switch {
	case ns >= 1e9:
		unit, div = "s", 1e9
	case ns >= 1e6:
		unit, div = "ms", 1e6
	case ns >= 1e3:
		unit, div = "µs", 1e3
	}
	return sig3(ns/div) + " " + unit
}

// times writes a ratio: 48×, 7.2×, 1.49×.
func times(x float64) string { return sig3(x) + "×" }

// sig3 writes v with three significant digits and no exponent.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
