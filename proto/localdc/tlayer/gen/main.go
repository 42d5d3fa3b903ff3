// Command gen writes tlayer's data: the TL lines of every constructor and
// method the local DC decodes or sends, for every layer from 133 to 229,
// each distinct line once with the layers it holds for.
//
//	go run ./proto/localdc/tlayer/gen -schemas DIR [-out proto/localdc/tlayer/layers.tl]
//
// DIR holds one published schema per layer, NNN.tl, and a SOURCES file
// naming the repository, commit and path of each (extract.sh makes both
// from the git histories of gotd/td, tdesktop, Telethon and tdlib). A
// layer without a file uses the nearest lower one, as the brief of the
// package says; the output's header lists which.
//
// What is kept is the closure of the roots below: the methods the DC
// serves, with every type their parameters and results reach, except
// that a few types of results the DC only ever answers one way are cut
// down to the constructors it sends (restrict). Every other method of
// those layers is listed by name and id only, so the DC can name what it
// does not serve.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"tgpfs/proto/localdc/tlayer/internal/layers"
	"tgpfs/proto/localdc/tlayer/internal/tl"
)

const minLayer, maxLayer = layers.Min, layers.Max

// spec says what to keep: the methods the DC decodes, the types it sends
// outside any result, and the types it answers one way only.
type spec struct {
	roots, extraTypes []string
	restrict          map[string][]string
}

// dc is what the local DC needs.
var dc = spec{roots: roots, extraTypes: extraTypes, restrict: restrict}

// roots are the methods the local DC decodes, wrappers included.
var roots = []string{
	"invokeWithLayer", "initConnection", "invokeWithoutUpdates", "invokeAfterMsg", "invokeAfterMsgs",
	"help.getConfig", "help.getNearestDc", "help.getAppConfig", "help.getCountriesList",
	"help.getTermsOfServiceUpdate", "help.getPromoData",
	"langpack.getLangPack", "langpack.getLanguages", "langpack.getStrings",
	"auth.sendCode", "auth.signIn", "auth.signUp", "auth.logOut",
	"auth.exportAuthorization", "auth.importAuthorization", "auth.importBotAuthorization",
	"auth.bindTempAuthKey", "auth.dropTempAuthKeys",
	"auth.exportLoginToken", "auth.importLoginToken", "auth.acceptLoginToken",
	"auth.checkPassword", "auth.resetAuthorizations",
	"users.getUsers", "users.getFullUser",
	"updates.getState", "updates.getDifference",
	"account.updateStatus", "account.getAuthorizations", "account.resetAuthorization",
	"account.getPassword",
}

// extraTypes are reached by no root but sent by the DC: the login-token
// update is pushed as updateShort.
var extraTypes = []string{"Updates"}

// restrict cuts a type down to the constructors the DC sends.
var restrict = map[string][]string{
	"updates.Difference": {"updates.differenceEmpty"},
	"Updates":            {"updateShort"},
	"Update":             {"updateLoginToken"},
}

func main() {
	dir := flag.String("schemas", "", "directory with NNN.tl schema files and SOURCES")
	out := flag.String("out", "proto/localdc/tlayer/layers.tl", "output file")
	all := flag.String("crosscheck", "", "optional directory of every source's copy, NNN.SOURCE.tl: report where they disagree on a kept line")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gen: -schemas DIR is required")
		os.Exit(2)
	}
	if err := run(*dir, *out, *all, dc); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// layerSchema is one layer's schema, indexed.
type layerSchema struct {
	layer, from int // from: the layer whose file it is
	byName      map[string]*tl.Def
	byType      map[string][]*tl.Def
	methods     []*tl.Def
}

func load(path string, layer, from int) (*layerSchema, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	defs, err := tl.File(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &layerSchema{layer: layer, from: from, byName: map[string]*tl.Def{}, byType: map[string][]*tl.Def{}}
	for i := range defs {
		d := &defs[i]
		if _, dup := s.byName[d.Name]; dup {
			return nil, fmt.Errorf("%s: %s defined twice", path, d.Name)
		}
		s.byName[d.Name] = d
		if d.Method {
			s.methods = append(s.methods, d)
		} else {
			s.byType[d.Result] = append(s.byType[d.Result], d)
		}
	}
	return s, nil
}

// closure returns the definitions the DC needs in one layer.
func (s *layerSchema) closure(want spec) (map[string]*tl.Def, error) {
	keep := map[string]*tl.Def{}
	seenType := map[string]bool{}
	var addType func(t string) error
	addDef := func(d *tl.Def) error {
		if keep[d.Name] != nil {
			return nil
		}
		keep[d.Name] = d
		for _, p := range d.Params {
			if err := addType(p.Type); err != nil {
				return fmt.Errorf("%s.%s: %w", d.Name, p.Name, err)
			}
		}
		if d.Method {
			return addType(d.Result)
		}
		return nil
	}
	addType = func(t string) error {
		if e, _, ok := tl.Elem(t); ok {
			return addType(e)
		}
		if primitive(t) || seenType[t] {
			return nil
		}
		seenType[t] = true
		ctors := s.byType[t]
		if only, ok := want.restrict[t]; ok {
			ctors = nil
			for _, n := range only {
				if d := s.byName[n]; d != nil && d.Result == t {
					ctors = append(ctors, d)
				}
			}
		}
		if len(ctors) == 0 {
			return fmt.Errorf("layer %d: type %s has no constructors", s.layer, t)
		}
		for _, d := range ctors {
			if err := addDef(d); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range want.roots {
		d := s.byName[r]
		if d == nil || !d.Method {
			return nil, fmt.Errorf("layer %d: no method %s", s.layer, r)
		}
		if err := addDef(d); err != nil {
			return nil, err
		}
	}
	for _, t := range want.extraTypes {
		if err := addType(t); err != nil {
			return nil, err
		}
	}
	return keep, nil
}

// primitive reports the types that have no constructors of their own.
func primitive(t string) bool {
	switch t {
	case "int", "long", "double", "string", "bytes", "int128", "int256", "true", "#", "!X", "X":
		return true
	}
	return false
}

type entry struct {
	name, text string
	method     bool
	layers     layers.Set
}

func run(dir, out, all string, want spec) error {
	sources, err := readSources(filepath.Join(dir, "SOURCES"))
	if err != nil {
		return err
	}
	var header []string
	lines := map[string]*entry{}    // normalised line -> entry
	unserved := map[string]*entry{} // "name#id" -> entry
	var prev string
	from := 0
	for l := minLayer; l <= maxLayer; l++ {
		path := filepath.Join(dir, strconv.Itoa(l)+".tl")
		if _, err := os.Stat(path); err == nil {
			prev, from = path, l
			src, ok := sources[l]
			if !ok {
				return fmt.Errorf("SOURCES names no source for layer %d", l)
			}
			header = append(header, fmt.Sprintf("layer %d: %s", l, src))
		} else if prev == "" {
			return fmt.Errorf("no schema for layer %d, the lowest", l)
		} else {
			header = append(header, fmt.Sprintf("layer %d: none published, uses layer %d", l, from))
		}
		s, err := load(prev, l, from)
		if err != nil {
			return err
		}
		keep, err := s.closure(want)
		if err != nil {
			return err
		}
		for _, d := range keep {
			text := d.String()
			e := lines[text]
			if e == nil {
				e = &entry{name: d.Name, text: text, method: d.Method}
				lines[text] = e
			}
			e.layers.Add(l - minLayer)
		}
		for _, d := range s.byName {
			if keep[d.Name] != nil {
				continue
			}
			key := fmt.Sprintf("%s#%08x", d.Name, d.ID)
			e := unserved[key]
			if e == nil {
				e = &entry{name: d.Name, text: key, method: d.Method}
				unserved[key] = e
			}
			e.layers.Add(l - minLayer)
		}
		fmt.Fprintf(os.Stderr, "layer %d: %d definitions kept of %d\n", l, len(keep), len(s.byName))
		if all != "" && from == l {
			if err := crosscheck(all, l, keep); err != nil {
				return err
			}
		}
	}
	return write(out, header, lines, unserved)
}

// readSources reads "LAYER SOURCE REPO COMMIT PATH" lines.
func readSources(path string) (map[int]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[int]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			continue
		}
		l, err := strconv.Atoi(fs[0])
		if err != nil {
			return nil, fmt.Errorf("SOURCES: %q: %w", sc.Text(), err)
		}
		m[l] = fmt.Sprintf("github.com/%s %s %s", fs[2], fs[3], fs[4])
	}
	return m, sc.Err()
}

// sorted orders entries by name, then by first layer.
func sorted(m map[string]*entry, method bool) []*entry {
	var es []*entry
	for _, e := range m {
		if e.method == method {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *entry) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return a.layers.First() - b.layers.First()
	})
	return es
}

func write(out string, header []string, lines, unserved map[string]*entry) error {
	var b strings.Builder
	b.WriteString("// Code generated by proto/localdc/tlayer/gen; DO NOT EDIT.\n")
	b.WriteString("//\n// Each line: the layers it holds for, then the TL line as published.\n")
	b.WriteString("// The schemas it was made from:\n")
	for _, h := range header {
		b.WriteString("// " + h + "\n")
	}
	section := func(name string, es []*entry) {
		b.WriteString("---" + name + "---\n")
		for _, e := range es {
			b.WriteString(e.layers.String() + " " + e.text + "\n")
		}
	}
	section("types", sorted(lines, false))
	section("functions", sorted(lines, true))
	section("unserved-types", sorted(unserved, false))
	section("unserved-functions", sorted(unserved, true))
	fmt.Fprintf(os.Stderr, "%d lines, %d ids not served\n", len(lines), len(unserved))
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// crosscheck compares the kept lines of a layer with every other
// source's copy of that layer and reports each difference.
func crosscheck(dir string, layer int, keep map[string]*tl.Def) error {
	copies, _ := filepath.Glob(filepath.Join(dir, strconv.Itoa(layer)+".*.tl"))
	for _, path := range copies {
		other, err := load(path, layer, layer)
		if err != nil {
			return err
		}
		for _, name := range slices.Sorted(maps.Keys(keep)) {
			d, o := keep[name], other.byName[name]
			switch {
			case o == nil:
				fmt.Fprintf(os.Stderr, "  %s lacks %s\n", filepath.Base(path), name)
			case o.String() != d.String():
				fmt.Fprintf(os.Stderr, "  %s differs: %s\n    kept: %s\n", filepath.Base(path), o.String(), d.String())
			}
		}
	}
	return nil
}
