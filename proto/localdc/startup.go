package localdc

import (
	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
	"tgpfs/proto/localdc/observe"
)

// startupMethods are what clients call when they start and right after a
// login (Telethon's get_me and catch-up, GramJS's isUserAuthorized,
// mtcute's and gotd's update state), answered as Telegram answers a fresh
// test account: nothing has happened, and nothing will. A key that is not
// logged in gets 401 AUTH_KEY_UNREGISTERED, which is how clients learn
// they must log in.
var startupMethods = []method{
	{id: tg.UpdatesGetStateRequestTypeID, serve: func(s *serverConn, m inMsg, _ *bin.Buffer) (bin.Encoder, *tgerr.Error) {
		if _, e := s.c.self(s.d, m); e != nil {
			return nil, e
		}
		st := s.c.updatesState()
		return &st, nil
	}},
	{id: tg.UpdatesGetDifferenceRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, _ *tg.UpdatesGetDifferenceRequest) (bin.Encoder, *tgerr.Error) {
		if _, e := s.c.self(s.d, m); e != nil {
			return nil, e
		}
		st := s.c.updatesState()
		return &tg.UpdatesDifferenceEmpty{Date: st.Date, Seq: st.Seq}, nil
	})},
	{id: tg.AccountUpdateStatusRequestTypeID, serve: decoded(func(s *serverConn, m inMsg, _ *tg.AccountUpdateStatusRequest) (bin.Encoder, *tgerr.Error) {
		if _, e := s.c.self(s.d, m); e != nil {
			return nil, e
		}
		return &tg.BoolTrue{}, nil
	})},
}

// updatesState is the update state of every account: a fresh account's,
// with pts 1 (Telegram starts a new account's message box there) and the
// DC's clock. Nothing the DC does creates an update in a message box, so
// the state never moves and every getDifference is differenceEmpty.
func (c *Cluster) updatesState() tg.UpdatesState {
	return tg.UpdatesState{Pts: 1, Qts: 0, Seq: 0, Date: int(c.now().Unix()), UnreadCount: 0}
}

// MTProto's destroy_auth_key and its answers (not in gotd's mt package).
const (
	idDestroyAuthKey     = 0xd1435160
	idDestroyAuthKeyOk   = 0xf660e1d4
	idDestroyAuthKeyNone = 0x0a9f2259
)

// destroyAuthKeyRes is destroy_auth_key_ok or destroy_auth_key_none.
type destroyAuthKeyRes uint32

func (r destroyAuthKeyRes) Encode(b *bin.Buffer) error { b.PutID(uint32(r)); return nil }

// destroyAuthKey forgets k because its client asked (destroy_auth_key;
// mtcute sends it at logout): the next frame under it gets -404. A
// permanent key leaves its session first and takes its temporary keys
// with it. It reports whether the DC still had the key.
func (c *Cluster) destroyAuthKey(d *dcServer, k *authKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d.keys[k.id] != k {
		return false
	}
	why := "destroyed by its client (destroy_auth_key)"
	if k.kind == model.Permanent {
		if k.userID != 0 || k.authHash != 0 {
			c.leaveLocked(d, k, "destroy_auth_key by "+by(d, k), false)
		}
		for id, t := range d.keys {
			if t.kind == model.Temporary && t.permID == k.id {
				delete(d.keys, id)
				c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvKeyDropped, KeyID: id, KeyKind: model.Temporary, PermID: k.id, Detail: "its permanent key was " + why})
				c.observeKeyEnd(id, observe.Dropped)
			}
		}
	}
	delete(d.keys, k.id)
	c.emit(model.ServerEvent{DC: d.id, Kind: model.SrvKeyDropped, KeyID: k.id, KeyKind: k.kind, PermID: k.permID, Detail: why})
	if k.kind == model.Temporary {
		c.observeKeyEnd(k.id, observe.Dropped)
	}
	c.saveStateLocked()
	return true
}
