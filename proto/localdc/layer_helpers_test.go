package localdc

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// publishedIDs reads tlayer/testdata/ids.txt: the constructor ids of the
// published TL schemas of layers 133..229, read from every source's copy
// apart from tlayer's generator. name -> layer -> ids (a layer edited in
// place can have two).
var publishedIDs = sync.OnceValues(func() (map[string]map[int][]uint32, error) {
	f, err := os.Open("tlayer/testdata/ids.txt")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]map[int][]uint32{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var name, ranges string
		var id uint32
		if _, err := fmt.Sscanf(line, "%s %s %x", &name, &ranges, &id); err != nil {
			return nil, fmt.Errorf("ids.txt: %q: %w", line, err)
		}
		a, b, _ := strings.Cut(ranges, "-")
		from, err1 := strconv.Atoi(a)
		to, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("ids.txt: bad range in %q", line)
		}
		if out[name] == nil {
			out[name] = map[int][]uint32{}
		}
		for l := from; l <= to; l++ {
			out[name][l] = append(out[name][l], id)
		}
	}
	return out, sc.Err()
})

// publishedID checks that id is name's constructor in layer (0: 229) by
// the published schemas.
func checkPublished(t testing.TB, name string, layer int, id uint32) {
	t.Helper()
	if layer == 0 {
		layer = tg.Layer
	}
	ids, err := publishedIDs()
	if err != nil {
		t.Fatal(err)
	}
	want := ids[name][layer]
	if len(want) == 0 {
		t.Fatalf("no published %s in layer %d", name, layer)
	}
	if !slices.Contains(want, id) {
		t.Fatalf("%s in layer %d: constructor %#08x, the published schemas have %x", name, layer, id, want)
	}
}

// readUserIn reads a user the DC sent to a client of layer (0: 229): the
// constructor must be that layer's, and the fields are read as that
// layer's line has them. The DC sets only the fields every layer has in
// the same place (access_hash, names, phone, self, bot with
// bot_info_version); flags2 exists from layer 145. Anything else set is
// a failure, as is any byte left over.
func readUserIn(t testing.TB, b *bin.Buffer, layer int) *tg.User {
	t.Helper()
	id, err := b.ID()
	if err != nil {
		t.Fatalf("user: %v", err)
	}
	checkPublished(t, "user", layer, id)
	flags, err := b.Uint32()
	if err != nil {
		t.Fatalf("user flags: %v", err)
	}
	const known = 1<<0 | 1<<1 | 1<<2 | 1<<4 | 1<<10 | 1<<14
	if flags&^known != 0 {
		t.Fatalf("layer %d: user sets flags %#x beyond what the DC fills", layer, flags&^known)
	}
	if layer == 0 || layer >= 145 {
		if f2, err := b.Uint32(); err != nil || f2 != 0 {
			t.Fatalf("layer %d: user flags2 %#x, %v", layer, f2, err)
		}
	}
	u := &tg.User{Self: flags&(1<<10) != 0, Bot: flags&(1<<14) != 0}
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatalf("layer %d: user: %v", layer, err)
		}
	}
	u.ID, err = b.Long()
	must(err)
	if flags&1 != 0 {
		u.AccessHash, err = b.Long()
		must(err)
	}
	if flags&(1<<1) != 0 {
		u.FirstName, err = b.String()
		must(err)
	}
	if flags&(1<<2) != 0 {
		u.LastName, err = b.String()
		must(err)
	}
	if flags&(1<<4) != 0 {
		u.Phone, err = b.String()
		must(err)
	}
	if flags&(1<<14) != 0 {
		u.BotInfoVersion, err = b.Int()
		must(err)
	}
	return u
}

// readAuthorizationIn reads auth.authorization in layer, with no optional
// field set, and returns its user.
func readAuthorizationIn(t testing.TB, body []byte, layer int) *tg.User {
	t.Helper()
	b := &bin.Buffer{Buf: body}
	id, err := b.ID()
	if err != nil {
		t.Fatalf("auth.authorization: %v", err)
	}
	checkPublished(t, "auth.authorization", layer, id)
	if flags, err := b.Int(); err != nil || flags != 0 {
		t.Fatalf("auth.authorization flags %#x, %v", flags, err)
	}
	u := readUserIn(t, b, layer)
	if b.Len() != 0 {
		t.Fatalf("layer %d: %d bytes after auth.authorization", layer, b.Len())
	}
	return u
}

// testCode is the login code of a test phone (model.TestPhoneCode).
func testCode(phone string) string {
	code, _ := model.TestPhoneCode(phone)
	return code
}
