package localdc

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
	"tgpfs/proto/localdc/tlayer"
)

// Wrapper constructors a client may put around an API call.
const (
	idInvokeWithLayer      = 0xda9b0d0d
	idInitConnection       = 0xc1cd5ea9
	idInvokeWithoutUpdates = 0xbf9459b7
	idInvokeAfterMsg       = 0xcb9f372d
	idInvokeAfterMsgs      = 0x3dc4b4f0
	maxWrapDepth           = 8
)

// rawQuery captures the query argument of a wrapper: it is the last field,
// so it is everything left in the buffer.
type rawQuery struct{ body []byte }

func (q *rawQuery) Decode(b *bin.Buffer) error {
	q.body = append([]byte(nil), b.Buf...)
	b.Skip(b.Len())
	return nil
}
func (q *rawQuery) Encode(b *bin.Buffer) error { b.Put(q.body); return nil }

// unwrap peels invokeWithLayer, initConnection, invokeWithoutUpdates and
// invokeAfterMsg(s) off a call, remembering the layer the client named.
func (s *serverConn) unwrap(body []byte) ([]byte, error) {
	for range maxWrapDepth {
		b := &bin.Buffer{Buf: body}
		id, err := b.PeekID()
		if err != nil {
			return nil, err
		}
		switch id {
		case idInvokeWithLayer:
			_ = b.ConsumeID(id)
			layer, err := b.Int()
			if err != nil {
				return nil, fmt.Errorf("invokeWithLayer: %w", err)
			}
			s.layer.Store(int32(layer))
			body = b.Buf
		case idInitConnection:
			q := &rawQuery{}
			r := tg.InitConnectionRequest{Query: q}
			if err := r.Decode(b); err != nil {
				return nil, fmt.Errorf("initConnection: %w", err)
			}
			s.noteInit(&r)
			s.observeInit(&r)
			body = q.body
		case idInvokeWithoutUpdates:
			_ = b.ConsumeID(id)
			body = b.Buf
		case idInvokeAfterMsg:
			_ = b.ConsumeID(id)
			if _, err := b.Long(); err != nil {
				return nil, fmt.Errorf("invokeAfterMsg: %w", err)
			}
			body = b.Buf
		case idInvokeAfterMsgs:
			_ = b.ConsumeID(id)
			n, err := b.VectorHeader()
			if err != nil {
				return nil, fmt.Errorf("invokeAfterMsgs: %w", err)
			}
			for range n {
				if _, err := b.Long(); err != nil {
					return nil, fmt.Errorf("invokeAfterMsgs: %w", err)
				}
			}
			body = b.Buf
		default:
			return body, nil
		}
	}
	return nil, errors.New("too many nested wrappers")
}

// rpcErr builds an RPC error answer.
func rpcErr(code int, msg string) *tgerr.Error { return tgerr.New(code, msg) }

// method is one API method a DC serves: an entry of the method table.
type method struct {
	id uint32 // the method's constructor id
	// unbound: an unbound temporary key may call it. Only the bind and
	// the two help methods a client needs before binding may be
	// (https://core.telegram.org/api/pfs); anything else on an unbound
	// temporary key is 401 AUTH_KEY_PERM_EMPTY.
	unbound bool
	// serve reads the call in layer 229 (gotd's tg types) whatever layer
	// the client named: the call path transcodes it first (layer.go),
	// and the answer after.
	serve handler
}

// handler serves one decoded-on-demand call: b holds the method's body,
// constructor id first.
type handler func(s *serverConn, m inMsg, b *bin.Buffer) (bin.Encoder, *tgerr.Error)

// decoded wraps a handler of a typed request: the body is decoded into R
// first, and a body that does not decode is 400 INPUT_FETCH_ERROR.
func decoded[R any, P interface {
	*R
	bin.Decoder
}](serve func(s *serverConn, m inMsg, r P) (bin.Encoder, *tgerr.Error)) handler {
	return func(s *serverConn, m inMsg, b *bin.Buffer) (bin.Encoder, *tgerr.Error) {
		r := P(new(R))
		if err := r.Decode(b); err != nil {
			return nil, rpcErr(400, "INPUT_FETCH_ERROR")
		}
		return serve(s, m, r)
	}
}

// noParams wraps a Cluster method that serves a call without parameters:
// the body is not read.
func noParams(serve func(c *Cluster, d *dcServer, m inMsg) (bin.Encoder, *tgerr.Error)) handler {
	return func(s *serverConn, m inMsg, _ *bin.Buffer) (bin.Encoder, *tgerr.Error) {
		return serve(s.c, s.d, m)
	}
}

// methodTable is the DC's API: constructor id -> method. Each feature
// contributes its methods from its own file (a slice of method), and the
// table is built once when the cluster starts.
type methodTable map[uint32]*method

// features lists every file's methods. A new feature adds its slice here.
func features() [][]method {
	return [][]method{pfsMethods, helpMethods, accountMethods, authorizationMethods, loginTokenMethods, passwordMethods, startupMethods}
}

// newMethodTable builds the table; two entries for one constructor id are
// a programming error, reported rather than one silently shadowing the
// other.
func newMethodTable(sets ...[]method) (methodTable, error) {
	t := make(methodTable)
	for _, set := range sets {
		for i := range set {
			m := &set[i]
			if m.serve == nil {
				return nil, fmt.Errorf("method %s has no handler", methodName(m.id))
			}
			if _, dup := t[m.id]; dup {
				return nil, fmt.Errorf("method %s is in the table twice", methodName(m.id))
			}
			t[m.id] = m
		}
	}
	return t, nil
}

// call answers one API call. An RPC error is returned as an rpc_error
// result; only a failure to write closes the connection. A nil result
// without an error: a scenario answered the call otherwise.
//
// The call is read in the client's layer and rewritten into 229's before
// anything looks at it, and the answer is written back in that layer
// (layer.go): this is the one place where layers are handled.
func (s *serverConn) call(m inMsg, b *bin.Buffer) (bin.Encoder, error) {
	in, terr := s.readInLayer(b.Buf)
	body, err := s.unwrap(in)
	if err != nil {
		if terr != nil {
			return s.refuseUnreadable(m, 0, terr), nil
		}
		return s.fail(m, 0, rpcErr(400, "INPUT_FETCH_ERROR"), err.Error()), nil
	}
	req := &bin.Buffer{Buf: body}
	id, err := req.PeekID()
	if err != nil {
		return s.fail(m, 0, rpcErr(400, "INPUT_FETCH_ERROR"), "empty query"), nil
	}
	if terr != nil && !notServed(terr) {
		return s.refuseUnreadable(m, id, terr), nil
	}
	if res, done, err := s.probeCall(m, id, b.Buf, body); done {
		return res, err
	}
	res, rerr, detail := s.api(m, id, req, terr)
	s.observeCall(m, id, b.Buf, body, rerr)
	if rerr != nil {
		return s.fail(m, id, rerr, detail), nil
	}
	return s.answerInLayer(m, id, res), nil
}

// fail reports an RPC error as an event naming the method and answers it.
func (s *serverConn) fail(m inMsg, method uint32, e *tgerr.Error, detail string) bin.Encoder {
	d := methodName(method) + ": " + strconv.Itoa(e.Code) + " " + e.Message
	if detail != "" {
		d += " (" + detail + ")"
	}
	s.c.emit(model.ServerEvent{DC: s.d.id, Kind: model.SrvRPCError, KeyID: m.key.id, KeyKind: m.key.kind, PermID: s.c.boundTo(m.key), Detail: d})
	return &mt.RPCError{ErrorCode: e.Code, ErrorMessage: e.Message}
}

// typeNames is gotd's id -> TL name map, built once.
var typeNames = sync.OnceValue(tg.TypesMap)

// methodName is the TL name of a constructor id: gotd's (layer 229), else
// the name an older layer gives the id with the id, else the id alone.
func methodName(id uint32) string {
	if id == 0 {
		return "?"
	}
	if n, ok := typeNames()[id]; ok {
		return n
	}
	if info, ok := tlayer.Lookup(id); ok {
		return fmt.Sprintf("%s#%08x", info.Name, id)
	}
	return fmt.Sprintf("#%08x", id)
}

// api dispatches an unwrapped API call through the method table. detail
// explains an error in the event, never to the client. unserved, when not
// nil, says the call is a method of the client's layer that tlayer does
// not read, so no entry of the table can serve it.
func (s *serverConn) api(m inMsg, id uint32, b *bin.Buffer, unserved error) (bin.Encoder, *tgerr.Error, string) {
	meth := s.c.methods[id]
	if m.key.kind == model.Temporary && s.c.boundTo(m.key) == 0 && (meth == nil || !meth.unbound) {
		return nil, rpcErr(401, "AUTH_KEY_PERM_EMPTY"), "unbound temporary key"
	}
	if e := s.c.injectedFault(m, id); e != nil {
		return nil, e, "injected fault"
	}
	// Not served: one answer whoever asks, as Telegram answers a method
	// that does not exist (or no longer does).
	if meth == nil || unserved != nil {
		detail := "not served by the local DC"
		if unserved != nil {
			detail += ": " + unserved.Error()
		}
		return nil, rpcErr(400, "INPUT_METHOD_INVALID"), detail
	}
	s.c.touch(s, m.key)
	res, e := meth.serve(s, m, b)
	return res, e, ""
}

// injectedFault returns the error Config.Faults asks for, if any.
func (c *Cluster) injectedFault(m inMsg, id uint32) *tgerr.Error {
	f := c.cfg.Faults
	if id == tg.AuthBindTempAuthKeyRequestTypeID {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.faults.floodLeft > 0 && f.FloodWait > 0 {
		c.faults.floodLeft--
		return rpcErr(420, "FLOOD_WAIT_"+strconv.Itoa(int(f.FloodWait/time.Second)))
	}
	if f.AuthKeyDuplicated {
		perm := m.key
		if perm.kind == model.Temporary {
			perm = c.dcs[perm.dc-1].keys[perm.permID]
		}
		if perm != nil && perm.userID != 0 && !c.faults.dupDone[perm.id] {
			c.faults.dupDone[perm.id] = true
			return rpcErr(406, "AUTH_KEY_DUPLICATED")
		}
	}
	return nil
}

// boundTo returns the permanent key a temporary key is bound to, 0 if
// none. Another connection may bind the same key at any moment.
func (c *Cluster) boundTo(k *authKey) model.KeyID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return k.permID
}

// permFor returns the permanent key a request acts as: the key itself, or
// the permanent key a bound temporary key is bound to. Called with c.mu held.
func (d *dcServer) permFor(k *authKey) *authKey {
	if k.kind == model.Permanent {
		return k
	}
	if !k.bound() {
		return nil
	}
	return d.keys[k.permID]
}

// actingUser returns the user the request's key is logged in as, or nil.
func (c *Cluster) actingUser(d *dcServer, k *authKey) *user {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := d.permFor(k)
	if p == nil || p.userID == 0 {
		return nil
	}
	return c.users[p.userID]
}
