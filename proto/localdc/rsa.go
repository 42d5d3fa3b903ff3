package localdc

import (
	"crypto/aes"
	"crypto/rsa"
	"crypto/sha1" // #nosec G505 -- the pre-2021 RSA scheme is defined with SHA1
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
)

// rsaScheme is how a client encrypted p_q_inner_data for req_DH_params.
type rsaScheme string

const (
	// schemeRSAPad is RSA_PAD, the scheme since 2021 (pfs-protocol.md
	// §1.4): RSA over temp_key_xor | AES-IGE(reversed(data | padding) |
	// SHA256(temp_key | data | padding)).
	schemeRSAPad rsaScheme = "rsa_pad"
	// schemeRSASHA1 is the scheme before it: RSA over SHA1(data) | data |
	// random padding, 255 bytes, so the number is below any 2048-bit
	// modulus. Telethon 1.x (every release to 1.37 at least) still sends
	// it, and Telegram still accepts it.
	schemeRSASHA1 rsaScheme = "rsa_sha1"
)

// Sizes of the two schemes' blocks (pfs-protocol.md §1.4).
const (
	rsaBlock      = 256 // encrypted_data, and RSA_PAD's key_aes_encrypted
	rsaPadTempKey = 32  // temp_key_xor
	rsaPadData    = 192 // data_with_padding
	rsaSHA1Block  = 255 // the old scheme's data_with_hash
)

// decryptInnerData undoes req_DH_params's RSA encryption in either scheme
// and returns the plaintext (p_q_inner_data and whatever padding follows)
// and the scheme the client used. One private-key operation serves both:
// RSA_PAD's SHA256 is tried first, then the old scheme's SHA1.
func decryptInnerData(enc []byte, key *rsa.PrivateKey) ([]byte, rsaScheme, error) {
	const step = "req_DH_params"
	if len(enc) != rsaBlock {
		return nil, "", refused(step, refusePadding, "encrypted_data is %d bytes, want %d", len(enc), rsaBlock)
	}
	c := new(big.Int).SetBytes(enc)
	if c.Cmp(key.N) >= 0 {
		return nil, "", refused(step, refusePadding, "encrypted_data is not below the RSA modulus")
	}
	var m [rsaBlock]byte
	rsaDecryptRaw(key, c).FillBytes(m[:])

	if plain, ok := openRSAPad(m); ok {
		return plain, schemeRSAPad, nil
	}
	// The old scheme encrypts a 255-byte number: its first byte is zero.
	if m[0] == 0 {
		if plain, ok := openRSASHA1(m[1:]); ok {
			return plain, schemeRSASHA1, nil
		}
	}
	return nil, "", refused(step, refuseHash, "neither RSA_PAD's SHA256 nor the SHA1 of the older scheme matches")
}

// openRSAPad undoes RSA_PAD on the decrypted 256-byte key_aes_encrypted.
func openRSAPad(m [rsaBlock]byte) ([]byte, bool) {
	aesEncrypted := m[rsaPadTempKey:]
	h := sha256.Sum256(aesEncrypted)
	var tempKey [rsaPadTempKey]byte
	subtle.XORBytes(tempKey[:], m[:rsaPadTempKey], h[:])
	var zeroIV [32]byte
	dataWithHash, err := decryptIGE(aesEncrypted, tempKey[:], zeroIV[:])
	if err != nil {
		return nil, false
	}
	data := dataWithHash[:rsaPadData]
	for i, j := 0, len(data)-1; i < j; i, j = i+1, j-1 {
		data[i], data[j] = data[j], data[i]
	}
	sum := sha256.New()
	sum.Write(tempKey[:])
	sum.Write(data)
	return data, subtle.ConstantTimeCompare(sum.Sum(nil), dataWithHash[rsaPadData:]) == 1
}

// openRSASHA1 checks the old scheme's 255-byte SHA1(data) | data | padding.
// The length of data is not on the wire: p_q_inner_data is decoded from
// the front and the hash checked over exactly what it took.
func openRSASHA1(block []byte) ([]byte, bool) {
	if len(block) != rsaSHA1Block {
		return nil, false
	}
	rest := block[sha1.Size:]
	b := &bin.Buffer{Buf: rest}
	if _, err := mt.DecodePQInnerData(b); err != nil {
		return nil, false
	}
	data := rest[:len(rest)-b.Len()]
	sum := sha1.Sum(data) // #nosec G401
	return data, subtle.ConstantTimeCompare(sum[:], block[:sha1.Size]) == 1
}

// rsaDecryptRaw is textbook RSA decryption, c^d mod n, with the CRT values
// the key carries when it has them (four times faster than one
// exponentiation by d). Telegram's schemes do their own padding, so
// crypto/rsa's PKCS#1 and OAEP decryptions do not apply.
func rsaDecryptRaw(k *rsa.PrivateKey, c *big.Int) *big.Int {
	pc := k.Precomputed
	if len(k.Primes) != 2 || pc.Dp == nil || pc.Dq == nil || pc.Qinv == nil {
		return new(big.Int).Exp(c, k.D, k.N)
	}
	p, q := k.Primes[0], k.Primes[1]
	m1 := new(big.Int).Exp(new(big.Int).Mod(c, p), pc.Dp, p)
	m2 := new(big.Int).Exp(new(big.Int).Mod(c, q), pc.Dq, q)
	// m = m2 + q * (qinv * (m1 - m2) mod p)
	h := m1.Sub(m1, m2)
	h.Mul(h, pc.Qinv).Mod(h, p)
	return h.Mul(h, q).Add(h, m2)
}

// decryptIGE is AES-256-IGE decryption of a whole number of blocks.
func decryptIGE(enc, key, iv []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	out := make([]byte, len(enc))
	ige.DecryptBlocks(block, iv, out, enc)
	return out, nil
}
