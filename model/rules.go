package model

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Telegram's test-DC phone convention (https://core.telegram.org/api/auth#test-accounts):
// the number 99966XYYYY lives on DC X (1..9), and its login code is X
// repeated five times. Telegram's test DCs, the local DCs (proto/localdc)
// and the driver's test-phone login all follow it from here.

// TestPhoneDC is the DC a test phone 99966XYYYY lives on (X), given its
// digits only; ok is false for any other number.
func TestPhoneDC(phone string) (dc int, ok bool) {
	if len(phone) != 10 || !strings.HasPrefix(phone, "99966") || phone[5] < '1' || phone[5] > '9' {
		return 0, false
	}
	for _, c := range phone[6:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	return int(phone[5] - '0'), true
}

// TestPhoneCode is the login code of a test phone: its DC's digit five
// times (9996621234 -> 22222); ok is false for any other number.
func TestPhoneCode(phone string) (code string, ok bool) {
	dc, ok := TestPhoneDC(phone)
	if !ok {
		return "", false
	}
	return strings.Repeat(strconv.Itoa(dc), 5), true
}

// TestPhone is the test phone tgpfs uses for DC dc (1..9): 99966X1234.
func TestPhone(dc int) string { return "99966" + strconv.Itoa(dc) + "1234" }

// Fingerprint is tgpfs's fingerprint of an auth key: the first 8 bytes of
// SHA256(key) in hex. Unlike the key id it is never sent on the wire, so
// people can compare it across tools without revealing which packets a key
// made, and it reveals nothing of the key.
func Fingerprint(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}
