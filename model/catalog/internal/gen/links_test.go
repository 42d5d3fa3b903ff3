package gen

import (
	"slices"
	"testing"
)

func TestAnchorLinks(t *testing.T) {
	ref := "https://core.telegram.org/method/auth.bindTempAuthKey"
	got := anchorLinks([]string{
		"https://core.telegram.org#binding-message-contents",
		"https://core.telegram.org/api/pfs",
		"https://core.telegram.org/api/pfs#x",
	}, ref)
	want := []string{
		ref + "#binding-message-contents",
		"https://core.telegram.org/api/pfs",
		"https://core.telegram.org/api/pfs#x",
	}
	if !slices.Equal(got, want) {
		t.Errorf("anchorLinks = %q, want %q", got, want)
	}
}
