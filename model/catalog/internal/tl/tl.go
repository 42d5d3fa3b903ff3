// Package tl parses single TL combinator lines, the notation Telegram's API
// schema is written in:
//
//	auth.bindTempAuthKey#cdd42a05 perm_auth_key_id:long nonce:long expires_at:int encrypted_message:bytes = Bool;
//
// It understands exactly what the schema's method lines use: a namespaced
// name with an explicit constructor id, plain parameters, the flags
// parameter (name:#) and conditional parameters (name:flags.N?Type). It is
// not a full TL parser (no generics declarations, no {X:Type}, no bare
// % types); lines outside that subset are rejected, never guessed at.
package tl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Combinator is one parsed TL line.
type Combinator struct {
	Name   string // with namespace, e.g. "auth.bindTempAuthKey"
	ID     uint32 // the constructor id written after '#'
	Params []Param
	Result string // the type after '=', e.g. "Bool" or "auth.SentCode"
}

// Param is one parameter of a combinator.
type Param struct {
	Name string
	// Type is the parameter's type without its condition: "long",
	// "Vector<long>", "true", or "#" for a flags field.
	Type string
	// FlagField names the flags field a conditional parameter depends on;
	// empty for unconditional parameters.
	FlagField string
	// FlagBit is the bit of FlagField that says the parameter is present;
	// meaningful only when FlagField is set.
	FlagBit int
}

// Conditional reports whether the parameter is only present when a flag bit
// is set.
func (p Param) Conditional() bool { return p.FlagField != "" }

// TypeString renders the parameter type as it is written in the schema,
// including its condition: "flags.0?string".
func (p Param) TypeString() string {
	if p.FlagField == "" {
		return p.Type
	}
	return p.FlagField + "." + strconv.Itoa(p.FlagBit) + "?" + p.Type
}

// String renders the combinator in the schema's canonical form, without the
// trailing semicolon. Parse(c.String()) returns c.
func (c Combinator) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteByte('#')
	b.WriteString(strconv.FormatUint(uint64(c.ID), 16))
	for _, p := range c.Params {
		b.WriteByte(' ')
		b.WriteString(p.Name)
		b.WriteByte(':')
		b.WriteString(p.TypeString())
	}
	b.WriteString(" = ")
	b.WriteString(c.Result)
	return b.String()
}

// maxFlagBit bounds flag bits: flags fields are 32-bit.
const maxFlagBit = 31

var errEmpty = errors.New("empty line")

// Parse parses one combinator line. A trailing ';' is optional.
func Parse(line string) (Combinator, error) {
	var c Combinator
	s := strings.TrimSpace(line)
	s = strings.TrimSpace(strings.TrimSuffix(s, ";"))
	if s == "" {
		return c, errEmpty
	}
	lhs, result, ok := strings.Cut(s, "=")
	if !ok {
		return c, fmt.Errorf("tl %q: no '='", line)
	}
	c.Result = strings.TrimSpace(result)
	if !isType(c.Result) {
		return c, fmt.Errorf("tl %q: bad result type %q", line, c.Result)
	}
	fields := strings.Fields(lhs)
	if len(fields) == 0 {
		return c, fmt.Errorf("tl %q: no name", line)
	}
	name, id, ok := strings.Cut(fields[0], "#")
	if !ok {
		return c, fmt.Errorf("tl %q: no constructor id", line)
	}
	if !isName(name, true) {
		return c, fmt.Errorf("tl %q: bad name %q", line, name)
	}
	if id == "" || len(id) > 8 || strings.ContainsAny(id, "+-") {
		return c, fmt.Errorf("tl %q: bad constructor id %q", line, id)
	}
	v, err := strconv.ParseUint(id, 16, 32)
	if err != nil {
		return c, fmt.Errorf("tl %q: constructor id: %w", line, err)
	}
	// The canonical form writes ids in lower case without leading zeros;
	// accepting only that keeps String an exact inverse of Parse.
	if strconv.FormatUint(v, 16) != id {
		return c, fmt.Errorf("tl %q: constructor id %q not in canonical form", line, id)
	}
	c.Name, c.ID = name, uint32(v)

	seen := make(map[string]bool)
	for _, f := range fields[1:] {
		p, err := parseParam(f)
		if err != nil {
			return c, fmt.Errorf("tl %q: %w", line, err)
		}
		if seen[p.Name] {
			return c, fmt.Errorf("tl %q: parameter %q repeated", line, p.Name)
		}
		if p.FlagField != "" {
			if !seen[p.FlagField] || !isFlags(c.Params, p.FlagField) {
				return c, fmt.Errorf("tl %q: parameter %q depends on %q, which is not an earlier # field", line, p.Name, p.FlagField)
			}
		}
		seen[p.Name] = true
		c.Params = append(c.Params, p)
	}
	return c, nil
}

func isFlags(ps []Param, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return p.Type == "#"
		}
	}
	return false
}

func parseParam(f string) (Param, error) {
	var p Param
	name, typ, ok := strings.Cut(f, ":")
	if !ok || !isName(name, false) {
		return p, fmt.Errorf("bad parameter %q", f)
	}
	p.Name = name
	if cond, t, ok := strings.Cut(typ, "?"); ok {
		field, bit, ok := strings.Cut(cond, ".")
		if !ok || !isName(field, false) {
			return p, fmt.Errorf("parameter %q: bad condition %q", name, cond)
		}
		n, err := strconv.Atoi(bit)
		if err != nil || n < 0 || n > maxFlagBit || strconv.Itoa(n) != bit {
			return p, fmt.Errorf("parameter %q: bad flag bit %q", name, bit)
		}
		p.FlagField, p.FlagBit = field, n
		typ = t
	}
	if typ == "#" && p.FlagField == "" {
		p.Type = typ
		return p, nil
	}
	if !isType(typ) {
		return p, fmt.Errorf("parameter %q: bad type %q", name, typ)
	}
	p.Type = typ
	return p, nil
}

// isName reports whether s is an identifier, optionally with one namespace
// prefix ("auth.sendCode").
func isName(s string, namespaced bool) bool {
	if namespaced {
		if ns, rest, ok := strings.Cut(s, "."); ok {
			return isIdent(ns) && isIdent(rest)
		}
	}
	return isIdent(s)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return false
		}
	}
	return true
}

// isType accepts a (possibly namespaced) type name, optionally with one
// level of generic argument: "Vector<long>", "Vector<auth.CodeType>".
func isType(s string) bool {
	if outer, inner, ok := strings.Cut(s, "<"); ok {
		inner, ok = strings.CutSuffix(inner, ">")
		return ok && isName(outer, false) && isType(inner)
	}
	return isName(s, true)
}
