package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"tgpfs/model/catalog"
)

// runCLI runs tgpfs with args and returns its exit status and streams.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(args, &IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(string) string { return "" }})
	return code, out.String(), errOut.String()
}

// TestCatalogGolden pins what a user sees. Update with
// `go test ./internal/cli -run TestCatalogGolden -update` after a deliberate
// change (or a catalog regeneration), and read the diff.
func TestCatalogGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"list", []string{"catalog"}},
		{"bindTempAuthKey", []string{"catalog", "auth.bindTempAuthKey"}},
		{"signIn", []string{"catalog", "signin"}},
		{"finishPasskeyLogin", []string{"catalog", "finishPasskeyLogin"}},
		{"logOut", []string{"catalog", "auth.logOut"}},
		{"undocumented", []string{"catalog", "auth.initFirebasePnvLogin"}},
		{"search-ENCRYPTED", []string{"catalog", "--search", "ENCRYPTED"}},
		{"search-two-terms", []string{"catalog", "-s", "phone_code_hash EXPIRED"}},
		{"search-none", []string{"catalog", "-s", "zzzzqq"}},
		{"json-bindTempAuthKey", []string{"catalog", "bindTempAuthKey", "--json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(tt.args...)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			golden.RequireEqual(t, out)
		})
	}
}

func TestCatalogUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"catalog", "bnd"}, `no auth.* method "bnd" in layer 229; did you mean auth.bindTempAuthKey`},
		{[]string{"catalog", "help.getConfig"}, `no auth.* method "help.getConfig"`},
		{[]string{"catalog", "bind", "--search", "x"}, "give a METHOD or --search, not both"},
		{[]string{"catalog", "a", "b"}, "want at most one METHOD, got 2"},
		{[]string{"catalog", "--jsn"}, "unknown flag"},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(tt.args...)
		if code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", tt.args, code, ExitUsage)
		}
		if out != "" {
			t.Errorf("%q: wrote %q to stdout", tt.args, out)
		}
		if !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: stderr %q, want it to contain %q", tt.args, errOut, tt.want)
		}
	}
}

// TestCatalogJSON checks the machine contract: an array of objects with at
// least name, id, description, params[] {name, type, optional, description},
// result, errors[] {code, type, description} and bots, with arrays never
// null, and nothing else on stdout.
func TestCatalogJSON(t *testing.T) {
	for _, args := range [][]string{
		{"catalog", "--json"},
		{"catalog", "auth.dropTempAuthKeys", "--json"},
		{"catalog", "--search", "ENCRYPTED", "--json"},
		{"catalog", "--search", "zzzzqq", "--json"},
	} {
		code, out, errOut := runCLI(args...)
		if code != ExitOK || errOut != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errOut)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%q: stdout is not a JSON array of objects: %v", args, err)
		}
		for _, m := range got {
			for _, key := range []string{"name", "id", "description", "params", "result", "errors", "bots"} {
				if _, ok := m[key]; !ok {
					t.Errorf("%q: %v has no %q", args, m["name"], key)
				}
			}
			params, ok := m["params"].([]any)
			if !ok {
				t.Errorf("%q: %v: params is %T", args, m["name"], m["params"])
			}
			for _, p := range params {
				for _, key := range []string{"name", "type", "optional", "description"} {
					if _, ok := p.(map[string]any)[key]; !ok {
						t.Errorf("%q: %v: param has no %q", args, m["name"], key)
					}
				}
			}
			errs, ok := m["errors"].([]any)
			if !ok {
				t.Errorf("%q: %v: errors is %T", args, m["name"], m["errors"])
			}
			for _, e := range errs {
				for _, key := range []string{"code", "type", "description"} {
					if _, ok := e.(map[string]any)[key]; !ok {
						t.Errorf("%q: %v: error has no %q", args, m["name"], key)
					}
				}
			}
		}
		switch args[1] {
		case "--json":
			if len(got) != catalog.Len() {
				t.Errorf("--json: %d objects, want %d", len(got), catalog.Len())
			}
		case "auth.dropTempAuthKeys":
			if len(got) != 1 || got[0]["name"] != "auth.dropTempAuthKeys" || got[0]["id"] != float64(0x8e48a188) || got[0]["bots"] != true {
				t.Errorf("dropTempAuthKeys: %v", got)
			}
		}
	}
	// The Go types decode back into the catalog's own values.
	_, out, _ := runCLI("catalog", "--json")
	var ms []catalog.Method
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatal(err)
	}
	for i, m := range catalog.All() {
		if ms[i].Name != m.Name || ms[i].ID != m.ID || ms[i].TL != m.TL || len(ms[i].Errors) != len(m.Errors) {
			t.Errorf("JSON entry %d = %s, want %s", i, ms[i].Name, m.Name)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		text   string
		width  int
		indent string
		want   string
	}{
		{"", 10, "", ""},
		{"one two three", 7, "", "one two\nthree\n"},
		{"one two three", 7, "> ", "> one two\n> three\n"},
		{"averyveryverylongword x", 5, "", "averyveryverylongword\nx\n"},
		{"ünï cödé", 3, "", "ünï\ncödé\n"},
	}
	for _, tt := range tests {
		if got := wrap(tt.text, tt.width, tt.indent); got != tt.want {
			t.Errorf("wrap(%q, %d, %q) = %q, want %q", tt.text, tt.width, tt.indent, got, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"Logs out the user.", 40, "Logs out the user."},
		{"Checks the status of a login payment¹. More.", 60, "Checks the status of a login payment."},
		{"First paragraph.\nSecond.", 60, "First paragraph."},
		{"Generate a login token, for login via QR code", 10, "Generate…"},
		{"", 10, "(undocumented)"},
	}
	for _, tt := range tests {
		if got := summary(tt.in, tt.n); got != tt.want {
			t.Errorf("summary(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
