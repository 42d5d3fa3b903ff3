package sessions

import (
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
)

// wellKnownAddr is the first plain IPv4 address gotd lists for a Telegram
// DC, the address a library that stores only the DC id (Pyrogram) would use.
func wellKnownAddr(dc int, test bool) (host string, port int, ok bool) {
	list := dcs.Prod()
	if test {
		list = dcs.Test()
	}
	return firstPlain(list.Options, dc)
}

func firstPlain(opts []tg.DCOption, dc int) (string, int, bool) {
	for _, o := range opts {
		if o.ID == dc && !o.Ipv6 && !o.MediaOnly && !o.CDN && !o.TCPObfuscatedOnly {
			return o.IPAddress, o.Port, true
		}
	}
	return "", 0, false
}

// fillAddr gives s the well-known address of its DC when it has none.
func (s *Session) fillAddr() {
	if s.Addr != "" || s.DC == 0 {
		return
	}
	if host, port, ok := wellKnownAddr(s.DC, s.TestMode); ok {
		s.Addr, s.Port, s.AddrFromDC = host, port, true
	}
}
