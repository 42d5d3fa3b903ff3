package localdc

import (
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
)

// testKeyPEM is the RSA key pair every local DC uses unless Config.Key says
// otherwise. It is a PUBLIC TEST KEY: committed on purpose, not secret, and
// good for nothing but talking to a local DC.
//
//go:embed testkey.pem
var testKeyPEM []byte

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
	testKeyErr  error
)

// TestPrivateKey returns the committed public test key pair of the local DC.
func TestPrivateKey() *rsa.PrivateKey {
	testKeyOnce.Do(func() { testKey, testKeyErr = ParsePrivateKeyPEM(testKeyPEM) })
	if testKeyErr != nil {
		// The file is part of the source tree; a broken one is a build bug.
		panic(fmt.Sprintf("localdc: committed test key: %v", testKeyErr))
	}
	return testKey
}

// TestPublicKeyPEM returns the public half of the committed test key as a
// PKCS#1 "RSA PUBLIC KEY" PEM block, the form Telegram clients embed.
func TestPublicKeyPEM() []byte { return PublicKeyPEM(&TestPrivateKey().PublicKey) }

// PublicKeyPEM encodes pub as a PKCS#1 "RSA PUBLIC KEY" PEM block.
func PublicKeyPEM(pub *rsa.PublicKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)})
}

// ParsePrivateKeyPEM reads the first RSA private key (PKCS#1 or PKCS#8) in
// data, skipping any text before it. The key must be 2048 bits: RSA_PAD
// produces exactly 256 bytes.
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no RSA private key in PEM data")
		}
		var key *rsa.PrivateKey
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS#1 private key: %w", err)
			}
			key = k
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS#8 private key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("private key is %T, want RSA", k)
			}
			key = rk
		default:
			continue
		}
		if key.N.BitLen() != 2048 {
			return nil, fmt.Errorf("RSA key has %d bits, want 2048", key.N.BitLen())
		}
		return key, nil
	}
}
