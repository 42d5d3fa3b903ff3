package login

import (
	"testing"

	"tgpfs/internal/leakcheck"
)

// TestMain fails the package if a test leaves goroutines behind: every
// connection and cluster a test opens must be closed by it.
func TestMain(m *testing.M) { leakcheck.Main(m) }
