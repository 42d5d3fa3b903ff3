// Command gen regenerates the catalog's methods_gen.go and
// examples_gen_test.go from the gotd module in the build list. Run it with
// `go generate ./model/catalog` (or ./...), from any directory inside the
// module; it writes next to the catalog package.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"tgpfs/model/catalog/internal/gen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "catalog gen:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, version, err := gotdModule()
	if err != nil {
		return err
	}
	// go generate runs in the directory of the file with the directive:
	// the catalog package.
	catalogDir, err := os.Getwd()
	if err != nil {
		return err
	}
	out, err := gen.Generate(gen.Config{GotdDir: dir, GotdVersion: version, DataDir: catalogDir})
	if err != nil {
		return err
	}
	for name, b := range out.Files() {
		if err := writeAtomic(filepath.Join(catalogDir, name), b); err != nil {
			return err
		}
	}
	return nil
}

// gotdModule asks the go command where the gotd module of this build lives.
func gotdModule() (dir, version string, err error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}\t{{.Version}}", "github.com/gotd/td").Output()
	if err != nil {
		return "", "", fmt.Errorf("go list github.com/gotd/td: %w", err)
	}
	dir, version, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	if !ok || dir == "" {
		return "", "", fmt.Errorf("go list github.com/gotd/td: unexpected output %q", out)
	}
	return dir, version, nil
}

// writeAtomic replaces path with b through a temporary file in the same
// directory, so an interrupted run never leaves half a file.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
