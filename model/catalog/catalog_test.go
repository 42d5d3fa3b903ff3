package catalog_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"tgpfs/model/catalog"
	"tgpfs/model/catalog/internal/gen"
	"tgpfs/model/catalog/internal/tl"
)

// TestGeneratedUpToDate regenerates the catalog from the gotd module in the
// build list and fails if the committed files differ: after a gotd upgrade
// or an edit of bots.tsv or actions.tsv, run `go generate ./model/catalog`.
func TestGeneratedUpToDate(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}\t{{.Version}}", "github.com/gotd/td").Output()
	if err != nil {
		t.Fatalf("go list github.com/gotd/td: %v", err)
	}
	dir, version, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
	got, err := gen.Generate(gen.Config{GotdDir: dir, GotdVersion: version, DataDir: "."})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	for name, want := range got.Files() {
		have, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		if !bytes.Equal(have, want) {
			t.Errorf("%s is stale: run `go generate ./model/catalog`", name)
		}
	}
}

// TestComplete checks the catalog against gotd's own type registry: every
// auth.* request type gotd can construct is in the catalog, and nothing else.
func TestComplete(t *testing.T) {
	if catalog.Layer != tg.Layer {
		t.Errorf("catalog layer %d, gotd speaks layer %d", catalog.Layer, tg.Layer)
	}
	want := make(map[string]uint32)
	for id, ctor := range tg.TypesConstructorMap() {
		obj := ctor()
		named, ok := obj.(interface{ TypeName() string })
		if !ok || !strings.HasPrefix(named.TypeName(), "auth.") {
			continue
		}
		if !strings.HasSuffix(reflect.TypeOf(obj).Elem().Name(), "Request") {
			continue // a constructor, not a method
		}
		want[named.TypeName()] = id
	}
	if len(want) != 29 {
		t.Errorf("gotd has %d auth.* methods; layer 229 has 29", len(want))
	}
	got := make(map[string]uint32)
	for _, m := range catalog.All() {
		got[m.Name] = m.ID
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("catalog methods differ from gotd's registry:\n got %v\nwant %v", got, want)
	}
	if catalog.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", catalog.Len(), len(want))
	}
}

// TestIDsMatchGotdEncoder encodes a zero value of each method's gotd request
// type and reads the constructor id from the first four bytes on the wire.
func TestIDsMatchGotdEncoder(t *testing.T) {
	for _, m := range catalog.All() {
		req, ok := zeroRequests[m.Name]
		if !ok {
			t.Errorf("%s: no request type", m.Name)
			continue
		}
		var b bin.Buffer
		// Requests with required interface fields refuse to encode a nil
		// field, but only after writing their id: the id is what we check.
		_ = req.Encode(&b)
		if len(b.Buf) < 4 {
			t.Errorf("%s: encoder wrote %d bytes", m.Name, len(b.Buf))
			continue
		}
		if id := binary.LittleEndian.Uint32(b.Buf); id != m.ID {
			t.Errorf("%s: catalog id %08x, gotd encodes %08x", m.Name, m.ID, id)
		}
		if got := "tg." + reflect.TypeOf(req).Elem().Name(); got != m.Go.Request {
			t.Errorf("%s: Go.Request %s, zero request is %s", m.Name, m.Go.Request, got)
		}
	}
}

// TestTLLine checks each TL line against the rest of the entry.
func TestTLLine(t *testing.T) {
	for _, m := range catalog.All() {
		c, err := tl.Parse(m.TL)
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if c.Name != m.Name || c.ID != m.ID || c.Result != m.Result {
			t.Errorf("%s: TL %q says %s#%08x = %s; entry says %s#%08x = %s", m.Name, m.TL, c.Name, c.ID, c.Result, m.Name, m.ID, m.Result)
		}
		if len(c.Params) != len(m.Params) {
			t.Errorf("%s: TL has %d params, entry %d", m.Name, len(c.Params), len(m.Params))
			continue
		}
		for i, p := range c.Params {
			q := m.Params[i]
			if p.Name != q.Name || p.Type != q.Type || p.Conditional() != q.Optional ||
				p.FlagField != q.FlagField || (q.Optional && p.FlagBit != q.FlagBit) {
				t.Errorf("%s: param %d: TL %s:%s, entry %+v", m.Name, i, p.Name, p.TypeString(), q)
			}
		}
	}
}

// recorder is a tg.Invoker that records what a call would put on the wire
// and fails it, so examples run without a network.
type recorder struct {
	calls     []uint32
	wire      []byte
	encodeErr error // what encoding the request said: an example must encode
}

var errRecorded = errors.New("recorded, not sent")

func (r *recorder) Invoke(_ context.Context, input bin.Encoder, _ bin.Decoder) error {
	obj, ok := input.(interface{ TypeID() uint32 })
	if !ok {
		return errors.New("input has no TypeID")
	}
	r.calls = append(r.calls, obj.TypeID())
	var b bin.Buffer
	r.encodeErr = input.Encode(&b)
	r.wire = append([]byte(nil), b.Buf...)
	return errRecorded
}

// TestExamples runs every example (the test binary only builds if they all
// compile) against a recording invoker: each must send exactly its method.
func TestExamples(t *testing.T) {
	if len(examples) != catalog.Len() {
		t.Errorf("%d examples for %d methods", len(examples), catalog.Len())
	}
	src, err := os.ReadFile("examples_gen_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range catalog.All() {
		run, ok := examples[m.Name]
		if !ok {
			t.Errorf("%s: no example", m.Name)
			continue
		}
		rec := &recorder{}
		err := run(context.Background(), tg.NewClient(rec))
		if !errors.Is(err, errRecorded) {
			t.Errorf("%s: example returned %v, want the invoker's error", m.Name, err)
		}
		if len(rec.calls) != 1 || rec.calls[0] != m.ID {
			t.Errorf("%s: example invoked %x, want exactly %08x", m.Name, rec.calls, m.ID)
		}
		if rec.encodeErr != nil {
			t.Errorf("%s: the example's request does not encode: %v", m.Name, rec.encodeErr)
		}
		if len(rec.wire) < 4 || binary.LittleEndian.Uint32(rec.wire) != m.ID {
			t.Errorf("%s: example put % x on the wire", m.Name, rec.wire)
		}
		// The compiled function must be the example the catalog shows.
		if !bytes.Contains(src, []byte(indent(m.Go.Example))) {
			t.Errorf("%s: Go.Example is not the compiled example", m.Name)
		}
		if !strings.Contains(m.Go.Example, "api."+m.Go.Method+"(ctx") {
			t.Errorf("%s: example does not call api.%s", m.Name, m.Go.Method)
		}
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" && line != "\n" {
			b.WriteString("\t")
		}
		b.WriteString(line)
	}
	return b.String()
}

func TestLookup(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"auth.bindTempAuthKey", "auth.bindTempAuthKey"},
		{"bindTempAuthKey", "auth.bindTempAuthKey"},
		{"AUTH.BINDTEMPAUTHKEY", "auth.bindTempAuthKey"},
		{"  dropTempAuthKeys ", "auth.dropTempAuthKeys"},
		{"auth.logOut", "auth.logOut"},
		{"bind", ""},
		{"auth.", ""},
		{"", ""},
		{"help.getConfig", ""},
	}
	for _, tt := range tests {
		m, ok := catalog.Lookup(tt.in)
		if ok != (tt.want != "") || m.Name != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, m.Name, ok, tt.want)
		}
	}
	m, ok := catalog.LookupID(0xcdd42a05)
	if !ok || m.Name != "auth.bindTempAuthKey" {
		t.Errorf("LookupID(cdd42a05) = %q, %v", m.Name, ok)
	}
	if _, ok := catalog.LookupID(0); ok {
		t.Errorf("LookupID(0) found a method")
	}
}

// TestBindTempAuthKey pins the entry the seeds document, field by field.
func TestBindTempAuthKey(t *testing.T) {
	m, ok := catalog.Lookup("auth.bindTempAuthKey")
	if !ok {
		t.Fatal("auth.bindTempAuthKey missing")
	}
	if want := "auth.bindTempAuthKey#cdd42a05 perm_auth_key_id:long nonce:long expires_at:int encrypted_message:bytes = Bool"; m.TL != want {
		t.Errorf("TL = %q, want %q", m.TL, want)
	}
	if !m.Bots {
		t.Error("seeds say bots can use auth.bindTempAuthKey")
	}
	if !strings.HasPrefix(m.Description, "Binds a temporary authorization key temp_auth_key_id to the permanent authorization key perm_auth_key_id.") {
		t.Errorf("description = %q", m.Description)
	}
	if len(m.Links) != 1 || m.Links[0] != "https://core.telegram.org/api/pfs" {
		t.Errorf("links = %q", m.Links)
	}
	var names []string
	for _, p := range m.Params {
		names = append(names, p.Name+":"+p.Type)
		if p.Optional {
			t.Errorf("%s is optional", p.Name)
		}
	}
	if got := strings.Join(names, " "); got != "perm_auth_key_id:long nonce:long expires_at:int encrypted_message:bytes" {
		t.Errorf("params = %s", got)
	}
	if m.Params[0].Description != "Permanent auth_key_id to bind to" {
		t.Errorf("perm_auth_key_id description = %q", m.Params[0].Description)
	}
	errs := make(map[string]int)
	for _, e := range m.Errors {
		errs[e.Type] = e.Code
	}
	for _, typ := range []string{"ENCRYPTED_MESSAGE_INVALID", "EXPIRES_AT_INVALID", "TEMP_AUTH_KEY_ALREADY_BOUND", "TEMP_AUTH_KEY_EMPTY"} {
		if errs[typ] != 400 {
			t.Errorf("error %s: code %d, want 400", typ, errs[typ])
		}
	}
	if m.Action != catalog.ActionBind || !m.Invoked() {
		t.Errorf("action = %q", m.Action)
	}
}

// TestOptionalParams checks a method with conditional parameters.
func TestOptionalParams(t *testing.T) {
	m, _ := catalog.Lookup("auth.signIn")
	want := []struct {
		name     string
		optional bool
		flag     string
	}{
		{"flags", false, ""},
		{"phone_number", false, ""},
		{"phone_code_hash", false, ""},
		{"phone_code", true, "flags.0"},
		{"email_verification", true, "flags.1"},
	}
	if len(m.Params) != len(want) {
		t.Fatalf("auth.signIn has %d params", len(m.Params))
	}
	for i, w := range want {
		p := m.Params[i]
		if p.Name != w.name || p.Optional != w.optional || p.Flag != w.flag {
			t.Errorf("param %d = %s optional=%v flag=%q; want %s %v %q", i, p.Name, p.Optional, p.Flag, w.name, w.optional, w.flag)
		}
	}
}

// TestActions checks that the methods tgpfs invokes are marked, with
// actions the UI knows.
func TestActions(t *testing.T) {
	known := map[catalog.Action]bool{
		catalog.ActionBind: true, catalog.ActionDrop: true, catalog.ActionExport: true,
		catalog.ActionLogin: true, catalog.ActionLogout: true,
	}
	want := map[string]catalog.Action{
		"auth.bindTempAuthKey":     catalog.ActionBind,
		"auth.dropTempAuthKeys":    catalog.ActionDrop,
		"auth.exportAuthorization": catalog.ActionExport,
		"auth.importAuthorization": catalog.ActionExport,
		"auth.sendCode":            catalog.ActionLogin,
		"auth.signIn":              catalog.ActionLogin,
		"auth.signUp":              catalog.ActionLogin,
		"auth.logOut":              catalog.ActionLogout,
	}
	for _, m := range catalog.All() {
		if m.Action != "" && !known[m.Action] {
			t.Errorf("%s: unknown action %q", m.Name, m.Action)
		}
		if m.Action != want[m.Name] {
			t.Errorf("%s: action %q, want %q", m.Name, m.Action, want[m.Name])
		}
	}
}

// undocumented are the methods layer 229 ships without any documentation
// (gotd's comments carry only the reference link). A method joining this
// list after a gotd upgrade should be a conscious decision.
var undocumented = map[string]bool{
	"auth.finishFirebasePnvLogin": true,
	"auth.firebasePnvSignUp":      true,
	"auth.initFirebasePnvLogin":   true,
}

// TestEntriesWellFormed checks what every entry must have.
func TestEntriesWellFormed(t *testing.T) {
	prev := ""
	for _, m := range catalog.All() {
		if m.Name <= prev {
			t.Errorf("%s after %s: not sorted", m.Name, prev)
		}
		prev = m.Name
		if m.Result == "" || m.BotsSource == "" {
			t.Errorf("%s: empty result or bots source", m.Name)
		}
		if (m.Description == "") != undocumented[m.Name] {
			t.Errorf("%s: description %q; documented methods need one, undocumented ones must not invent one", m.Name, m.Description)
		}
		if m.Reference != "https://core.telegram.org/method/"+m.Name {
			t.Errorf("%s: reference %q", m.Name, m.Reference)
		}
		for _, p := range m.Params {
			if p.Description == "" && !undocumented[m.Name] {
				t.Errorf("%s: %s has no description", m.Name, p.Name)
			}
			if strings.Contains(p.Description, " field of ") {
				t.Errorf("%s: %s has gotd's filler description %q", m.Name, p.Name, p.Description)
			}
		}
		for _, e := range m.Errors {
			if e.Code == 0 || e.Type == "" {
				t.Errorf("%s: error %+v", m.Name, e)
			}
		}
	}
}

func TestAllIsACopy(t *testing.T) {
	a := catalog.All()
	a[0].Name = "changed"
	if catalog.All()[0].Name == "changed" {
		t.Error("All exposes the catalog's slice")
	}
}
