package catalog_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"tgpfs/model/catalog"
)

func TestSearch(t *testing.T) {
	tests := []struct {
		query string
		first string        // expected best result
		field catalog.Field // field of the first term's hit in the best result
		text  string        // what matched in the best result
	}{
		{"ENCRYPTED", "auth.bindTempAuthKey", catalog.FieldError, "ENCRYPTED_MESSAGE_INVALID"},
		{"encrypted", "auth.bindTempAuthKey", catalog.FieldParam, "encrypted_message"},
		{"bind", "auth.bindTempAuthKey", catalog.FieldName, "auth.bindTempAuthKey"},
		{"bindTempAuthKey", "auth.bindTempAuthKey", catalog.FieldName, "auth.bindTempAuthKey"},
		{"auth.dropTempAuthKeys", "auth.dropTempAuthKeys", catalog.FieldName, "auth.dropTempAuthKeys"},
		{"perm_auth_key_id", "auth.bindTempAuthKey", catalog.FieldParam, "perm_auth_key_id"},
		{"logout", "auth.logOut", catalog.FieldName, "auth.logOut"},
		{"TEMP_AUTH_KEY_ALREADY_BOUND", "auth.bindTempAuthKey", catalog.FieldError, "TEMP_AUTH_KEY_ALREADY_BOUND"},
		{"except_auth_keys", "auth.dropTempAuthKeys", catalog.FieldParam, "except_auth_keys"},
		{"DC_ID_INVALID", "auth.exportAuthorization", catalog.FieldError, "DC_ID_INVALID"},
		{"bot_auth_token", "auth.importBotAuthorization", catalog.FieldParam, "bot_auth_token"},
		{"dtak", "auth.dropTempAuthKeys", catalog.FieldName, "auth.dropTempAuthKeys"},
	}
	for _, tt := range tests {
		rs := catalog.Search(tt.query)
		if len(rs) == 0 {
			t.Errorf("Search(%q): no results", tt.query)
			continue
		}
		best := rs[0]
		if best.Method.Name != tt.first || best.Hits[0].Field != tt.field || best.Hits[0].Text != tt.text {
			t.Errorf("Search(%q) best = %s (%s %s), want %s (%s %s)", tt.query,
				best.Method.Name, best.Hits[0].Field, best.Hits[0].Text, tt.first, tt.field, tt.text)
		}
		checkResults(t, tt.query, rs)
	}
}

func TestSearchSets(t *testing.T) {
	names := func(rs []catalog.Result) map[string]bool {
		m := make(map[string]bool)
		for _, r := range rs {
			m[r.Method.Name] = true
		}
		return m
	}
	if rs := catalog.Search(""); len(rs) != catalog.Len() {
		t.Errorf("empty query: %d results, want all %d", len(rs), catalog.Len())
	}
	if rs := catalog.Search("   "); len(rs) != catalog.Len() {
		t.Errorf("blank query: %d results, want all %d", len(rs), catalog.Len())
	}
	for _, q := range []string{"zzzzqqq", "ENCRYPTED zzzz", "Ω"} {
		if rs := catalog.Search(q); len(rs) != 0 {
			t.Errorf("Search(%q) = %d results, want none", q, len(rs))
		}
	}
	// Every method that documents PHONE_CODE_EXPIRED, and only those,
	// when the query is that exact error.
	got := names(catalog.Search("PHONE_CODE_EXPIRED"))
	for _, m := range catalog.All() {
		has := false
		for _, e := range m.Errors {
			has = has || e.Type == "PHONE_CODE_EXPIRED"
		}
		if has && !got[m.Name] {
			t.Errorf("PHONE_CODE_EXPIRED: %s documents it but was not found", m.Name)
		}
	}
	// Two terms: both must match.
	rs := catalog.Search("phone_code_hash PHONE_CODE_EXPIRED")
	if len(rs) == 0 {
		t.Fatal("two-term search found nothing")
	}
	for _, r := range rs {
		if len(r.Hits) != 2 {
			t.Errorf("%s: %d hits for 2 terms", r.Method.Name, len(r.Hits))
		}
	}
	if h := rs[0].Hits; h[0].Text != "phone_code_hash" || h[1].Text != "PHONE_CODE_EXPIRED" {
		t.Errorf("best for phone_code_hash PHONE_CODE_EXPIRED = %s matching %s, %s", rs[0].Method.Name, h[0].Text, h[1].Text)
	}
	// Exact names outrank fuzzy ones.
	if rs := catalog.Search("signIn"); rs[0].Method.Name != "auth.signIn" {
		t.Errorf("signIn: best %s", rs[0].Method.Name)
	}
	if rs := catalog.Search("signUp"); rs[0].Method.Name != "auth.signUp" {
		t.Errorf("signUp: best %s", rs[0].Method.Name)
	}
}

// checkResults verifies what every result must satisfy: sorted by score,
// one hit per term, and highlight offsets that spell the term.
func checkResults(t *testing.T, query string, rs []catalog.Result) {
	t.Helper()
	terms := strings.Fields(query)
	for i, r := range rs {
		if i > 0 && rs[i-1].Score < r.Score {
			t.Errorf("Search(%q): result %d scores %d after %d", query, i, r.Score, rs[i-1].Score)
		}
		if len(r.Hits) != len(terms) {
			t.Errorf("Search(%q): %s has %d hits for %d terms", query, r.Method.Name, len(r.Hits), len(terms))
			continue
		}
		for k, h := range r.Hits {
			want := []rune(strings.ToLower(terms[k]))
			if len(h.Matched) != len(want) {
				t.Errorf("Search(%q): %s: %d offsets for %d runes", query, r.Method.Name, len(h.Matched), len(want))
				continue
			}
			last := -1
			for n, off := range h.Matched {
				if off <= last || off >= len(h.Text) {
					t.Errorf("Search(%q): %s: offset %d out of order or range in %q", query, r.Method.Name, off, h.Text)
					break
				}
				last = off
				c, _ := utf8.DecodeRuneInString(h.Text[off:])
				if !strings.EqualFold(string(c), string(want[n])) {
					t.Errorf("Search(%q): %s: offset %d is %q, want %q", query, r.Method.Name, off, c, want[n])
				}
			}
		}
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"ENCRYPTED", "bind", "perm_auth", "phone_code_hash PHONE_CODE_EXPIRED", "", "auth.", "ß", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		rs := catalog.Search(q)
		if strings.TrimSpace(q) == "" {
			if len(rs) != catalog.Len() {
				t.Fatalf("blank query %q: %d results", q, len(rs))
			}
			return
		}
		checkResults(t, q, rs)
	})
}

// typing replays what the UI's filter sees while a user types, one
// keystroke at a time.
var typing = func() []string {
	var qs []string
	for _, word := range []string{"ENCRYPTED", "bindTempAuthKey", "phone_code_hash", "dtak"} {
		for i := 1; i <= len(word); i++ {
			qs = append(qs, word[:i])
		}
	}
	return qs
}()

// BenchmarkFilter measures Search while a user types: one op is every
// keystroke of typing (43 queries), and ns/keystroke is the figure per
// keystroke. The substring sub-benchmark is the baseline for the ratio: a
// plain case-insensitive strings.Contains over the same names, parameters
// and errors, with no ranking.
func BenchmarkFilter(b *testing.B) {
	perKeystroke := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typing)), "ns/keystroke")
	}
	b.Run("fuzzy", func(b *testing.B) {
		for b.Loop() {
			for _, q := range typing {
				_ = catalog.Search(q)
			}
		}
		perKeystroke(b)
	})
	b.Run("substring-baseline", func(b *testing.B) {
		var hay [][]string
		for _, m := range catalog.All() {
			fs := []string{strings.ToLower(m.Name)}
			for _, p := range m.Params {
				fs = append(fs, strings.ToLower(p.Name))
			}
			for _, e := range m.Errors {
				fs = append(fs, strings.ToLower(e.Type))
			}
			hay = append(hay, fs)
		}
		for b.Loop() {
			for _, q := range typing {
				q = strings.ToLower(q)
				var out []int
				for mi, fs := range hay {
					for _, s := range fs {
						if strings.Contains(s, q) {
							out = append(out, mi)
							break
						}
					}
				}
				_ = out
			}
		}
		perKeystroke(b)
	})
}

func TestSearchNames(t *testing.T) {
	rs := catalog.Search("phone_code_hash")
	names := catalog.SearchNames("phone_code_hash")
	if len(names) != len(rs) || len(names) == 0 {
		t.Fatalf("SearchNames: %d names for %d results", len(names), len(rs))
	}
	for i := range rs {
		if names[i] != rs[i].Method.Name {
			t.Errorf("name %d = %s, want %s", i, names[i], rs[i].Method.Name)
		}
	}
	if got := catalog.SearchNames("ENCRYPTED"); len(got) != 1 || got[0] != "auth.bindTempAuthKey" {
		t.Errorf("SearchNames(ENCRYPTED) = %q", got)
	}
}
