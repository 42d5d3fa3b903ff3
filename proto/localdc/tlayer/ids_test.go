package tlayer

import (
	"bufio"
	"fmt"
	"hash/crc32"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gotd/td/tg"
)

// publishedID is one line of testdata/ids.txt.
type publishedID struct {
	from, to int
	id       uint32
}

// published reads testdata/ids.txt: name -> its ids by layer range.
func published(t testing.TB) map[string][]publishedID {
	t.Helper()
	f, err := os.Open("testdata/ids.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][]publishedID{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var name, ranges string
		var id uint32
		if _, err := fmt.Sscanf(line, "%s %s %x", &name, &ranges, &id); err != nil {
			t.Fatalf("ids.txt: %q: %v", line, err)
		}
		a, b, _ := strings.Cut(ranges, "-")
		from, err1 := strconv.Atoi(a)
		to, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil || from > to {
			t.Fatalf("ids.txt: bad range in %q", line)
		}
		m[name] = append(m[name], publishedID{from, to, id})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// idsAt returns the published ids of name in layer.
func idsAt(list map[string][]publishedID, name string, layer int) []uint32 {
	var ids []uint32
	for _, p := range list[name] {
		if layer >= p.from && layer <= p.to {
			ids = append(ids, p.id)
		}
	}
	return ids
}

func isPublished(list map[string][]publishedID, name string, layer int, id uint32) bool {
	for _, p := range idsAt(list, name, layer) {
		if p == id {
			return true
		}
	}
	return false
}

// TestDataMatchesPublishedIDs: every line of the codec's data, in every
// layer it claims, has an id the published schemas give that name there;
// and every method the list has in a layer, the data serves in it.
func TestDataMatchesPublishedIDs(t *testing.T) {
	list := published(t)
	entries, err := testLines()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	for _, e := range entries {
		if e.line.method {
			methods[e.line.name] = true
		}
		for layer := MinLayer; layer <= MaxLayer; layer++ {
			if e.holds(layer) && !isPublished(list, e.line.name, layer, e.line.id) {
				t.Errorf("layer %d: data has %s#%08x, published: %08x", layer, e.line.name, e.line.id, idsAt(list, e.line.name, layer))
			}
		}
	}
	for layer := MinLayer; layer <= MaxLayer; layer++ {
		s := schemaAt(t, layer)
		for name := range methods {
			if ids := idsAt(list, name, layer); len(ids) > 0 && s.byName[name] == nil {
				t.Errorf("layer %d: method %s (published %08x) not served", layer, name, ids)
			}
		}
	}
}

// crcText is the text a TL line's id is the CRC32 of: the line without
// its id, without the flag fields of type true, a field of type bytes
// written as string (not inside a vector), Vector<T> as "Vector T", no
// braces.
func crcText(line string) string {
	s := strings.TrimSuffix(line, ";")
	s = regexp.MustCompile(`^([^ #]+)#[0-9a-f]+`).ReplaceAllString(s, "$1")
	s = regexp.MustCompile(` [a-zA-Z0-9_]+:flags[0-9]*\.[0-9]+\?true`).ReplaceAllString(s, "")
	s = strings.NewReplacer(":bytes", ":string", "?bytes", "?string").Replace(s)
	s = strings.NewReplacer("<", " ", ">", "", "{", "", "}", "").Replace(s)
	return s
}

// TestLineIDsAreTheirCRC catches a line copied wrong: each id is the
// CRC32 of its line's text.
func TestLineIDsAreTheirCRC(t *testing.T) {
	entries, err := testLines()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		text := crcText(e.line.text)
		if got := crc32.ChecksumIEEE([]byte(text)); got != e.line.id {
			t.Errorf("%s: id %08x, crc32(%q) = %08x", e.line.name, e.line.id, text, got)
		}
	}
	// And the check itself: a line with a field renamed fails it.
	if text := crcText(strings.Replace("config#cc1a241e flags:# date:int = Config;", "date", "data", 1)); crc32.ChecksumIEEE([]byte(text)) == 0xcc1a241e {
		t.Error("a changed line still matches")
	}
}

// TestNewestIsGotds: layer 229's lines are gotd's tg package, id by id.
func TestNewestIsGotds(t *testing.T) {
	names := tg.TypesMap()
	s := schemaAt(t, MaxLayer)
	for id, l := range s.byID {
		if got, want := names[id], fmt.Sprintf("%s#%x", l.name, id); got != want {
			t.Errorf("%s#%08x: gotd has %q", l.name, id, got)
		}
	}
	// Every gotd method is known: served, or named as unserved. gotd's
	// methods are the ...Request types tg.Client has a call for.
	client := reflect.TypeOf(&tg.Client{})
	for id, mk := range tg.TypesConstructorMap() {
		typeName := reflect.TypeOf(mk()).Elem().Name()
		call, isRequest := strings.CutSuffix(typeName, "Request")
		if _, ok := client.MethodByName(call); !isRequest || !ok {
			continue
		}
		if info, ok := Lookup(id); !ok || !info.set.Has(newest) {
			t.Errorf("gotd method %s unknown to tlayer in layer %d", names[id], MaxLayer)
		}
	}
}
