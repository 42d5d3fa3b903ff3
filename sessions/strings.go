package sessions

// The three string formats. Each is a fixed binary layout in base64; the
// layouts and the length rules the libraries themselves use to tell their
// versions apart are in docs/anchors.md §2.1 and cited per function.

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
)

// Telethon: '1' + urlsafe_b64encode(pack('>B{4|16}sH256s', dc, ip, port, key)),
// padding kept. telethon/sessions/string.py picks the address length by the
// text length alone: 352 characters after the '1' is IPv4, else IPv6.
const (
	telethonVersion   = '1'
	telethonIPv4Chars = 352 // 263 bytes
	telethonIPv6Chars = 368 // 275 bytes
)

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

func encodeTelethon(s *Session) (string, error) {
	ip, err := ipBytes(Telethon, s.Addr)
	if err != nil {
		return "", err
	}
	if err := checkPort(Telethon, s.Port, 0xffff); err != nil {
		return "", err
	}
	raw := make([]byte, 0, 1+len(ip)+2+KeySize)
	raw = append(raw, byte(s.DC))
	raw = append(raw, ip...)
	raw = binary.BigEndian.AppendUint16(raw, uint16(s.Port))
	raw = append(raw, s.AuthKey...)
	return string(telethonVersion) + base64.URLEncoding.EncodeToString(raw), nil
}

// ipBytes packs an address the way Telethon's ipaddress module does: 4 bytes
// for IPv4, 16 for IPv6. Telethon cannot store a host name.
func ipBytes(f Format, addr string) ([]byte, error) {
	if addr == "" {
		return nil, &MissingFieldError{Target: f, Field: "addr"}
	}
	ip := net.ParseIP(addr)
	if ip == nil {
		return nil, cannotStore(f, "the host name %q (it stores an IP address)", addr)
	}
	if v4 := ip.To4(); v4 != nil {
		return v4, nil
	}
	return ip.To16(), nil
}

func checkPort(f Format, port, max int) error {
	if port == 0 {
		return &MissingFieldError{Target: f, Field: "port"}
	}
	if port < 0 || port > max {
		return cannotStore(f, "port %d (at most %d)", port, max)
	}
	return nil
}

// Pyrogram: urlsafe base64 without padding. pyrogram/storage/storage.py
// tells its layouts apart by the text length only: 351 is the old layout
// with a 32-bit user id, 356 the old layout with a 64-bit one, anything
// else the current layout.
const (
	pyrogramOldChars   = 351 // '>B?256sI?', 263 bytes
	pyrogramOld64Chars = 356 // '>B?256sQ?', 267 bytes
	pyrogramBytes      = 1 + 4 + 1 + KeySize + 8 + 1
)

func decodePyrogram(s string) (*Session, error) {
	if strings.ContainsAny(s, "+/") {
		return nil, formatErr(Pyrogram, "'+' or '/' found: Pyrogram strings use url-safe base64")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, formatErr(Pyrogram, "bad url-safe base64: %v", err)
	}
	out := &Session{Format: Pyrogram, TestModeKnown: true}
	switch len(s) {
	case pyrogramOldChars, pyrogramOld64Chars:
		idLen, want, name := 4, 263, "old layout, 32-bit user id"
		if len(s) == pyrogramOld64Chars {
			idLen, want, name = 8, 267, "old layout, 64-bit user id"
		}
		if len(raw) != want {
			return nil, formatErr(Pyrogram, "%d characters (%s) decode to %d bytes, want %d", len(s), name, len(raw), want)
		}
		out.Version = name
		out.Why = fmt.Sprintf("%d url-safe base64 characters without padding: Pyrogram's %s (dc, test_mode, key, user_id, is_bot)", len(s), name)
		out.DC = int(raw[0])
		out.TestMode = raw[1] != 0
		out.AuthKey = append([]byte(nil), raw[2:2+KeySize]...)
		if idLen == 4 {
			out.UserID = int64(binary.BigEndian.Uint32(raw[2+KeySize:]))
		} else {
			out.UserID = int64(binary.BigEndian.Uint64(raw[2+KeySize:]))
		}
		out.IsBot = raw[2+KeySize+idLen] != 0
	default:
		if len(raw) != pyrogramBytes {
			return nil, formatErr(Pyrogram, "%d characters decode to %d bytes, want %d (current layout) or 351/356 characters (old layouts)", len(s), len(raw), pyrogramBytes)
		}
		out.Version = "current layout"
		out.Why = fmt.Sprintf("%d url-safe base64 characters without padding = %d bytes: Pyrogram's current layout (dc, api_id, test_mode, key, user_id, is_bot)", len(s), len(raw))
		out.DC = int(raw[0])
		out.APIID = int(binary.BigEndian.Uint32(raw[1:]))
		out.TestMode = raw[5] != 0
		out.AuthKey = append([]byte(nil), raw[6:6+KeySize]...)
		out.UserID = int64(binary.BigEndian.Uint64(raw[6+KeySize:]))
		out.IsBot = raw[6+KeySize+8] != 0
	}
	out.fillAddr()
	return out, nil
}

// encodePyrogram writes the current layout, the only one Pyrogram writes.
func encodePyrogram(s *Session) (string, error) {
	if err := needPyrogramFields(Pyrogram, s); err != nil {
		return "", err
	}
	raw := make([]byte, 0, pyrogramBytes)
	raw = append(raw, byte(s.DC))
	raw = binary.BigEndian.AppendUint32(raw, uint32(s.APIID))
	raw = append(raw, boolByte(s.TestMode))
	raw = append(raw, s.AuthKey...)
	raw = binary.BigEndian.AppendUint64(raw, uint64(s.UserID))
	raw = append(raw, boolByte(s.IsBot))
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// needPyrogramFields checks what Pyrogram stores and other formats may lack.
// Pyrogram's struct format uses an unsigned 32-bit api_id and unsigned
// 64-bit user id; zero is what an unset field would be.
func needPyrogramFields(f Format, s *Session) error {
	if s.APIID <= 0 {
		return &MissingFieldError{Target: f, Field: "api_id"}
	}
	if s.APIID > 0xffffffff {
		return cannotStore(f, "api_id %d", s.APIID)
	}
	if s.UserID <= 0 {
		return &MissingFieldError{Target: f, Field: "user_id"}
	}
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// GramJS: '1' + standard base64 of dc u8, address length int16 BE, the
// address as text, port int16 BE, key (the rest). gramjs/sessions/
// StringSession.ts also reads Telethon strings: 352 characters after the
// '1' is Telethon's IPv4 layout, an address length over 100 Telethon's IPv6
// layout. Node's base64 decoder accepts both alphabets, so do we.
func decodeGramJS(s string) (*Session, error) {
	if len(s) == 0 || s[0] != '1' {
		return nil, formatErr(GramJS, "string must start with version '1'")
	}
	body := s[1:]
	if len(body) == telethonIPv4Chars || (len(body) == telethonIPv6Chars && telethonShaped(body)) {
		if t, err := decodeTelethon(s); err == nil {
			t.Why += "; GramJS reads it too"
			return t, nil
		}
	}
	std := strings.NewReplacer("-", "+", "_", "/").Replace(strings.TrimRight(body, "="))
	raw, err := base64.RawStdEncoding.DecodeString(std)
	if err != nil {
		return nil, formatErr(GramJS, "bad base64 after the '1': %v", err)
	}
	if len(raw) < 1+2 {
		return nil, formatErr(GramJS, "%d bytes is too short for dc and address length", len(raw))
	}
	addrLen := int(binary.BigEndian.Uint16(raw[1:]))
	if addrLen > 100 {
		return nil, formatErr(GramJS, "address length %d is not plausible (GramJS would read this as a Telethon IPv6 string, which it is not)", addrLen)
	}
	rest := raw[3:]
	if len(rest) < addrLen+2 {
		return nil, formatErr(GramJS, "%d bytes end inside the %d-byte address or the port", len(raw), addrLen)
	}
	addr := string(rest[:addrLen])
	if !printableASCII(addr) {
		return nil, formatErr(GramJS, "address is not printable text")
	}
	port := int(binary.BigEndian.Uint16(rest[addrLen:]))
	key := rest[addrLen+2:]
	if len(key) != KeySize {
		return nil, formatErr(GramJS, "key is %d bytes, want %d", len(key), KeySize)
	}
	return &Session{
		Format:  GramJS,
		Version: "string v1",
		Why: fmt.Sprintf("starts with '1' and decodes to %d bytes: dc, %d-character address %q, port, 256-byte key (GramJS StringSession)",
			len(raw), addrLen, addr),
		DC:      int(raw[0]),
		Addr:    addr,
		Port:    port,
		AuthKey: append([]byte(nil), key...),
	}, nil
}

func encodeGramJS(s *Session) (string, error) {
	if s.Addr == "" {
		return "", &MissingFieldError{Target: GramJS, Field: "addr"}
	}
	if len(s.Addr) > 100 || !printableASCII(s.Addr) {
		return "", cannotStore(GramJS, "the address %q", s.Addr)
	}
	// GramJS writes the port with writeInt16BE, which throws above 32767.
	if err := checkPort(GramJS, s.Port, 0x7fff); err != nil {
		return "", err
	}
	raw := make([]byte, 0, 1+2+len(s.Addr)+2+KeySize)
	raw = append(raw, byte(s.DC))
	raw = binary.BigEndian.AppendUint16(raw, uint16(len(s.Addr)))
	raw = append(raw, s.Addr...)
	raw = binary.BigEndian.AppendUint16(raw, uint16(s.Port))
	raw = append(raw, s.AuthKey...)
	return "1" + base64.StdEncoding.EncodeToString(raw), nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return len(s) > 0
}
