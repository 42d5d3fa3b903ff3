package localdc

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
)

func TestSessionMsgIDRules(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	id := func(at time.Time) int64 { return int64(proto.NewMessageID(at, proto.MessageFromClient)) }
	full := &session{}
	for i := range recentMsgIDs {
		full.remember(id(now) + int64(i+1)*4)
	}
	tests := []struct {
		name string
		s    *session
		id   int64
		want int
	}{
		{"fresh", &session{}, id(now), 0},
		{"low bits", &session{}, id(now) | 1, badMsgIDLowBits},
		{"server-type id", &session{}, id(now) + 3, badMsgIDLowBits},
		{"too far in the past", &session{}, id(now.Add(-301 * time.Second)), badMsgIDTooLow},
		{"too far in the future", &session{}, id(now.Add(31 * time.Second)), badMsgIDTooHigh},
		{"inside the window", &session{}, id(now.Add(-299 * time.Second)), 0},
		{"duplicate", full, id(now) + 8, -1},
		{"older than every remembered id", full, id(now) - 4000, badMsgIDTooOld},
		{"newer than the remembered ids", full, id(now) + 4*(recentMsgIDs+10), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.checkMsgID(tt.id, now); got != tt.want {
				t.Fatalf("checkMsgID = %d, want %d", got, tt.want)
			}
		})
	}
}

func permClient(t *testing.T, c *Cluster) *rawClient {
	t.Helper()
	rc := dialRaw(t, c.Addr(1))
	rc.mustExchange(1, 0)
	return rc
}

func TestBadMsgNotifications(t *testing.T) {
	c := startCluster(t, Config{})
	rc := permClient(t, c)
	cfg := encode(t, &tg.HelpGetConfigRequest{})
	now := time.Now()
	newID := func(at time.Time) int64 { return int64(proto.NewMessageID(at, proto.MessageFromClient)) }

	tests := []struct {
		name  string
		msgID int64
		seq   int32
		body  []byte
		want  int
	}{
		{"msg_id not divisible by 4", newID(now) + 2, 1, cfg, badMsgIDLowBits},
		{"msg_id too low", newID(now.Add(-10 * time.Minute)), 1, cfg, badMsgIDTooLow},
		{"msg_id too high", newID(now.Add(time.Minute)), 1, cfg, badMsgIDTooHigh},
		{"even seqno on a query", 0, 2, cfg, badSeqNoOddExpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.msgID
			if id == 0 {
				id, _ = rc.nextMsg(false)
			}
			if a := rc.roundTrip(rc.salt, rc.sess, id, tt.seq, tt.body); a.badMsg != tt.want {
				t.Fatalf("got %+v, want bad_msg_notification %d", a, tt.want)
			}
		})
	}

	t.Run("wrong salt", func(t *testing.T) {
		id, seq := rc.nextMsg(true)
		a := rc.roundTrip(rc.salt+1, rc.sess, id, seq, cfg)
		if a.badMsg != badServerSalt || a.newSalt != rc.salt {
			t.Fatalf("got %+v, want bad_server_salt with the key's salt", a)
		}
		// Re-sent with the salt it was given, it goes through.
		id, seq = rc.nextMsg(true)
		var conf tg.Config
		rc.roundTrip(a.newSalt, rc.sess, id, seq, cfg).decode(t, &conf)
	})

	t.Run("replayed msg_id is ignored", func(t *testing.T) {
		id, seq := rc.nextMsg(true)
		var conf tg.Config
		rc.roundTrip(rc.salt, rc.sess, id, seq, cfg).decode(t, &conf)
		rc.sendRaw(rc.salt, rc.sess, id, seq, cfg)
		rc.skipped = nil
		rc.call(&mt.PingRequest{PingID: 5})
		for _, m := range rc.skipped {
			var r proto.Result
			if b := (&bin.Buffer{Buf: m.Data()}); r.Decode(b) == nil && r.RequestMessageID == id {
				t.Fatal("the replayed message was answered")
			}
		}
	})

	t.Run("container reusing an earlier msg_id", func(t *testing.T) {
		id, seq := rc.nextMsg(true)
		var conf tg.Config
		rc.roundTrip(rc.salt, rc.sess, id, seq, cfg).decode(t, &conf)
		var cont bin.Buffer
		_ = (&proto.MessageContainer{}).Encode(&cont)
		if a := rc.roundTrip(rc.salt, rc.sess, id, seq+1, cont.Buf); a.badMsg != badMsgIDDuplicate {
			t.Fatalf("got %+v, want 19", a)
		}
	})

	t.Run("nested container", func(t *testing.T) {
		innerID, _ := rc.nextMsg(false)
		var inner bin.Buffer
		_ = (&proto.MessageContainer{}).Encode(&inner)
		var outer bin.Buffer
		_ = (&proto.MessageContainer{Messages: []proto.Message{{ID: innerID, SeqNo: 0, Bytes: inner.Len(), Body: inner.Buf}}}).Encode(&outer)
		id, _ := rc.nextMsg(false)
		rc.sendRaw(rc.salt, rc.sess, id, 0, outer.Buf)
		if a := rc.await(innerID); a.badMsg != badContainer {
			t.Fatalf("got %+v, want 64", a)
		}
	})

	t.Run("container inner msg_id not below the container's", func(t *testing.T) {
		id, _ := rc.nextMsg(false)
		innerID, seq := rc.nextMsg(true)
		var cont bin.Buffer
		_ = (&proto.MessageContainer{Messages: []proto.Message{{ID: innerID, SeqNo: int(seq), Bytes: len(cfg), Body: cfg}}}).Encode(&cont)
		rc.sendRaw(rc.salt, rc.sess, id, 0, cont.Buf)
		if a := rc.await(innerID); a.badMsg != badContainer {
			t.Fatalf("got %+v, want 64", a)
		}
	})
}

func TestContainersGzipAndNewSession(t *testing.T) {
	c := startCluster(t, Config{})
	rc := permClient(t, c)

	// The first message of a session gets new_session_created naming it.
	id, seq := rc.nextMsg(true)
	rc.skipped = nil
	var conf tg.Config
	rc.roundTrip(rc.salt, rc.sess, id, seq, encode(t, &tg.HelpGetConfigRequest{})).decode(t, &conf)
	created := 0
	for _, m := range rc.skipped {
		var n mt.NewSessionCreated
		if n.Decode(&bin.Buffer{Buf: m.Data()}) == nil {
			created++
			if n.FirstMsgID != id || n.ServerSalt != rc.salt {
				t.Fatalf("new_session_created %+v", n)
			}
		}
	}
	if created != 1 {
		t.Fatalf("%d new_session_created for a new session, want 1", created)
	}
	rc.skipped = nil
	rc.call(&tg.HelpGetNearestDCRequest{}).decode(t, &tg.NearestDC{})
	for _, m := range rc.skipped {
		if (&mt.NewSessionCreated{}).Decode(&bin.Buffer{Buf: m.Data()}) == nil {
			t.Fatal("new_session_created again in the same session")
		}
	}

	// Two queries in a container, one of them gzip_packed: both answered.
	a, aseq := rc.nextMsg(true)
	b, bseq := rc.nextMsg(true)
	var gz bin.Buffer
	_ = (proto.GZIP{Data: encode(t, &tg.HelpGetNearestDCRequest{})}).Encode(&gz)
	cfg := encode(t, &tg.HelpGetConfigRequest{})
	var cont bin.Buffer
	_ = (&proto.MessageContainer{Messages: []proto.Message{
		{ID: a, SeqNo: int(aseq), Bytes: len(cfg), Body: cfg},
		{ID: b, SeqNo: int(bseq), Bytes: gz.Len(), Body: gz.Buf},
	}}).Encode(&cont)
	cid, _ := rc.nextMsg(false)
	rc.sendRaw(rc.salt, rc.sess, cid, bseq+1, cont.Buf)
	rc.await(a).decode(t, &conf)
	var near tg.NearestDC
	rc.await(b).decode(t, &near)
	if near.ThisDC != 1 {
		t.Fatalf("nearest dc %+v", near)
	}

	// get_future_salts names the key's salt.
	var fs mt.FutureSalts
	if err := fs.Decode(&bin.Buffer{Buf: rc.call(&mt.GetFutureSaltsRequest{Num: 2}).service}); err != nil || len(fs.Salts) == 0 || fs.Salts[0].Salt != rc.salt {
		t.Fatalf("future salts %+v, %v", fs, err)
	}
}

func TestPingDelayDisconnectClosesConnection(t *testing.T) {
	c := startCluster(t, Config{})
	rc := permClient(t, c)
	rc.call(&mt.PingDelayDisconnectRequest{PingID: 1, DisconnectDelay: 1})
	// Nothing more is sent: the DC closes the connection. (The bound here
	// is a hang guard, not a timing assertion.)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b bin.Buffer
	if err := rc.conn.Recv(ctx, &b); err == nil || ctx.Err() != nil {
		t.Fatalf("connection still open: %v", err)
	}
}

func TestUnknownKeyGets404AndKeepsOthersWorking(t *testing.T) {
	c := startCluster(t, Config{})
	rc := permClient(t, c)
	var k crypto.Key
	_, _ = rand.Read(k[:])
	good := rc.key
	rc.key = k.WithID()
	if a := rc.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("unknown key: %+v, want -404", a)
	}
	rc.key = good
	rc.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
}

// destroy_session is answered with destroy_session_ok (or _none) as a
// message of its own, as Telegram answers it (mtcute, Telethon and tdlib
// read it so; in rpc_result, mtcute logs an error for it).
func TestDestroySessionAnsweredDirectly(t *testing.T) {
	c := startCluster(t, Config{})
	rc := quickClient(t, c, 1)
	mine := rc.sess
	rc.sess = mine + 1 // another session of the same key
	rc.call(&mt.PingRequest{PingID: 1})
	rc.sess = mine
	for _, tt := range []struct {
		session int64
		ok      bool
	}{{mine + 1, true}, {mine + 1, false}, {mine + 2, false}} {
		rc.skipped = nil
		a := rc.call(&mt.DestroySessionRequest{SessionID: tt.session})
		var r mt.DestroySessionResBox
		if err := r.Decode(&bin.Buffer{Buf: a.service}); err != nil {
			t.Fatalf("destroy_session %d: %+v, %v, want a message of its own", tt.session, a, err)
		}
		_, ok := r.DestroySessionRes.(*mt.DestroySessionOk)
		if ok != tt.ok || r.DestroySessionRes.GetSessionID() != tt.session {
			t.Fatalf("destroy_session %d: %T, want ok %v", tt.session, r.DestroySessionRes, tt.ok)
		}
	}
}
