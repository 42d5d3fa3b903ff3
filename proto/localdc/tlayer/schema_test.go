package tlayer

// The tests read and write TL by the published lines with code of their
// own: a line parser, a reader and a writer of generic values, apart
// from the codec's tables and plans, so that a codec that misreads a
// line does not agree with itself.

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// tline is one combinator as the tests read it.
type tline struct {
	name, result, text string
	id                 uint32
	method             bool
	fields             []tfield
}

type tfield struct {
	name, typ string // typ without its flag condition
	flag      string // the # field governing it, "" if always present
	bit       int
}

func (l *tline) field(name string) *tfield {
	for i := range l.fields {
		if l.fields[i].name == name {
			return &l.fields[i]
		}
	}
	return nil
}

// tschema is one layer's lines.
type tschema struct {
	layer  int
	byID   map[uint32]*tline
	byName map[string]*tline
	byType map[string][]*tline
}

// parseTestLine reads "name#id {X:Type} a:int b:flags.0?string = T;".
func parseTestLine(text string, method bool) (*tline, error) {
	l := &tline{text: text, method: method}
	lhs, rhs, ok := strings.Cut(strings.TrimSuffix(text, ";"), " = ")
	if !ok {
		return nil, fmt.Errorf("no ' = ' in %q", text)
	}
	l.result = rhs
	toks := strings.Fields(lhs)
	name, hex, _ := strings.Cut(toks[0], "#")
	id, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", text, err)
	}
	l.name, l.id = name, uint32(id)
	for _, t := range toks[1:] {
		if strings.HasPrefix(t, "{") {
			continue
		}
		n, typ, _ := strings.Cut(t, ":")
		f := tfield{name: n, typ: typ}
		if cond, rest, ok := strings.Cut(typ, "?"); ok {
			fl, bit, _ := strings.Cut(cond, ".")
			f.flag, f.typ = fl, rest
			f.bit, _ = strconv.Atoi(bit)
		}
		l.fields = append(l.fields, f)
	}
	return l, nil
}

// testData is the embedded data as the tests read it: each served line
// with the layers it holds for.
type testEntry struct {
	line   *tline
	ranges [][2]int
}

var testLines = sync.OnceValues(func() ([]testEntry, error) {
	var out []testEntry
	section := ""
	for _, raw := range strings.Split(layersTL, "\n") {
		switch {
		case raw == "" || strings.HasPrefix(raw, "//"):
			continue
		case strings.HasPrefix(raw, "---"):
			section = raw
			continue
		case strings.HasPrefix(section, "---unserved"):
			continue
		}
		ranges, text, _ := strings.Cut(raw, " ")
		l, err := parseTestLine(text, section == "---functions---")
		if err != nil {
			return nil, err
		}
		e := testEntry{line: l}
		for _, r := range strings.Split(ranges, ",") {
			a, b, ok := strings.Cut(r, "-")
			lo, _ := strconv.Atoi(a)
			hi := lo
			if ok {
				hi, _ = strconv.Atoi(b)
			}
			e.ranges = append(e.ranges, [2]int{lo, hi})
		}
		out = append(out, e)
	}
	return out, nil
})

func (e testEntry) holds(layer int) bool {
	for _, r := range e.ranges {
		if layer >= r[0] && layer <= r[1] {
			return true
		}
	}
	return false
}

var schemas sync.Map // layer -> *tschema

// schemaAt returns the lines of one layer.
func schemaAt(t testing.TB, layer int) *tschema {
	t.Helper()
	if s, ok := schemas.Load(layer); ok {
		return s.(*tschema)
	}
	entries, err := testLines()
	if err != nil {
		t.Fatal(err)
	}
	s := &tschema{layer: layer, byID: map[uint32]*tline{}, byName: map[string]*tline{}, byType: map[string][]*tline{}}
	for _, e := range entries {
		if !e.holds(layer) {
			continue
		}
		l := e.line
		s.byID[l.id] = l
		s.byName[l.name] = l
		if !l.method {
			s.byType[l.result] = append(s.byType[l.result], l)
		}
	}
	for _, ls := range s.byType {
		sort.Slice(ls, func(i, j int) bool { return ls[i].name < ls[j].name })
	}
	schemas.Store(layer, s)
	return s
}

// tobj is a generic TL object: its constructor and field values. Values
// are int32, int64, float64, string (string and bytes), []byte (int128
// and int256), bool (true flags), *tobj, []any; an absent optional field
// is missing from f.
type tobj struct {
	name string
	id   uint32
	f    map[string]any
}

func vectorOf(typ string) (elem string, boxed, ok bool) {
	if e, ok := strings.CutPrefix(typ, "Vector<"); ok {
		return strings.TrimSuffix(e, ">"), true, true
	}
	if e, ok := strings.CutPrefix(typ, "vector<"); ok {
		return strings.TrimSuffix(e, ">"), false, true
	}
	return "", false, false
}

// write appends v, of type typ, in this layer.
func (s *tschema) write(b []byte, typ string, v any) ([]byte, error) {
	le := binary.LittleEndian
	switch typ {
	case "int":
		return le.AppendUint32(b, uint32(v.(int32))), nil
	case "long":
		return le.AppendUint64(b, uint64(v.(int64))), nil
	case "double":
		return le.AppendUint64(b, math.Float64bits(v.(float64))), nil
	case "string", "bytes":
		str := v.(string)
		n := len(str)
		if n < 254 {
			b = append(b, byte(n))
		} else {
			b = append(b, 254, byte(n), byte(n>>8), byte(n>>16))
		}
		b = append(b, str...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b, nil
	case "int128", "int256":
		return append(b, v.([]byte)...), nil
	case "!X", "X":
		return s.writeObj(b, v.(*tobj))
	}
	if elem, boxed, ok := vectorOf(typ); ok {
		vs := v.([]any)
		if boxed {
			b = le.AppendUint32(b, 0x1cb5c415)
		}
		b = le.AppendUint32(b, uint32(len(vs)))
		var err error
		for _, e := range vs {
			if b, err = s.write(b, elem, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	o := v.(*tobj)
	if l := s.byName[o.name]; l == nil || l.result != typ {
		return nil, fmt.Errorf("layer %d: %s is no constructor of %s", s.layer, o.name, typ)
	}
	return s.writeObj(b, o)
}

// writeObj appends o by its line in this layer; the flag words are
// computed from which fields o has.
func (s *tschema) writeObj(b []byte, o *tobj) ([]byte, error) {
	l := s.byName[o.name]
	if l == nil {
		return nil, fmt.Errorf("layer %d has no %s", s.layer, o.name)
	}
	words := map[string]uint32{}
	for _, f := range l.fields {
		if v, ok := o.f[f.name]; ok && f.flag != "" && v != false {
			words[f.flag] |= 1 << f.bit
		}
	}
	b = binary.LittleEndian.AppendUint32(b, l.id)
	var err error
	for _, f := range l.fields {
		v, ok := o.f[f.name]
		switch {
		case f.typ == "#":
			b = binary.LittleEndian.AppendUint32(b, words[f.name])
		case f.flag != "" && words[f.flag]&(1<<f.bit) == 0, f.typ == "true":
		case !ok:
			return nil, fmt.Errorf("layer %d: %s.%s has no value", s.layer, o.name, f.name)
		default:
			if b, err = s.write(b, f.typ, v); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", o.name, f.name, err)
			}
		}
	}
	return b, nil
}

// read reads a value of type typ from b in this layer and returns the
// rest.
func (s *tschema) read(b []byte, typ string) (any, []byte, error) {
	le := binary.LittleEndian
	need := func(n int) error {
		if len(b) < n {
			return fmt.Errorf("layer %d: %s: %d bytes left, %d needed", s.layer, typ, len(b), n)
		}
		return nil
	}
	switch typ {
	case "int":
		if err := need(4); err != nil {
			return nil, nil, err
		}
		return int32(le.Uint32(b)), b[4:], nil
	case "long", "double":
		if err := need(8); err != nil {
			return nil, nil, err
		}
		if typ == "double" {
			return math.Float64frombits(le.Uint64(b)), b[8:], nil
		}
		return int64(le.Uint64(b)), b[8:], nil
	case "string", "bytes":
		if err := need(1); err != nil {
			return nil, nil, err
		}
		n, hdr := int(b[0]), 1
		if n == 254 {
			if err := need(4); err != nil {
				return nil, nil, err
			}
			n, hdr = int(b[1])|int(b[2])<<8|int(b[3])<<16, 4
		}
		total := (hdr + n + 3) / 4 * 4
		if err := need(total); err != nil {
			return nil, nil, err
		}
		return string(b[hdr : hdr+n]), b[total:], nil
	case "int128", "int256":
		n := 16
		if typ == "int256" {
			n = 32
		}
		if err := need(n); err != nil {
			return nil, nil, err
		}
		return append([]byte(nil), b[:n]...), b[n:], nil
	}
	if elem, boxed, ok := vectorOf(typ); ok {
		if boxed {
			if err := need(4); err != nil {
				return nil, nil, err
			}
			if le.Uint32(b) != 0x1cb5c415 {
				return nil, nil, fmt.Errorf("layer %d: %s: no vector id", s.layer, typ)
			}
			b = b[4:]
		}
		if err := need(4); err != nil {
			return nil, nil, err
		}
		n := int(le.Uint32(b))
		b = b[4:]
		vs := []any{}
		for range n {
			v, rest, err := s.read(b, elem)
			if err != nil {
				return nil, nil, err
			}
			vs, b = append(vs, v), rest
		}
		return vs, b, nil
	}
	if err := need(4); err != nil {
		return nil, nil, err
	}
	l := s.byID[le.Uint32(b)]
	switch {
	case l == nil:
		return nil, nil, fmt.Errorf("layer %d: %s: no constructor #%08x", s.layer, typ, le.Uint32(b))
	case (typ == "!X" || typ == "X") != l.method:
		return nil, nil, fmt.Errorf("layer %d: %s where %s belongs", s.layer, l.name, typ)
	case !l.method && l.result != typ:
		return nil, nil, fmt.Errorf("layer %d: %s is a %s, not a %s", s.layer, l.name, l.result, typ)
	}
	b = b[4:]
	o := &tobj{name: l.name, id: l.id, f: map[string]any{}}
	words := map[string]uint32{}
	for _, f := range l.fields {
		switch {
		case f.typ == "#":
			if err := need(4); err != nil {
				return nil, nil, err
			}
			words[f.name] = le.Uint32(b)
			b = b[4:]
		case f.flag != "" && words[f.flag]&(1<<f.bit) == 0:
		case f.typ == "true":
			o.f[f.name] = true
		default:
			v, rest, err := s.read(b, f.typ)
			if err != nil {
				return nil, nil, fmt.Errorf("%s.%s: %w", l.name, f.name, err)
			}
			o.f[f.name], b = v, rest
		}
	}
	return o, b, nil
}

// readAll reads one value that must take all of b.
func (s *tschema) readAll(b []byte, typ string) (any, error) {
	v, rest, err := s.read(b, typ)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("layer %d: %d bytes left after %s", s.layer, len(rest), typ)
	}
	return v, err
}

// walkObjects calls fn for every object in v.
func walkObjects(v any, fn func(*tobj)) {
	switch v := v.(type) {
	case *tobj:
		fn(v)
		for _, f := range v.f {
			walkObjects(f, fn)
		}
	case []any:
		for _, e := range v {
			walkObjects(e, fn)
		}
	}
}
