package localdc

import (
	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// encodeUserLayer writes u with the user constructor of the given layer.
func encodeUserLayer(b *bin.Buffer, u *tg.User, layer int) error {
	return u.Encode(b)
}
