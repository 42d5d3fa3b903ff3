package sessions

import "testing"

// Every listed format is there once, with exactly the one reader its kind
// needs, and Formats and Writable follow the list.
func TestRegistry(t *testing.T) {
	seen := map[Format]bool{}
	for i, d := range registry {
		if d == nil {
			t.Fatalf("registry[%d] is nil (a descriptor used before it is defined?)", i)
		}
		if seen[d.Format] {
			t.Errorf("%s is listed twice", d.Format)
		}
		seen[d.Format] = true
		readers := 0
		for _, set := range []bool{d.text != nil, d.sqlite != nil, d.folder != nil} {
			if set {
				readers++
			}
		}
		if readers != 1 {
			t.Errorf("%s has %d readers, want 1", d.Format, readers)
		}
		if Formats[i] != d.Format {
			t.Errorf("Formats[%d] = %s, want %s", i, Formats[i], d.Format)
		}
	}
	if len(Formats) != len(registry) {
		t.Errorf("%d formats for %d descriptors", len(Formats), len(registry))
	}
	for _, f := range Writable {
		if d := lookup(f); d == nil || !d.writable() {
			t.Errorf("Writable lists %s, which cannot be written", f)
		}
	}
}
