package localdc

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
	"tgpfs/proto/localdc/tlayer"
)

// Every entry of the method table is a real API method of gotd's layer,
// read by tlayer, served by a handler, and only the three methods the PFS rules allow are
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
		// Every call is read through tlayer first: a method it does not
		// read could never reach its handler.
		if info, ok := tlayer.Lookup(id); !ok || !info.Served || !info.Method {
			t.Errorf("%s is not a method tlayer reads (%+v)", methodName(id), info)
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
// logged in or not, in any layer, and an event that names it. An id that is
// no method of the client's layer is answered as Telegram answers it,
// INPUT_METHOD_INVALID_<id>_0, and the event names it by its id.
func TestMethodNotServed(t *testing.T) {
	c := startCluster(t, Config{})
	events := recordEvents(t, c)
	p := newPFSClient(t, c, 1, time.Hour)
	p.mustBind(t)

	var garbage bin.Buffer
	garbage.PutID(0xdeadbeef)
	garbage.PutInt(7)
	dialogs := &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 10}
	notServed := func(id uint32) [3]string {
		return [3]string{"INPUT_METHOD_INVALID", methodName(id) + ": 400 INPUT_METHOD_INVALID", "not served by the local DC"}
	}
	calls := []struct {
		name string
		body []byte
		want [3]string // the error, the event's start, something the event says
	}{
		{"messages.getDialogs before login", encode(t, dialogs), notServed(tg.MessagesGetDialogsRequestTypeID)},
		{"messages.getDialogs in layer 144", encode(t, withLayer(144, dialogs)), notServed(tg.MessagesGetDialogsRequestTypeID)},
		{"an unknown constructor", garbage.Buf, [3]string{"INPUT_METHOD_INVALID_3735928559_0", "#deadbeef: 400 INPUT_METHOD_INVALID_3735928559_0", "unknown method #deadbeef"}},
		{"help.getPromoData wrapped", encode(t, withLayer(200, &tg.HelpGetPromoDataRequest{})), notServed(tg.HelpGetPromoDataRequestTypeID)},
	}
	check := func(t *testing.T, body []byte, want [3]string) {
		t.Helper()
		id, _ := p.nextMsg(true)
		if a := p.callWithID(id, body); a.errType() != want[0] || a.rpcErr.Code != 400 {
			t.Fatalf("got %+v, want 400 %s", a, want[0])
		}
		ev := events.waitFor(t, "the not-served event", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvRPCError && strings.HasPrefix(ev.Detail, want[1])
		})
		if !strings.Contains(ev.Detail, want[2]) || ev.KeyID != model.KeyID(p.temp.IntID()) {
			t.Fatalf("event %+v, want it to say %q", ev, want[2])
		}
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.body, tt.want) })
	}
	signUp(t, p.rawClient, "9996610077")
	t.Run("messages.getDialogs logged in", func(t *testing.T) {
		check(t, encode(t, dialogs), notServed(tg.MessagesGetDialogsRequestTypeID))
	})
}
