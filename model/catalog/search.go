package catalog

import (
	"sort"
	"strings"

	"github.com/sahilm/fuzzy"
)

// Field says which part of a method a query term matched.
type Field int

const (
	// FieldName is the method name ("auth.bindTempAuthKey").
	FieldName Field = iota
	// FieldParam is a parameter name ("perm_auth_key_id").
	FieldParam
	// FieldError is an error type ("ENCRYPTED_MESSAGE_INVALID").
	FieldError
)

func (f Field) String() string {
	switch f {
	case FieldParam:
		return "param"
	case FieldError:
		return "error"
	}
	return "name"
}

// Hit is the best match of one query term in one method.
type Hit struct {
	Term  string
	Field Field
	// Text is what matched: the method name, a parameter name or an error
	// type. Matched holds the byte offsets in Text of the matched
	// characters, for highlighting.
	Text    string
	Matched []int
	Score   int
}

// Result is one method that matched every term of a query.
type Result struct {
	Method Method
	Score  int
	Hits   []Hit // one per query term, in query order
}

// Ranking bonuses on top of the fuzzy score. A term that is an exact
// name, parameter or error outranks any fuzzy match; a contiguous
// substring outranks a scattered one; and between otherwise equal matches
// the method's own name wins over its parameters and errors.
const (
	exactBonus     = 1 << 20
	substringBonus = 1 << 12
	caseBonus      = 1 << 8 // the term appears with the same letter case ("ENCRYPTED" in an error type)
	nameBonus      = 64
)

// target is one searchable string.
type target struct {
	method int
	field  Field
	text   string
	lower  string
	short  string // for names: lower-case name without "auth."
}

type targetSource []target

func (s targetSource) String(i int) string { return s[i].text }
func (s targetSource) Len() int            { return len(s) }

var targets = func() targetSource {
	var ts targetSource
	for i := range methods {
		m := &methods[i]
		ts = append(ts, target{method: i, field: FieldName, text: m.Name, lower: strings.ToLower(m.Name),
			short: strings.ToLower(m.ShortName())})
		for _, p := range m.Params {
			if p.Type == "#" {
				continue // every flags field is called flags; it says nothing
			}
			ts = append(ts, target{method: i, field: FieldParam, text: p.Name, lower: strings.ToLower(p.Name)})
		}
		for _, e := range m.Errors {
			ts = append(ts, target{method: i, field: FieldError, text: e.Type, lower: strings.ToLower(e.Type)})
		}
	}
	return ts
}()

// Search finds the methods whose name, parameter names or error types
// fuzzily match every whitespace-separated term of query, best first. Case
// does not matter: "ENCRYPTED" finds auth.bindTempAuthKey through its error
// ENCRYPTED_MESSAGE_INVALID, "bind" finds it by name, "perm" by its
// parameter perm_auth_key_id. An empty query returns every method in
// catalog order with no hits.
//
// Ranking: an exact name, parameter or error beats a contiguous substring,
// which beats a scattered fuzzy match; a substring typed in the same letter
// case as the text ranks higher ("ENCRYPTED" prefers the error type
// ENCRYPTED_MESSAGE_INVALID, "encrypted" the parameter encrypted_message);
// ties go to method names, then to alphabetical order.
func Search(query string) []Result {
	terms := strings.Fields(query)
	if len(terms) == 0 {
		out := make([]Result, len(methods))
		for i := range methods {
			out[i] = Result{Method: methods[i]}
		}
		return out
	}
	// best[t][m] is term t's best hit in method m.
	best := make([]map[int]Hit, len(terms))
	for t, term := range terms {
		best[t] = bestHits(term)
		if len(best[t]) == 0 {
			return nil
		}
	}
	var out []Result
	for mi := range methods {
		r := Result{Method: methods[mi]}
		ok := true
		for t := range terms {
			h, found := best[t][mi]
			if !found {
				ok = false
				break
			}
			r.Hits = append(r.Hits, h)
			r.Score += h.Score
		}
		if ok {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Method.Name < out[j].Method.Name
	})
	return out
}

// subset is the part of targets worth handing to the fuzzy matcher.
type subset []int

func (s subset) String(i int) string { return targets[s[i]].text }
func (s subset) Len() int            { return len(s) }

// bestHits matches one term against every target and keeps the best hit
// per method.
func bestHits(term string) map[int]Hit {
	lower := strings.ToLower(term)
	// A target can only match if the term's letters occur in it in order.
	// Checking that on bytes first spares the fuzzy matcher (which decodes
	// and case-folds rune by rune) the targets that cannot match: most of
	// them, once a user has typed two or three letters.
	var cand subset
	for i := range targets {
		if maybeSubsequence(lower, targets[i].lower) {
			cand = append(cand, i)
		}
	}
	hits := make(map[int]Hit)
	for _, m := range fuzzy.FindFromNoSort(term, cand) {
		t := &targets[cand[m.Index]]
		score := m.Score
		switch {
		case t.lower == lower || t.short == lower:
			score += exactBonus
		case strings.Contains(t.lower, lower):
			score += substringBonus
			if strings.Contains(t.text, term) {
				score += caseBonus
			}
		}
		if t.field == FieldName {
			score += nameBonus
		}
		if prev, ok := hits[t.method]; ok && prev.Score >= score {
			continue
		}
		hits[t.method] = Hit{Term: term, Field: t.field, Text: t.text, Matched: m.MatchedIndexes, Score: score}
	}
	return hits
}

// maybeSubsequence reports whether the bytes of term occur in text in
// order. Both are lower case. For a term with non-ASCII letters, whose case
// folding bytes cannot decide, it says yes and leaves the answer to the
// fuzzy matcher.
func maybeSubsequence(term, text string) bool {
	j := 0
	for i := 0; i < len(term); i++ {
		c := term[i]
		if c >= 0x80 {
			return true
		}
		for j < len(text) && text[j] != c {
			j++
		}
		if j == len(text) {
			return false
		}
		j++
	}
	return true
}

// SearchNames is Search reduced to the method names, best first: the shape
// of a list filter's callback (ui.CatalogSearch).
func SearchNames(query string) []string {
	rs := Search(query)
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Method.Name
	}
	return names
}
