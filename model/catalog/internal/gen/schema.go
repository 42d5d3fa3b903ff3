package gen

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"tgpfs/model/catalog/internal/tl"
)

// readSchema returns the layer and the auth.* method lines of gotd's
// _schema/telegram.tl, the schema its tg package was generated from.
func readSchema(text string) (layer int, methods []tl.Combinator, err error) {
	functions := false
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "---functions---":
			functions = true
		case line == "---types---":
			functions = false
		case strings.HasPrefix(line, "// LAYER "):
			v, err := strconv.Atoi(strings.TrimPrefix(line, "// LAYER "))
			if err != nil {
				return 0, nil, fmt.Errorf("telegram.tl:%d: %w", n, err)
			}
			layer = v
		case functions && strings.HasPrefix(line, "auth."):
			c, err := tl.Parse(line)
			if err != nil {
				return 0, nil, fmt.Errorf("telegram.tl:%d: %w", n, err)
			}
			methods = append(methods, c)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, nil, err
	}
	if layer == 0 {
		return 0, nil, fmt.Errorf("telegram.tl: no // LAYER line")
	}
	if len(methods) == 0 {
		return 0, nil, fmt.Errorf("telegram.tl: no auth.* methods")
	}
	return layer, methods, nil
}
