package tlayer

import (
	"encoding/binary"
	"slices"
	"strings"
)

// A plan maps the fields of one line onto the fields of the same-named
// line of another layer, by name. It is made once, when the data is
// parsed, for every pair of lines a transcoding can meet.
type plan struct {
	src, dst *ctor
	ops      []op // one per field of dst, in dst's order
	// optional lists the ops of optional target fields, whose presence
	// sets the target's flag bits.
	optional []int
	// incompat lists the ops whose source field has a type that does not
	// convert to the target's: a value there cannot be carried over.
	incompat []int
}

// op says where one target field comes from.
type op struct {
	dst, src int  // indexes in dst.fields and src.fields; src -1: none
	ok       bool // the source field's type converts to the target's
	st, dt   *typ // source (nil without one) and target type
	// word is the flag word a # field is, or the one that governs an
	// optional field (an index among the line's words); -1 otherwise.
	word int
	bit  uint32
	// run, when positive, makes this op the first of run ops whose bytes
	// are the source's unchanged and contiguous, from this op's source
	// field to source field runEnd: they are copied as one range.
	run, runEnd int
}

func newPlan(src, dst *ctor) *plan {
	p := &plan{src: src, dst: dst, ops: make([]op, len(dst.fields))}
	for j, f := range dst.fields {
		o := op{dst: j, src: -1, dt: f.t, word: -1}
		switch {
		case f.t.kind == kFlags:
			o.word = f.word // recomputed, never copied
		default:
			for i, g := range src.fields {
				if g.name == f.name {
					o.src, o.st, o.ok = i, g.t, convertible(g.t, f.t)
					break
				}
			}
		}
		if f.flag >= 0 {
			o.word, o.bit = f.word, f.bit
			p.optional = append(p.optional, j)
		}
		if o.src >= 0 && !o.ok {
			p.incompat = append(p.incompat, j)
		}
		p.ops[j] = o
	}
	p.runs()
	return p
}

// runs finds the ops that copy source bytes as they are: fields of one
// primitive type on both sides, required on both or optional on both
// with a target bit no other field shares (so the field is present in
// the target exactly when in the source); true fields, which have no
// bytes, may sit anywhere in a run. Source fields between two in a run
// must have no bytes either.
func (p *plan) runs() {
	copyable := func(o *op) bool {
		if o.src < 0 || o.st != o.dt {
			return false
		}
		switch o.dt.kind {
		case kInt, kLong, kDouble, kString, kInt128, kInt256:
		default:
			return false
		}
		sf, df := p.src.fields[o.src], p.dst.fields[o.dst]
		if sf.flag < 0 || df.flag < 0 {
			return sf.flag < 0 && df.flag < 0
		}
		for k, g := range p.dst.fields {
			if k != o.dst && g.flag == df.flag && g.bit == df.bit {
				return false
			}
		}
		return true
	}
	gapless := func(from, to int) bool { // source fields strictly between
		for i := from + 1; i < to; i++ {
			if p.src.fields[i].t.kind != kTrue {
				return false
			}
		}
		return true
	}
	for k := 0; k < len(p.ops); k++ {
		start := &p.ops[k]
		if !copyable(start) {
			continue
		}
		last, n := start.src, 1
		for k+n < len(p.ops) {
			o := &p.ops[k+n]
			if o.dt.kind == kTrue {
				n++
				continue
			}
			if !copyable(o) || o.src <= last || !gapless(last, o.src) {
				break
			}
			last = o.src
			n++
		}
		start.run, start.runEnd = n, last
		k += n - 1
	}
}

// convertible reports whether a value of type a can be written as b:
// the same type, numbers of any width (checked for range when written),
// or vectors of such.
func convertible(a, b *typ) bool {
	if a == b {
		return true
	}
	if numeric(a.kind) && numeric(b.kind) {
		return true
	}
	if a.kind == b.kind && (a.kind == kVector || a.kind == kBareVector) {
		return convertible(a.elem, b.elem)
	}
	return false
}

func numeric(k kind) bool { return k == kInt || k == kLong || k == kDouble }

// plans makes every plan: each line to its MaxLayer line (requests), and
// each MaxLayer line to its line in every layer (results).
func (u *universe) plans() {
	cache := map[[2]*ctor]*plan{}
	get := func(a, b *ctor) *plan {
		k := [2]*ctor{a, b}
		if p := cache[k]; p != nil {
			return p
		}
		p := newPlan(a, b)
		cache[k] = p
		return p
	}
	for _, cs := range u.byName {
		for _, c := range cs {
			if t := u.line(c.name, c.method, newest); t != nil {
				c.up = get(c, t)
			}
			if !c.layers.has(newest) {
				continue
			}
			c.down = new([nLayers]*plan)
			for i := range nLayers {
				if t := u.line(c.name, c.method, i); t != nil {
					c.down[i] = get(c, t)
				}
			}
		}
	}
}

// ctorsAt appends the constructors of t in layer index i to cs.
func (t *typ) ctorsAt(cs []*ctor, i int) []*ctor {
	for _, c := range t.ctors {
		if c.layers.has(i) {
			cs = append(cs, c)
		}
	}
	return cs
}

// sameness finds, per layer, the types every value of which is encoded
// as in MaxLayer. A type differs when its constructors there are not the
// same lines as in MaxLayer, or when one of them has a field of a type
// that differs; so the differing types are those that start differing,
// and everything that reaches them through the lines of that layer.
func (u *universe) sameness() {
	users := map[*typ][]*ctor{} // field type -> the constructors with such a field
	for _, t := range u.types {
		for _, c := range t.ctors {
			for _, f := range c.fields {
				e := f.t
				for e.elem != nil {
					e = e.elem
				}
				if e.kind == kObject {
					users[e] = append(users[e], c)
				}
			}
		}
	}
	var a, b []*ctor
	for i := range nLayers {
		differs := map[*typ]bool{}
		var queue []*typ
		for _, t := range u.types {
			if t.kind != kObject {
				continue
			}
			a, b = t.ctorsAt(a[:0], i), t.ctorsAt(b[:0], newest)
			if !sameLines(a, b) {
				differs[t] = true
				queue = append(queue, t)
			}
		}
		for len(queue) > 0 {
			t := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			for _, c := range users[t] {
				if r := c.result; c.layers.has(i) && !differs[r] {
					differs[r] = true
					queue = append(queue, r)
				}
			}
		}
		for _, t := range u.types {
			if t.kind == kObject && !differs[t] {
				t.same.add(i)
			}
		}
	}
}

func sameLines(a, b []*ctor) bool {
	if len(a) != len(b) {
		return false
	}
	for _, c := range a {
		if !slices.Contains(b, c) {
			return false
		}
	}
	return true
}

// Zero values of the fixed-size and empty encodings.
var (
	zero4  = make([]byte, 4)
	zero8  = make([]byte, 8)
	zero16 = make([]byte, 16)
	zero32 = make([]byte, 32)
	empty  = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, vectorID), 0)
)

// zero returns the zero value of t in layer index i (see zeroOf).
func zero(t *typ, i int) []byte {
	if t.kind == kObject {
		return t.zero[i]
	}
	// Other kinds have one zero in every layer.
	return zeroOf(t, i, nil)
}

// zeroes computes the zero value of every object type in every layer.
func (u *universe) zeroes() {
	for i := range nLayers {
		done := map[*typ]bool{}
		for _, t := range u.types {
			if t.kind == kObject {
				zeroOf(t, i, done)
			}
		}
	}
}

// zeroOf returns the encoding a field of type t gets in layer index i
// when the value it is transcoded from has no such field; nil when t has
// no zero. Numbers are 0, strings and vectors empty, Bool is boolFalse,
// and an object is its constructor named ...Empty (photoEmpty,
// userStatusEmpty) or its only constructor, with every field zero; an
// object with neither, or whose fields have no zero, has none.
func zeroOf(t *typ, i int, done map[*typ]bool) []byte {
	switch t.kind {
	case kInt:
		return zero4
	case kLong, kDouble:
		return zero8
	case kString, kBareVector:
		return zero4 // empty string: length 0 and three bytes of padding; count 0
	case kInt128:
		return zero16
	case kInt256:
		return zero32
	case kVector:
		return empty
	case kObject:
	default:
		return nil
	}
	if t.zero == nil {
		t.zero = new([nLayers][]byte)
	}
	if done[t] {
		return t.zero[i]
	}
	done[t] = true // a cycle through required fields has no zero
	cs := t.ctorsAt(nil, i)
	var pick *ctor
	for _, c := range cs {
		if c.name == "boolFalse" || strings.HasSuffix(c.name, "Empty") {
			pick = c
			break
		}
	}
	if pick == nil && len(cs) == 1 {
		pick = cs[0]
	}
	if pick == nil {
		return nil
	}
	b := binary.LittleEndian.AppendUint32(nil, pick.id)
	for _, f := range pick.fields {
		switch {
		case f.t.kind == kFlags:
			b = append(b, zero4...)
		case f.flag >= 0:
		default:
			z := zeroOf(f.t, i, done)
			if z == nil {
				return nil
			}
			b = append(b, z...)
		}
	}
	t.zero[i] = b
	return b
}
