package session

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
)

// TestBindVector checks the bind encoding against pfs-protocol.md §8.4
// (built from the spec, round-tripped; no official vector exists).
func TestBindVector(t *testing.T) {
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var perm crypto.Key
	copy(perm[:], unhex("aca2547baa3b4b3e6ad9129adee796042fc4acaaaba40dce7a1196640595829e2ba85c5e68e5d2b7b713b28720ccd0e65da3b80cd8a9282bde895755b924f4cbbced119dee057d3066d7095c25771a53d9ad6ec3464ee0e7fe1a4d9851f17b6cc7d6e636e0bdea7d66153cf37005835a528e65673c1f5adaa27465964ba89aa6fd045108b25b1dc9ab2d979864858c9eacbfa4a399cdbf2154d2cc6743c5caa40683343d80a36c7f1289dc5ac5ee585dea1e1cd296444ea6cd8f6c3564b2d355b310a3c02608eea5ec36d38e941bf811489ab7a24c069e44ff54714cb4a45eee2f310fddc0a1b08bd3dff8801e27c8508efd7ad51ef3c13ef1d9a02ee4601741"))
	key := perm.WithID()
	if got := hex.EncodeToString(key.ID[:]); got != "65588b3350ef784e" {
		t.Fatalf("perm_auth_key_id wire = %s", got)
	}
	rnd := bytes.NewReader(append(bytes.Repeat([]byte{0xaa}, 16), bytes.Repeat([]byte{0xbb}, 8)...))
	inner := &crypto.BindAuthKeyInner{
		Nonce: 0x1122334455667788, TempAuthKeyID: 0x0123456789ABCDEF, PermAuthKeyID: key.IntID(),
		TempSessionID: 0x0807060504030201, ExpiresAt: 1700086400,
	}
	enc, err := crypto.EncryptBindMessage(rnd, key, 0x6555C0DE00000004, inner)
	if err != nil {
		t.Fatal(err)
	}
	const wantEnc = "65588b3350ef784e5b43a7cd09e5e0311f5d0d17554c1f8aa98950ad04a7647e64d22aedcb1117c5db9a27ca9adcb16570aed68999482969d5dddc0dfe8aeb867fb426a220b66068fb320ec3c58e817a8b136a78c821837a98b3cbb7d4b3b59c6ab2bb9d71714e7c"
	if got := hex.EncodeToString(enc); got != wantEnc {
		t.Fatalf("encrypted_message =\n%s\nwant\n%s", got, wantEnc)
	}
	var body bin.Buffer
	req := &tg.AuthBindTempAuthKeyRequest{PermAuthKeyID: key.IntID(), Nonce: inner.Nonce, ExpiresAt: inner.ExpiresAt, EncryptedMessage: enc}
	if err := req.Encode(&body); err != nil {
		t.Fatal(err)
	}
	const wantBody = "052ad4cd65588b3350ef784e8877665544332211804255656865588b3350ef784e5b43a7cd09e5e0311f5d0d17554c1f8aa98950ad04a7647e64d22aedcb1117c5db9a27ca9adcb16570aed68999482969d5dddc0dfe8aeb867fb426a220b66068fb320ec3c58e817a8b136a78c821837a98b3cbb7d4b3b59c6ab2bb9d71714e7c000000"
	if got := hex.EncodeToString(body.Buf); got != wantBody {
		t.Fatalf("bind body =\n%s\nwant\n%s", got, wantBody)
	}
}
