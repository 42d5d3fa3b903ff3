package tlayer

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"tgpfs/proto/localdc/tlayer/internal/layers"
	"tgpfs/proto/localdc/tlayer/internal/tl"
)

// The layers tlayer speaks. A client that names a newer layer is answered
// in MaxLayer, the newest there is; one that names an older layer is
// refused with a *LayerError.
const (
	MinLayer = layers.Min
	MaxLayer = layers.Max
)

const (
	nLayers = layers.N
	newest  = nLayers - 1 // index of MaxLayer
	maxWord = 4           // flag words in one combinator (the API uses two)
)

// layersTL is the generated data: every TL line the DC needs, with the
// layers it holds for (see gen/).
//
//go:embed layers.tl
var layersTL string

// layerSet is a set of layers by index (layer - MinLayer).
type layerSet = layers.Set

// kind is how a type is encoded.
type kind uint8

const (
	kInt kind = iota + 1
	kLong
	kDouble
	kString // string and bytes share one encoding
	kInt128
	kInt256
	kTrue       // a flags.N?true field: no bytes at all
	kFlags      // #: a flag word
	kObject     // a boxed type: constructor id, then its fields
	kVector     // Vector<T>: 0x1cb5c415, count, elements
	kBareVector // vector<T>: count, elements
	kQuery      // !X: a method call, the rest of the body
)

const vectorID = 0x1cb5c415

// typ is one type, interned by its TL text, so two fields have the same
// type exactly when they point to the same typ.
type typ struct {
	kind  kind
	name  string
	elem  *typ    // vectors
	ctors []*ctor // objects: every constructor of the type in any layer
	// same holds the layers in which every value of the type is encoded
	// exactly as in MaxLayer, so it is copied rather than transcoded.
	same layerSet
	// zero is the encoding of the type's zero value per layer, nil when
	// it has none (see zeroValue).
	zero *[nLayers][]byte
}

// field is one field of a combinator.
type field struct {
	name string
	t    *typ
	kind kind   // t.kind, kept here for the hot loops
	flag int    // index of the # field governing it, -1 when always present
	bit  uint32 // its flag bit
	// word is which flag word of the combinator a # field is, or the
	// one governing an optional field (0 for others).
	word int
}

// ctor is one distinct TL line: a constructor or a method.
type ctor struct {
	name   string
	id     uint32
	method bool
	fields []field
	// result is the type a constructor builds or a method returns.
	result *typ
	line   string
	layers layerSet
	// up is the plan to the same-named combinator of MaxLayer, nil when
	// MaxLayer has none.
	up *plan
	// down, for a combinator of MaxLayer only, is the plan to the
	// same-named combinator of each layer, nil where that layer has none.
	down *[nLayers]*plan
	// switchesLayer marks invokeWithLayer: its query is in the layer it
	// names.
	switchesLayer bool
}

// named is an id the data knows by name only: a constructor or method
// the DC does not serve.
type named struct {
	name   string
	method bool
	layers layerSet
}

// universe is the parsed data.
type universe struct {
	byID     map[uint32][]*ctor // every served line, by id
	byName   map[string][]*ctor // every served line, by name
	types    map[string]*typ
	unserved map[uint32][]named
}

// data is parsed once, on first use.
var data = sync.OnceValue(func() *universe {
	u, err := parse(layersTL)
	if err != nil {
		panic("tlayer: embedded data: " + err.Error())
	}
	return u
})

// lookup returns the combinator with id in layer index i, or nil.
func (u *universe) lookup(id uint32, i int) *ctor {
	for _, c := range u.byID[id] {
		if c.layers.Has(i) {
			return c
		}
	}
	return nil
}

// line returns the combinator called name in layer index i, or nil.
func (u *universe) line(name string, method bool, i int) *ctor {
	for _, c := range u.byName[name] {
		if c.method == method && c.layers.Has(i) {
			return c
		}
	}
	return nil
}

func parse(text string) (*universe, error) {
	u := &universe{
		byID:     map[uint32][]*ctor{},
		byName:   map[string][]*ctor{},
		types:    map[string]*typ{},
		unserved: map[uint32][]named{},
	}
	section := ""
	for n, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		if strings.HasPrefix(line, "---") {
			section = line
			continue
		}
		ranges, rest, _ := strings.Cut(line, " ")
		set, err := layers.Parse(ranges)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		switch section {
		case "---types---", "---functions---":
			if err := u.add(rest, section == "---functions---", set); err != nil {
				return nil, fmt.Errorf("line %d: %w", n+1, err)
			}
		case "---unserved-types---", "---unserved-functions---":
			name, hex, ok := strings.Cut(rest, "#")
			id, err := strconv.ParseUint(hex, 16, 32)
			if !ok || err != nil {
				return nil, fmt.Errorf("line %d: bad name#id %q", n+1, rest)
			}
			u.unserved[uint32(id)] = append(u.unserved[uint32(id)], named{name: name, layers: set, method: section == "---unserved-functions---"})
		default:
			return nil, fmt.Errorf("line %d: outside any section", n+1)
		}
	}
	if err := u.check(); err != nil {
		return nil, err
	}
	u.sameness()
	u.zeroes()
	u.plans()
	return u, nil
}

// add parses one served line.
func (u *universe) add(text string, method bool, set layerSet) error {
	d, err := tl.Line(text, method)
	if err != nil {
		return err
	}
	c := &ctor{name: d.Name, id: d.ID, method: method, line: text, layers: set,
		result: u.typeOf(d.Result), switchesLayer: d.Name == "invokeWithLayer"}
	index := map[string]int{}
	words := 0
	for _, p := range d.Params {
		f := field{name: p.Name, t: u.typeOf(p.Type), flag: -1}
		f.kind = f.t.kind
		if p.Optional() {
			k, ok := index[p.Flag]
			if !ok || c.fields[k].t.kind != kFlags {
				return fmt.Errorf("%s.%s: no flag word %q before it", d.Name, p.Name, p.Flag)
			}
			f.flag, f.bit, f.word = k, 1<<p.Bit, c.fields[k].word
		} else if f.t.kind == kTrue {
			return fmt.Errorf("%s.%s: true outside a flag", d.Name, p.Name)
		}
		if f.t.kind == kFlags {
			f.word = words
			words++
		}
		index[p.Name] = len(c.fields)
		c.fields = append(c.fields, f)
	}
	if words > maxWord {
		return fmt.Errorf("%s: %d flag words", d.Name, words)
	}
	if !method {
		c.result.ctors = append(c.result.ctors, c)
	}
	u.byID[c.id] = append(u.byID[c.id], c)
	u.byName[c.name] = append(u.byName[c.name], c)
	return nil
}

// typeOf interns a type by its TL text.
func (u *universe) typeOf(name string) *typ {
	if t := u.types[name]; t != nil {
		return t
	}
	t := &typ{name: name}
	u.types[name] = t
	switch name {
	case "int":
		t.kind = kInt
	case "long":
		t.kind = kLong
	case "double":
		t.kind = kDouble
	case "string", "bytes":
		t.kind = kString
	case "int128":
		t.kind = kInt128
	case "int256":
		t.kind = kInt256
	case "true":
		t.kind = kTrue
	case "#":
		t.kind = kFlags
	case "!X", "X":
		t.kind = kQuery
	default:
		if e, boxed, ok := tl.Elem(name); ok {
			t.kind, t.elem = kVector, u.typeOf(e)
			if !boxed {
				t.kind = kBareVector
			}
		} else {
			t.kind = kObject
		}
	}
	return t
}

// check verifies what the codec relies on: in each layer, one line per
// id and one per name (constructors and methods apart).
func (u *universe) check() error {
	clash := func(what string, groups map[string][]*ctor) error {
		for key, cs := range groups {
			for i, a := range cs {
				for _, b := range cs[i+1:] {
					if a.layers.Overlaps(&b.layers) {
						return fmt.Errorf("%s %s has two lines in one layer: %s and %s", what, key, a.line, b.line)
					}
				}
			}
		}
		return nil
	}
	ids, names := map[string][]*ctor{}, map[string][]*ctor{}
	for id, cs := range u.byID {
		ids[fmt.Sprintf("%08x", id)] = cs
	}
	for _, cs := range u.byName {
		for _, c := range cs {
			key := c.name
			if c.method {
				key += " (method)"
			}
			names[key] = append(names[key], c)
		}
	}
	if err := clash("id", ids); err != nil {
		return err
	}
	return clash("name", names)
}
