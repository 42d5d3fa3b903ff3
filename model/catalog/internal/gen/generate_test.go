package gen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gotdModule finds the gotd module of this build.
func gotdModule(t *testing.T) (dir, version string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}\t{{.Version}}", "github.com/gotd/td").Output()
	if err != nil {
		t.Fatalf("go list github.com/gotd/td: %v", err)
	}
	dir, version, _ = strings.Cut(strings.TrimSpace(string(out)), "\t")
	return dir, version
}

// dataDir copies the catalog's hand-kept files into a temporary directory,
// letting edit change one of them first.
func dataDir(t *testing.T, edit func(name, text string) string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"bots.tsv", "actions.tsv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if edit != nil {
			text = edit(name, text)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGenerateRefuses checks that the generator stops, with a reason,
// whenever its inputs disagree, instead of writing a catalog that is wrong.
func TestGenerateRefuses(t *testing.T) {
	gotd, version := gotdModule(t)
	replace := func(file, old, new string) func(string, string) string {
		return func(name, text string) string {
			if name != file {
				return text
			}
			if !strings.Contains(text, old) {
				t.Fatalf("%s has no %q", name, old)
			}
			return strings.Replace(text, old, new, 1)
		}
	}
	tests := []struct {
		name string
		edit func(string, string) string
		want string
	}{
		{"method missing from bots.tsv", replace("bots.tsv", "auth.signUp\tno", "# auth.signUp\tno"), "auth.signUp: not in bots.tsv"},
		{"unknown method in bots.tsv", replace("bots.tsv", "auth.signUp\tno", "auth.signUp\tno\tx\nauth.signOut\tno"), "bots.tsv lists auth.signOut"},
		{"neither yes nor no", replace("bots.tsv", "auth.signUp\tno", "auth.signUp\tmaybe"), `"maybe" is neither yes nor no`},
		{"unknown action", replace("actions.tsv", "auth.logOut\tlogout", "auth.logOut\tvanish"), `unknown action "vanish"`},
		{"action for a method the layer lacks", replace("actions.tsv", "auth.logOut\tlogout", "auth.logOut\tlogout\nauth.logIn\tlogin"), "actions.tsv lists auth.logIn"},
	}
	for _, tt := range tests {
		_, err := Generate(Config{GotdDir: gotd, GotdVersion: version, DataDir: dataDir(t, tt.edit)})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

// TestGenerateChecksSchemaAgainstGo feeds the generator a schema that
// disagrees with gotd's Go and expects it to notice.
func TestGenerateChecksSchemaAgainstGo(t *testing.T) {
	gotd, version := gotdModule(t)
	schema, err := os.ReadFile(filepath.Join(gotd, "_schema", "telegram.tl"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"id", "auth.bindTempAuthKey#cdd42a05", "auth.bindTempAuthKey#cdd42a06", "schema id cdd42a06, gotd id cdd42a05"},
		{"parameter order", "perm_auth_key_id:long nonce:long", "nonce:long perm_auth_key_id:long", "parameter 0 is nonce in the schema"},
		{"flag bit", "phone_code:flags.0?string", "phone_code:flags.3?string", "phone_code is flags.3? in the schema, Flags.Has(0) in Go"},
		{"extra method", "auth.logOut#3e72ba19 = auth.LoggedOut;", "auth.logOut#3e72ba19 = auth.LoggedOut;\nauth.logIn#1 = Bool;", "auth.logIn is in telegram.tl but not in gotd's tg package"},
		{"missing method", "auth.logOut#3e72ba19 = auth.LoggedOut;", "", "auth.logOut is in gotd's tg package but not in telegram.tl"},
	}
	for _, tt := range tests {
		fake := t.TempDir()
		if err := os.Mkdir(filepath.Join(fake, "_schema"), 0o755); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(schema), tt.old) {
			t.Fatalf("%s: schema has no %q", tt.name, tt.old)
		}
		edited := strings.Replace(string(schema), tt.old, tt.new, 1)
		if err := os.WriteFile(filepath.Join(fake, "_schema", "telegram.tl"), []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(gotd, "tg"), filepath.Join(fake, "tg")); err != nil {
			t.Fatal(err)
		}
		_, err := Generate(Config{GotdDir: fake, GotdVersion: version, DataDir: dataDir(t, nil)})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestReadSchema(t *testing.T) {
	text := `// LAYER 7
a.b#1 = B;
---functions---
auth.x#2 y:int = Bool;
help.z#3 = Bool;
---types---
auth.t#4 = auth.T;
`
	layer, ms, err := readSchema(text)
	if err != nil {
		t.Fatal(err)
	}
	if layer != 7 || len(ms) != 1 || ms[0].Name != "auth.x" || ms[0].ID != 2 {
		t.Errorf("readSchema = %d, %+v", layer, ms)
	}
	for _, bad := range []string{
		"---functions---\nauth.x#2 = Bool;\n",              // no layer
		"// LAYER 7\n",                                     // no methods
		"// LAYER x\n---functions---\nauth.x#2 = Bool;\n",  // bad layer
		"// LAYER 7\n---functions---\nauth.x#zz = Bool;\n", // bad line
	} {
		if _, _, err := readSchema(bad); err == nil {
			t.Errorf("readSchema(%q) succeeded", bad)
		}
	}
}

func FuzzReadSchema(f *testing.F) {
	f.Add("// LAYER 229\n---functions---\nauth.logOut#3e72ba19 = auth.LoggedOut;\n")
	f.Add("// LAYER 1\n---functions---\nauth.a#1 flags:# b:flags.0?true = Bool;\n---types---\nauth.c#2 = C;\n")
	f.Fuzz(func(t *testing.T, text string) {
		layer, ms, err := readSchema(text)
		if err != nil {
			return
		}
		if layer == 0 || len(ms) == 0 {
			t.Fatalf("accepted %q with layer %d and %d methods", text, layer, len(ms))
		}
		for _, m := range ms {
			if !strings.HasPrefix(m.Name, "auth.") {
				t.Fatalf("method %q outside auth.", m.Name)
			}
		}
	})
}

// goSeed is a miniature of gotd's generated files, enough for
// readGoRequests to find one method.
const goSeed = `package tg

// AuthLogOutRequest represents TL type ` + "`auth.logOut#3e72ba19`" + `.
// Logs out the user.
//
// See https://core.telegram.org/method/auth.logOut for reference.
type AuthLogOutRequest struct {
}

func (l *AuthLogOutRequest) TypeInfo() tdp.Type {
	typ := tdp.Type{Name: "auth.logOut"}
	return typ
}

// AuthLogOut invokes method auth.logOut#3e72ba19 returning error if any.
// Logs out the user.
//
// See https://core.telegram.org/method/auth.logOut for reference.
func (c *Client) AuthLogOut(ctx context.Context) (*AuthLoggedOut, error) {
	return nil, nil
}
`

func TestReadGoRequests(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tl_auth_log_out_gen.go"), []byte(goSeed), 0o644); err != nil {
		t.Fatal(err)
	}
	reqs, err := readGoRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := reqs["auth.logOut"]
	if r == nil || r.ID != 0x3e72ba19 || r.Struct != "AuthLogOutRequest" || r.Method != "AuthLogOut" ||
		r.ResultType != "*AuthLoggedOut" || len(r.Args) != 0 || r.MethodDoc.Description != "Logs out the user." {
		t.Errorf("readGoRequests = %+v", r)
	}
}

func FuzzReadGoRequests(f *testing.F) {
	f.Add(goSeed)
	f.Add(strings.Replace(goSeed, "(ctx context.Context)", "(ctx context.Context, request *AuthLogOutRequest)", 1))
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "tl_auth_fuzz_gen.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		reqs, err := readGoRequests(dir)
		if err != nil {
			return
		}
		for name, r := range reqs {
			if r.Struct == "" || r.Method == "" || !strings.HasPrefix(name, "auth.") {
				t.Fatalf("accepted an incomplete request %+v", r)
			}
		}
	})
}
