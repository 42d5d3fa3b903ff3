package dh

import (
	"errors"
	"math/big"
	"testing"
)

func TestTelegramPrimeIsBuiltIn(t *testing.T) {
	c := NewPrimes()
	prov, err := c.CheckPrime(TelegramPrime())
	if err != nil || prov != BuiltIn {
		t.Fatalf("CheckPrime(telegram) = %v, %v; want BuiltIn, nil", prov, err)
	}
	if c.Proofs() != 0 {
		t.Fatalf("built-in prime cost %d proofs", c.Proofs())
	}
}

// The built-in entry must be a real safe prime: prove it once here, so the
// shortcut in CheckPrime is backed by a test and not by trust.
func TestTelegramPrimeIsSafe(t *testing.T) {
	if err := proveSafe(TelegramPrime()); err != nil {
		t.Fatal(err)
	}
}

func TestCheckPrimeCachesVerdicts(t *testing.T) {
	c := NewPrimes()
	// p = Telegram's prime + 2 is odd, 2048 bits, and composite (divisible by 3? no matter: proven bad).
	bad := new(big.Int).Add(TelegramPrime(), big.NewInt(2))
	for i, want := range []Provenance{Proven, Cached} {
		prov, err := c.CheckPrime(bad)
		if !errors.Is(err, ErrNotSafePrime) || prov != want {
			t.Fatalf("call %d: CheckPrime(bad) = %v, %v; want %v, ErrNotSafePrime", i, prov, err, want)
		}
	}
	if c.Proofs() != 1 {
		t.Fatalf("proofs = %d, want 1", c.Proofs())
	}
}

func TestCheckPrimeBitLength(t *testing.T) {
	c := NewPrimes()
	short := new(big.Int).Rsh(TelegramPrime(), 1)
	if _, err := c.CheckPrime(short); !errors.Is(err, ErrNotSafePrime) {
		t.Fatalf("2047-bit prime accepted: %v", err)
	}
	if c.Proofs() != 0 {
		t.Fatal("bit length must be checked before proving")
	}
}

func TestCheckG(t *testing.T) {
	p := TelegramPrime() // p mod 8 = 3, mod 3 = 2, mod 5 = 3, mod 24 = 11, mod 7 = 6
	tests := []struct {
		g  int
		ok bool
	}{{1, false}, {2, false}, {3, true}, {4, true}, {5, false}, {6, false}, {7, true}, {8, false}}
	for _, tt := range tests {
		err := CheckG(tt.g, p)
		if (err == nil) != tt.ok {
			t.Errorf("CheckG(%d) = %v, want ok=%v", tt.g, err, tt.ok)
		}
		// Cross-check with Euler's criterion: g^((p-1)/2) == 1 mod p.
		if tt.g >= 2 && tt.g <= 7 {
			e := new(big.Int).Rsh(p, 1)
			qr := new(big.Int).Exp(big.NewInt(int64(tt.g)), e, p).Cmp(big.NewInt(1)) == 0
			if qr != tt.ok {
				t.Errorf("table and Euler disagree for g=%d", tt.g)
			}
		}
	}
}

func TestRanges(t *testing.T) {
	p := TelegramPrime()
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	tests := []struct {
		name         string
		x            *big.Int
		range_, safe bool
	}{
		{"one", big.NewInt(1), false, false},
		{"two", big.NewInt(2), true, false},
		{"p-1", pm1, false, false},
		{"p-2", new(big.Int).Sub(p, big.NewInt(2)), true, false},
		{"margin", new(big.Int).Set(safeMargin), true, true},
		{"margin-1", new(big.Int).Sub(safeMargin, big.NewInt(1)), true, false},
		{"p-margin", new(big.Int).Sub(p, safeMargin), true, true},
		{"p-margin+1", new(big.Int).Add(new(big.Int).Sub(p, safeMargin), big.NewInt(1)), true, false},
		{"middle", new(big.Int).Rsh(p, 1), true, true},
	}
	for _, tt := range tests {
		if got := CheckRange(tt.x, p) == nil; got != tt.range_ {
			t.Errorf("%s: CheckRange = %v, want %v", tt.name, got, tt.range_)
		}
		if got := CheckSafeRange(tt.x, p) == nil; got != tt.safe {
			t.Errorf("%s: CheckSafeRange = %v, want %v", tt.name, got, tt.safe)
		}
	}
}
