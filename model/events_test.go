package model

import "testing"

// TestServerEventTone: the kinds a watcher must notice are problems or
// warnings, in every view of the DC (ui's Server screen, ui/dcview).
func TestServerEventTone(t *testing.T) {
	for _, tt := range []struct {
		k    ServerEventKind
		want Tone
	}{
		{SrvKeyNotFound, ToneProblem},
		{SrvRPCError, ToneProblem},
		{SrvHandshakeFailed, ToneProblem},
		{SrvAcceptFailing, ToneWarning},
		{SrvProbe, ToneWarning},
		{SrvAcceptRecovered, ToneGood},
		{SrvKeyBound, ToneGood},
		{SrvKeyCreated, ToneNew},
		{SrvKeyExpired, ToneEnded},
		{SrvExport, TonePlain},
		{SrvRule, TonePlain},
	} {
		if got := tt.k.Tone(); got != tt.want {
			t.Errorf("%s: tone %d, want %d", tt.k, got, tt.want)
		}
	}
}
