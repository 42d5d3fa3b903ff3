// Package tl parses the lines of a Telegram TL schema: one combinator
// (constructor or method) per line, as tdesktop, Telethon, tdlib and gotd
// publish them. It is shared by tlayer's generator, which reads whole
// schema files, and by tlayer itself, which reads its embedded data once.
//
// Only what the API schema uses is understood: `#` flag words, optional
// fields `flags.N?T` (and `flags2.N?T`), `true` flags, boxed `Vector<T>`
// and bare `vector<T>`, the generic `{X:Type}` with its `!X` query, and
// the primitive types. The built-in declarations (`int ? = Int;`,
// `vector#1cb5c415 {t:Type} # [ t ] = Vector t;`) are skipped by File.
package tl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Param is one field of a combinator.
type Param struct {
	Name string
	// Type is the field's type with any flag condition removed, e.g.
	// "Vector<bytes>", "true", "#", "!X".
	Type string
	// Flag names the `#` field that governs an optional field ("flags",
	// "flags2"); empty when the field is always present.
	Flag string
	// Bit is the flag bit of an optional field.
	Bit int
}

// Optional reports whether the field is governed by a flag bit.
func (p Param) Optional() bool { return p.Flag != "" }

// String writes the field as the schema does: "name:flags.3?Type".
func (p Param) String() string {
	if p.Flag == "" {
		return p.Name + ":" + p.Type
	}
	return p.Name + ":" + p.Flag + "." + strconv.Itoa(p.Bit) + "?" + p.Type
}

// Def is one combinator: a constructor of a type or a method.
type Def struct {
	Name    string
	ID      uint32
	Generic []string // type variables: {X:Type} gives "X"
	Params  []Param
	Result  string // the type built or returned, e.g. "User", "Vector<User>", "X"
	Method  bool
}

// String is the normalised line: single spaces, the id as eight hex
// digits, a final semicolon. Two lines that differ only in spacing or in
// leading zeros of the id give the same string.
func (d *Def) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s#%08x", d.Name, d.ID)
	for _, g := range d.Generic {
		b.WriteString(" {" + g + ":Type}")
	}
	for _, p := range d.Params {
		b.WriteString(" " + p.String())
	}
	b.WriteString(" = " + d.Result + ";")
	return b.String()
}

// ErrBuiltin is returned by Line for the built-in declarations that are
// not combinators (`int ? = Int;`, the vector constructor).
var ErrBuiltin = errors.New("built-in declaration")

// Line parses one combinator line. method says which section it is in.
func Line(line string, method bool) (Def, error) {
	d := Def{Method: method}
	s := strings.TrimSpace(line)
	s = strings.TrimSuffix(s, ";")
	lhs, rhs, ok := strings.Cut(s, " = ")
	if !ok {
		return d, fmt.Errorf("tl: no \" = \" in %q", line)
	}
	d.Result = strings.TrimSpace(rhs)
	fields := strings.Fields(lhs)
	if len(fields) == 0 {
		return d, fmt.Errorf("tl: no name in %q", line)
	}
	name, id, ok := strings.Cut(fields[0], "#")
	if !ok || len(fields) > 1 && (fields[1] == "?" || fields[1] == "#") {
		return d, ErrBuiltin
	}
	n, err := strconv.ParseUint(id, 16, 32)
	if err != nil {
		return d, fmt.Errorf("tl: bad id in %q: %w", line, err)
	}
	if name == "vector" {
		return d, ErrBuiltin
	}
	d.Name, d.ID = name, uint32(n)
	if d.Result == "" || strings.ContainsAny(d.Result, " ") {
		return d, fmt.Errorf("tl: bad result type in %q", line)
	}
	for _, f := range fields[1:] {
		if strings.HasPrefix(f, "{") {
			g, ok := strings.CutSuffix(strings.TrimPrefix(f, "{"), ":Type}")
			if !ok || g == "" {
				return d, fmt.Errorf("tl: bad type variable %q in %q", f, line)
			}
			d.Generic = append(d.Generic, g)
			continue
		}
		p, err := param(f)
		if err != nil {
			return d, fmt.Errorf("tl: %w in %q", err, line)
		}
		d.Params = append(d.Params, p)
	}
	return d, nil
}

// param parses "name:type" or "name:flags.N?type".
func param(f string) (Param, error) {
	name, typ, ok := strings.Cut(f, ":")
	if !ok || name == "" || typ == "" {
		return Param{}, fmt.Errorf("bad field %q", f)
	}
	p := Param{Name: name, Type: typ}
	if cond, t, ok := strings.Cut(typ, "?"); ok {
		flag, bit, ok := strings.Cut(cond, ".")
		n, err := strconv.Atoi(bit)
		if !ok || err != nil || n < 0 || n > 31 || flag == "" || t == "" {
			return Param{}, fmt.Errorf("bad flag condition in %q", f)
		}
		p.Type, p.Flag, p.Bit = t, flag, n
	}
	return p, nil
}

// File parses a whole schema: "---functions---" and "---types---" switch
// sections, "//" starts a comment, blank lines and built-ins are skipped.
func File(text string) ([]Def, error) {
	var defs []Def
	method := false
	for i, line := range strings.Split(text, "\n") {
		if c := strings.Index(line, "//"); c >= 0 {
			line = line[:c]
		}
		line = strings.TrimSpace(line)
		switch line {
		case "":
			continue
		case "---functions---":
			method = true
			continue
		case "---types---":
			method = false
			continue
		}
		d, err := Line(line, method)
		if errors.Is(err, ErrBuiltin) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// Elem returns the element type of "Vector<T>" (boxed) or "vector<T>"
// (bare), and whether t is a vector at all.
func Elem(t string) (elem string, boxed, ok bool) {
	if e, ok := strings.CutPrefix(t, "Vector<"); ok && strings.HasSuffix(e, ">") {
		return e[:len(e)-1], true, true
	}
	if e, ok := strings.CutPrefix(t, "vector<"); ok && strings.HasSuffix(e, ">") {
		return e[:len(e)-1], false, true
	}
	return "", false, false
}
