package gen

import (
	"fmt"
	"go/format"
	"strings"
)

// renderExample writes the body of
//
//	func(ctx context.Context, api *tg.Client) error
//
// that calls the method with every parameter spelled out, each with its
// schema name and type in a comment. Values come from exampleValue, so
// that the call encodes.
func renderExample(m method, r *goRequest, ix *typeIndex) (string, error) {
	var b strings.Builder
	var data []param
	for _, p := range m.Params {
		if p.Type != "#" {
			data = append(data, p)
		}
	}
	comment := func(p param) string {
		s := p.Name + ":" + p.Type
		if p.Optional {
			s = p.Name + ":" + p.Flag + "?" + p.Type + " (optional)"
		}
		return s
	}
	takesRequest := len(r.Args) == 1 && r.Args[0].Type == "*"+r.Struct
	switch {
	case takesRequest && len(data) == 0:
		fmt.Fprintf(&b, "res, err := api.%s(ctx, &tg.%s{})\n", r.Method, r.Struct)
	case takesRequest:
		fmt.Fprintf(&b, "res, err := api.%s(ctx, &tg.%s{\n", r.Method, r.Struct)
		for _, p := range data {
			v, err := exampleValue(p.GoType, p.Optional, ix, r.Method)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%s: %s, // %s\n", p.GoField, v, comment(p))
		}
		b.WriteString("})\n")
	default:
		if len(r.Args) != len(data) {
			return "", fmt.Errorf("%s takes %d arguments for %d parameters", r.Method, len(r.Args), len(data))
		}
		var names []string
		for i, p := range data {
			name := lowerCamel(p.Name)
			names = append(names, name)
			if qualify(r.Args[i].Type) != p.GoType {
				return "", fmt.Errorf("%s argument %d is %s, field %s is %s", r.Method, i, r.Args[i].Type, p.GoField, p.GoType)
			}
			if strings.HasPrefix(p.GoType, "tg.") {
				v, err := exampleValue(p.GoType, false, ix, r.Method)
				if err != nil {
					return "", err
				}
				fmt.Fprintf(&b, "%s := %s // %s\n", name, v, comment(p))
			} else {
				fmt.Fprintf(&b, "var %s %s // %s\n", name, p.GoType, comment(p))
			}
		}
		fmt.Fprintf(&b, "res, err := api.%s(%s)\n", r.Method, strings.Join(append([]string{"ctx"}, names...), ", "))
	}
	b.WriteString("if err != nil {\nreturn err\n}\n")
	fmt.Fprintf(&b, "_ = res // %s, the schema's %s\n", m.GoResult, m.Result)
	b.WriteString("return nil\n")
	return formatBody(b.String())
}

// maxExampleDepth bounds how deep exampleValue fills nested constructors;
// the schema has no required cycle, and the bound makes sure of it.
const maxExampleDepth = 4

// exampleValue is the literal an example passes for a value of Go type t:
// a zero value, except that a required interface gets one of its
// constructors, and a constructor's own required interface fields are
// filled the same way, so that the request encodes (gotd refuses to encode
// a nil required field: "field response is nil"). method is the Go method
// the example calls; it picks among constructors.
func exampleValue(t string, optional bool, ix *typeIndex, method string) (string, error) {
	return exampleValueAt(t, optional, ix, method, 0)
}

func exampleValueAt(t string, optional bool, ix *typeIndex, method string, depth int) (string, error) {
	switch {
	case strings.HasPrefix(t, "[]"), strings.HasPrefix(t, "*"):
		return "nil", nil
	case t == "string":
		return `""`, nil
	case t == "bool":
		return "false", nil
	case builtin[t]:
		return "0", nil
	case !strings.HasPrefix(t, "tg."):
		return "", fmt.Errorf("no example value for Go type %s", t)
	}
	if depth > maxExampleDepth {
		return "", fmt.Errorf("%s: constructors nest more than %d deep", t, maxExampleDepth)
	}
	name := strings.TrimPrefix(t, "tg.")
	d, err := ix.lookup(name)
	if err != nil {
		return "", err
	}
	if d.Kind == "struct" {
		return structLiteral(name, d, ix, method, depth)
	}
	if optional {
		return "nil", nil
	}
	ctor := pickConstructor(name, d.Constructors, method)
	cd, err := ix.lookup(ctor)
	if err != nil {
		return "", err
	}
	if cd.Kind != "struct" {
		return "", fmt.Errorf("%s: constructor %s is not a struct", name, ctor)
	}
	lit, err := structLiteral(ctor, cd, ix, method, depth)
	if err != nil {
		return "", err
	}
	return "&" + lit, nil
}

// structLiteral is tg.Name{...} with every required interface field (and
// every struct field that needs one) filled; other fields stay zero.
func structLiteral(name string, d typeDecl, ix *typeIndex, method string, depth int) (string, error) {
	var fields []string
	for _, f := range d.Fields {
		if f.FlagField != "" || builtin[f.Type] || strings.HasPrefix(f.Type, "[]") ||
			strings.HasPrefix(f.Type, "*") || strings.Contains(f.Type, ".") {
			continue // optional, or a value whose zero encodes
		}
		v, err := exampleValueAt(qualify(f.Type), false, ix, method, depth+1)
		if err != nil {
			return "", fmt.Errorf("%s.%s: %w", name, f.Name, err)
		}
		if v != qualify(f.Type)+"{}" {
			fields = append(fields, f.Name+": "+v)
		}
	}
	return "tg." + name + "{" + strings.Join(fields, ", ") + "}", nil
}

// pickConstructor chooses the constructor an example uses for interface
// type name (InputCheckPasswordSRPClass): the one named like the type
// (InputCheckPasswordSRP), which carries data where the others are usually
// "empty"; else the one whose own part of the name is in the method's name
// (InputPasskeyResponseLogin for AuthFinishPasskeyLogin); else the first.
func pickConstructor(name string, ctors []string, method string) string {
	base := strings.TrimSuffix(name, "Class")
	for _, c := range ctors {
		if c == base {
			return c
		}
	}
	for _, c := range ctors {
		if own := strings.TrimPrefix(c, base); own != c && own != "" && strings.Contains(method, own) {
			return c
		}
	}
	return ctors[0]
}

// lowerCamel turns a schema name into a Go local name: except_auth_keys
// becomes exceptAuthKeys, dc_id becomes dcID.
func lowerCamel(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		switch {
		case i == 0:
		case p == "id":
			parts[i] = "ID"
		case p != "":
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// formatBody gofmts a function body by wrapping it in a function, and
// returns it without the wrapper and without the one level of indentation
// the wrapper adds.
func formatBody(body string) (string, error) {
	src := "package p\n\nfunc f() error {\n" + body + "}\n"
	out, err := format.Source([]byte(src))
	if err != nil {
		return "", fmt.Errorf("gofmt example: %w\n%s", err, src)
	}
	s := string(out)
	start := strings.Index(s, "{\n") + 2
	end := strings.LastIndex(s, "}")
	var lines []string
	for _, line := range strings.Split(strings.TrimRight(s[start:end], "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(line, "\t"))
	}
	return strings.Join(lines, "\n") + "\n", nil
}
