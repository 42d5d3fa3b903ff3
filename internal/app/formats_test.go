package app

import (
	"bytes"
	"testing"

	"tgpfs/sessions"
)

// Every offered format must give a session that reads back to the same key,
// DC and address.
func TestSessionFormatsRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{0x42}, sessions.KeySize)
	formats := SessionFormats(1, true)
	if len(formats) == 0 {
		t.Fatal("no formats")
	}
	for _, f := range formats {
		t.Run(f.Name, func(t *testing.T) {
			text, err := f.Encode(key, 2, "127.0.0.1:14302", 1000021)
			if err != nil {
				t.Fatal(err)
			}
			s, err := sessions.Load(text, sessions.LoadOptions{})
			if err != nil {
				t.Fatalf("load back: %v", err)
			}
			if !bytes.Equal(s.AuthKey, key) || s.DC != 2 {
				t.Fatalf("read back dc %d, key equal %v", s.DC, bytes.Equal(s.AuthKey, key))
			}
			if s.Addr != "" && !s.AddrFromDC && s.HostPort() != "127.0.0.1:14302" {
				t.Fatalf("read back address %s", s.HostPort())
			}
		})
	}
}
