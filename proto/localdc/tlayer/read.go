package tlayer

// Pass one of a transcoding: reading a value by the source layer's lines,
// noting where each field lies. Pass two, writing the target layer's
// form from those notes, is in codec.go.

import (
	"encoding/binary"
	"slices"
)

// present reports whether field i of line sc, whose spans start at base,
// is in the input.
func (c *coder) present(sc *ctor, base, i int) bool {
	f := &sc.fields[i]
	return f.flag < 0 || c.spans[base+f.flag].word&f.bit != 0
}

func (c *coder) u32(p int) (uint32, error) {
	if p < 0 || p+4 > len(c.in) {
		return 0, &DecodeError{Offset: p, Err: ErrTruncated}
	}
	return binary.LittleEndian.Uint32(c.in[p:]), nil
}

func (c *coder) need(p, n int) error {
	if p+n > len(c.in) {
		return &DecodeError{Offset: p, Err: ErrTruncated}
	}
	return nil
}

// skipString returns the end of the TL string at p.
func (c *coder) skipString(p int) (int, error) {
	if err := c.need(p, 1); err != nil {
		return 0, err
	}
	n, hdr := int(c.in[p]), 1
	switch n {
	case 254:
		if err := c.need(p, 4); err != nil {
			return 0, err
		}
		n, hdr = int(c.in[p+1])|int(c.in[p+2])<<8|int(c.in[p+3])<<16, 4
	case 255:
		return 0, &DecodeError{Offset: p, Err: ErrMalformed}
	}
	total := (hdr + n + 3) &^ 3
	if err := c.need(p, total); err != nil {
		return 0, err
	}
	return p + total, nil
}

// count reads a vector's element count, bounded by what the input could
// hold (every element takes at least four bytes).
func (c *coder) count(p int) (int, error) {
	n, err := c.u32(p)
	if err != nil {
		return 0, err
	}
	if int64(n)*4 > int64(len(c.in)-p-4) {
		return 0, &DecodeError{Offset: p, Err: ErrTruncated}
	}
	return int(n), nil
}

// vector reads a vector header of type t at p: its count and where its
// first element starts.
func (c *coder) vector(p int, t *typ) (n, first int, err error) {
	if t.kind == kVector {
		id, err := c.u32(p)
		if err != nil {
			return 0, 0, err
		}
		if id != vectorID {
			return 0, 0, c.unknown(id, false)
		}
		p += 4
	}
	n, err = c.count(p)
	return n, p + 4, err
}

// skip returns the end of the value of type t at p, read by the source
// layer's lines.
func (c *coder) skip(p int, t *typ) (int, error) {
	switch t.kind {
	case kInt:
		return p + 4, c.need(p, 4)
	case kLong, kDouble:
		return p + 8, c.need(p, 8)
	case kInt128:
		return p + 16, c.need(p, 16)
	case kInt256:
		return p + 32, c.need(p, 32)
	case kString:
		return c.skipString(p)
	case kQuery:
		return len(c.in), nil
	case kVector, kBareVector:
		n, q, err := c.vector(p, t)
		for range n {
			if err != nil {
				break
			}
			q, err = c.skip(q, t.elem)
		}
		return q, err
	case kObject:
		return c.skipObject(p, t)
	}
	return 0, &DecodeError{Offset: p, Err: ErrMalformed}
}

// skipObject returns the end of the object of type t at p. It is walk
// without the spans: only the flag words are kept.
func (c *coder) skipObject(p int, t *typ) (int, error) {
	sc, err := c.enter(p, t)
	defer c.leave()
	if err != nil {
		return 0, err
	}
	p += 4
	var words [maxWord]uint32
	for i := range sc.fields {
		f := &sc.fields[i]
		switch {
		case f.flag >= 0 && words[f.word]&f.bit == 0, f.kind == kTrue:
		case f.kind == kFlags:
			if words[f.word], err = c.u32(p); err != nil {
				return 0, err
			}
			p += 4
		case f.kind == kInt:
			if p += 4; p > len(c.in) {
				return 0, &DecodeError{Offset: p - 4, Err: ErrTruncated}
			}
		default:
			if p, err = c.skip(p, f.t); err != nil {
				return 0, err
			}
		}
	}
	return p, nil
}

// enter starts reading the object at p, one level deeper: its line in
// the source layer (see source), or an error if objects nest deeper than
// maxDepth. The caller calls leave when done, error or not.
func (c *coder) enter(p int, want *typ) (*ctor, error) {
	if c.depth++; c.depth > maxDepth {
		return nil, &DecodeError{Offset: p, Err: ErrTooDeep}
	}
	return c.source(p, want)
}

func (c *coder) leave() { c.depth-- }

// source reads the constructor id at p and returns its line in the
// source layer, which must be of type want (nil: any type).
func (c *coder) source(p int, want *typ) (*ctor, error) {
	id, err := c.u32(p)
	if err != nil {
		return nil, err
	}
	if want != nil { // a type has few lines: faster than the map
		for _, sc := range want.ctors {
			if sc.id == id && sc.layers.Has(c.src) {
				return sc, nil
			}
		}
	}
	sc := c.u.lookup(id, c.src)
	if sc == nil || sc.method {
		return nil, c.unknown(id, false)
	}
	if want != nil && sc.result != want {
		return nil, &TypeError{ID: id, Name: sc.name, Got: sc.result.name, Want: want.name, Layer: MinLayer + c.src}
	}
	return sc, nil
}

// fields is pass one: it reads the object at p (of type want, nil: any)
// and pushes one span per field of its line onto c.spans, from base on.
// The caller truncates c.spans to base when done with them.
func (c *coder) fields(p int, want *typ) (sc *ctor, base, end int, err error) {
	base = len(c.spans)
	sc, err = c.enter(p, want)
	defer c.leave()
	if err != nil {
		return nil, base, 0, err
	}
	end, err = c.walk(sc, p+4)
	return sc, base, end, err
}

// walk reads the fields of line sc starting at p into spans.
func (c *coder) walk(sc *ctor, p int) (int, error) {
	base, n := len(c.spans), len(sc.fields)
	c.spans = slices.Grow(c.spans, n)[:base+n]
	for i := range sc.fields {
		f := &sc.fields[i]
		if f.flag >= 0 && c.spans[base+f.flag].word&f.bit == 0 {
			continue
		}
		lo := p
		switch f.kind {
		case kTrue:
			continue
		case kFlags:
			w, err := c.u32(p)
			if err != nil {
				return 0, err
			}
			c.spans[base+i].word = w
			p += 4
			continue
		case kInt:
			if p += 4; p > len(c.in) {
				return 0, &DecodeError{Offset: lo, Err: ErrTruncated}
			}
		default:
			// Both may grow c.spans: index it afresh below.
			var end int
			var err error
			if c.deferred(f.t) {
				c.spans[base+i].word = uint32(len(c.walked))
				end, err = c.prewalk(p, f.t)
			} else {
				end, err = c.skip(p, f.t)
			}
			if err != nil {
				return 0, err
			}
			p = end
		}
		c.spans[base+i].lo, c.spans[base+i].hi = int32(lo), int32(p)
	}
	return p, nil
}

// deferred reports whether a value of type t will be transcoded, not
// copied: then pass one keeps its walk (prewalk) for pass two.
func (c *coder) deferred(t *typ) bool {
	e := t
	for e.elem != nil {
		e = e.elem
	}
	return e.kind == kObject && !t.same.Has(c.other())
}

// prewalk is walk for a value pass two will transcode: each object in it
// is walked once, its spans kept on c.spans and its line and place on
// c.walked, depth first.
func (c *coder) prewalk(p int, t *typ) (int, error) {
	if t.kind != kObject {
		n, q, err := c.vector(p, t)
		for range n {
			if err != nil {
				break
			}
			q, err = c.prewalk(q, t.elem)
		}
		return q, err
	}
	sc, err := c.enter(p, t)
	defer c.leave()
	if err != nil {
		return 0, err
	}
	i := len(c.walked)
	c.walked = append(c.walked, walked{sc: sc, base: int32(len(c.spans))})
	end, err := c.walk(sc, p+4)
	if err != nil {
		return 0, err
	}
	c.walked[i].end, c.walked[i].next = int32(end), int32(len(c.walked))
	return end, nil
}
