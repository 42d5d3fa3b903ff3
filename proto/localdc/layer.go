package localdc

import (
	"errors"
	"fmt"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/localdc/tlayer"
)

// How the DC speaks every layer from 133 to 229: the method table reads
// and builds gotd's layer-229 values only. A call is rewritten from the
// client's layer into 229's before anything reads it (readInLayer), and
// every answer and every pushed update is rewritten from 229 into the
// client's layer after it is built (answerInLayer, pushInLayer). Nothing
// else in the DC knows layers.

// clientLayer is the layer the client named last, 0 before it names one.
func (s *serverConn) clientLayer() int { return int(s.layer.Load()) }

// readInLayer returns the call in layer 229's form. A call that cannot be
// read in the client's layer comes back as it is, with tlayer's reason: the
// wrappers around it are the same in every layer, so the caller can still
// find the layer, initConnection and the method in it.
func (s *serverConn) readInLayer(raw []byte) ([]byte, error) {
	in, err := tlayer.AppendRequest(s.reqBuf[:0], s.clientLayer(), raw)
	if err != nil {
		return raw, err
	}
	s.reqBuf = in
	return in, nil
}

// notServed reports whether err says the call is a method of the client's
// layer that the DC does not read: one answer, 400 INPUT_METHOD_INVALID,
// as for any method the DC does not serve.
func notServed(err error) bool {
	var ue *tlayer.UnknownConstructorError
	return errors.As(err, &ue) && ue.Method && ue.Unserved
}

// refuseUnreadable answers a call that cannot be read in the client's
// layer as Telegram does (tlayer.RPCError): 400 CONNECTION_LAYER_INVALID
// for a layer below 133, INPUT_METHOD_INVALID_… for a method the layer
// lacks, INPUT_CONSTRUCTOR_INVALID_… for a constructor it lacks, and an
// event that names the id and the layer. An unbound temporary key gets
// 401 AUTH_KEY_PERM_EMPTY first, as for any method it may not call.
func (s *serverConn) refuseUnreadable(m inMsg, id uint32, err error) bin.Encoder {
	if m.key.kind == model.Temporary && s.c.boundTo(m.key) == 0 {
		if meth := s.c.methods[id]; meth == nil || !meth.unbound {
			return s.fail(m, id, rpcErr(401, "AUTH_KEY_PERM_EMPTY"), "unbound temporary key")
		}
	}
	code, msg, ok := tlayer.RPCError(err)
	if !ok {
		code, msg = 400, "INPUT_FETCH_ERROR"
	}
	return s.fail(m, id, rpcErr(code, msg), fmt.Sprintf("read in layer %d: %v", s.clientLayer(), err))
}

// answerInLayer writes the answer to method id in the client's layer.
// Where the layer lacks a constructor of the answer, the answer is built
// again with the one that layer has (olderForm); an answer that still has
// no form in the layer is a fault of the DC, said in an event and to the
// client as 500.
func (s *serverConn) answerInLayer(m inMsg, id uint32, res bin.Encoder) bin.Encoder {
	layer := s.clientLayer()
	out, err := tlayer.Result(layer, id, res)
	var nl *tlayer.NotInLayerError
	if errors.As(err, &nl) {
		if older := olderForm(res, nl); older != nil {
			out, err = tlayer.Result(layer, id, older)
		}
	}
	if err != nil {
		return s.fail(m, id, rpcErr(500, "INTERNAL"), fmt.Sprintf("the answer has no form in layer %d: %v", layer, err))
	}
	return out
}

// olderForm rebuilds an answer whose constructor nl the client's layer
// lacks with the one that layer has, as Telegram answers older clients;
// nil when there is none. This is the one place such choices are made.
func olderForm(res bin.Encoder, nl *tlayer.NotInLayerError) bin.Encoder {
	sent, ok := res.(*tg.AuthSentCode)
	if !ok {
		return nil
	}
	older := *sent
	older.Flags = 0 // gotd sets the bits again from the fields present
	switch {
	case sent.Type != nil && sent.Type.TypeName() == nl.Name:
		// Every layer has auth.sentCodeTypeSms: a code type added later
		// (SMS word or phrase, Firebase, fragment, e-mail, missed call)
		// is sent to older layers as an SMS of the same length.
		older.Type = &tg.AuthSentCodeTypeSMS{Length: codeLength(sent.Type)}
	case sent.NextType != nil && sent.NextType.TypeName() == nl.Name:
		older.NextType = nil // optional in every layer
	default:
		return nil
	}
	return &older
}

// codeLength is the length a sent code type announces, 5 when it has none.
func codeLength(t tg.AuthSentCodeTypeClass) int {
	if l, ok := t.(interface{ GetLength() int }); ok {
		return l.GetLength()
	}
	return 5
}

// pushInLayer writes an object the DC sends outside any result (an
// update) in the target connection's layer.
func pushInLayer(t liveTarget, msg bin.Encoder) (bin.Encoder, error) {
	return tlayer.Object(t.conn.clientLayer(), msg)
}
