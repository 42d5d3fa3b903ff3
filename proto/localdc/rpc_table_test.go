package localdc

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

// Every entry of the method table is a real API method of gotd's layer,
// served by a handler, and only the three methods the PFS rules allow are
// open to an unbound temporary key.
func TestMethodTable(t *testing.T) {
	table, err := newMethodTable(features()...)
	if err != nil {
		t.Fatal(err)
	}
	ctors := tg.TypesConstructorMap()
	var unbound []string
	for id, m := range table {
		if id != m.id {
			t.Errorf("%s is filed under %#08x", methodName(m.id), id)
		}
		newObj, ok := ctors[id]
		if !ok {
			t.Errorf("%#08x is not a constructor of layer %d", id, tg.Layer)
			continue
		}
		if name := reflect.TypeOf(newObj()).Elem().Name(); !strings.HasSuffix(name, "Request") {
			t.Errorf("%s (%s) is a type, not a method", methodName(id), name)
		}
		if m.unbound {
			unbound = append(unbound, methodName(id))
		}
	}
	slices.Sort(unbound)
	want := []string{methodName(tg.AuthBindTempAuthKeyRequestTypeID), methodName(tg.HelpGetConfigRequestTypeID), methodName(tg.HelpGetNearestDCRequestTypeID)}
	slices.Sort(want)
	if !slices.Equal(unbound, want) {
		t.Fatalf("methods open to an unbound temporary key: %v, want %v", unbound, want)
	}
}

func TestMethodTableRefusesDuplicatesAndMissingHandlers(t *testing.T) {
	ok := func(*serverConn, inMsg, *bin.Buffer) (bin.Encoder, *tgerr.Error) { return &tg.BoolTrue{}, nil }
	if _, err := newMethodTable(helpMethods, []method{{id: tg.HelpGetConfigRequestTypeID, serve: ok}}); err == nil {
		t.Fatal("a second entry for help.getConfig was accepted")
	}
	if _, err := newMethodTable([]method{{id: tg.UpdatesGetStateRequestTypeID}}); err == nil {
		t.Fatal("an entry without a handler was accepted")
	}
}

// A method the DC does not serve gets one answer, 400 INPUT_METHOD_INVALID,
// logged in or not, and an event that names it; a constructor no layer
// gotd knows is named by its id.
func TestMethodNotServed(t *testing.T) {
	c := startCluster(t, Config{})
	events := recordEvents(t, c)
	p := newPFSClient(t, c, 1, time.Hour)
	p.mustBind(t)

	var garbage bin.Buffer
	garbage.PutID(0xdeadbeef)
	garbage.PutInt(7)
	calls := []struct {
		name string
		body []byte
		want string // in the event
	}{
		{"updates.getState before login", encode(t, &tg.UpdatesGetStateRequest{}), methodName(tg.UpdatesGetStateRequestTypeID)},
		{"an unknown constructor", garbage.Buf, "#deadbeef"},
		{"updates.getState wrapped", encode(t, withLayer(200, &tg.UpdatesGetStateRequest{})), methodName(tg.UpdatesGetStateRequestTypeID)},
	}
	check := func(t *testing.T, body []byte, want string) {
		t.Helper()
		id, _ := p.nextMsg(true)
		if a := p.callWithID(id, body); a.errType() != "INPUT_METHOD_INVALID" || a.rpcErr.Code != 400 {
			t.Fatalf("got %+v, want 400 INPUT_METHOD_INVALID", a)
		}
		ev := events.waitFor(t, "the not-served event", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvRPCError && strings.HasPrefix(ev.Detail, want+": 400 INPUT_METHOD_INVALID")
		})
		if !strings.Contains(ev.Detail, "not served by the local DC") || ev.KeyID != model.KeyID(p.temp.IntID()) {
			t.Fatalf("event %+v", ev)
		}
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.body, tt.want) })
	}
	signUp(t, p.rawClient, "9996610077")
	t.Run("updates.getState logged in", func(t *testing.T) {
		check(t, encode(t, &tg.UpdatesGetStateRequest{}), methodName(tg.UpdatesGetStateRequestTypeID))
	})
}

// A method served only in some layers is refused, with an event naming
// the constructor and the layer, when the client named another.
func TestMethodOutsideItsLayers(t *testing.T) {
	fc := newFuzzConn(t)
	served := 0
	table, err := newMethodTable([]method{{id: tg.HelpGetNearestDCRequestTypeID, unbound: true, layers: layerRange{from: 150, to: 200},
		serve: func(*serverConn, inMsg, *bin.Buffer) (bin.Encoder, *tgerr.Error) {
			served++
			return &tg.NearestDC{}, nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	fc.s.c.methods = table
	body := encode(t, &tg.HelpGetNearestDCRequest{})
	m := inMsg{key: fc.temp, sess: &session{id: 1}, msgID: int64(proto.NewMessageID(time.Now(), proto.MessageFromClient)), seqNo: 1, body: body}
	for _, tt := range []struct {
		layer int
		ok    bool
	}{{0, true}, {150, true}, {200, true}, {149, false}, {201, false}} {
		fc.s.layer = tt.layer
		before := served
		_, rerr, detail := fc.s.api(m, tg.HelpGetNearestDCRequestTypeID, &bin.Buffer{Buf: body})
		if tt.ok != (rerr == nil) || tt.ok != (served == before+1) {
			t.Fatalf("layer %d: err %v, served %v; want served %v", tt.layer, rerr, served > before, tt.ok)
		}
		if !tt.ok && (rerr.Message != "INPUT_METHOD_INVALID" || !strings.Contains(detail, fmt.Sprintf("#%08x", tg.HelpGetNearestDCRequestTypeID)) ||
			!strings.Contains(detail, "layers 150..200") || !strings.Contains(detail, "layer "+strconv.Itoa(tt.layer))) {
			t.Fatalf("layer %d: %v (%s)", tt.layer, rerr, detail)
		}
	}
}
