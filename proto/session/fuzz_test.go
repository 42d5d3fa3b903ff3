package session

import (
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
)

// FuzzHandle feeds arbitrary decrypted message bodies to the service
// message walker: errors are fine, panics and runaway recursion are not.
func FuzzHandle(f *testing.F) {
	enc := func(e bin.Encoder) []byte {
		var b bin.Buffer
		if err := e.Encode(&b); err != nil {
			f.Fatal(err)
		}
		return b.Buf
	}
	f.Add(enc(&mt.NewSessionCreated{FirstMsgID: 1, UniqueID: 2, ServerSalt: 3}))
	f.Add(enc(&mt.BadServerSalt{BadMsgID: 8, ErrorCode: 48, NewServerSalt: 9}))
	f.Add(enc(&mt.MsgsAck{MsgIDs: []int64{1, 2}}))
	f.Add(enc(&proto.Result{RequestMessageID: 8, Result: enc(&mt.RPCError{ErrorCode: 400, ErrorMessage: "X"})}))
	f.Add(enc(&proto.MessageContainer{Messages: []proto.Message{{ID: 1, SeqNo: 1, Bytes: 4, Body: []byte{1, 2, 3, 4}}}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		s := &Session{}
		r := reader{s: s, want: 8}
		_ = r.handle(1, 1, body)
		if r.done && r.resend {
			t.Fatal("a message both answered and asked for a resend")
		}
	})
}
