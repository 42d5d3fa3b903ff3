package session

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

func TestRPCErrorReadBothWays(t *testing.T) {
	err := fmt.Errorf("help.getConfig: %w", NewRPCError(420, "FLOOD_WAIT_30"))
	var m *model.RPCError
	if !errors.As(err, &m) || m.Code != 420 || m.Type != "FLOOD_WAIT" || m.Argument != 30 || m.Message != "FLOOD_WAIT_30" {
		t.Fatalf("model reads %+v", m)
	}
	g, ok := tgerr.As(err)
	if !ok || g.Type != "FLOOD_WAIT" || g.Argument != 30 {
		t.Fatalf("gotd reads %+v", g)
	}
	if !tgerr.Is(err, "FLOOD_WAIT") {
		t.Fatal("tgerr.Is does not see it")
	}
	if err.Error() != "help.getConfig: "+g.Error() || m.Error() != g.Error() {
		t.Fatalf("text %q, gotd %q, model %q", err, g, m)
	}
}

func TestModelError(t *testing.T) {
	var mr *model.RPCError
	var mt *model.TransportError
	gotdRPC := fmt.Errorf("x: %w", tgerr.New(303, "PHONE_MIGRATE_4"))
	if err := ModelError(gotdRPC); !errors.As(err, &mr) || mr.Argument != 4 || err.Error() != gotdRPC.Error() {
		t.Fatalf("ModelError(tgerr) = %v (%+v)", err, mr)
	}
	if err := ModelError(&codec.ProtocolErr{Code: codec.CodeWrongDC}); !errors.As(err, &mt) || mt.Code != 444 {
		t.Fatalf("ModelError(codec) = %v", err)
	}
	for _, err := range []error{nil, errors.New("plain"), NewRPCError(400, "X"), &model.TransportError{Code: 404}} {
		if got := ModelError(err); got != err {
			t.Fatalf("ModelError(%v) = %v, want it unchanged", err, got)
		}
	}
	if err := WithRPCError(errors.New("invalid password"), 400, "PASSWORD_HASH_INVALID"); !errors.As(err, &mr) ||
		mr.Type != "PASSWORD_HASH_INVALID" || err.Error() != "invalid password" {
		t.Fatalf("WithRPCError = %v (%+v)", err, mr)
	}
}
