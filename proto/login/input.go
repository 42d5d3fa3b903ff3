package login

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// NormalizePhone reads a phone number as people type it ("+1 (555)
// 010-9999", "99966 2 1234") and returns its digits, the form
// auth.sendCode takes. E.164 numbers have at most 15 digits; fewer than 5
// is a typo, not a number.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", fmt.Errorf("phone number %q: unexpected %q", s, r)
		}
	}
	d := b.String()
	if len(d) < 5 || len(d) > 15 {
		return "", fmt.Errorf("phone number %q: want 5 to 15 digits, got %d", s, len(d))
	}
	return d, nil
}

// ParseBotToken checks the shape of a @BotFather token, "<bot id>:<secret>",
// and returns the bot's user id. The secret is not interpreted: only the
// server can check it.
func ParseBotToken(s string) (int64, error) {
	id, secret, ok := strings.Cut(s, ":")
	if !ok {
		return 0, errors.New("bot token: want <bot id>:<secret>, as @BotFather gives it")
	}
	n, err := strconv.ParseInt(id, 10, 64)
	// The id is written as @BotFather writes it: digits, no sign, no
	// leading zero, so one token has one spelling.
	if err != nil || n <= 0 || id[0] == '+' || id[0] == '0' {
		return 0, fmt.Errorf("bot token: %q is not a bot id", id)
	}
	if len(secret) < 20 {
		return 0, errors.New("bot token: the part after ':' is too short")
	}
	for _, r := range secret {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return 0, fmt.Errorf("bot token: unexpected %q after ':'", r)
		}
	}
	return n, nil
}
