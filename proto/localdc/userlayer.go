package localdc

import (
	"encoding/binary"
	"fmt"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// userConstructors maps API layers to the id of the `user` constructor,
// the one constructor a local DC sends that changed between the layers
// clients use today (taken from the history of gotd's _schema/telegram.tl).
// Entries are sorted by first layer; each holds until the next.
var userConstructors = []struct {
	from int
	id   uint32
}{
	{196, 0x4b46c37e},
	{200, 0x020b1422},
	{217, 0x31774388},
	{228, tg.UserTypeID}, // 0xb1b8cc83
}

// userConstructor returns the user constructor id for layer; 0 (no
// invokeWithLayer seen) means gotd's own layer.
func userConstructor(layer int) uint32 {
	if layer == 0 {
		return tg.UserTypeID
	}
	// Older than any layer listed: the oldest constructor we know.
	id := userConstructors[0].id
	for _, c := range userConstructors {
		if layer >= c.from {
			id = c.id
		}
	}
	return id
}

// sameInAllLayers are the user flags a local DC may set: access_hash (0),
// first_name (1), last_name (2), phone (4), self (10), and bot (14, which
// also carries bot_info_version, placed after status in every layer).
const sameInAllLayers = 1<<0 | 1<<1 | 1<<2 | 1<<4 | 1<<10 | 1<<14

// encodeUserLayer writes u with the user constructor of the given layer.
//
// Between those layers the constructor changed only by gaining optional
// fields (stories_max_id's type, paid-message stars, bot flags, linked
// community); the fields a local DC fills (self, access_hash, names,
// phone) have the same flag bits and order in all of them. So the body
// gotd encodes is valid in each layer once the constructor id is swapped,
// as long as u sets none of the newer fields; encodeUserLayer checks that.
func encodeUserLayer(b *bin.Buffer, u *tg.User, layer int) error {
	u.SetFlags()
	if uint32(u.Flags)&^sameInAllLayers != 0 || u.Flags2 != 0 {
		return fmt.Errorf("user %d sets a field the layers do not share (flags %#x, flags2 %#x)", u.ID, uint32(u.Flags), uint32(u.Flags2))
	}
	start := b.Len()
	if err := u.Encode(b); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b.Buf[start:], userConstructor(layer))
	return nil
}
