package localdc

import (
	"strconv"
	"strings"
	"time"

	"tgpfs/model"
)

// FormatEvent renders a server event as one line, the form `tgpfs dc -v`
// prints:
//
//	12:00:01.250 dc2 bound     temp 1a2b3c4d5e6f7a8b perm 0f0e0d0c0b0a0908 expires 12:01:01
func FormatEvent(ev model.ServerEvent) string {
	var b strings.Builder
	b.WriteString(ev.At.Format("15:04:05.000"))
	b.WriteString(" dc")
	b.WriteString(strconv.Itoa(ev.DC))
	b.WriteByte(' ')
	kind := ev.Kind.String()
	b.WriteString(kind)
	for i := len(kind); i < 9; i++ {
		b.WriteByte(' ')
	}
	if ev.KeyID != 0 {
		if ev.KeyKind == model.Temporary {
			b.WriteString(" temp ")
		} else if ev.Kind != model.SrvKeyNotFound {
			b.WriteString(" perm ")
		} else {
			b.WriteString(" key ")
		}
		b.WriteString(ev.KeyID.String())
	}
	if ev.PermID != 0 && ev.PermID != ev.KeyID {
		b.WriteString(" perm ")
		b.WriteString(ev.PermID.String())
	}
	if !ev.ExpiresAt.IsZero() {
		b.WriteString(" expires ")
		b.WriteString(ev.ExpiresAt.Format(time.TimeOnly))
	}
	if ev.Client != 0 {
		b.WriteString(" client ")
		b.WriteString(strconv.Itoa(ev.Client))
	}
	if ev.UserID != 0 {
		b.WriteString(" user ")
		b.WriteString(strconv.FormatInt(ev.UserID, 10))
	}
	if ev.Detail != "" {
		b.WriteString(" (")
		b.WriteString(ev.Detail)
		b.WriteByte(')')
	}
	return b.String()
}
