package tl

import (
	"errors"
	"testing"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		line, want string
		method     bool
		err        error // nil: parses; ErrBuiltin; errAny
	}{
		{"boolTrue#997275b5 = Bool;", "boolTrue#997275b5 = Bool;", false, nil},
		{"invokeWithApnsSecret#dae54f8 {X:Type} nonce:string secret:string query:!X = X;",
			"invokeWithApnsSecret#0dae54f8 {X:Type} nonce:string secret:string query:!X = X;", true, nil},
		{"  codeSettings#ad253d78  flags:# allow_flashcall:flags.0?true logout_tokens:flags.6?Vector<bytes> = CodeSettings ;",
			"codeSettings#ad253d78 flags:# allow_flashcall:flags.0?true logout_tokens:flags.6?Vector<bytes> = CodeSettings;", false, nil},
		{"user#b1b8cc83 flags:# flags2:# stories_max_id:flags2.5?RecentStory = User;",
			"user#b1b8cc83 flags:# flags2:# stories_max_id:flags2.5?RecentStory = User;", false, nil},
		{"int ? = Int;", "", false, ErrBuiltin},
		{"vector#1cb5c415 {t:Type} # [ t ] = Vector t;", "", false, ErrBuiltin},
		{"config#zz = Config;", "", false, errAny},
		{"config#1 a:flags.32?int = Config;", "", false, errAny},
		{"config#1 a = Config;", "", false, errAny},
		{"config#1 {X} = Config;", "", false, errAny},
		{"config#1 a:int", "", false, errAny},
		{"config#1 = Con fig;", "", false, errAny},
	} {
		d, err := Line(tc.line, tc.method)
		switch {
		case tc.err == nil && err != nil:
			t.Errorf("%q: %v", tc.line, err)
		case tc.err == ErrBuiltin && !errors.Is(err, ErrBuiltin):
			t.Errorf("%q: want ErrBuiltin, got %v", tc.line, err)
		case tc.err == errAny && err == nil:
			t.Errorf("%q: no error", tc.line)
		case tc.err == nil && d.String() != tc.want:
			t.Errorf("%q: String() = %q", tc.line, d.String())
		}
	}
	d, _ := Line("codeSettings#ad253d78 flags:# token:flags.8?string app_sandbox:flags.8?Bool = CodeSettings;", false)
	if p := d.Params[2]; !p.Optional() || p.Flag != "flags" || p.Bit != 8 || p.Type != "Bool" {
		t.Errorf("param %+v", p)
	}
}

var errAny = errors.New("any error")

func TestFile(t *testing.T) {
	defs, err := File(`// a comment
int ? = Int;
boolTrue#997275b5 = Bool; // trailing comment
---functions---
help.getConfig#c4f9186b = Config;

---types---
config#1 = Config;
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 3 || defs[0].Method || !defs[1].Method || defs[2].Method || defs[1].Name != "help.getConfig" {
		t.Errorf("%+v", defs)
	}
	if _, err := File("boolTrue#997275b5 = Bool;\nbad line\n"); err == nil {
		t.Error("no error for a bad line")
	}
}

func TestElem(t *testing.T) {
	for _, tc := range []struct {
		in, elem    string
		boxed, isOk bool
	}{{"Vector<User>", "User", true, true}, {"vector<IpPort>", "IpPort", false, true}, {"User", "", false, false}} {
		e, b, ok := Elem(tc.in)
		if e != tc.elem || b != tc.boxed || ok != tc.isOk {
			t.Errorf("Elem(%q) = %q %v %v", tc.in, e, b, ok)
		}
	}
}

// FuzzLine: whatever parses writes a line that parses to the same.
func FuzzLine(f *testing.F) {
	f.Add("codeSettings#ad253d78 flags:# allow_flashcall:flags.0?true logout_tokens:flags.6?Vector<bytes> = CodeSettings;")
	f.Add("initConnection#c1cd5ea9 {X:Type} flags:# api_id:int query:!X = X;")
	f.Fuzz(func(t *testing.T, line string) {
		d, err := Line(line, false)
		if err != nil {
			return
		}
		again, err := Line(d.String(), false)
		if err != nil || again.String() != d.String() {
			t.Fatalf("%q -> %q -> %v %q", line, d.String(), err, again.String())
		}
	})
}
