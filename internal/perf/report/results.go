package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// results holds what `go test -bench` printed: for each package and
// benchmark, one sample per run (-count), each a value per unit
// ("ns/op", "cpu-ns/op", "handshakes/s", ...).
type results struct {
	samples map[string][]map[string]float64 // key: pkg + " " + name
	order   map[string][]string             // pkg -> names in the order first seen
}

func newResults() *results {
	return &results{samples: map[string][]map[string]float64{}, order: map[string][]string{}}
}

// procSuffix is the -GOMAXPROCS suffix go test adds to a benchmark's name.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test output: "pkg: P" lines name the package of the
// benchmark lines that follow ("BenchmarkX/sub-2  8  20212345 ns/op  ...").
// A "pkg:" line is missing when go test ran one package from its own
// directory; pkg is then the package to assume.
func (r *results) parse(in io.Reader, pkg string) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if p, ok := strings.CutPrefix(text, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(text, "Benchmark") {
			continue
		}
		f := strings.Fields(text)
		// A name alone is a parent benchmark or a log line's header.
		if len(f) < 4 || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		if pkg == "" {
			return fmt.Errorf("line %d: a benchmark result before any \"pkg:\" line", line)
		}
		s := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("line %d: %q is not a number: %q", line, f[i], text)
			}
			s[f[i+1]] = v
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		key := pkg + " " + name
		if _, seen := r.samples[key]; !seen {
			r.order[pkg] = append(r.order[pkg], name)
		}
		r.samples[key] = append(r.samples[key], s)
	}
	return sc.Err()
}

// median is the median over the runs of benchmark name's value in unit.
func (r *results) median(pkg, name, unit string) (float64, error) {
	var vs []float64
	for _, s := range r.samples[pkg+" "+name] {
		if v, ok := s[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, fmt.Errorf("no %s for %s in %s", unit, name, pkg)
	}
	sort.Float64s(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2, nil
	}
	return vs[len(vs)/2], nil
}

// subs lists the sub-benchmarks directly under parent ("BenchmarkView"),
// by their next name element, in the order they ran.
func (r *results) subs(pkg, parent string) []string {
	var out []string
	for _, name := range r.order[pkg] {
		rest, ok := strings.CutPrefix(name, parent+"/")
		if !ok {
			continue
		}
		elem, _, _ := strings.Cut(rest, "/")
		if !slices.Contains(out, elem) {
			out = append(out, elem)
		}
	}
	return out
}

// lookup is the medians a row reads, collecting the first error so that a
// row's text can be written in one go and fail once.
type lookup struct {
	r   *results
	pkg string
	err error
}

func (l *lookup) get(name, unit string) float64 {
	v, err := l.r.median(l.pkg, name, unit)
	if err == nil && !(v > 0) {
		err = fmt.Errorf("%s of %s in %s is %v, want a positive number", unit, name, l.pkg, v)
	}
	if err != nil && l.err == nil {
		l.err = err
	}
	return v
}
