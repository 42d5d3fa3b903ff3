package app

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"tgpfs/proto/endpoints"
)

// This file is the target a user names instead of the embedded cluster:
// --addr HOST:PORT and --pubkey PEM point tgpfs's own client at a running
// `tgpfs dc` (or any MTProto server), the way `tgpfs conform` runs it.

// server is a running MTProto server given by --addr and --pubkey.
type server struct {
	addr string
	keys []*rsa.PublicKey
}

// serverWhy bounds --dc-id against a server of one's own: its DCs follow
// the local cluster's test-phone convention.
const serverWhy = "test phones name their DC with one digit"

// remote reads --addr and --pubkey. They go together, with the local
// conventions (no app id needed, protocol dc id = DC number, test phones)
// and without a proxy: the address is the server itself.
func (a *App) remote() error {
	c := a.cfg
	switch {
	case c.Addr == "" && c.PubKey == "":
		return nil
	case c.Addr == "":
		return bad("--pubkey", strconv.Quote(c.PubKey), "goes with --addr HOST:PORT, the server it is the key of")
	case a.env != endpoints.Local:
		return bad("--addr", strconv.Quote(c.Addr), "--dc %s connects to Telegram's own addresses; --addr is for a server of your own", a.env)
	case c.Proxy != "":
		return &InputError{Name: "--proxy", Value: Hidden(c.Proxy), Reason: errors.New("not with --addr: the address is the server itself")}
	case c.Attach != nil:
		return bad("--addr", strconv.Quote(c.Addr), "a running cluster is attached already")
	case c.PubKey == "":
		return bad("--addr", strconv.Quote(c.Addr), "needs --pubkey PEM, the server's RSA public key (tgpfs dc --pubkey-out writes it)")
	}
	addr, err := ParseHostPort(c.Addr)
	if err != nil {
		return bad("--addr", strconv.Quote(c.Addr), "%w", err)
	}
	if err := intIn("--dc-id", c.DC, 1, maxDCs, serverWhy); err != nil {
		return err
	}
	data, err := readSmallFile("--pubkey", c.PubKey)
	if err != nil {
		return err
	}
	keys, err := ParsePublicKeys(data)
	if err != nil {
		return bad("--pubkey", strconv.Quote(c.PubKey), "%w", err)
	}
	a.server = &server{addr: addr, keys: keys}
	return nil
}

// ParseHostPort checks a HOST:PORT to dial: a host (an IP address or a
// name) and a port in 1..65535. It returns the address as given.
func ParseHostPort(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err)
		}
		return "", fmt.Errorf("want HOST:PORT: %w", err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", errors.New("want a port in 1..65535")
	}
	if net.ParseIP(host) == nil && !hostName(host) {
		return "", errors.New("want an IP address or a host name before the port")
	}
	return s, nil
}

// hostName reports whether s is a DNS name: labels of letters, digits and
// hyphens, at most 253 characters.
func hostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// rsaBits is the size MTProto's RSA_PAD needs: it encrypts exactly 256
// bytes.
const rsaBits = 2048

// ParsePublicKeys reads every RSA public key in PEM data: PKCS#1 ("RSA
// PUBLIC KEY", as tgpfs dc --pubkey-out and Telegram's clients write it) or
// PKIX ("PUBLIC KEY", as openssl rsa -pubout does). Each must be a 2048-bit
// RSA key. Text around the blocks is skipped; a private key is refused by
// name, without a word of its content.
func ParsePublicKeys(data []byte) ([]*rsa.PublicKey, error) {
	var keys []*rsa.PublicKey
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		k, err := publicKey(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		if k.N.BitLen() != rsaBits {
			return nil, fmt.Errorf("PEM block %d: a %d-bit RSA key, want %d bits (RSA_PAD encrypts 256 bytes)", n, k.N.BitLen(), rsaBits)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block: want an RSA public key (tgpfs dc --pubkey-out writes one)")
	}
	return keys, nil
}

func publicKey(block *pem.Block) (*rsa.PublicKey, error) {
	switch block.Type {
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, errors.New("not a PKCS#1 RSA public key")
		}
		return k, nil
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, errors.New("not a PKIX public key")
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("an %s public key, want RSA", keyKind(k))
		}
		return rk, nil
	}
	if strings.Contains(block.Type, "PRIVATE") {
		return nil, errors.New("a private key: give the server's public key (tgpfs dc --pubkey-out writes it)")
	}
	return nil, fmt.Errorf("a %q block, want RSA PUBLIC KEY or PUBLIC KEY", block.Type)
}

func keyKind(k any) string {
	name := fmt.Sprintf("%T", k) // *ecdsa.PublicKey, ed25519.PublicKey
	name = strings.TrimPrefix(name, "*")
	name, _, _ = strings.Cut(name, ".")
	return strings.ToUpper(name)
}

// endpoint is where the driver connects on the server.
func (s *server) endpoint(dc int) endpoints.Endpoint {
	return endpoints.Endpoint{Env: endpoints.Local, DC: dc, Addr: s.addr,
		ProtocolDC: endpoints.ProtocolDCID(dc, false, false), PublicKeys: s.keys}
}
