// Package endpoints resolves where tgpfs connects: the DC address, the dc id
// the handshake must carry, the RSA key the server proves itself with, the
// transport, and the app credentials real DCs require. It does no I/O beyond
// reading the environment through a function it is given, so `--dry-run` can
// show every decision without touching the network.
package endpoints

import (
	"crypto/rsa"
	_ "embed"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram/dcs"
)

// Env names a family of DCs.
type Env string

const (
	// Local is the embedded cluster of local DCs (proto/localdc).
	Local Env = "local"
	// Test is Telegram's test DCs (protocol dc ids 10000+n).
	Test Env = "test"
	// Prod is Telegram's production DCs.
	Prod Env = "prod"
)

// ParseEnv accepts "local", "test" and "prod" (and "production").
func ParseEnv(s string) (Env, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "local", "":
		return Local, nil
	case "test":
		return Test, nil
	case "prod", "production":
		return Prod, nil
	}
	return "", fmt.Errorf("unknown DC family %q: want local, test or prod", s)
}

// Telegram's RSA public keys as shipped by tdlib and Telegram Desktop
// (pfs-protocol.md §9.1): production first, then the test DCs' key.
//
//go:embed telegram_keys.pem
var telegramKeysPEM []byte

// Fingerprints of the embedded keys, as Telegram computes them: the low 64
// bits of SHA1 over the TL serialisation of rsa_public_key n:string e:string.
const (
	ProdKeyFingerprint = int64(-3414540481677951611) // 0xd09d1d85de64fd85
	TestKeyFingerprint = int64(-5595554452916591101) // 0xb25898df208d2603
)

var telegramKeys = sync.OnceValues(func() ([]*rsa.PublicKey, error) {
	keys, err := crypto.ParseRSAPublicKeys(telegramKeysPEM)
	if err != nil {
		return nil, fmt.Errorf("parse embedded Telegram RSA keys: %w", err)
	}
	return keys, nil
})

// TelegramKey returns the embedded RSA key Telegram's DCs of env prove
// themselves with. Only test and prod have one.
func TelegramKey(env Env) (*rsa.PublicKey, error) {
	keys, err := telegramKeys()
	if err != nil {
		return nil, err
	}
	want := ProdKeyFingerprint
	if env == Test {
		want = TestKeyFingerprint
	} else if env != Prod {
		return nil, fmt.Errorf("no built-in RSA key for %s DCs", env)
	}
	for _, k := range keys {
		if crypto.RSAFingerprint(k) == want {
			return k, nil
		}
	}
	return nil, fmt.Errorf("embedded Telegram RSA key %016x missing", uint64(want))
}

// ProtocolDCID is the dc value a client puts into p_q_inner_data_dc: the DC
// number, plus 10000 on test servers, negated for media-only DCs
// (tdlib SessionProxy, tdesktop getProtocolDcId). A mismatch gets -444.
func ProtocolDCID(dc int, test, media bool) int {
	id := dc
	if test {
		id += 10000
	}
	if media {
		id = -id
	}
	return id
}

// SplitProtocolDCID reads a protocol dc id back into the DC number and the
// conventions ProtocolDCID made it with: 10000 and more is a test DC, a
// negative id a media DC.
func SplitProtocolDCID(id int) (dc int, test, media bool) {
	if id < 0 {
		id, media = -id, true
	}
	if id > 10000 {
		id, test = id-10000, true
	}
	return id, test, media
}

// MovedProtocolDCID is the protocol dc id of DC to under the conventions of
// id, the protocol dc id of another DC of the same family: the one rule
// for a move to another DC and for an export there. A test DC's 10000+
// stays, and so does a media DC's sign.
func MovedProtocolDCID(id, to int) int {
	_, test, media := SplitProtocolDCID(id)
	return ProtocolDCID(to, test, media)
}

// Endpoint is a resolved place to connect to.
type Endpoint struct {
	Env        Env
	DC         int    // plain DC number, 1..5
	Addr       string // host:port
	ProtocolDC int    // dc id for the handshake
	IPv6       bool
	// PublicKeys the server may prove itself with; nil for Local, where the
	// cluster's own key is given by the caller.
	PublicKeys []*rsa.PublicKey
}

// Fingerprint is the fingerprint of the first public key, or 0.
func (e Endpoint) Fingerprint() int64 {
	if len(e.PublicKeys) == 0 {
		return 0
	}
	return crypto.RSAFingerprint(e.PublicKeys[0])
}

// ResolveOptions tune Resolve.
type ResolveOptions struct {
	IPv6 bool // prefer the IPv6 address
	// Addr overrides the address from the built-in list (e.g. from a
	// session file, or the local cluster's listener).
	Addr string
}

// Resolve finds the endpoint of DC dc in env from gotd's built-in DC lists.
// For Local, opts.Addr is required: the cluster picks its own ports.
func Resolve(env Env, dc int, opts ResolveOptions) (Endpoint, error) {
	ep := Endpoint{Env: env, DC: dc, IPv6: opts.IPv6}
	var list dcs.List
	switch env {
	case Local:
		if opts.Addr == "" {
			return Endpoint{}, fmt.Errorf("local DC %d: no address (the embedded cluster assigns it)", dc)
		}
		// The local cluster runs in test mode, as Telegram's test DCs do.
		ep.Addr, ep.ProtocolDC = opts.Addr, ProtocolDCID(dc, false, false)
		return ep, nil
	case Test:
		list = dcs.Test()
	case Prod:
		list = dcs.Prod()
	default:
		return Endpoint{}, fmt.Errorf("unknown DC family %q", env)
	}
	key, err := TelegramKey(env)
	if err != nil {
		return Endpoint{}, err
	}
	ep.PublicKeys = []*rsa.PublicKey{key}
	ep.ProtocolDC = ProtocolDCID(dc, env == Test, false)
	if opts.Addr != "" {
		ep.Addr = opts.Addr
		return ep, nil
	}
	for _, o := range list.Options {
		if o.ID != dc || o.MediaOnly || o.CDN || o.TCPObfuscatedOnly || o.Ipv6 != opts.IPv6 {
			continue
		}
		ep.Addr = net.JoinHostPort(o.IPAddress, strconv.Itoa(o.Port))
		return ep, nil
	}
	return Endpoint{}, fmt.Errorf("%s DC %d: not in the built-in list (known: %s)", env, dc, knownDCs(list))
}

func knownDCs(list dcs.List) string {
	seen := map[int]bool{}
	var ids []string
	for _, o := range list.Options {
		if !seen[o.ID] && !o.MediaOnly && !o.CDN {
			seen[o.ID] = true
			ids = append(ids, strconv.Itoa(o.ID))
		}
	}
	return strings.Join(ids, ", ")
}
