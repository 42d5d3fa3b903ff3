package gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// goRequest is what gotd's generated sources say about one method: the
// request struct and the tg.Client method that sends it.
type goRequest struct {
	TLName string // "auth.bindTempAuthKey"
	ID     uint32

	Struct     string // "AuthBindTempAuthKeyRequest"
	StructDoc  doc
	Fields     []goField // struct fields in order, flags fields included
	Method     string    // "AuthBindTempAuthKey"
	MethodDoc  doc
	Args       []goArg // the client method's arguments after ctx
	ResultType string  // Go result type as gotd writes it, unqualified: "bool", "AuthSentCodeClass", "*AuthLoggedOut"
}

type goField struct {
	Name   string // "PermAuthKeyID"
	Type   string // unqualified, as in package tg: "int64", "CodeSettings", "bin.Fields"
	Doc    doc
	Schema string // schema name from TypeInfo, "" for flags fields
	// FlagField and FlagBit come from TypeInfo's Null: !x.<FlagField>.Has(<FlagBit>).
	FlagField string
	FlagBit   int
}

type goArg struct {
	Name string
	Type string
}

var (
	structHeader = regexp.MustCompile("^(\\w+) represents TL type `(auth\\.\\w+)#([0-9a-f]+)`\\.$")
	methodHeader = regexp.MustCompile(`^(\w+) invokes method (auth\.\w+)#([0-9a-f]+) returning error if any\.$`)
)

// readGoRequests parses tg/tl_auth_*_gen.go under the gotd module and
// returns every auth.* request it finds, keyed by TL name.
func readGoRequests(tgDir string) (map[string]*goRequest, error) {
	files, err := filepath.Glob(filepath.Join(tgDir, "tl_auth_*_gen.go"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no tl_auth_*_gen.go files in %s", tgDir)
	}
	sort.Strings(files)
	out := make(map[string]*goRequest)
	get := func(name string, id uint32) (*goRequest, error) {
		r := out[name]
		if r == nil {
			r = &goRequest{TLName: name, ID: id}
			out[name] = r
		}
		if r.ID != id {
			return nil, fmt.Errorf("%s: constructor id %08x in one place, %08x in another", name, r.ID, id)
		}
		return r, nil
	}
	// documented reads a doc comment that starts with a header line (Go
	// name, TL name and constructor id in groups 1..3) naming name: the
	// request it belongs to and the rest of the comment; nil when the
	// comment has no such header.
	documented := func(header *regexp.Regexp, name, text string) (*goRequest, doc, error) {
		first, rest, _ := strings.Cut(text, "\n")
		m := header.FindStringSubmatch(first)
		if m == nil || m[1] != name {
			return nil, doc{}, nil
		}
		id, err := parseID(m[3])
		if err != nil {
			return nil, doc{}, err
		}
		r, err := get(m[2], id)
		if err != nil {
			return nil, doc{}, err
		}
		d, err := parseDoc(rest)
		return r, d, err
	}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_slices_gen.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		// typeInfo holds TypeInfo field lists by receiver type, matched to
		// structs after the whole file is read.
		typeInfo := make(map[string][]goField)
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok || d.Doc == nil || !strings.HasSuffix(ts.Name.Name, "Request") {
						continue
					}
					r, sdoc, err := documented(structHeader, ts.Name.Name, d.Doc.Text())
					if err != nil {
						return nil, fmt.Errorf("%s: %s: %w", path, ts.Name.Name, err)
					}
					if r == nil {
						continue
					}
					r.Struct, r.StructDoc = ts.Name.Name, sdoc
					for _, fld := range st.Fields.List {
						if len(fld.Names) != 1 {
							return nil, fmt.Errorf("%s: %s: field list with %d names", path, ts.Name.Name, len(fld.Names))
						}
						gf := goField{Name: fld.Names[0].Name, Type: types.ExprString(fld.Type)}
						if fld.Doc != nil {
							if gf.Doc, err = parseDoc(fld.Doc.Text()); err != nil {
								return nil, fmt.Errorf("%s: %s.%s: %w", path, ts.Name.Name, gf.Name, err)
							}
						}
						r.Fields = append(r.Fields, gf)
					}
				}
			case *ast.FuncDecl:
				recv := receiver(d)
				switch {
				case recv == "Client" && d.Doc != nil:
					r, mdoc, err := documented(methodHeader, d.Name.Name, d.Doc.Text())
					if err != nil {
						return nil, fmt.Errorf("%s: %s: %w", path, d.Name.Name, err)
					}
					if r == nil {
						continue
					}
					r.Method, r.MethodDoc = d.Name.Name, mdoc
					if err := readSignature(r, d.Type); err != nil {
						return nil, fmt.Errorf("%s: %s: %w", path, d.Name.Name, err)
					}
				case recv != "" && d.Name.Name == "TypeInfo":
					fs, err := readTypeInfo(d)
					if err != nil {
						return nil, fmt.Errorf("%s: %s.TypeInfo: %w", path, recv, err)
					}
					typeInfo[recv] = fs
				}
			}
		}
		for _, r := range out {
			if fs, ok := typeInfo[r.Struct]; ok {
				if err := mergeTypeInfo(r, fs); err != nil {
					return nil, fmt.Errorf("%s: %w", path, err)
				}
			}
		}
	}
	for name, r := range out {
		if r.Struct == "" || r.Method == "" {
			return nil, fmt.Errorf("%s: found struct %q and client method %q; need both", name, r.Struct, r.Method)
		}
	}
	return out, nil
}

func parseID(s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("constructor id %q: %w", s, err)
	}
	return uint32(v), nil
}

// receiver returns the receiver's type name without the star.
func receiver(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) != 1 {
		return ""
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// readSignature records how the client method takes its arguments and what
// it returns.
func readSignature(r *goRequest, ft *ast.FuncType) error {
	var args []goArg
	for _, p := range ft.Params.List {
		for _, n := range p.Names {
			args = append(args, goArg{Name: n.Name, Type: types.ExprString(p.Type)})
		}
	}
	if len(args) == 0 || args[0].Type != "context.Context" {
		return fmt.Errorf("first argument is not a context.Context")
	}
	r.Args = args[1:]
	if ft.Results == nil || len(ft.Results.List) != 2 || types.ExprString(ft.Results.List[1].Type) != "error" {
		return fmt.Errorf("results are not (T, error)")
	}
	r.ResultType = types.ExprString(ft.Results.List[0].Type)
	return nil
}

// readTypeInfo extracts the field list of a generated TypeInfo method:
//
//	typ.Fields = []tdp.Field{{Name: "PhoneCode", SchemaName: "phone_code", Null: !s.Flags.Has(0)}, …}
func readTypeInfo(d *ast.FuncDecl) ([]goField, error) {
	var (
		out   []goField
		found bool
		err   error
	)
	if d.Body == nil {
		// "func (s *X) TypeInfo()" with no body parses (it declares a
		// function implemented elsewhere), and ast.Inspect would walk the
		// nil *BlockStmt and panic. Generated code always has a body.
		return nil, fmt.Errorf("TypeInfo has no body")
	}
	ast.Inspect(d.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 || types.ExprString(as.Lhs[0]) != "typ.Fields" {
			return true
		}
		lit, ok := as.Rhs[0].(*ast.CompositeLit)
		if !ok {
			err = fmt.Errorf("typ.Fields is not a composite literal")
			return false
		}
		found = true
		for _, el := range lit.Elts {
			f, e := readTypeInfoField(el)
			if e != nil {
				err = e
				return false
			}
			out = append(out, f)
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	if !found {
		// Methods without parameters have no field list.
		return nil, nil
	}
	return out, nil
}

func readTypeInfoField(el ast.Expr) (goField, error) {
	var f goField
	lit, ok := el.(*ast.CompositeLit)
	if !ok {
		return f, fmt.Errorf("field entry is %T", el)
	}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return f, fmt.Errorf("field entry element is %T", e)
		}
		key := types.ExprString(kv.Key)
		switch key {
		case "Name", "SchemaName":
			bl, ok := kv.Value.(*ast.BasicLit)
			if !ok || bl.Kind != token.STRING {
				return f, fmt.Errorf("%s is not a string literal", key)
			}
			s, err := strconv.Unquote(bl.Value)
			if err != nil {
				return f, err
			}
			if key == "Name" {
				f.Name = s
			} else {
				f.Schema = s
			}
		case "Null":
			// !x.Flags.Has(N)
			ue, ok := kv.Value.(*ast.UnaryExpr)
			if !ok || ue.Op != token.NOT {
				return f, fmt.Errorf("the Null field is not !x.Flags.Has(N)")
			}
			call, ok := ue.X.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return f, fmt.Errorf("the Null field is not a call")
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Has" {
				return f, fmt.Errorf("the Null field does not call Has")
			}
			field, ok := sel.X.(*ast.SelectorExpr)
			if !ok {
				return f, fmt.Errorf("the Null field does not test a flags field")
			}
			bl, ok := call.Args[0].(*ast.BasicLit)
			if !ok || bl.Kind != token.INT {
				return f, fmt.Errorf("flag bit is not an int literal")
			}
			bit, err := strconv.Atoi(bl.Value)
			if err != nil {
				return f, err
			}
			f.FlagField, f.FlagBit = field.Sel.Name, bit
		default:
			return f, fmt.Errorf("unknown TypeInfo field key %q", key)
		}
	}
	if f.Name == "" || f.Schema == "" {
		return f, fmt.Errorf("field entry without Name or SchemaName")
	}
	return f, nil
}

// mergeTypeInfo attaches schema names and flag bits to the struct's fields.
// TypeInfo lists every field but the flags fields, in struct order.
func mergeTypeInfo(r *goRequest, info []goField) error {
	i := 0
	for k := range r.Fields {
		f := &r.Fields[k]
		if f.Type == "bin.Fields" {
			continue
		}
		if i >= len(info) || info[i].Name != f.Name {
			return fmt.Errorf("%s: struct field %s does not match TypeInfo", r.Struct, f.Name)
		}
		f.Schema, f.FlagField, f.FlagBit = info[i].Schema, info[i].FlagField, info[i].FlagBit
		i++
	}
	if i != len(info) {
		return fmt.Errorf("%s: TypeInfo lists %d fields, struct has %d", r.Struct, len(info), i)
	}
	return nil
}

// typeIndex answers questions about named types of package tg without
// parsing all of its 3 000 files: it finds the one file that declares a
// name by a byte search and parses only that.
type typeIndex struct {
	dir   string
	files []string
	cache map[string]typeDecl
}

type typeDecl struct {
	Kind         string   // "struct" or "interface"
	Constructors []string // for interfaces: gotd's "Constructors:" list
	// Fields are a struct's fields in order, with FlagField set (from
	// TypeInfo) on the conditional ones.
	Fields []goField
}

func newTypeIndex(tgDir string) (*typeIndex, error) {
	files, err := filepath.Glob(filepath.Join(tgDir, "tl_*_gen.go"))
	if err != nil {
		return nil, err
	}
	return &typeIndex{dir: tgDir, files: files, cache: make(map[string]typeDecl)}, nil
}

var constructorLine = regexp.MustCompile(`^- \[(\w+)\]$`)

func (ix *typeIndex) lookup(name string) (typeDecl, error) {
	if d, ok := ix.cache[name]; ok {
		return d, nil
	}
	var d typeDecl
	for _, path := range ix.files {
		if strings.HasSuffix(path, "_slices_gen.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return d, err
		}
		var kind string
		switch {
		case bytes.Contains(src, []byte("\ntype "+name+" struct {")):
			kind = "struct"
		case bytes.Contains(src, []byte("\ntype "+name+" interface {")):
			kind = "interface"
		default:
			continue
		}
		d.Kind = kind
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ParseComments)
		if err != nil {
			return d, fmt.Errorf("parse %s: %w", path, err)
		}
		if kind == "struct" {
			if d.Fields, err = structFields(f, name); err != nil {
				return d, fmt.Errorf("%s in %s: %w", name, path, err)
			}
		}
		if kind == "interface" {
			for _, decl := range f.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Doc == nil || len(gd.Specs) != 1 {
					continue
				}
				if ts, ok := gd.Specs[0].(*ast.TypeSpec); !ok || ts.Name.Name != name {
					continue
				}
				in := false
				for _, line := range strings.Split(gd.Doc.Text(), "\n") {
					line = strings.TrimSpace(line)
					if line == "Constructors:" {
						in = true
						continue
					}
					if !in {
						continue
					}
					m := constructorLine.FindStringSubmatch(line)
					if m == nil {
						break
					}
					d.Constructors = append(d.Constructors, m[1])
				}
			}
			if len(d.Constructors) == 0 {
				return d, fmt.Errorf("%s: interface without a Constructors list in %s", name, path)
			}
		}
		ix.cache[name] = d
		return d, nil
	}
	return d, fmt.Errorf("type %s not found in %s", name, ix.dir)
}

// structFields lists the fields of struct name declared in f, with the
// flag each conditional one depends on from the struct's TypeInfo.
func structFields(f *ast.File, name string) ([]goField, error) {
	var fields []goField
	var info []goField
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok || ts.Name.Name != name {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					return nil, fmt.Errorf("not a struct")
				}
				for _, fld := range st.Fields.List {
					for _, n := range fld.Names {
						fields = append(fields, goField{Name: n.Name, Type: types.ExprString(fld.Type)})
					}
				}
			}
		case *ast.FuncDecl:
			if receiver(d) == name && d.Name.Name == "TypeInfo" {
				var err error
				if info, err = readTypeInfo(d); err != nil {
					return nil, fmt.Errorf("TypeInfo: %w", err)
				}
			}
		}
	}
	flag := make(map[string]string, len(info))
	for _, fi := range info {
		flag[fi.Name] = fi.FlagField
	}
	for i := range fields {
		fields[i].FlagField = flag[fields[i].Name]
	}
	return fields, nil
}
