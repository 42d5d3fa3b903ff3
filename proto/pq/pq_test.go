package pq

import (
	"crypto/rand"
	"errors"
	"math/big"
	"testing"
)

func TestFactor(t *testing.T) {
	tests := []struct {
		name string
		pq   uint64
		p, q uint64
	}{
		{"telegram sample", 2694724800268887959, 1513098571, 1780931429},
		{"small", 15, 3, 5},
		{"even", 2 * 4294967291, 2, 4294967291},
		{"square", 4294967291 * 4294967291, 4294967291, 4294967291},
		{"two 32-bit primes", 4294967279 * 4294967291, 4294967279, 4294967291},
		{"uneven", 65537 * 4294967291, 65537, 4294967291},
		{"gotd test", 0x17ED48941A08F981, 0x494C553B, 0x53911073},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, q, err := Factor(tt.pq)
			if err != nil {
				t.Fatalf("Factor(%d): %v", tt.pq, err)
			}
			if p != tt.p || q != tt.q {
				t.Fatalf("Factor(%d) = %d, %d; want %d, %d", tt.pq, p, q, tt.p, tt.q)
			}
		})
	}
}

func TestFactorRejects(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 4294967291, 18446744073709551557} { // primes have no split
		if _, _, err := Factor(n); !errors.Is(err, ErrNotSemiprime) {
			t.Errorf("Factor(%d) err = %v, want ErrNotSemiprime", n, err)
		}
	}
}

func TestFactorRandomPrimes(t *testing.T) {
	for i := 0; i < 50; i++ {
		p, _ := rand.Prime(rand.Reader, 31)
		q, _ := rand.Prime(rand.Reader, 32)
		n := new(big.Int).Mul(p, q).Uint64()
		gp, gq, err := Factor(n)
		if err != nil {
			t.Fatalf("Factor(%d): %v", n, err)
		}
		if gp*gq != n || gp > gq || gp == 1 {
			t.Fatalf("Factor(%d) = %d, %d", n, gp, gq)
		}
	}
}

func FuzzFactor(f *testing.F) {
	f.Add(uint64(2694724800268887959))
	f.Add(uint64(15))
	f.Add(uint64(1))
	f.Add(uint64(18446744073709551557))
	f.Fuzz(func(t *testing.T, n uint64) {
		p, q, err := Factor(n)
		if err != nil {
			if big.NewInt(0).SetUint64(n).ProbablyPrime(20) || n < 4 {
				return
			}
			t.Fatalf("Factor(%d) failed on a composite: %v", n, err)
		}
		hi, lo := mulHiLo(p, q)
		if hi != 0 || lo != n || p < 2 || p > q {
			t.Fatalf("Factor(%d) = %d, %d", n, p, q)
		}
	})
}

func mulHiLo(a, b uint64) (uint64, uint64) {
	x := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
	return new(big.Int).Rsh(x, 64).Uint64(), x.Uint64()
}

func BenchmarkFactor(b *testing.B) {
	for b.Loop() {
		if _, _, err := Factor(2694724800268887959); err != nil {
			b.Fatal(err)
		}
	}
}
