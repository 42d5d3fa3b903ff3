package handshake

import (
	"crypto/aes"

	"github.com/gotd/ige"
)

func igeEncrypt(key, iv, dst, src []byte) {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	ige.EncryptBlocks(b, iv, dst, src)
}

func igeDecrypt(key, iv, dst, src []byte) { ige.DecryptAES256Blocks(key, iv, dst, src) }
