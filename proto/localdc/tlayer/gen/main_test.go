package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun: a layer without a file takes the nearest lower one, a line
// the same in several layers is written once with its range, only what
// the roots reach is kept, a restricted type keeps only what is listed,
// and every other id is named.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"133.tl": `boolTrue#997275b5 = Bool;
config#1 date:int = Config;
upd#5 = Update;
updOther#6 = Update;
unused#7 = Unused;
---functions---
help.getConfig#c4f9186b = Config;
help.getUpdate#8 = Update;
messages.other#9 = Bool;
`,
		"200.tl": `boolTrue#997275b5 = Bool;
config#2 date:int expires:int = Config;
upd#5 = Update;
updOther#6 = Update;
---functions---
help.getConfig#c4f9186b = Config;
help.getUpdate#8 = Update;
`,
		"SOURCES": "133 gotd gotd/td aaaa _schema/telegram.tl\n200 tdlib tdlib/td bbbb td/generate/scheme/telegram_api.tl\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.tl")
	want := spec{roots: []string{"help.getConfig", "help.getUpdate"}, restrict: map[string][]string{"Update": {"upd"}}}
	if err := run(dir, out, "", want); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, line := range []string{
		"// layer 133: github.com/gotd/td aaaa _schema/telegram.tl\n",
		"// layer 134: none published, uses layer 133\n",
		"// layer 200: github.com/tdlib/td bbbb td/generate/scheme/telegram_api.tl\n",
		"\n133-199 config#00000001 date:int = Config;\n",
		"\n200-229 config#00000002 date:int expires:int = Config;\n",
		"\n133-229 upd#00000005 = Update;\n",
		"\n133-229 help.getConfig#c4f9186b = Config;\n",
		"---unserved-types---\n133-229 boolTrue#997275b5\n133-199 unused#00000007\n133-229 updOther#00000006\n",
		"---unserved-functions---\n133-199 messages.other#00000009\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("output lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "boolTrue#997275b5 = Bool;") {
		t.Error("boolTrue kept though nothing reaches it")
	}
	// A root missing from a layer is an error, not a silent gap.
	want.roots = append(want.roots, "help.absent")
	if err := run(dir, out, "", want); err == nil {
		t.Error("no error for a missing root")
	}
}
