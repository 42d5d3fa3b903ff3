package localdc

import (
	"crypto/aes"
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
)

// The leniencies of doc.go, each with the frame a real client sends, and
// the PFS rules that do not move beside them.

// badMsgsFor lists the bad_msg_notification codes the client got for id
// among the messages it has read so far.
func badMsgsFor(rc *rawClient, id int64) []int {
	var codes []int
	for _, m := range rc.skipped {
		var n mt.BadMsgNotification
		if n.Decode(&bin.Buffer{Buf: m.Data()}) == nil && n.BadMsgID == id {
			codes = append(codes, n.ErrorCode)
		}
	}
	return codes
}

// mtcute 0.30 writes every message but a container with its session's
// content-related seqno (writeMessage's default), so its msgs_ack,
// msgs_state_req and msg_resend_req carry odd seqnos: alone in a frame
// when there is nothing else to send, or with its queries in a container
// whose own seqno is even. Telegram takes them; so does the DC, and the
// session goes on.
func TestLeniencyOddSeqnoServiceMessages(t *testing.T) {
	c := startCluster(t, Config{})
	rc := quickClient(t, c, 1)
	rc.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{}) // something to ack

	t.Run("msgs_ack alone", func(t *testing.T) {
		id, seq := rc.nextMsg(true) // odd, as mtcute sends it
		rc.sendRaw(rc.salt, rc.sess, id, seq, encode(t, &mt.MsgsAck{MsgIDs: []int64{rc.skipped[len(rc.skipped)-1].MessageID}}))
		rc.skipped = nil
		rc.call(&mt.PingRequest{PingID: 1}) // the next thing the DC says about the session
		if codes := badMsgsFor(rc, id); len(codes) != 0 {
			t.Fatalf("bad_msg_notification %v for an odd-seqno msgs_ack", codes)
		}
	})
	t.Run("in a container with a query", func(t *testing.T) {
		ack, ackSeq := rc.nextMsg(true)
		state, stateSeq := rc.nextMsg(true)
		resend, resendSeq := rc.nextMsg(true)
		call, callSeq := rc.nextMsg(true)
		cont, contSeq := rc.nextMsg(false)
		bodies := [][]byte{
			encode(t, &mt.MsgsAck{MsgIDs: []int64{1}}),
			encode(t, &mt.MsgsStateReq{MsgIDs: []int64{1}}),
			encode(t, &mt.MsgResendReq{MsgIDs: []int64{1}}),
			encode(t, &tg.HelpGetNearestDCRequest{}),
		}
		var box bin.Buffer
		_ = (&proto.MessageContainer{Messages: []proto.Message{
			{ID: ack, SeqNo: int(ackSeq), Bytes: len(bodies[0]), Body: bodies[0]},
			{ID: state, SeqNo: int(stateSeq), Bytes: len(bodies[1]), Body: bodies[1]},
			{ID: resend, SeqNo: int(resendSeq), Bytes: len(bodies[2]), Body: bodies[2]},
			{ID: call, SeqNo: int(callSeq), Bytes: len(bodies[3]), Body: bodies[3]},
		}}).Encode(&box)
		rc.skipped = nil
		rc.sendRaw(rc.salt, rc.sess, cont, contSeq, box.Buf)
		rc.await(call).decode(t, &tg.NearestDC{})
		for _, id := range []int64{ack, state, resend, cont} {
			if codes := badMsgsFor(rc, id); len(codes) != 0 {
				t.Fatalf("bad_msg_notification %v in mtcute's container", codes)
			}
		}
	})
	t.Run("a container with an odd seqno", func(t *testing.T) {
		call, callSeq := rc.nextMsg(true)
		cont, contSeq := rc.nextMsg(true)
		body := encode(t, &tg.HelpGetNearestDCRequest{})
		var box bin.Buffer
		_ = (&proto.MessageContainer{Messages: []proto.Message{{ID: call, SeqNo: int(callSeq), Bytes: len(body), Body: body}}}).Encode(&box)
		rc.skipped = nil
		rc.sendRaw(rc.salt, rc.sess, cont, contSeq, box.Buf)
		rc.await(call).decode(t, &tg.NearestDC{})
		if codes := badMsgsFor(rc, cont); len(codes) != 0 {
			t.Fatalf("bad_msg_notification %v for an odd-seqno container", codes)
		}
	})
}

// Service queries are answered whatever their seqno's parity (Telegram
// Web K sends ping_delay_disconnect with both, as piltover notes).
func TestLeniencyServiceQueriesAnyParity(t *testing.T) {
	c := startCluster(t, Config{})
	rc := quickClient(t, c, 1)
	for _, tt := range []struct {
		name string
		body bin.Encoder
	}{
		{"ping", &mt.PingRequest{PingID: 3}},
		{"ping_delay_disconnect", &mt.PingDelayDisconnectRequest{PingID: 4, DisconnectDelay: 75}},
		{"get_future_salts", &mt.GetFutureSaltsRequest{Num: 1}},
	} {
		for _, content := range []bool{false, true} {
			id, seq := rc.nextMsg(content)
			if a := rc.roundTrip(rc.salt, rc.sess, id, seq, encode(t, tt.body)); a.service == nil {
				t.Fatalf("%s with seqno %d: %+v, want its answer", tt.name, seq, a)
			}
		}
	}
	id, seq := rc.nextMsg(false)
	var r mt.DestroySessionResBox
	a := rc.roundTrip(rc.salt, rc.sess, id, seq, encode(t, &mt.DestroySessionRequest{SessionID: 99}))
	if err := r.Decode(&bin.Buffer{Buf: a.service}); err != nil {
		t.Fatalf("destroy_session with an even seqno: %+v, %v", a, err)
	}
	if _, ok := r.DestroySessionRes.(*mt.DestroySessionNone); !ok {
		t.Fatalf("destroy_session of an unknown session: %T", r.DestroySessionRes)
	}
}

// The DC does not track seqnos across a session, so it never says 32 or
// 33: a client that restarts its counter in a session it reuses (a restart
// that kept the session id) goes on being served.
func TestLeniencySeqnoNotTracked(t *testing.T) {
	c := startCluster(t, Config{})
	rc := quickClient(t, c, 1)
	for range 3 {
		rc.call(&tg.HelpGetNearestDCRequest{}).decode(t, &tg.NearestDC{})
	}
	rc.seq = 0 // the counter starts again, the session does not
	rc.call(&tg.HelpGetNearestDCRequest{}).decode(t, &tg.NearestDC{})
}

// Any padding after client_DH_inner_data is taken, not only the spec's
// 0..15 bytes: the data is decoded first and its SHA1 checked over exactly
// what it took.
func TestLeniencyClientDHPadding(t *testing.T) {
	key, iv := make([]byte, 32), make([]byte, 32)
	inner := encode(t, &mt.ClientDHInnerData{GB: []byte{1, 2, 3}})
	for _, pad := range []int{0, 15, 16, 47} {
		plain, _ := crypto.DataWithHash(inner, rand.Reader)
		plain = plain[:20+len(inner)]
		plain = append(plain, make([]byte, pad)...)
		plain = append(plain, make([]byte, (16-len(plain)%16)%16)...)
		block, _ := aes.NewCipher(key)
		enc := make([]byte, len(plain))
		ige.EncryptBlocks(block, iv, enc, plain)
		if _, err := openClientDHInner(enc, key, iv); err != nil {
			t.Fatalf("%d bytes of padding: %v", pad, err)
		}
	}
}

// What does not move: an API call with an even seqno is 35, as Telegram
// answers it; and a method, served or not, in any layer, is still 401
// AUTH_KEY_PERM_EMPTY on an unbound temporary key, like every method but
// the bind and the two help methods.
func TestLeniencyKeepsTheRules(t *testing.T) {
	c := startCluster(t, Config{})
	p := newPFSClient(t, c, 1, time.Hour)
	id, _ := p.nextMsg(false)
	if a := p.roundTrip(p.salt, p.sess, id, 2, encode(t, &tg.HelpGetConfigRequest{})); a.badMsg != badSeqNoOddExpected {
		t.Fatalf("help.getConfig with an even seqno: %+v, want bad_msg_notification 35", a)
	}
	dialogs := &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 1}
	for _, req := range []bin.Encoder{&tg.UpdatesGetStateRequest{}, &tg.AccountUpdateStatusRequest{}, dialogs, withLayer(144, dialogs)} {
		if got := p.call(req).errType(); got != "AUTH_KEY_PERM_EMPTY" {
			t.Fatalf("%T on an unbound temporary key: %q, want AUTH_KEY_PERM_EMPTY", req, got)
		}
	}
	p.mustBind(t)
	if got := p.call(dialogs).errType(); got != "INPUT_METHOD_INVALID" {
		t.Fatalf("messages.getDialogs once bound: %q", got)
	}
	if got := p.call(&tg.UpdatesGetStateRequest{}).errType(); got != "AUTH_KEY_UNREGISTERED" {
		t.Fatalf("updates.getState once bound, not logged in: %q", got)
	}
}

// Every test the leniency table of doc.go names exists, so the table
// cannot point at a test that was renamed or removed.
func TestDocNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*_test.go")
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	names := regexp.MustCompile(`\bTest[A-Z]\w+`).FindAllString(string(doc), -1)
	if len(names) < 10 {
		t.Fatalf("doc.go names %d tests", len(names))
	}
	for _, name := range names {
		if !strings.Contains(src.String(), "func "+name+"(t *testing.T)") {
			t.Errorf("doc.go names %s, which is not a test of this package", name)
		}
	}
}
