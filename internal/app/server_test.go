package app

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotd/td/crypto"

	"tgpfs/proto/localdc"
)

// testKeyPEMs are the local DCs' public test key in both encodings.
func testKeyPEMs(t testing.TB) (pkcs1, pkix []byte, pub *rsa.PublicKey) {
	t.Helper()
	pub = &localdc.TestPrivateKey().PublicKey
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return localdc.PublicKeyPEM(pub), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), pub
}

func TestParsePublicKeys(t *testing.T) {
	pkcs1, pkix, pub := testKeyPEMs(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	private := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)})
	for _, tc := range []struct {
		name   string
		data   []byte
		keys   int
		errHas string
	}{
		{"PKCS#1", pkcs1, 1, ""},
		{"PKIX", pkix, 1, ""},
		{"text around it", append(append([]byte("the server's key:\n"), pkcs1...), "bye\n"...), 1, ""},
		{"two keys", append(append([]byte{}, pkcs1...), pkix...), 2, ""},
		{"1024 bits", localdc.PublicKeyPEM(&small.PublicKey), 0, "a 1024-bit RSA key, want 2048 bits"},
		{"second key bad", append(append([]byte{}, pkcs1...), localdc.PublicKeyPEM(&small.PublicKey)...), 0, "PEM block 2: a 1024-bit"},
		{"EC", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}), 0, "an ECDSA public key, want RSA"},
		{"private key", private, 0, "a private key: give the server's public key"},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), 0, `a "CERTIFICATE" block`},
		{"bad DER", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: []byte{1, 2, 3}}), 0, "not a PKCS#1 RSA public key"},
		{"bad PKIX DER", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}), 0, "not a PKIX public key"},
		{"not PEM", []byte("not a key"), 0, "no PEM block"},
		{"empty", nil, 0, "no PEM block"},
	} {
		keys, err := ParsePublicKeys(tc.data)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.errHas)
			}
			continue
		}
		if err != nil || len(keys) != tc.keys {
			t.Errorf("%s: %d keys, %v; want %d", tc.name, len(keys), err, tc.keys)
			continue
		}
		if crypto.RSAFingerprint(keys[0]) != crypto.RSAFingerprint(pub) {
			t.Errorf("%s: the key read is not the test key", tc.name)
		}
	}
	// A private key's bytes never reach the message.
	_, err = ParsePublicKeys(private)
	if err == nil || strings.Contains(err.Error(), string(private[40:60])) {
		t.Errorf("private key: %v", err)
	}
}

func FuzzParsePublicKeys(f *testing.F) {
	pkcs1, pkix, _ := testKeyPEMs(f)
	f.Add(pkcs1)
	f.Add(pkix)
	f.Add([]byte("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParsePublicKeys(data)
		if err != nil {
			if len(keys) != 0 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("keys %d with error %q", len(keys), err)
			}
			return
		}
		for _, k := range keys {
			if k.N.BitLen() != rsaBits {
				t.Fatalf("a %d-bit key accepted", k.N.BitLen())
			}
		}
	})
}

func TestParseHostPort(t *testing.T) {
	for _, tc := range []struct {
		in     string
		errHas string
	}{
		{"127.0.0.1:44002", ""},
		{"[::1]:443", ""},
		{"localhost:1", ""},
		{"dc2.example.org:65535", ""},
		{"127.0.0.1", "want HOST:PORT: missing port in address"},
		{"127.0.0.1:0", "want a port in 1..65535"},
		{"127.0.0.1:65536", "want a port in 1..65535"},
		{"127.0.0.1:http", "want a port in 1..65535"},
		{":443", "want an IP address or a host name"},
		{"bad host:443", "want an IP address or a host name"},
		{"-x.org:443", "want an IP address or a host name"},
		{"a..b:443", "want an IP address or a host name"},
		{strings.Repeat("a", 64) + ".org:443", "want an IP address or a host name"},
	} {
		_, err := ParseHostPort(tc.in)
		if (tc.errHas == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("ParseHostPort(%q) = %v, want %q", tc.in, err, tc.errHas)
		}
	}
}

// --addr and --pubkey make a target of a running server: no cluster is
// built, the dry run shows the address and the key's fingerprint, and every
// bad combination names its flag.
func TestServerTarget(t *testing.T) {
	dir := t.TempDir()
	pkcs1, _, pub := testKeyPEMs(t)
	pemPath := filepath.Join(dir, "dc.pem")
	if err := os.WriteFile(pemPath, pkcs1, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Defaults()
	cfg.Addr, cfg.PubKey, cfg.DC = "127.0.0.1:44005", pemPath, 5
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.cluster != nil || a.server == nil || a.phone != TestPhone(5) {
		t.Fatalf("cluster %v, server %v, phone %q", a.cluster, a.server, a.phone)
	}
	var out bytes.Buffer
	if err := a.WriteDryRun(&out, true); err != nil {
		t.Fatal(err)
	}
	var plan map[string]any
	if err := json.Unmarshal(out.Bytes(), &plan); err != nil {
		t.Fatal(err)
	}
	fp := fmt.Sprintf("%016x", uint64(crypto.RSAFingerprint(pub)))
	if plan["addr"] != "127.0.0.1:44005" || plan["dc"] != 5.0 || plan["protocol_dc_id"] != 5.0 || plan["rsa_fingerprint"] != fp ||
		!strings.Contains(plan["server"].(string), "--addr") {
		t.Fatalf("dry run %v", plan)
	}
	out.Reset()
	if err := a.WriteDryRun(&out, false); err != nil || !strings.Contains(out.String(), "server           running, given by --addr") {
		t.Fatalf("dry run text: %v\n%s", err, out.String())
	}

	notPEM := filepath.Join(dir, "x.pem")
	if err := os.WriteFile(notPEM, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		edit   func(*Config)
		errHas string
	}{
		{"--pubkey", func(c *Config) { c.Addr = "" }, "goes with --addr"},
		{"--addr", func(c *Config) { c.PubKey = "" }, "needs --pubkey PEM"},
		{"--addr", func(c *Config) { c.Addr = "127.0.0.1" }, "want HOST:PORT"},
		{"--addr", func(c *Config) { c.Env = "test" }, "--dc test connects to Telegram's own addresses"},
		{"--proxy", func(c *Config) { c.Proxy = "1.2.3.4:443:00112233445566778899aabbccddeeff" }, "not with --addr"},
		{"--dc-id", func(c *Config) { c.DC = 10 }, "want 1..9"},
		{"--pubkey", func(c *Config) { c.PubKey = notPEM }, "no PEM block"},
		{"--pubkey", func(c *Config) { c.PubKey = dir }, "not a regular file (a directory)"},
		{"--pubkey", func(c *Config) { c.PubKey = filepath.Join(dir, "missing") }, "no such file"},
	} {
		c := cfg
		tc.edit(&c)
		_, err := New(c)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Name != tc.name || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: %v, want an *InputError about %s with %q", tc.name, err, tc.name, tc.errHas)
		}
	}
}
