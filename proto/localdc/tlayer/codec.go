package tlayer

import (
	"encoding/binary"
	"errors"
	"math"
)

// maxDepth bounds how deeply objects may nest (JSONValue can nest
// without end); deeper input is refused as malformed.
const maxDepth = 64

// coder transcodes one body from layer index src to layer index dst; one
// of them is always MaxLayer's.
type coder struct {
	u        *universe
	in, out  []byte
	src, dst int
	// bad is the unserved layer the call was passed with, 0 if none:
	// only wrappers, the same in every layer, are read then, until an
	// invokeWithLayer names a layer that is served.
	bad int
	// spans and walked are pass one's notes on the objects being
	// transcoded, as stacks: where each field lies, and the nested
	// objects walked already for pass two (see prewalk).
	spans  []span
	walked []walked
	depth  int
}

// span is where one source field lies in the input (bodies are far
// below 2 GiB; the API entry points refuse longer ones), or the value of
// a flag word. walk leaves the spans of true fields and of optional
// fields whose bit is clear as they were: present says which are set.
type span struct {
	lo, hi int32
	word   uint32
}

// walked is an object read in pass one: its line, where its spans
// start, where it ends, and the index of the walked entry after its own
// fields' entries.
type walked struct {
	sc              *ctor
	base, end, next int32
}

// other is the layer whose types are compared with MaxLayer's.
func (c *coder) other() int {
	if c.src == newest {
		return c.dst
	}
	return c.src
}

// planFor returns the plan from source line sc to the target layer.
func (c *coder) planFor(sc *ctor) (*plan, error) {
	var p *plan
	if c.dst == newest {
		p = sc.up
	} else if sc.down != nil {
		p = sc.down[c.dst]
	}
	if p == nil {
		return nil, c.notInLayer(sc)
	}
	return p, nil
}

// notInLayer is the error for source line sc, which the target layer
// lacks.
func (c *coder) notInLayer(sc *ctor) error {
	return &NotInLayerError{Name: sc.name, ID: sc.id, Layer: MinLayer + c.dst, Method: sc.method}
}

// extra supplies a target field the source line lacks (see adapt.go).
type extra struct {
	name string
	t    *typ
	lo   int
}

// object transcodes the object at p, of type want (nil: any), and
// returns where it ended.
func (c *coder) object(p int, want *typ, x *extra) (int, error) {
	w := len(c.walked)
	sc, base, end, err := c.fields(p, want)
	defer func() { c.spans, c.walked = c.spans[:base], c.walked[:w] }()
	if err != nil {
		return 0, err
	}
	pl, err := c.planFor(sc)
	if err != nil {
		return 0, err
	}
	return end, c.emit(pl, base, x)
}

// emit is pass two: it writes the target line of pl from the spans of the
// source fields, which start at base.
func (c *coder) emit(pl *plan, base int, x *extra) error {
	for _, j := range pl.incompat {
		if c.has(base, &pl.ops[j]) {
			return c.fieldError(pl, j, ErrIncompatible)
		}
	}
	// The flag words of the target: a bit is set when a field it governs
	// is present in the source. Most bits keep their place between
	// layers and are moved a word at a time.
	var words [maxWord]uint32
	for _, m := range pl.masks {
		words[m.dst] |= c.spans[base+m.src].word & m.mask
	}
	for _, k := range pl.optional {
		o := &pl.ops[k]
		if o.src >= 0 && o.ok && c.has(base, o) || o.src < 0 && x != nil && pl.dst.fields[k].name == x.name {
			words[o.word] |= o.bit
		}
	}
	c.out = binary.LittleEndian.AppendUint32(c.out, pl.dst.id)
	for _, k := range pl.writes {
		o := &pl.ops[k]
		switch {
		case o.run > 0:
			// A run is present exactly when the source fields are.
			if o.sbit == 0 || c.spans[base+o.sflag].word&o.sbit != 0 {
				c.out = append(c.out, c.in[c.spans[base+o.src].lo:c.spans[base+o.runEnd].hi]...)
			}
		case o.kind == kFlags:
			c.out = binary.LittleEndian.AppendUint32(c.out, words[o.word])
		case o.bit != 0 && words[o.word]&o.bit == 0:
		case o.kind == kQuery && o.src >= 0:
			return c.query(pl, base, int(c.spans[base+o.src].lo))
		case o.src >= 0 && o.ok && c.has(base, o):
			sp := c.spans[base+o.src]
			if c.same(o.st, o.dt) { // pass one found its end already
				c.out = append(c.out, c.in[sp.lo:sp.hi]...)
				continue
			}
			var j *int32
			if c.deferred(o.st) {
				first := int32(sp.word)
				j = &first
			}
			if _, err := c.value(o.st, o.dt, int(sp.lo), j); err != nil {
				if errors.Is(err, ErrRange) && !errors.As(err, new(*FieldError)) {
					err = c.fieldError(pl, k, err)
				}
				return err
			}
		case o.src < 0 && x != nil && pl.dst.fields[k].name == x.name:
			if _, err := c.value(x.t, o.dt, x.lo, nil); err != nil {
				return err
			}
		default:
			z := zero(o.dt, c.dst)
			if z == nil {
				return c.fieldError(pl, k, ErrNoZero)
			}
			c.out = append(c.out, z...)
		}
	}
	return nil
}

// has reports whether the source field of o is in the input.
func (c *coder) has(base int, o *op) bool {
	return o.sbit == 0 || c.spans[base+o.sflag].word&o.sbit != 0
}

func (c *coder) fieldError(pl *plan, k int, err error) error {
	return &FieldError{Constructor: pl.dst.name, Field: pl.dst.fields[k].name, Layer: MinLayer + c.dst, Err: err}
}

// query transcodes the !X query of a wrapper: a method call in the layer
// the wrapper says (invokeWithLayer) or in the current one.
func (c *coder) query(pl *plan, base, lo int) error {
	src, bad := c.src, c.bad
	if pl.src.switchesLayer && c.dst == newest {
		for i, g := range pl.src.fields {
			if g.name == "layer" && g.t.kind == kInt {
				l := int(int32(binary.LittleEndian.Uint32(c.in[c.spans[base+i].lo:])))
				idx, err := index(l)
				if err != nil {
					return err
				}
				c.src, c.bad = idx, 0
			}
		}
	}
	err := c.call(lo)
	c.src, c.bad = src, bad
	return err
}

// call transcodes the method call at p.
func (c *coder) call(p int) error {
	id, err := c.u32(p)
	if err != nil {
		return err
	}
	sc := c.u.lookup(id, c.src)
	if c.bad != 0 && (sc == nil || !sc.method || !hasQuery(sc)) {
		return &LayerError{Layer: c.bad}
	}
	if sc == nil || !sc.method {
		return c.unknown(id, true)
	}
	pl, err := c.planFor(sc)
	if err != nil {
		return err
	}
	if c.src == newest && c.dst == newest && !hasQuery(sc) {
		c.out = append(c.out, c.in[p:]...)
		return nil
	}
	base, w := len(c.spans), len(c.walked)
	defer func() { c.spans, c.walked = c.spans[:base], c.walked[:w] }()
	if _, err := c.walk(sc, p+4); err != nil {
		return err
	}
	return c.emit(pl, base, nil)
}

func hasQuery(c *ctor) bool {
	n := len(c.fields)
	return n > 0 && c.fields[n-1].t.kind == kQuery
}

// same reports whether a value of source type st is written as it is
// for target type dt.
func (c *coder) same(st, dt *typ) bool {
	return st == dt && (st.kind < kObject || st.same.Has(c.other()))
}

// value transcodes the value of source type st at p as target type dt.
// With j, its objects were walked in pass one: they are c.walked[*j] on,
// and *j moves past them.
func (c *coder) value(st, dt *typ, p int, j *int32) (int, error) {
	if c.same(st, dt) {
		end, err := c.skip(p, st)
		if err != nil {
			return 0, err
		}
		c.out = append(c.out, c.in[p:end]...)
		return end, nil
	}
	switch {
	case numeric(st.kind):
		return c.number(st.kind, dt.kind, p)
	case st.kind == kObject && j != nil:
		w := c.walked[*j]
		*j = w.next
		pl, err := c.planFor(w.sc)
		if err != nil {
			return 0, err
		}
		return int(w.end), c.emit(pl, int(w.base), nil)
	case st.kind == kObject:
		return c.object(p, st, nil)
	case st.kind == kVector || st.kind == kBareVector:
		n, q, err := c.vector(p, st)
		if err != nil {
			return 0, err
		}
		if dt.kind == kVector {
			c.out = binary.LittleEndian.AppendUint32(c.out, vectorID)
		}
		c.out = binary.LittleEndian.AppendUint32(c.out, uint32(n))
		for range n {
			if q, err = c.value(st.elem, dt.elem, q, j); err != nil {
				return 0, err
			}
		}
		return q, nil
	}
	return 0, &DecodeError{Offset: p, Err: ErrMalformed}
}

// number converts between int, long and double, refusing what does not
// fit.
func (c *coder) number(from, to kind, p int) (int, error) {
	size := 4
	if from != kInt {
		size = 8
	}
	if err := c.need(p, size); err != nil {
		return 0, err
	}
	var i int64
	var f float64
	switch from {
	case kInt:
		i = int64(int32(binary.LittleEndian.Uint32(c.in[p:])))
		f = float64(i)
	case kLong:
		i = int64(binary.LittleEndian.Uint64(c.in[p:]))
		f = float64(i)
	case kDouble:
		f = math.Float64frombits(binary.LittleEndian.Uint64(c.in[p:]))
		if to != kDouble && (math.IsNaN(f) || f < math.MinInt64 || f >= math.MaxInt64) {
			return 0, ErrRange
		}
		i = int64(f)
	}
	switch to {
	case kInt:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return 0, ErrRange
		}
		c.out = binary.LittleEndian.AppendUint32(c.out, uint32(int32(i)))
	case kLong:
		c.out = binary.LittleEndian.AppendUint64(c.out, uint64(i))
	case kDouble:
		c.out = binary.LittleEndian.AppendUint64(c.out, math.Float64bits(f))
	}
	return p + size, nil
}
