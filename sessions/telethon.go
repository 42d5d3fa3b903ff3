package sessions

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"strings"

	"tgpfs/sessions/safetext"
)

// Telethon is Telethon's StringSession: '1' + urlsafe_b64encode(pack(
// '>B{4|16}sH256s', dc, ip, port, key)), padding kept. telethon/sessions/
// string.py picks the address length by the text length alone: 352
// characters after the '1' is IPv4, else IPv6 (docs/anchors.md §2.1).
const Telethon Format = "telethon"

const (
	telethonVersion   = '1'
	telethonIPv4Chars = 352 // 263 bytes
	telethonIPv6Chars = 368 // 275 bytes
)

var telethonFormat = &Descriptor{
	Format:  Telethon,
	Name:    "Telethon StringSession",
	Kind:    KindString,
	Records: Recorded{Addr: true},
	Needs:   []Field{FieldAddr, FieldPort},
	text: &textCodec{
		detect: func(s string) match {
			if len(s) > 0 && s[0] == telethonVersion && telethonShaped(s[1:]) {
				return sure
			}
			return noMatch
		},
		decode: decodeTelethon,
		encode: encodeTelethon,
	},
}

// telethonShaped applies GramJS's rule for telling a Telethon string from
// its own (both start with '1'): 352 characters is Telethon IPv4, and an
// address length over 100 is really the first bytes of Telethon's IPv6
// address. A body in the url-safe alphabet that fits neither is a damaged
// Telethon string: GramJS writes standard base64.
func telethonShaped(body string) bool {
	if len(body) == telethonIPv4Chars {
		return true
	}
	if raw, err := base64.URLEncoding.DecodeString(body); err == nil && len(body) == telethonIPv6Chars {
		return len(raw) >= 3 && binary.BigEndian.Uint16(raw[1:]) > 100
	}
	return strings.ContainsAny(body, "-_") && !strings.ContainsAny(body, "+/")
}

func decodeTelethon(s string) (*Session, error) {
	if len(s) == 0 || s[0] != telethonVersion {
		return nil, formatErr(Telethon, "string must start with version '1'")
	}
	body := s[1:]
	raw, err := base64.URLEncoding.DecodeString(body)
	if err != nil {
		return nil, formatErr(Telethon, "bad url-safe base64 after the '1': %v", err)
	}
	var ipLen int
	switch len(raw) {
	case 1 + 4 + 2 + KeySize:
		ipLen = 4
	case 1 + 16 + 2 + KeySize:
		ipLen = 16
	default:
		return nil, formatErr(Telethon, "%d characters decode to %d bytes, want 263 (IPv4) or 275 (IPv6)", len(body), len(raw))
	}
	ip := net.IP(append([]byte(nil), raw[1:1+ipLen]...))
	family := "IPv4"
	if ipLen == 16 {
		family = "IPv6"
	}
	return &Session{
		Format:  Telethon,
		Version: "string v1",
		Why: fmt.Sprintf("starts with '1' and %d url-safe base64 characters = %d bytes: dc, %s address, port, 256-byte key (Telethon StringSession)",
			len(body), len(raw), family),
		DC:      int(raw[0]),
		Addr:    ip.String(),
		Port:    int(binary.BigEndian.Uint16(raw[1+ipLen:])),
		AuthKey: append([]byte(nil), raw[3+ipLen:]...),
	}, nil
}

func encodeTelethon(s *Session) ([]byte, error) {
	ip, err := ipBytes(Telethon, s.Addr)
	if err != nil {
		return nil, err
	}
	if err := checkPort(Telethon, s.Port, 0xffff); err != nil {
		return nil, err
	}
	raw := make([]byte, 0, 1+len(ip)+2+KeySize)
	raw = append(raw, byte(s.DC))
	raw = append(raw, ip...)
	raw = binary.BigEndian.AppendUint16(raw, uint16(s.Port))
	raw = append(raw, s.AuthKey...)
	return []byte(string(telethonVersion) + base64.URLEncoding.EncodeToString(raw)), nil
}

// ipBytes packs an address the way Telethon's ipaddress module does: 4 bytes
// for IPv4, 16 for IPv6. Telethon cannot store a host name.
func ipBytes(f Format, addr string) ([]byte, error) {
	ip := net.ParseIP(addr)
	if ip == nil {
		return nil, cannotStore(f, "the host name %s (it stores an IP address)", safetext.Quote(addr))
	}
	if v4 := ip.To4(); v4 != nil {
		return v4, nil
	}
	return ip.To16(), nil
}

// checkPort refuses a port the format cannot hold.
func checkPort(f Format, port, max int) error {
	if port <= 0 || port > max {
		return cannotStore(f, "port %d (1 to %d)", port, max)
	}
	return nil
}
