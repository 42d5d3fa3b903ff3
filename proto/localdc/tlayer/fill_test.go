package tlayer

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// compatible says whether a field keeps its value between two layers'
// lines: the same type, or numbers, or vectors of such (string and bytes
// are one encoding).
func compatible(a, b string) bool {
	norm := func(t string) string { return strings.ReplaceAll(t, "bytes", "string") }
	a, b = norm(a), norm(b)
	num := func(t string) bool { return t == "int" || t == "long" || t == "double" }
	if a == b || num(a) && num(b) {
		return true
	}
	ea, ba, oka := vectorOf(a)
	eb, bb, okb := vectorOf(b)
	return oka && okb && ba == bb && compatible(ea, eb)
}

// filler makes values of the lines of one layer that can cross to
// another: constructors the other layer has by name, and no value in a
// field whose type differs there. Optional fields are filled down to
// depth fill, and below only what is required, with the constructors of
// fewest fields, so values stay small.
type filler struct {
	s, other *tschema
	fill     int
	n        int
	cross    map[string]int // type -> 1 crossable, 2 not, 3 being decided
}

func newFiller(s, other *tschema) *filler {
	return &filler{s: s, other: other, fill: 2, cross: map[string]int{}}
}

func (g *filler) next() int { g.n++; return g.n }

// crossable reports whether line l can be written so that it crosses.
func (g *filler) crossable(l *tline) bool {
	ol := g.other.byName[l.name]
	if ol == nil || ol.method != l.method {
		return false
	}
	for _, f := range l.fields {
		if f.flag != "" || f.typ == "#" {
			continue
		}
		if of := ol.field(f.name); of != nil && !compatible(f.typ, of.typ) {
			return false
		}
		if !g.typeCrossable(f.typ) {
			return false
		}
	}
	return true
}

func (g *filler) typeCrossable(typ string) bool {
	if e, _, ok := vectorOf(typ); ok {
		return g.typeCrossable(e)
	}
	if g.s.byType[typ] == nil {
		return true // a primitive (or !X)
	}
	switch g.cross[typ] {
	case 1, 3: // a cycle is assumed to cross; what is required ends somewhere
		return true
	case 2:
		return false
	}
	g.cross[typ] = 3
	ok := false
	for _, l := range g.s.byType[typ] {
		ok = ok || g.crossable(l)
	}
	g.cross[typ] = 2
	if ok {
		g.cross[typ] = 1
	}
	return ok
}

// pick chooses the constructor of typ to write at depth: one that
// crosses if there is one.
func (g *filler) pick(typ string, depth int) *tline {
	var best *tline
	better := func(l *tline) bool {
		if best == nil {
			return true
		}
		if c, b := g.crossable(l), g.crossable(best); c != b {
			return c
		}
		return depth >= g.fill && len(l.fields) < len(best.fields)
	}
	for _, l := range g.s.byType[typ] { // sorted by name, so values differ little between runs
		if better(l) {
			best = l
		}
	}
	return best
}

// value makes a value of typ.
func (g *filler) value(typ string, depth int) any {
	switch typ {
	case "int":
		return int32(g.next())
	case "long":
		return int64(g.next()) * 3
	case "double":
		return float64(g.next())
	case "string", "bytes":
		return "v" + strconv.Itoa(g.next())
	case "int128":
		return bytes.Repeat([]byte{byte(g.next())}, 16)
	case "int256":
		return bytes.Repeat([]byte{byte(g.next())}, 32)
	case "!X", "X":
		return &tobj{name: "help.getConfig", f: map[string]any{}}
	}
	if e, _, ok := vectorOf(typ); ok {
		v := g.value(e, depth+1)
		if !g.crosses(v) {
			return []any{}
		}
		return []any{v}
	}
	return g.obj(g.pick(typ, depth), depth)
}

// obj fills line l: every required field, and below depth fill each
// group of optional fields under one flag bit whose values all cross.
func (g *filler) obj(l *tline, depth int) *tobj {
	o := &tobj{name: l.name, id: l.id, f: map[string]any{}}
	ol := g.other.byName[l.name]
	groups := map[string][]tfield{}
	var order []string
	for _, f := range l.fields {
		switch {
		case f.typ == "#":
		case f.flag == "":
			o.f[f.name] = g.value(f.typ, depth+1)
		default:
			k := f.flag + "." + strconv.Itoa(f.bit)
			if groups[k] == nil {
				order = append(order, k)
			}
			groups[k] = append(groups[k], f)
		}
	}
	if depth >= g.fill {
		return o
	}
	for _, k := range order {
		vals := map[string]any{}
		ok := true
		for _, f := range groups[k] {
			if ol != nil {
				if of := ol.field(f.name); of != nil && !compatible(f.typ, of.typ) {
					ok = false
				}
			}
			if f.typ == "true" {
				vals[f.name] = true
				continue
			}
			v := g.value(f.typ, depth+1)
			ok = ok && g.crosses(v)
			vals[f.name] = v
		}
		if ok {
			for n, v := range vals {
				o.f[n] = v
			}
		}
	}
	return o
}

// crosses reports whether value v can be carried to the other layer:
// each object's constructor is there, and each field it keeps there has a
// type that converts and a value that crosses.
func (g *filler) crosses(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if !g.crosses(e) {
				return false
			}
		}
	case *tobj:
		l, ol := g.s.byName[v.name], g.other.byName[v.name]
		if ol == nil || ol.method != l.method || !l.method && ol.result != l.result {
			return false
		}
		for _, f := range l.fields {
			fv, ok := v.f[f.name]
			of := ol.field(f.name)
			if !ok || of == nil {
				continue
			}
			if !compatible(f.typ, of.typ) || !g.crosses(fv) {
				return false
			}
		}
	}
	return true
}

// sameValue checks that dst, read by dstS, is src, read by srcS, carried
// across: every field dst's line shares with src's has src's value (and
// is present when src's is), every other one is zero.
func sameValue(src any, srcS *tschema, dst any, dstS *tschema, path string) error {
	switch s := src.(type) {
	case *tobj:
		d, ok := dst.(*tobj)
		if !ok || d.name != s.name {
			return fmt.Errorf("%s: %v became %v", path, describe(src), describe(dst))
		}
		sl, dl := srcS.byName[s.name], dstS.byName[d.name]
		for _, df := range dl.fields {
			if df.typ == "#" {
				continue
			}
			p := path + "." + df.name
			dv, dok := d.f[df.name]
			sf := sl.field(df.name)
			sv, sok := s.f[df.name]
			if sf == nil || !sok || !compatible(sf.typ, df.typ) {
				if dok && !isZero(dv) {
					return fmt.Errorf("%s: %v where the source has none", p, describe(dv))
				}
				continue
			}
			if !dok {
				return fmt.Errorf("%s: dropped (source has %v)", p, describe(sv))
			}
			if err := sameValue(sv, srcS, dv, dstS, p); err != nil {
				return err
			}
		}
		return nil
	case []any:
		d, ok := dst.([]any)
		if !ok || len(d) != len(s) {
			return fmt.Errorf("%s: %v became %v", path, describe(src), describe(dst))
		}
		for i := range s {
			if err := sameValue(s[i], srcS, d[i], dstS, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		return nil
	case int32, int64, float64:
		a, b := toFloat(src), toFloat(dst)
		if math.Trunc(a) != b && a != b {
			return fmt.Errorf("%s: %v became %v", path, src, dst)
		}
		return nil
	case []byte:
		if d, ok := dst.([]byte); !ok || !bytes.Equal(s, d) {
			return fmt.Errorf("%s: %x became %v", path, s, dst)
		}
		return nil
	}
	if src != dst {
		return fmt.Errorf("%s: %v became %v", path, describe(src), describe(dst))
	}
	return nil
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case int32:
		return float64(v)
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// isZero: what a field the source lacks may hold.
func isZero(v any) bool {
	switch v := v.(type) {
	case int32:
		return v == 0
	case int64:
		return v == 0
	case float64:
		return v == 0
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case bool:
		return !v
	case []byte:
		return bytes.Equal(v, make([]byte, len(v)))
	case *tobj:
		if v.name == "boolTrue" {
			return false
		}
		for _, f := range v.f {
			if !isZero(f) {
				return false
			}
		}
		return true
	}
	return false
}

func describe(v any) string {
	if o, ok := v.(*tobj); ok {
		return o.name
	}
	return fmt.Sprintf("%v", v)
}
