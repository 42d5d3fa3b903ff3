package gen

import (
	"fmt"
	"strings"
)

// parseTable reads one of the hand-kept data files: one record per line,
// fields separated by tabs, '#' starting a comment line, blank lines
// ignored. Every record must have exactly n fields, none empty, and the
// first field (the method name) must not repeat.
func parseTable(name, text string, n int) ([][]string, error) {
	var out [][]string
	seen := make(map[string]int)
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rec := strings.Split(line, "\t")
		if len(rec) != n {
			return nil, fmt.Errorf("%s:%d: %d fields, want %d (tab-separated)", name, i+1, len(rec), n)
		}
		for k, f := range rec {
			rec[k] = strings.TrimSpace(f)
			if rec[k] == "" {
				return nil, fmt.Errorf("%s:%d: field %d is empty", name, i+1, k+1)
			}
		}
		if prev, ok := seen[rec[0]]; ok {
			return nil, fmt.Errorf("%s:%d: %s already listed on line %d", name, i+1, rec[0], prev)
		}
		seen[rec[0]] = i + 1
		out = append(out, rec)
	}
	return out, nil
}
