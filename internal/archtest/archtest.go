// Package archtest checks the repository's architecture rules on its
// source files: which layer may import which, and how long a hand-written
// file may grow. The rules live here as code; TestArchitecture runs them on
// the repository under `go test ./...`, with an allow-list of today's
// known violations that can only shrink.
//
// It reads import clauses with go/parser and walks the tree itself: no
// go list, no tool that may be absent.
package archtest

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// MaxLines is the most lines a hand-written (non-test, non-generated) Go
// file may have.
const MaxLines = 600

// Gotd is the import path prefix of the gotd module.
const Gotd = "github.com/gotd/td"

// Rule names, as they appear in violations and in the allow-list.
const (
	// ProtoLayer: proto/... reaches nothing under ui/ or internal/.
	ProtoLayer = "proto-imports-ui-or-internal"
	// NoGotd: ui/... and model/... import nothing from gotd (model not
	// even through another package: it is the bottom layer).
	NoGotd = "ui-or-model-imports-gotd"
	// ClientServer: the client (proto/... outside proto/localdc) never
	// reaches the server, proto/localdc.
	ClientServer = "client-imports-localdc"
	// FileSize: no hand-written file over MaxLines lines.
	FileSize = "file-over-600-lines"
)

// Violation is one broken rule: Subject is the package import path (for
// import rules) or the file path relative to the module root (for
// FileSize); Detail says how.
type Violation struct {
	Rule    string
	Subject string
	Detail  string
}

func (v Violation) String() string { return v.Rule + " " + v.Subject + ": " + v.Detail }

// Tree is what the checks need to know about a module's Go files.
type Tree struct {
	Module string
	// Imports holds, by package import path, the imports of its non-test
	// files, each with the files that import it.
	Imports map[string]map[string][]string
	// Lines holds the line count of every hand-written non-test file, by
	// path relative to the module root (slash-separated).
	Lines map[string]int
}

// generated is Go's convention for a generated file (go help generate).
var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// Load reads the Go files of the module rooted at root (the directory of
// its go.mod). Test files are left out: tests may reach across layers to
// build their fixtures (a real local DC in proto's tests, gotd's encoder in
// the catalog's). Directories named testdata, vendor, or starting with "."
// or "_" are skipped, as the go command skips them.
func Load(root string) (*Tree, error) {
	mod, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	t := &Tree{Module: mod, Imports: map[string]map[string][]string{}, Lines: map[string]int{}}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		pkg := mod
		if dir := path.Dir(rel); dir != "." {
			pkg = mod + "/" + dir
		}
		if t.Imports[pkg] == nil {
			t.Imports[pkg] = map[string][]string{}
		}
		for _, im := range f.Imports {
			ip, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: import %s: %w", rel, im.Path.Value, err)
			}
			t.Imports[pkg][ip] = append(t.Imports[pkg][ip], rel)
		}
		// The marker must come before the package clause.
		head := src[:fset.Position(f.Package).Offset]
		if !generated.Match(head) {
			t.Lines[rel] = bytes.Count(src, []byte("\n"))
			if len(src) > 0 && src[len(src)-1] != '\n' {
				t.Lines[rel]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func modulePath(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s: no module line", gomod)
}

// under reports whether import path p is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// chainTo returns a chain of module packages from pkg to the first package
// that matches bad, following non-test imports, or nil.
func (t *Tree) chainTo(pkg string, bad func(string) bool) []string {
	prev := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, ip := range sortedKeys(t.Imports[p]) {
			if _, seen := prev[ip]; seen {
				continue
			}
			prev[ip] = p
			if bad(ip) {
				var chain []string
				for q := ip; q != ""; q = prev[q] {
					chain = append([]string{q}, chain...)
				}
				return chain
			}
			if _, inModule := t.Imports[ip]; inModule {
				queue = append(queue, ip)
			}
		}
	}
	return nil
}

// Check applies every rule to t.
func (t *Tree) Check() []Violation {
	var out []Violation
	m := t.Module
	reach := func(rule, pkg string, bad func(string) bool) {
		if chain := t.chainTo(pkg, bad); chain != nil {
			last := chain[len(chain)-1]
			via := t.Imports[chain[len(chain)-2]][last]
			out = append(out, Violation{Rule: rule, Subject: pkg,
				Detail: fmt.Sprintf("reaches %s (%s; imported in %s)", last, strings.Join(chain, " -> "), strings.Join(via, ", "))})
		}
	}
	for _, pkg := range sortedKeys(t.Imports) {
		switch {
		case under(pkg, m+"/proto"):
			reach(ProtoLayer, pkg, func(ip string) bool { return under(ip, m+"/ui") || under(ip, m+"/internal") })
			if !under(pkg, m+"/proto/localdc") {
				reach(ClientServer, pkg, func(ip string) bool { return under(ip, m+"/proto/localdc") })
			}
		case under(pkg, m+"/model"):
			reach(NoGotd, pkg, func(ip string) bool { return under(ip, Gotd) })
		case under(pkg, m+"/ui"):
			// ui calls the driver, which uses gotd: only ui's own imports count.
			for _, ip := range sortedKeys(t.Imports[pkg]) {
				if under(ip, Gotd) {
					out = append(out, Violation{Rule: NoGotd, Subject: pkg,
						Detail: fmt.Sprintf("imports %s in %s", ip, strings.Join(t.Imports[pkg][ip], ", "))})
				}
			}
		}
	}
	for _, f := range sortedKeys(t.Lines) {
		if n := t.Lines[f]; n > MaxLines {
			out = append(out, Violation{Rule: FileSize, Subject: f, Detail: fmt.Sprintf("%d lines, the most is %d", n, MaxLines)})
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Allowed is a known violation, tolerated until its owner fixes it.
type Allowed struct {
	Rule, Subject string
	Owner, Why    string
}

// Judge splits violations by the allow-list: new ones fail, and so does an
// allowed item that no longer violates (it must leave the list, so that the
// list only shrinks).
func Judge(got []Violation, allow []Allowed) (problems []string) {
	allowed := map[[2]string]Allowed{}
	for _, a := range allow {
		allowed[[2]string{a.Rule, a.Subject}] = a
	}
	seen := map[[2]string]bool{}
	for _, v := range got {
		k := [2]string{v.Rule, v.Subject}
		if _, ok := allowed[k]; ok {
			seen[k] = true
			continue
		}
		problems = append(problems, v.String())
	}
	for _, a := range allow {
		if !seen[[2]string{a.Rule, a.Subject}] {
			problems = append(problems, fmt.Sprintf("%s %s no longer violates the rule: remove it from the allow-list (owner %s)", a.Rule, a.Subject, a.Owner))
		}
	}
	return problems
}
