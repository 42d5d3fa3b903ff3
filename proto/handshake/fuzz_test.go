package handshake

import (
	"context"
	"errors"
	"testing"

	"tgpfs/model"
)

// FuzzOpenAnswer feeds arbitrary encrypted_answer bytes to the decoder of
// server_DH_params_ok: it must fail with a named check or succeed, never panic.
func FuzzOpenAnswer(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 16))
	f.Add(make([]byte, 592))
	f.Add([]byte("0123456789abcdef0123456789abcdef"))
	key, iv := make([]byte, 32), make([]byte, 32)
	f.Fuzz(func(t *testing.T, answer []byte) {
		hs := newClientHandshake(nil, Config{Kind: model.Permanent})
		hs.answer, hs.aesKey, hs.aesIV = answer, key, iv
		err := hs.openAnswer(context.Background())
		var ce *CheckError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("unnamed failure: %v", err)
		}
		if err == nil && (hs.inner == nil || !hs.tr.Passed()) {
			t.Fatal("success without a decoded inner or with a failed verdict")
		}
	})
}

// FuzzFactorWire feeds arbitrary pq wire bytes to the pq check.
func FuzzFactorWire(f *testing.F) {
	f.Add([]byte{0x17, 0xED, 0x48, 0x94, 0x1A, 0x08, 0xF9, 0x81})
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, wire []byte) {
		p, q, err := factor(wire)
		if err != nil {
			return
		}
		var n uint64
		for _, b := range wire {
			n = n<<8 | uint64(b)
		}
		if p*q != n || p >= q || p < 2 {
			t.Fatalf("factor(%x) = %d, %d", wire, p, q)
		}
	})
}
