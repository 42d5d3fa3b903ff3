package gen

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// doc is what gotd's generator writes into the comment of a request type,
// a client method or a struct field.
type doc struct {
	// Description holds paragraphs joined by "\n"; the lines gotd wrapped
	// at ~90 columns are joined back with spaces.
	Description string
	Links       []string
	Errors      []rpcError
	Reference   string // from "See <url> for reference."
}

type rpcError struct {
	Code        int
	Type        string
	Description string
}

var (
	// "1. https://…" in type and method comments, "1) https://…" in
	// field comments.
	linkLine  = regexp.MustCompile(`^\d+[.)] (\S+)$`)
	errorLine = regexp.MustCompile(`^(-?\d+) ([A-Za-z0-9_%]+):(?: (.*))?$`)
	helpers   = regexp.MustCompile(`^Use Set\w+ and Get\w+ helpers\.$`)
)

// parseDoc reads one comment (as ast.CommentGroup.Text returns it). The
// format is gotd's: description, then optional "Links:", "Possible errors:"
// and "See … for reference." sections. Anything unexpected inside a
// section is an error, so a change in gotd's format stops the generator
// instead of leaking into the catalog.
func parseDoc(text string) (doc, error) {
	var (
		d     doc
		paras []string
		cur   []string
		mode  = "desc"
	)
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			flush()
			continue
		case line == "Links:":
			flush()
			mode = "links"
			continue
		case line == "Possible errors:":
			flush()
			mode = "errors"
			continue
		case strings.HasPrefix(line, "See ") && strings.HasSuffix(line, " for reference."):
			flush()
			d.Reference = strings.TrimSuffix(strings.TrimPrefix(line, "See "), " for reference.")
			mode = "end"
			continue
		case helpers.MatchString(line):
			flush()
			continue
		}
		switch mode {
		case "desc":
			cur = append(cur, line)
		case "links":
			m := linkLine.FindStringSubmatch(line)
			if m == nil {
				return d, fmt.Errorf("doc: unexpected line in Links: %q", line)
			}
			d.Links = append(d.Links, m[1])
		case "errors":
			m := errorLine.FindStringSubmatch(line)
			if m == nil {
				return d, fmt.Errorf("doc: unexpected line in Possible errors: %q", line)
			}
			code, err := strconv.Atoi(m[1])
			if err != nil {
				return d, fmt.Errorf("doc: error code %q: %w", m[1], err)
			}
			d.Errors = append(d.Errors, rpcError{Code: code, Type: m[2], Description: strings.TrimSpace(m[3])})
		default:
			return d, fmt.Errorf("doc: unexpected line after the reference: %q", line)
		}
	}
	flush()
	d.Description = strings.Join(paras, "\n")
	return d, nil
}
