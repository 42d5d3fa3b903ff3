package localdc

import (
	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// userObject is a user as the client's layer encodes it.
type userObject struct {
	u     *user
	layer int
}

func encodeUser(u *user, layer int) *userObject { return &userObject{u: u, layer: layer} }

func (o *userObject) tl() *tg.User {
	u := &tg.User{
		Self:       true,
		Bot:        o.u.Bot,
		Contact:    false,
		ID:         o.u.ID,
		AccessHash: o.u.ID ^ 0x5eed,
		FirstName:  o.u.FirstName,
		LastName:   o.u.LastName,
		Phone:      o.u.Phone,
	}
	if o.u.Bot {
		u.BotInfoVersion = 1
	}
	return u
}

// Encode writes the user in the constructor of the client's layer.
func (o *userObject) Encode(b *bin.Buffer) error { return encodeUserLayer(b, o.tl(), o.layer) }

// authAuthorization is auth.authorization with a layer-encoded user.
type authAuthorization struct{ user *userObject }

func (a *authAuthorization) Encode(b *bin.Buffer) error {
	b.PutID(tg.AuthAuthorizationTypeID)
	b.PutInt(0) // flags: nothing optional
	return a.user.Encode(b)
}

// userVector is Vector<User>.
type userVector []*userObject

func (v userVector) Encode(b *bin.Buffer) error {
	b.PutVectorHeader(len(v))
	for _, u := range v {
		if err := u.Encode(b); err != nil {
			return err
		}
	}
	return nil
}

// userFull is users.userFull for the caller.
type userFull struct {
	u     *user
	layer int
}

func (f *userFull) Encode(b *bin.Buffer) error {
	b.PutID(tg.UsersUserFullTypeID)
	full := tg.UserFull{
		ID:             f.u.ID,
		Settings:       tg.PeerSettings{},
		NotifySettings: tg.PeerNotifySettings{},
	}
	if err := full.Encode(b); err != nil {
		return err
	}
	b.PutVectorHeader(0) // chats
	return userVector{encodeUser(f.u, f.layer)}.Encode(b)
}
