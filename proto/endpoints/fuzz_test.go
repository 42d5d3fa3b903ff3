package endpoints

import "testing"

// FuzzParseProxy feeds ParseProxy what a user might type: it must either
// fail with an error or give an address and a secret gotd accepts.
func FuzzParseProxy(f *testing.F) {
	for _, s := range []string{
		"proxy.example:443:dd00112233445566778899aabbccddeeff",
		"tg://proxy?server=1.2.3.4&port=8443&secret=00112233445566778899aabbccddeeff",
		"tg://proxy?server=h&port=1&secret=ee00112233445566778899aabbccddeeff6578616d706c652e636f6d",
		"[::1]:443:00112233445566778899aabbccddeeff",
		"h:1:", ":::", "tg://proxy?", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseProxy(s)
		if err != nil || p == nil {
			return
		}
		if p.Addr == "" || len(p.Secret) == 0 {
			t.Fatalf("ParseProxy(%q) = %+v without an error", s, p)
		}
	})
}
