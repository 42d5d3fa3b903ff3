package handshake

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"

	"tgpfs/model"
)

// TestTelegramSample checks the helpers against the official handshake
// sample (pfs-protocol.md §8.1).
func TestTelegramSample(t *testing.T) {
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(strings.ToLower(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var newNonce bin.Int256
	copy(newNonce[:], unhex("A8BBC849512DAC6C67B6EFD9157D6CA7377A1776307D84265C6BE9BDCF802AC1"))
	var serverNonce bin.Int128
	copy(serverNonce[:], unhex("E11DBC3BC97D91A26154F932AF019943"))
	var key crypto.Key
	copy(key[:], unhex("ACA2547BAA3B4B3E6AD9129ADEE796042FC4ACAAABA40DCE7A1196640595829E2BA85C5E68E5D2B7B713B28720CCD0E65DA3B80CD8A9282BDE895755B924F4CBBCED119DEE057D3066D7095C25771A53D9AD6EC3464EE0E7FE1A4D9851F17B6CC7D6E636E0BDEA7D66153CF37005835A528E65673C1F5ADAA27465964BA89AA6FD045108B25B1DC9AB2D979864858C9EACBFA4A399CDBF2154D2CC6743C5CAA40683343D80A36C7F1289DC5AC5EE585DEA1E1CD296444EA6CD8F6C3564B2D355B310A3C02608EEA5EC36D38E941BF811489AB7A24C069E44FF54714CB4A45EEE2F310FDDC0A1B08BD3DFF8801E27C8508EFD7AD51EF3C13EF1D9A02EE4601741"))

	// pq as it travels in resPQ (big-endian bytes): the sample's, and the
	// older example from Telegram's docs.
	p, q, err := factor(unhex("17ED48941A08F981"))
	if err != nil || p != 1229739323 || q != 1402015859 {
		t.Fatalf("factor = %d %d %v", p, q, err)
	}
	p, q, err = factor(unhex("256595EDB7766797"))
	if err != nil || p != 1513098571 || q != 1780931429 {
		t.Fatalf("sample pq factor = %d %d %v", p, q, err)
	}

	aesKey, aesIV := crypto.TempAESKeys(newNonce.BigInt(), serverNonce.BigInt())
	if got := strings.ToUpper(hex.EncodeToString(aesKey)); got != "5EA702F743E850F5546E857F08B7D5337BBAEDF9B61248751594851BE2E8C297" {
		t.Errorf("tmp_aes_key = %s", got)
	}
	if got := strings.ToUpper(hex.EncodeToString(aesIV)); got != "1CEF8E372A63D97EBFA805C0DBB018BC7C1E0931693FBCB1A1AFC0C0A8BBC849" {
		t.Errorf("tmp_aes_iv = %s", got)
	}

	aux := key.AuxHash()
	if got := hex.EncodeToString(aux[:]); got != "20b5c361a4f5a3d0" {
		t.Errorf("aux_hash = %s", got)
	}
	for n, want := range map[byte]string{
		1: "1142871352165E59E1124036B48B97D3",
		2: "20D87DD307142B798B67A8DEA2C22140",
		3: "141C6DB2686EF8DF4E08E685CCD31510",
	} {
		h := NewNonceHash(newNonce, n, aux)
		if got := strings.ToUpper(hex.EncodeToString(h[:])); got != want {
			t.Errorf("new_nonce_hash%d = %s, want %s", n, got, want)
		}
	}
	if id := model.KeyIDFromWire(key.ID()); int64(id) != 5654532459904850021 {
		t.Errorf("auth_key_id = %d", int64(id))
	}
	salt := crypto.ServerSalt(newNonce, serverNonce)
	var wire [8]byte
	binary.LittleEndian.PutUint64(wire[:], uint64(salt))
	if got := hex.EncodeToString(wire[:]); got != "49a6747298503dce" {
		t.Errorf("server_salt wire = %s", got)
	}
}
