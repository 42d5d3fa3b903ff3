package tlayer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

var gotdTypes = tg.TypesConstructorMap()

// restrict names the types the data cuts down to the constructors the
// DC sends (gen's restrict): for them a constructor missing is no gap.
var restrict = map[string]string{
	"updates.Difference": "updates.differenceEmpty",
	"Updates":            "updateShort",
	"Update":             "updateLoginToken",
}

// gotdRoundTrip decodes b with gotd's type for its id and encodes it
// again: b must be exactly what gotd writes for the value it reads.
func gotdRoundTrip(t *testing.T, what string, b []byte) {
	t.Helper()
	mk := gotdTypes[binary.LittleEndian.Uint32(b)]
	if mk == nil {
		t.Errorf("%s: gotd has no type #%08x", what, binary.LittleEndian.Uint32(b))
		return
	}
	v := mk()
	in := &bin.Buffer{Buf: append([]byte(nil), b...)}
	if err := v.Decode(in); err != nil {
		t.Errorf("%s: gotd cannot decode it: %v", what, err)
		return
	}
	var out bin.Buffer
	if err := v.Encode(&out); err != nil {
		t.Errorf("%s: gotd cannot encode it again: %v", what, err)
		return
	}
	if !bytes.Equal(out.Buf, b[:len(b)-in.Len()]) || in.Len() != 0 {
		t.Errorf("%s: gotd reads %d of %d bytes and writes\n%x\nfor\n%x", what, len(b)-in.Len(), len(b), out.Buf, b)
	}
}

// checkIDs: every constructor in v, read in layer, has a published id of
// that layer.
func checkIDs(t *testing.T, list map[string][]publishedID, layer int, what string, v any) {
	t.Helper()
	walkObjects(v, func(o *tobj) {
		if !isPublished(list, o.name, layer, o.id) {
			t.Errorf("%s: %s#%08x is not %s's id in layer %d (published: %08x)", what, o.name, o.id, o.name, layer, idsAt(list, o.name, layer))
		}
	})
}

// TestEveryLayer is the table test of issue 11: for every layer from 133
// to 229, every constructor the DC may send (every line of 229 in the
// data, as TranscodeObject writes it, and every result of every method
// served, as TranscodeResult does) comes out in the layer's own form, and
// every request served, written from the layer's published line, reads
// as gotd's value of layer 229. The ids are checked against
// testdata/ids.txt, the values field by field.
func TestEveryLayer(t *testing.T) {
	list := published(t)
	s229 := schemaAt(t, MaxLayer)
	for layer := MinLayer; layer <= MaxLayer; layer++ {
		t.Run(strconv.Itoa(layer), func(t *testing.T) {
			sL := schemaAt(t, layer)
			t.Run("objects", func(t *testing.T) { checkObjects(t, list, s229, sL) })
			t.Run("results", func(t *testing.T) { checkResults(t, list, s229, sL) })
			t.Run("requests", func(t *testing.T) { checkRequests(t, list, s229, sL) })
		})
	}
}

// checkObjects transcodes one value of every constructor of 229.
func checkObjects(t *testing.T, list map[string][]publishedID, s229, sL *tschema) {
	g := newFiller(s229, sL)
	for _, l := range s229.byID {
		if l.method {
			continue
		}
		v := g.obj(l, 0)
		b, err := s229.writeObj(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		gotdRoundTrip(t, l.name, b)
		out, err := TranscodeObject(sL.layer, b)
		if sL.byName[l.name] == nil {
			var ne *NotInLayerError
			if !errors.As(err, &ne) {
				t.Errorf("%s: layer %d lacks it, want *NotInLayerError, got %v", l.name, sL.layer, err)
			}
			// The type is sent in this layer but the data lacks one of
			// its constructors published there.
			if len(idsAt(list, l.name, sL.layer)) > 0 && sL.byType[l.result] != nil && restrict[l.result] == "" {
				t.Errorf("%s is published in layer %d but the data lacks it", l.name, sL.layer)
			}
			continue
		}
		if !g.crosses(v) {
			continue // a field of another type there: TestFieldErrors
		}
		if err != nil {
			t.Errorf("%s: %v", l.name, err)
			continue
		}
		got, err := sL.readAll(out, l.result)
		if err != nil {
			t.Errorf("%s: the output does not read by layer %d's lines: %v", l.name, sL.layer, err)
			continue
		}
		if err := sameValue(v, s229, got, sL, l.name); err != nil {
			t.Error(err)
		}
		checkIDs(t, list, sL.layer, l.name, got)
		if sL.layer == MaxLayer && !bytes.Equal(out, b) {
			t.Errorf("%s: layer 229 changed the bytes", l.name)
		}
	}
}

// checkResults answers every method served with every constructor of its
// result type.
func checkResults(t *testing.T, list map[string][]publishedID, s229, sL *tschema) {
	g := newFiller(s229, sL)
	for _, m := range s229.byID {
		if !m.method || m.result == "X" {
			continue
		}
		mL := sL.byName[m.name]
		ctors := s229.byType[m.result]
		if e, _, ok := vectorOf(m.result); ok {
			ctors = s229.byType[e]
		}
		for _, c := range ctors {
			o := g.obj(c, 0)
			if !g.crosses(o) && mL != nil && mL.result == m.result {
				continue // checkObjects covers what cannot cross
			}
			v := any(o)
			if m.name == "users.getFullUser" {
				selfInUsers(v.(*tobj))
			}
			if _, _, ok := vectorOf(m.result); ok {
				v = []any{v}
			}
			b, err := s229.write(nil, m.result, v)
			if err != nil {
				t.Fatal(err)
			}
			what := m.name + " -> " + c.name
			out, err := TranscodeResult(sL.layer, m.id, b)
			if mL == nil {
				var ne *NotInLayerError
				if !errors.As(err, &ne) {
					t.Errorf("%s: layer %d lacks the method, want *NotInLayerError, got %v", what, sL.layer, err)
				}
				continue
			}
			want, wantS := v, s229
			var self any // the user of users.userFull, in the old userFull
			switch {
			case mL.result != m.result:
				want, self, err = adapted(t, m.result, mL.result, v, err)
				if want == nil {
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", what, err)
					continue
				}
			case err != nil:
				t.Errorf("%s: %v", what, err)
				continue
			}
			got, err := sL.readAll(out, mL.result)
			if err != nil {
				t.Errorf("%s: the output does not read by layer %d's lines: %v", what, sL.layer, err)
				continue
			}
			if self != nil {
				if err := sameValue(self, s229, got.(*tobj).f["user"], sL, what+".user"); err != nil {
					t.Error(err)
				}
				delete(got.(*tobj).f, "user")
			}
			if err := sameValue(want, wantS, got, sL, what); err != nil {
				t.Error(err)
			}
			checkIDs(t, list, sL.layer, what, got)
		}
	}
}

// selfInUsers makes users.userFull list the full user as its one user,
// as the DC answers users.getFullUser for self.
func selfInUsers(o *tobj) {
	full := o.f["full_user"].(*tobj)
	for _, u := range o.f["users"].([]any) {
		if u, ok := u.(*tobj); ok {
			u.f["id"] = full.f["id"]
		}
	}
}

// adapted returns what a result whose type changed must come out as,
// nil when the transcoding was rightly refused; self is the user the old
// userFull must carry.
func adapted(t *testing.T, from, to string, v any, err error) (want, self any, _ error) {
	t.Helper()
	o := v.(*tobj)
	switch from + " " + to {
	case "help.AppConfig JSONValue":
		if o.name == "help.appConfigNotModified" {
			var ne *NotInLayerError
			if !errors.As(err, &ne) {
				t.Errorf("help.appConfigNotModified as JSONValue: want *NotInLayerError, got %v", err)
			}
			return nil, nil, nil
		}
		return o.f["config"], nil, err
	case "auth.LoggedOut Bool":
		return &tobj{name: "boolTrue", f: map[string]any{}}, nil, err
	case "users.UserFull UserFull":
		return o.f["full_user"], o.f["users"].([]any)[0], err
	}
	t.Errorf("%s became %s: no adapter tested", from, to)
	return nil, nil, err
}

// checkRequests writes every method served in the layer's own form.
func checkRequests(t *testing.T, list map[string][]publishedID, s229, sL *tschema) {
	g := newFiller(sL, s229)
	for _, m := range sL.byID {
		if !m.method {
			continue
		}
		v := g.obj(m, 0)
		if m.name == "invokeWithLayer" {
			v.f["layer"] = int32(sL.layer)
		}
		b, err := sL.writeObj(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if s229.byName[m.name] != nil && !g.crosses(v) {
			continue // a field of another type there: TestFieldErrors
		}
		checkRequest(t, list, s229, sL, sL.layer, m.name, v, b)
		if m.name == "initConnection" {
			// The way clients send it: invokeWithLayer around it, on a
			// connection whose layer is not known yet.
			w := &tobj{name: "invokeWithLayer", f: map[string]any{"layer": int32(sL.layer), "query": v}}
			b, err := sL.writeObj(nil, w)
			if err != nil {
				t.Fatal(err)
			}
			checkRequest(t, list, s229, sL, 0, "invokeWithLayer(initConnection)", w, b)
		}
	}
}

func checkRequest(t *testing.T, list map[string][]publishedID, s229, sL *tschema, layer int, what string, v *tobj, b []byte) {
	t.Helper()
	out, err := TranscodeRequest(layer, b)
	if s229.byName[v.name] == nil {
		var ne *NotInLayerError
		if !errors.As(err, &ne) {
			t.Errorf("%s: 229 lacks it, want *NotInLayerError, got %v", what, err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !hasQueryLine(s229.byName[v.name]) {
		gotdRoundTrip(t, what, out)
	}
	got, err := s229.readAll(out, "!X")
	if err != nil {
		t.Errorf("%s: the output does not read by layer 229's lines: %v", what, err)
		return
	}
	if err := sameValue(v, sL, got, s229, what); err != nil {
		t.Error(err)
	}
	checkIDs(t, list, MaxLayer, what, got)
	if sL.layer == MaxLayer && !bytes.Equal(out, b) {
		t.Errorf("%s: layer 229 changed the bytes", what)
	}
}

func hasQueryLine(l *tline) bool {
	return len(l.fields) > 0 && l.fields[len(l.fields)-1].typ == "!X"
}
