// Package layers holds the range of API layers tlayer serves and the
// set-of-layers type its data is written in, shared by the generator
// that writes the data and the package that reads it.
package layers

import (
	"fmt"
	"strconv"
	"strings"
)

// The layers served: from the first with 64-bit user ids to gotd
// v0.162.0's.
const (
	Min = 133
	Max = 229
	N   = Max - Min + 1
)

// Set is a set of layers, held by index (layer - Min).
type Set [(N + 63) / 64]uint64

// Add puts the layer of index i in the set.
func (s *Set) Add(i int) { s[i/64] |= 1 << (i % 64) }

// Has reports whether the layer of index i is in the set.
func (s *Set) Has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }

// Overlaps reports whether the sets share a layer.
func (s *Set) Overlaps(o *Set) bool {
	for i := range s {
		if s[i]&o[i] != 0 {
			return true
		}
	}
	return false
}

// Union adds every layer of o.
func (s *Set) Union(o *Set) {
	for i := range s {
		s[i] |= o[i]
	}
}

// First returns the lowest layer in the set, Max+1 if none.
func (s *Set) First() int {
	i := 0
	for i < N && !s.Has(i) {
		i++
	}
	return Min + i
}

// String writes the set as the data does: layer ranges, "133-151,160-229".
func (s *Set) String() string {
	var parts []string
	for i := 0; i < N; i++ {
		if !s.Has(i) {
			continue
		}
		j := i
		for j+1 < N && s.Has(j+1) {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(Min+i))
		} else {
			parts = append(parts, strconv.Itoa(Min+i)+"-"+strconv.Itoa(Min+j))
		}
		i = j
	}
	return strings.Join(parts, ",")
}

// Parse reads what String writes.
func Parse(text string) (Set, error) {
	var s Set
	for part := range strings.SplitSeq(text, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < Min || b > Max || a > b {
			return s, fmt.Errorf("bad layer range %q", part)
		}
		for l := a; l <= b; l++ {
			s.Add(l - Min)
		}
	}
	return s, nil
}
