package app

import (
	"fmt"
	"net"
	"strconv"

	"tgpfs/sessions"
	"tgpfs/ui"
)

// SessionFormats offers the permanent key as a session of every library
// whose session is a single piece of text (and gotd's JSON), for the copy
// menu. appID is recorded where a format wants it (Pyrogram).
func SessionFormats(appID int, testMode bool) []ui.SessionFormat {
	var out []ui.SessionFormat
	for _, f := range sessions.Writable {
		if !f.IsString() && f != sessions.Gotd {
			continue
		}
		out = append(out, ui.SessionFormat{
			Name: string(f),
			Encode: func(key []byte, dc int, addr string, userID int64) (string, error) {
				s := sessions.Session{
					Format: f, DC: dc, UserID: userID, APIID: appID, AuthKey: key,
					TestMode: testMode, TestModeKnown: true, Source: "tgpfs",
				}
				if addr != "" {
					host, port, err := net.SplitHostPort(addr)
					if err != nil {
						return "", fmt.Errorf("dc address %q: %w", addr, err)
					}
					p, err := strconv.Atoi(port)
					if err != nil {
						return "", fmt.Errorf("dc port %q: %w", port, err)
					}
					s.Addr, s.Port = host, p
				}
				b, err := sessions.Encode(&s, f)
				if err != nil {
					return "", err
				}
				return string(b), nil
			},
		})
	}
	return out
}
