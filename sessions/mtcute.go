package sessions

import (
	"encoding/base64"
	"fmt"
	"net"
	"strings"

	"tgpfs/sessions/safetext"

	"github.com/gotd/td/bin"
)

// Mtcute is mtcute's string session (@mtcute/core highlevel/utils/
// string-session.ts, version 3): url-safe base64 without padding of
//
//	u8 version = 3, int32 flags (1: self, 2: test mode (old), 4: media DC),
//	bytes main DC option, [bytes media DC option], [int53 user id, Bool bot],
//	bytes auth key
//
// in TL encoding (little-endian, bytes with TL's length prefix and padding),
// where a DC option is u8 version (1 or 2), u8 id, u8 flags (1: IPv6,
// 2: media only, 4: test mode, version 2 only), string address, int32 port
// (utils/dcs.ts). It holds no temporary keys: mtcute keeps those in its
// storage only.
const Mtcute Format = "mtcute"

const mtcuteStringVersion = 3

var mtcuteFormat = &Descriptor{
	Format:  Mtcute,
	Name:    "mtcute string session",
	Kind:    KindString,
	Records: Recorded{Addr: true, TestMode: true, UserID: true, IsBot: true},
	Needs:   []Field{FieldAddr, FieldPort},
	text: &textCodec{
		detect: detectMtcute,
		decode: decodeMtcute,
		encode: encodeMtcute,
	},
}

// detectMtcute is sure of a string whose structure parses to the end, and
// finds likely one that starts with version 3 but does not parse (a
// damaged mtcute string, which Pyrogram's layouts never decode to).
func detectMtcute(s string) match {
	raw, err := mtcuteRaw(s)
	if err != nil || len(raw) == 0 || raw[0] != mtcuteStringVersion {
		return noMatch
	}
	if _, err := parseMtcute(raw); err == nil {
		return sure
	}
	switch len(raw) {
	case 263, 267, pyrogramBytes:
		return noMatch // a Pyrogram layout with DC 3
	}
	return likely
}

// mtcuteRaw decodes base64 as Node's 'base64url' does: either alphabet,
// padding optional.
func mtcuteRaw(s string) ([]byte, error) {
	if strings.Trim(s, base64URLAlphabet+"+/=") != "" {
		return nil, fmt.Errorf("not base64")
	}
	url := strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimRight(s, "="))
	return base64.RawURLEncoding.DecodeString(url)
}

// mtcuteString is what an mtcute string holds.
type mtcuteString struct {
	flags       int32
	main, media dcOption
	hasMedia    bool
	hasSelf     bool
	user        mtcuteUser
	key         []byte
}

func parseMtcute(raw []byte) (mtcuteString, error) {
	var m mtcuteString
	if len(raw) < 5 || raw[0] != mtcuteStringVersion {
		return m, fmt.Errorf("version %d, mtcute reads only version %d", firstByte(raw), mtcuteStringVersion)
	}
	b := &bin.Buffer{Buf: raw[1:]}
	var err error
	if m.flags, err = b.Int32(); err != nil {
		return m, fmt.Errorf("flags: %w", err)
	}
	m.hasSelf, m.hasMedia = m.flags&1 != 0, m.flags&4 != 0
	if m.main, err = readDCOption(b); err != nil {
		return m, fmt.Errorf("main DC option: %w", err)
	}
	m.media = m.main
	if m.hasMedia {
		if m.media, err = readDCOption(b); err != nil {
			return m, fmt.Errorf("media DC option: %w", err)
		}
	}
	if m.flags&2 != 0 { // test mode, as strings before DC option version 2 said
		m.main.test, m.media.test = true, true
	}
	if m.hasSelf {
		if m.user.id, err = b.Int53(); err != nil {
			return m, fmt.Errorf("user id: %w", err)
		}
		if m.user.bot, err = b.Bool(); err != nil {
			return m, fmt.Errorf("bot flag: %w", err)
		}
	}
	if m.key, err = b.Bytes(); err != nil {
		return m, fmt.Errorf("auth key: %w", err)
	}
	if len(m.key) != KeySize {
		return m, fmt.Errorf("auth key is %d bytes, want %d", len(m.key), KeySize)
	}
	if b.Len() != 0 {
		return m, fmt.Errorf("%d bytes after the auth key", b.Len())
	}
	return m, nil
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

func decodeMtcute(s string) (*Session, error) {
	raw, err := mtcuteRaw(s)
	if err != nil {
		return nil, formatErr(Mtcute, "bad base64: %v", err)
	}
	m, err := parseMtcute(raw)
	if err != nil {
		return nil, formatErr(Mtcute, "%v", err)
	}
	parts := "DC option, "
	if m.hasMedia {
		parts += "media DC option, "
	}
	if m.hasSelf {
		parts += "user, "
	}
	out := &Session{
		Format:  Mtcute,
		Version: "string v3",
		Why: fmt.Sprintf("%d url-safe base64 characters = %d bytes: version 3, flags, TL-encoded %s256-byte key (mtcute string session)",
			len(s), len(raw), parts),
		AuthKey: m.key,
		UserID:  m.user.id,
		IsBot:   m.user.bot,
	}
	out.applyDCOption(m.main)
	if !m.hasSelf {
		out.recorded = &Recorded{Addr: true, TestMode: true}
	}
	if m.hasMedia && m.media != m.main {
		out.Extra = append(out.Extra, fmt.Sprintf("media DC %d at %s", m.media.id, net.JoinHostPort(m.media.addr, fmt.Sprint(m.media.port))))
	}
	return out, nil
}

func encodeMtcute(s *Session) ([]byte, error) {
	opt, err := dcOptionOf(Mtcute, s)
	if err != nil {
		return nil, err
	}
	b := &bin.Buffer{}
	var flags int32
	if s.UserID != 0 {
		flags |= 1
	}
	b.Put([]byte{mtcuteStringVersion})
	b.PutInt32(flags)
	b.PutBytes(opt.encode())
	if s.UserID != 0 {
		b.PutInt53(s.UserID)
		b.PutBool(s.IsBot)
	}
	b.PutBytes(s.AuthKey)
	return []byte(base64.RawURLEncoding.EncodeToString(b.Buf)), nil
}

// dcOption is mtcute's BasicDcOption.
type dcOption struct {
	version, id       int
	ipv6, media, test bool
	addr              string
	port              int
}

func readDCOption(b *bin.Buffer) (dcOption, error) {
	raw, err := b.Bytes()
	if err != nil {
		return dcOption{}, err
	}
	return parseDCOption(raw)
}

func parseDCOption(raw []byte) (dcOption, error) {
	var o dcOption
	if len(raw) < 3 {
		return o, fmt.Errorf("%d bytes", len(raw))
	}
	o.version, o.id = int(raw[0]), int(raw[1])
	if o.version != 1 && o.version != 2 {
		return o, fmt.Errorf("version %d, mtcute reads 1 and 2", o.version)
	}
	flags := raw[2]
	o.ipv6, o.media, o.test = flags&1 != 0, flags&2 != 0, o.version == 2 && flags&4 != 0
	b := &bin.Buffer{Buf: raw[3:]}
	var err error
	if o.addr, err = b.String(); err != nil {
		return o, fmt.Errorf("address: %w", err)
	}
	if !printableASCII(o.addr) || len(o.addr) > 100 {
		return o, fmt.Errorf("address is not a host name or IP address")
	}
	port, err := b.Int32()
	if err != nil {
		return o, fmt.Errorf("port: %w", err)
	}
	if port < 0 || port > 0xffff {
		return o, fmt.Errorf("port %d", port)
	}
	o.port = int(port)
	return o, nil
}

// encode writes o as mtcute's serializeBasicDcOption does: version 2.
func (o dcOption) encode() []byte {
	var flags byte
	if o.ipv6 {
		flags |= 1
	}
	if o.media {
		flags |= 2
	}
	if o.test {
		flags |= 4
	}
	b := &bin.Buffer{Buf: []byte{2, byte(o.id), flags}}
	b.PutString(o.addr)
	b.PutInt32(int32(o.port))
	return b.Buf
}

// dcOptionOf is s's DC as an mtcute DC option.
func dcOptionOf(f Format, s *Session) (dcOption, error) {
	if !printableASCII(s.Addr) || len(s.Addr) > 100 {
		return dcOption{}, cannotStore(f, "the address %s", safetext.Quote(s.Addr))
	}
	if err := checkPort(f, s.Port, 0xffff); err != nil {
		return dcOption{}, err
	}
	ip := net.ParseIP(s.Addr)
	return dcOption{
		version: 2, id: s.DC, addr: s.Addr, port: s.Port, test: s.TestMode,
		ipv6: ip != nil && ip.To4() == nil,
	}, nil
}

func (s *Session) applyDCOption(o dcOption) {
	s.DC, s.Addr, s.Port = o.id, o.addr, o.port
	s.TestMode, s.TestModeKnown = o.test, o.version == 2
}

// mtcuteUser is mtcute's CurrentUserInfo as far as a session needs it.
type mtcuteUser struct {
	id  int64
	bot bool
}
