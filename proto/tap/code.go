package tap

import (
	"errors"

	"github.com/gotd/td/proto/codec"
)

func protocolCode(err error) (int32, bool) {
	var perr *codec.ProtocolErr
	if errors.As(err, &perr) {
		return perr.Code, true
	}
	return 0, false
}
