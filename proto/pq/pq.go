// Package pq splits the pq of a resPQ into its two prime factors.
//
// The server sends pq as a product of two distinct primes below 2^32, so the
// whole job fits in 64-bit words. Pollard-Brent with Montgomery-free 128-bit
// products (math/bits) does it in microseconds, where gotd's big.Int version
// allocates on every step.
package pq

import (
	"errors"
	"fmt"
	"math/bits"
)

// ErrNotSemiprime is returned when pq has no split into two factors > 1.
var ErrNotSemiprime = errors.New("pq is not a product of two factors")

// Factor returns p < q with p*q == pq and both > 1. Deterministic: it uses a
// fixed sequence of Pollard-Brent seeds, so the same pq always costs the same.
func Factor(pq uint64) (p, q uint64, err error) {
	switch {
	case pq < 4:
		return 0, 0, fmt.Errorf("factor pq %d: %w", pq, ErrNotSemiprime)
	case pq%2 == 0:
		return order(2, pq/2)
	}
	// Small odd factors first: Pollard's rho can cycle without a split when
	// a factor is tiny, and trial division costs nothing here.
	for d := uint64(3); d < 64 && d*d <= pq; d += 2 {
		if pq%d == 0 {
			return order(d, pq/d)
		}
	}
	if isPrime(pq) {
		return 0, 0, fmt.Errorf("factor pq %d: prime: %w", pq, ErrNotSemiprime)
	}
	for c := uint64(1); c < 64; c++ {
		if d := brent(pq, c); d != 0 {
			return order(d, pq/d)
		}
	}
	return 0, 0, fmt.Errorf("factor pq %d: %w", pq, ErrNotSemiprime)
}

func order(a, b uint64) (uint64, uint64, error) {
	if a > b {
		a, b = b, a
	}
	return a, b, nil
}

// mulmod returns a*b mod m for a, b < m without overflow.
func mulmod(a, b, m uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	_, rem := bits.Div64(hi, lo, m)
	return rem
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// brent runs Pollard-Brent with f(x) = x^2 + c mod n and returns a non-trivial
// factor, or 0 when this c failed (the caller tries the next c).
func brent(n, c uint64) uint64 {
	const batch = 128 // gcds are batched: one gcd per 128 products
	f := func(x uint64) uint64 { return (mulmod(x, x, n) + c) % n }
	y, r, q := uint64(2), uint64(1), uint64(1)
	var x, ys, g uint64
	for g = 1; g == 1; r *= 2 {
		x = y
		for i := uint64(0); i < r; i++ {
			y = f(y)
		}
		for k := uint64(0); k < r && g == 1; k += batch {
			ys = y
			for i := uint64(0); i < min(batch, r-k); i++ {
				y = f(y)
				q = mulmod(q, absDiff(x, y), n)
			}
			g = gcd(q, n)
		}
		if r > 1<<40 {
			return 0
		}
	}
	if g == n {
		// The batch overshot: walk it again one step at a time.
		for g = 1; g == 1; {
			ys = f(ys)
			g = gcd(absDiff(x, ys), n)
		}
	}
	if g == n || g == 1 {
		return 0
	}
	return g
}

// isPrime is a deterministic Miller-Rabin test for 64-bit n: the first twelve
// prime bases are proven sufficient below 3.3e24.
func isPrime(n uint64) bool {
	if n < 2 {
		return false
	}
	bases := [...]uint64{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}
	for _, p := range bases {
		if n%p == 0 {
			return n == p
		}
	}
	d, s := n-1, 0
	for d%2 == 0 {
		d /= 2
		s++
	}
next:
	for _, a := range bases {
		x := powmod(a, d, n)
		if x == 1 || x == n-1 {
			continue
		}
		for i := 1; i < s; i++ {
			x = mulmod(x, x, n)
			if x == n-1 {
				continue next
			}
		}
		return false
	}
	return true
}

func powmod(a, e, m uint64) uint64 {
	r := uint64(1)
	a %= m
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = mulmod(r, a, m)
		}
		a = mulmod(a, a, m)
	}
	return r
}
