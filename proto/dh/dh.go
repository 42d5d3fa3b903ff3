// Package dh holds the Diffie-Hellman parameter checks of the auth key
// exchange (pfs-protocol.md §2.1 items 3 and 4) and a cache of primes that
// have already been proven safe.
//
// Proving that a 2048-bit dh_prime p and (p-1)/2 are both prime costs about
// 0.4 s. Telegram has sent the same prime for years, so it is built in as
// proven (the docs allow a hard-coded table of known-good primes), and any
// other prime is proven once per process and remembered, good or bad. The
// cheap condition on g (the quadratic-residue table) is checked every time.
package dh

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sync"
)

// Bits is the size of dh_prime.
const Bits = 2048

// telegramPrimeHex is the dh_prime every Telegram DC sends (pfs-protocol.md
// §8.1, the same constant as tdlib's DhCache and tdesktop's IsPrimeAndGood).
const telegramPrimeHex = "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F" +
	"48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37" +
	"20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64" +
	"2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4" +
	"A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754" +
	"FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4" +
	"E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F" +
	"0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B"

// TelegramPrime returns a copy of Telegram's well-known dh_prime.
func TelegramPrime() *big.Int {
	b, err := hex.DecodeString(telegramPrimeHex)
	if err != nil {
		panic(err)
	}
	return new(big.Int).SetBytes(b)
}

// Provenance says how a prime came to be trusted.
type Provenance int

const (
	// BuiltIn primes are Telegram's well-known prime.
	BuiltIn Provenance = iota
	// Cached primes were proven earlier in this process.
	Cached
	// Proven primes were proven by this very call.
	Proven
)

func (p Provenance) String() string {
	return [...]string{"built-in (Telegram's prime)", "proven earlier in this process", "proven now"}[p]
}

// millerRabinRounds matches gotd's crypto.Prime; it runs once per new prime.
const millerRabinRounds = 64

// Primes remembers which primes are safe. The zero value is not usable; use
// NewPrimes. It is safe for concurrent use.
type Primes struct {
	mu      sync.Mutex
	verdict map[string]error // key: big-endian bytes of p
	proofs  int              // primality proofs run, for tests
}

// NewPrimes returns a cache that knows Telegram's prime as proven.
func NewPrimes() *Primes {
	c := &Primes{verdict: make(map[string]error)}
	c.verdict[string(TelegramPrime().Bytes())] = nil
	return c
}

// Default is the process-wide cache.
var Default = NewPrimes()

// ErrNotSafePrime reports a dh_prime that is not a 2048-bit safe prime.
var ErrNotSafePrime = errors.New("dh_prime is not a 2048-bit safe prime")

// CheckPrime reports whether p is a safe prime of exactly 2048 bits, and how
// that is known. The bit length is checked every time; primality once.
func (c *Primes) CheckPrime(p *big.Int) (Provenance, error) {
	if p.BitLen() != Bits {
		return Proven, fmt.Errorf("%w: %d bits", ErrNotSafePrime, p.BitLen())
	}
	key := string(p.Bytes())
	c.mu.Lock()
	defer c.mu.Unlock()
	if err, ok := c.verdict[key]; ok {
		if key == string(TelegramPrime().Bytes()) {
			return BuiltIn, err
		}
		return Cached, err
	}
	// Proving under the lock is deliberate: two handshakes racing on the
	// same new prime should pay for one proof, not two.
	c.proofs++
	err := proveSafe(p)
	c.verdict[key] = err
	return Proven, err
}

// Proofs is the number of primality proofs this cache has run.
func (c *Primes) Proofs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proofs
}

func proveSafe(p *big.Int) error {
	if !p.ProbablyPrime(millerRabinRounds) {
		return fmt.Errorf("%w: p is composite", ErrNotSafePrime)
	}
	half := new(big.Int).Rsh(p, 1) // (p-1)/2 for odd p
	if !half.ProbablyPrime(millerRabinRounds) {
		return fmt.Errorf("%w: (p-1)/2 is composite", ErrNotSafePrime)
	}
	return nil
}

// CheckG reports whether g generates the subgroup of order (p-1)/2, i.e. g is
// a quadratic residue mod p, by the table of pfs-protocol.md §2.1. For a safe
// prime this reduces to p mod 4g.
func CheckG(g int, p *big.Int) error {
	mod := func(m int64) int64 { return new(big.Int).Mod(p, big.NewInt(m)).Int64() }
	in := func(v int64, set ...int64) bool {
		for _, s := range set {
			if v == s {
				return true
			}
		}
		return false
	}
	var ok bool
	var rule string
	switch g {
	case 2:
		ok, rule = mod(8) == 7, "p mod 8 = 7"
	case 3:
		ok, rule = mod(3) == 2, "p mod 3 = 2"
	case 4:
		ok, rule = true, "always"
	case 5:
		ok, rule = in(mod(5), 1, 4), "p mod 5 in {1,4}"
	case 6:
		ok, rule = in(mod(24), 19, 23), "p mod 24 in {19,23}"
	case 7:
		ok, rule = in(mod(7), 3, 5, 6), "p mod 7 in {3,5,6}"
	default:
		return fmt.Errorf("g = %d is outside 2..7", g)
	}
	if !ok {
		return fmt.Errorf("g = %d is not a quadratic residue mod p (needs %s)", g, rule)
	}
	return nil
}

// CheckRange reports whether 1 < x < p-1.
func CheckRange(x, p *big.Int) error {
	one := big.NewInt(1)
	if x.Cmp(one) <= 0 || x.Cmp(new(big.Int).Sub(p, one)) >= 0 {
		return errors.New("not in (1, p-1)")
	}
	return nil
}

// safeMargin is 2^(2048-64), the distance g_a and g_b must keep from 0 and p.
var safeMargin = new(big.Int).Lsh(big.NewInt(1), Bits-64)

// CheckSafeRange reports whether 2^(2048-64) <= x <= p - 2^(2048-64), the
// recommended bound that keeps a DH value away from both ends.
func CheckSafeRange(x, p *big.Int) error {
	if x.Cmp(safeMargin) < 0 || x.Cmp(new(big.Int).Sub(p, safeMargin)) > 0 {
		return errors.New("not in [2^1984, p-2^1984]")
	}
	return nil
}
