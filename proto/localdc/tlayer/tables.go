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
	// writes lists the ops that write bytes, in order: all but true
	// fields, and of a run only its first.
	writes []int
	// masks move the flag bits that govern fields of the same name at
	// the same bit from a source word to a target word; optional lists
	// the ops of the other optional target fields, whose bits are set
	// one by one.
	masks    []wordMask
	optional []int
	// incompat lists the ops whose source field has a type that does not
	// convert to the target's: a value there cannot be carried over.
	incompat []int
}

type wordMask struct {
	dst, src int // target word slot, source flag field index
	mask     uint32
}

// op says where one target field comes from.
type op struct {
	dst, src int  // indexes in dst.fields and src.fields; src -1: none
	ok       bool // the source field's type converts to the target's
	kind     kind // dt.kind
	st, dt   *typ // source (nil without one) and target type
	// word is the flag word a # field is, or the one that governs an
	// optional field (an index among the line's words), with its bit.
	word int
	bit  uint32
	// sflag and sbit: the flag field and bit governing the source field;
	// sbit is 0 when the source field is always present.
	sflag int
	sbit  uint32
	// run, when positive, makes this op the first of run ops whose bytes
	// are the source's unchanged and contiguous, from this op's source
	// field to source field runEnd: they are copied as one range.
	run, runEnd int
}

func newPlan(src, dst *ctor) *plan {
	p := &plan{src: src, dst: dst, ops: make([]op, len(dst.fields))}
	for j, f := range dst.fields {
		o := op{dst: j, src: -1, dt: f.t, kind: f.kind, word: -1, sflag: -1}
		if f.kind == kFlags {
			o.word = f.word // recomputed, never copied
		} else {
			for i, g := range src.fields {
				if g.name == f.name {
					o.src, o.st, o.ok = i, g.t, convertible(g.t, f.t)
					if g.flag >= 0 {
						o.sflag, o.sbit = g.flag, g.bit
					}
					break
				}
			}
		}
		if f.flag >= 0 {
			o.word, o.bit = f.word, f.bit
		}
		if o.src >= 0 && !o.ok {
			p.incompat = append(p.incompat, j)
		}
		p.ops[j] = o
	}
	p.flagPlan()
	p.runs()
	for k := range p.ops {
		if o := &p.ops[k]; o.kind != kTrue && o.run >= 0 {
			p.writes = append(p.writes, k)
		}
	}
	return p
}

// flagPlan sorts the optional target fields: those whose source field is
// optional under the same bit number move with a mask, the rest one by
// one.
func (p *plan) flagPlan() {
	for k := range p.ops {
		o := &p.ops[k]
		if o.bit == 0 {
			continue
		}
		if o.src < 0 || !o.ok || o.sbit != o.bit {
			p.optional = append(p.optional, k)
			continue
		}
		i := slices.IndexFunc(p.masks, func(m wordMask) bool { return m.dst == o.word && m.src == o.sflag })
		if i < 0 {
			p.masks = append(p.masks, wordMask{dst: o.word, src: o.sflag})
			i = len(p.masks) - 1
		}
		p.masks[i].mask |= o.bit
	}
}

// runs finds the ops that copy source bytes as they are: fields of one
// primitive type on both sides, required on both, or optional on both
// under one source bit and a target bit no other target field shares
// (so the run is present in the target exactly when in the source).
// True fields, which have no bytes, may sit anywhere in a run; source
// fields between two in a run must have no bytes either. The ops a run
// covers after its first get run -1.
func (p *plan) runs() {
	shared := func(o *op) bool {
		for k, g := range p.dst.fields {
			if k != o.dst && g.flag >= 0 && g.word == o.word && g.bit == o.bit {
				return true
			}
		}
		return false
	}
	copyable := func(o *op) bool {
		if o.src < 0 || o.st != o.dt {
			return false
		}
		switch o.kind {
		case kInt, kLong, kDouble, kString, kInt128, kInt256:
		default:
			return false
		}
		return o.sbit == 0 && o.bit == 0 || o.sbit != 0 && o.bit != 0 && !shared(o)
	}
	gapless := func(from, to int) bool {
		for i := from + 1; i < to; i++ {
			if p.src.fields[i].kind != kTrue {
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
			if o.kind == kTrue {
				n++
				continue
			}
			if !copyable(o) || o.src <= last || !gapless(last, o.src) ||
				o.sflag != start.sflag || o.sbit != start.sbit || o.word != start.word || o.bit != start.bit {
				break
			}
			o.run = -1
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
			if !c.layers.Has(newest) {
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
		if c.layers.Has(i) {
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
				if r := c.result; c.layers.Has(i) && !differs[r] {
					differs[r] = true
					queue = append(queue, r)
				}
			}
		}
		for _, t := range u.types {
			e := t
			for e.elem != nil { // a vector is the same when its elements are
				e = e.elem
			}
			if (e.kind == kObject && !differs[e] || e.kind != kObject && e.kind != kQuery) && t.kind != e.kind || t.kind == kObject && !differs[t] {
				t.same.Add(i)
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
// userStatusEmpty) or ...Default (botMenuButtonDefault), or its only
// constructor, with every field zero; an object with none of these, or
// whose fields have no zero, has none.
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
		if c.name == "boolFalse" || strings.HasSuffix(c.name, "Empty") || strings.HasSuffix(c.name, "Default") {
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
