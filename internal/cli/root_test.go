package cli

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"tgpfs/internal/app"
)

// -v means --verbose wherever it exists, and the version has no shorthand.
func TestVerboseShorthand(t *testing.T) {
	code, out, errOut := runCLI("--version")
	if code != ExitOK || !strings.Contains(out, "tgpfs version "+Version) {
		t.Fatalf("--version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, args := range [][]string{{"-v"}, {"audit", "-v"}, {"catalog", "-v"}} {
		code, out, errOut := runCLI(args...)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, "-v is --verbose") || strings.Contains(errOut, Version) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 saying what -v is", args, code, out, errOut)
		}
	}
	root := NewRoot(&IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	for _, cmd := range root.Commands() {
		f := cmd.Flags().ShorthandLookup("v")
		if f != nil && f.Name != "verbose" {
			t.Errorf("tgpfs %s: -v is --%s, want --verbose", cmd.Name(), f.Name)
		}
		if cmd.Name() == "dc" && f == nil {
			t.Error("tgpfs dc has no -v")
		}
	}
	root.InitDefaultVersionFlag()
	if f := root.Flags().Lookup("version"); f == nil || f.Shorthand != "" {
		t.Errorf("--version flag %+v: want one without a shorthand", f)
	}
}

// Two command trees never share flag values: each command owns its own.
func TestNewRootSharesNoState(t *testing.T) {
	io := &IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	first := NewRoot(io)
	first.SetArgs([]string{"--ttl", "5m", "--dc-id", "1", "--dry-run"})
	if err := first.Execute(); err != nil {
		t.Fatal(err)
	}
	dc, _, err := first.Find([]string{"dc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := dc.ParseFlags([]string{"--dcs", "5", "--bot", "1:AAAAAAAAAAAAAAAAAAAAAAAA"}); err != nil {
		t.Fatal(err)
	}
	second := NewRoot(io)
	for _, f := range []struct{ cmd, flag, want string }{
		{"", "ttl", app.DefaultTTL.String()},
		{"", "dc-id", "2"},
		{"", "dry-run", "false"},
		{"dc", "dcs", "3"},
		{"dc", "bot", "[]"},
	} {
		cmd := second
		if f.cmd != "" {
			cmd, _, _ = second.Find([]string{f.cmd})
		}
		if got := cmd.Flags().Lookup(f.flag).Value.String(); got != f.want {
			t.Errorf("a second tree's --%s is %q, want the default %q", f.flag, got, f.want)
		}
	}
}

// A failed write to stdout is an error (exit 1), not exit 0, for every
// command that prints.
func TestFullStdout(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	for _, args := range [][]string{
		{"catalog"},
		{"catalog", "bindTempAuthKey", "--json"},
		{"--dry-run"},
		{"audit", "--dc", "prod", "--dry-run", "--json"},
		{"--help"},
		{"--version"},
		{"audit", "--ttl", "1m"},
		{"dc", "--dcs", "1"},
		{"--snapshot-wait", "5s"},
	} {
		var errb bytes.Buffer
		code := Run(args, &IO{In: strings.NewReader(""), Out: full, Err: &errb, Getenv: func(string) string { return "" }})
		if code != ExitFailure || errb.String() != "tgpfs: write stdout: no space left on device\n" {
			t.Errorf("%v > /dev/full: exit %d, stderr %q; want exit 1 and one line about stdout", args, code, errb.String())
		}
	}
}

func TestLine(t *testing.T) {
	long := strings.Repeat("é", 400)
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"esc \x1b[31mred\x1b[0m bel \a", `esc \x1b[31mred\x1b[0m bel \a`},
		{"two\nlines\r", `two\nlines\r`},
		{"tab\there", "tab here"},
		{"c1 \u0085 bidi \u202e", `c1 \x85 bidi \u202e`},
		{"bad \xff utf-8", `bad \xff utf-8`},
		{"naïve ✓", "naïve ✓"},
		{long, strings.Repeat("é", (maxLine-len("…"))/2) + "…"}, // cut on a rune boundary
	} {
		got := Line(tc.in)
		if got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if len(got) > maxLine {
			t.Errorf("Line(%q) is %d bytes", tc.in, len(got))
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("connect: refused"), ExitFailure},
		{usageErr(errors.New("bad")), ExitUsage},
		{&ExitError{Code: ExitFailure, Err: errors.New("audit failed")}, ExitFailure},
		{&app.InputError{Name: "--ttl", Reason: errors.New("too long")}, ExitUsage},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
