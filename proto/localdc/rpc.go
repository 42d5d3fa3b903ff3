package localdc

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
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
			s.layer = layer
			body = b.Buf
		case idInitConnection:
			q := &rawQuery{}
			r := tg.InitConnectionRequest{Query: q}
			if err := r.Decode(b); err != nil {
				return nil, fmt.Errorf("initConnection: %w", err)
			}
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

// Methods an unbound temporary key may call (https://core.telegram.org/api/pfs).
var unboundAllowed = map[uint32]bool{
	tg.AuthBindTempAuthKeyRequestTypeID: true,
	tg.HelpGetConfigRequestTypeID:       true,
	tg.HelpGetNearestDCRequestTypeID:    true,
}

// call answers one API call. An RPC error is returned as an rpc_error
// result; only a failure to write closes the connection.
func (s *serverConn) call(m inMsg, b *bin.Buffer) (bin.Encoder, error) {
	body, err := s.unwrap(b.Buf)
	if err != nil {
		return s.fail(m, 0, rpcErr(400, "INPUT_FETCH_ERROR"), err.Error()), nil
	}
	req := &bin.Buffer{Buf: body}
	id, err := req.PeekID()
	if err != nil {
		return s.fail(m, 0, rpcErr(400, "INPUT_FETCH_ERROR"), "empty query"), nil
	}
	res, rerr := s.api(m, id, req)
	if rerr != nil {
		return s.fail(m, id, rerr, ""), nil
	}
	return res, nil
}

func (s *serverConn) fail(m inMsg, method uint32, e *tgerr.Error, detail string) bin.Encoder {
	name := methodName(method)
	d := name + ": " + strconv.Itoa(e.Code) + " " + e.Message
	if detail != "" {
		d += " (" + detail + ")"
	}
	s.c.emit(model.ServerEvent{DC: s.d.id, Kind: model.SrvRPCError, KeyID: m.key.id, KeyKind: m.key.kind, PermID: s.c.boundTo(m.key), Detail: d})
	return &mt.RPCError{ErrorCode: e.Code, ErrorMessage: e.Message}
}

// typeNames is gotd's id -> TL name map, built once.
var typeNames = sync.OnceValue(tg.TypesMap)

func methodName(id uint32) string {
	if id == 0 {
		return "?"
	}
	if n, ok := typeNames()[id]; ok {
		return n
	}
	return fmt.Sprintf("#%08x", id)
}

// api dispatches an unwrapped API call.
func (s *serverConn) api(m inMsg, id uint32, b *bin.Buffer) (bin.Encoder, *tgerr.Error) {
	if m.key.kind == model.Temporary && s.c.boundTo(m.key) == 0 && !unboundAllowed[id] {
		return nil, rpcErr(401, "AUTH_KEY_PERM_EMPTY")
	}
	if e := s.c.injectedFault(m, id); e != nil {
		return nil, e
	}
	decode := func(r bin.Decoder) *tgerr.Error {
		if err := r.Decode(b); err != nil {
			return rpcErr(400, "INPUT_FETCH_ERROR")
		}
		return nil
	}
	switch id {
	case tg.AuthBindTempAuthKeyRequestTypeID:
		var r tg.AuthBindTempAuthKeyRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.bindTempKey(s.d, m, &r)
	case tg.HelpGetConfigRequestTypeID:
		return s.c.config(s.d), nil
	case tg.HelpGetNearestDCRequestTypeID:
		return &tg.NearestDC{Country: "ZZ", ThisDC: s.d.id, NearestDC: s.d.id}, nil
	case tg.AuthDropTempAuthKeysRequestTypeID:
		var r tg.AuthDropTempAuthKeysRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.dropTempKeys(s.d, m, r.ExceptAuthKeys), nil
	case tg.AuthSendCodeRequestTypeID:
		var r tg.AuthSendCodeRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.sendCode(s.d, r.PhoneNumber)
	case tg.AuthSignInRequestTypeID:
		var r tg.AuthSignInRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.signIn(s.d, m, s.layer, r.PhoneNumber, r.PhoneCodeHash, r.PhoneCode)
	case tg.AuthSignUpRequestTypeID:
		var r tg.AuthSignUpRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.signUp(s.d, m, s.layer, &r)
	case tg.AuthImportBotAuthorizationRequestTypeID:
		var r tg.AuthImportBotAuthorizationRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.importBot(s.d, m, s.layer, r.BotAuthToken)
	case tg.AuthLogOutRequestTypeID:
		return s.c.logOut(s.d, m)
	case tg.UsersGetUsersRequestTypeID:
		var r tg.UsersGetUsersRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.getUsers(s.d, m, s.layer, r.ID)
	case tg.UsersGetFullUserRequestTypeID:
		var r tg.UsersGetFullUserRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.getFullUser(s.d, m, s.layer, r.ID)
	case tg.AuthExportAuthorizationRequestTypeID:
		var r tg.AuthExportAuthorizationRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.exportAuth(s.d, m, r.DCID)
	case tg.AuthImportAuthorizationRequestTypeID:
		var r tg.AuthImportAuthorizationRequest
		if e := decode(&r); e != nil {
			return nil, e
		}
		return s.c.importAuth(s.d, m, s.layer, r.ID, r.Bytes)
	}
	if s.c.actingUser(s.d, m.key) == nil {
		return nil, rpcErr(401, "AUTH_KEY_UNREGISTERED")
	}
	return nil, rpcErr(400, "INPUT_METHOD_INVALID")
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

// bindTempKey is auth.bindTempAuthKey.
func (c *Cluster) bindTempKey(d *dcServer, m inMsg, r *tg.AuthBindTempAuthKeyRequest) (bin.Encoder, *tgerr.Error) {
	temp := m.key
	if temp.kind != model.Temporary {
		return nil, rpcErr(400, "TEMP_AUTH_KEY_EMPTY")
	}
	invalid := rpcErr(400, "ENCRYPTED_MESSAGE_INVALID")
	encID, err := bindKeyID(r.EncryptedMessage)
	if err != nil {
		return nil, invalid
	}
	c.mu.Lock()
	perm, ok := d.keys[encID]
	c.mu.Unlock()
	if !ok || perm.kind != model.Permanent {
		return nil, invalid
	}
	env, err := openBindMessage(perm.key, r.EncryptedMessage)
	if err != nil {
		return nil, invalid
	}
	if err := checkBindEnvelope(env, bindCarrier{
		MsgID: m.msgID, SessionID: m.sess.id, TempKeyID: temp.id,
		PermKeyID: model.KeyID(r.PermAuthKeyID), Nonce: r.Nonce, ExpiresAt: r.ExpiresAt,
	}); err != nil {
		return nil, invalid
	}

	now := c.now()
	expiresAt := time.Unix(int64(r.ExpiresAt), 0)
	c.mu.Lock()
	defer c.mu.Unlock()
	if temp.permID != 0 && temp.permID != perm.id {
		return nil, rpcErr(400, "TEMP_AUTH_KEY_ALREADY_BOUND")
	}
	// expires_at is checked against the expiry the client asked for: the
	// DC may have capped (and may forget the key earlier than) that, as
	// Telegram may, without the client knowing.
	if !expiresAt.After(now) || expiresAt.After(temp.created.Add(temp.requested+bindSlack)) {
		return nil, rpcErr(400, "EXPIRES_AT_INVALID")
	}
	temp.permID, temp.boundAt = perm.id, now
	if expiresAt.Before(temp.expiresAt) {
		temp.expiresAt = expiresAt
	}
	c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvKeyBound, KeyID: temp.id, KeyKind: model.Temporary,
		PermID: perm.id, ExpiresAt: temp.expiresAt, UserID: perm.userID})
	return &tg.BoolTrue{}, nil
}

// dropTempKeys is auth.dropTempAuthKeys: every temporary key bound to the
// caller's permanent key, except the listed ones, is forgotten.
func (c *Cluster) dropTempKeys(d *dcServer, m inMsg, except []int64) bin.Encoder {
	keep := make(map[model.KeyID]bool, len(except))
	for _, id := range except {
		keep[model.KeyID(id)] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	perm := d.permFor(m.key)
	if perm == nil {
		return &tg.BoolFalse{}
	}
	now := c.now()
	for id, k := range d.keys {
		if k.kind == model.Temporary && k.permID == perm.id && !keep[id] {
			delete(d.keys, id)
			c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvKeyDropped, KeyID: id, KeyKind: model.Temporary, PermID: perm.id, Detail: "auth.dropTempAuthKeys"})
		}
	}
	return &tg.BoolTrue{}
}

// config is help.getConfig: the cluster's own addresses, plain IPv4 first.
func (c *Cluster) config(d *dcServer) bin.Encoder {
	now := c.now()
	var opts []tg.DCOption
	for _, o := range c.dcs {
		host, port, _ := net.SplitHostPort(o.addr)
		p, _ := strconv.Atoi(port)
		ip := net.ParseIP(host)
		opts = append(opts, tg.DCOption{ID: o.id, IPAddress: host, Port: p, Ipv6: ip != nil && ip.To4() == nil})
	}
	return &tg.Config{
		Date:                    int(now.Unix()),
		Expires:                 int(now.Add(time.Hour).Unix()),
		TestMode:                true,
		ThisDC:                  d.id,
		DCOptions:               opts,
		DCTxtDomainName:         "localdc.invalid",
		ChatSizeMax:             200,
		MegagroupSizeMax:        200000,
		ForwardedCountMax:       100,
		OnlineUpdatePeriodMs:    210000,
		OfflineBlurTimeoutMs:    5000,
		OfflineIdleTimeoutMs:    30000,
		OnlineCloudTimeoutMs:    300000,
		NotifyCloudDelayMs:      30000,
		NotifyDefaultDelayMs:    1500,
		PushChatPeriodMs:        60000,
		PushChatLimit:           2,
		EditTimeLimit:           172800,
		RevokeTimeLimit:         2147483647,
		RevokePmTimeLimit:       2147483647,
		RatingEDecay:            2419200,
		StickersRecentLimit:     200,
		ChannelsReadMediaPeriod: 604800,
		CallReceiveTimeoutMs:    20000,
		CallRingTimeoutMs:       90000,
		CallConnectTimeoutMs:    30000,
		CallPacketTimeoutMs:     10000,
		MeURLPrefix:             "https://t.me/",
		CaptionLengthMax:        1024,
		MessageLengthMax:        4096,
		WebfileDCID:             1,
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
