package sessions

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	"tgpfs/sessions/safetext"
)

// GramJS is GramJS's StringSession: '1' + standard base64 of dc u8,
// address length int16 BE, the address as text, port int16 BE, key (the
// rest). gramjs/sessions/StringSession.ts also reads Telethon strings: 352
// characters after the '1' is Telethon's IPv4 layout, an address length
// over 100 Telethon's IPv6 layout. Node's base64 decoder accepts both
// alphabets, so do we.
const GramJS Format = "gramjs"

var gramJSFormat = &Descriptor{
	Format:  GramJS,
	Name:    "GramJS StringSession",
	Kind:    KindString,
	Records: Recorded{Addr: true},
	Needs:   []Field{FieldAddr, FieldPort},
	text: &textCodec{
		detect: func(s string) match {
			// Telethon's detector is sure of its own strings first.
			if len(s) > 0 && s[0] == '1' {
				return likely
			}
			return noMatch
		},
		decode: decodeGramJS,
		encode: encodeGramJS,
	},
}

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

func encodeGramJS(s *Session) ([]byte, error) {
	if len(s.Addr) > 100 || !printableASCII(s.Addr) {
		return nil, cannotStore(GramJS, "the address %s", safetext.Quote(s.Addr))
	}
	// GramJS writes the port with writeInt16BE, which throws above 32767.
	if err := checkPort(GramJS, s.Port, 0x7fff); err != nil {
		return nil, err
	}
	raw := make([]byte, 0, 1+2+len(s.Addr)+2+KeySize)
	raw = append(raw, byte(s.DC))
	raw = binary.BigEndian.AppendUint16(raw, uint16(len(s.Addr)))
	raw = append(raw, s.Addr...)
	raw = binary.BigEndian.AppendUint16(raw, uint16(s.Port))
	raw = append(raw, s.AuthKey...)
	return []byte("1" + base64.StdEncoding.EncodeToString(raw)), nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return len(s) > 0
}
