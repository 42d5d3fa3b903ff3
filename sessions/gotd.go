package sessions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"tgpfs/sessions/safetext"

	"github.com/gotd/td/session"
)

// Gotd is gotd's session.FileStorage: {"Version":1,"Data":session.Data}.
// Reading and writing go through gotd's own session.Loader so the JSON is
// exactly what a gotd client reads and writes.
const Gotd Format = "gotd"

var gotdFormat = &Descriptor{
	Format:  Gotd,
	Name:    "gotd session.FileStorage (JSON)",
	Kind:    KindFile,
	Records: Recorded{Addr: true, TestMode: true},
	text: &textCodec{
		detect: func(s string) match {
			if strings.HasPrefix(s, "{") {
				return sure
			}
			return noMatch
		},
		decode: func(s string) (*Session, error) { return decodeGotd([]byte(s)) },
		encode: encodeGotd,
	},
}

func decodeGotd(buf []byte) (*Session, error) {
	var probe struct {
		Version *int
		Data    *json.RawMessage
	}
	if err := json.Unmarshal(buf, &probe); err != nil {
		return nil, formatErr(Gotd, "bad JSON: %v", err)
	}
	if probe.Version == nil || probe.Data == nil {
		return nil, formatErr(Gotd, `JSON object has no "Version" and "Data" fields`)
	}
	st := new(session.StorageMemory)
	if err := st.StoreSession(context.Background(), buf); err != nil {
		return nil, formatErr(Gotd, "%v", err)
	}
	d, err := (&session.Loader{Storage: st}).Load(context.Background())
	if err != nil {
		if errors.Is(err, session.ErrNotFound) {
			return nil, formatErr(Gotd, "version %d, gotd reads only version 1", *probe.Version)
		}
		return nil, formatErr(Gotd, "%v", err)
	}
	if len(d.AuthKey) != KeySize {
		return nil, formatErr(Gotd, "AuthKey is %d bytes, want %d", len(d.AuthKey), KeySize)
	}
	id := KeyIDOf(d.AuthKey).Wire()
	if len(d.AuthKeyID) != 0 && !bytes.Equal(d.AuthKeyID, id[:]) {
		return nil, formatErr(Gotd, "AuthKeyID does not match SHA1 of AuthKey: the file is corrupt (gotd refuses it too)")
	}
	s := &Session{
		Format:  Gotd,
		Version: "Version 1",
		Why:     `JSON object {"Version":1,"Data":{...}} with a 256-byte AuthKey (gotd session.FileStorage)`,
		DC:      d.DC,
		AuthKey: append([]byte(nil), d.AuthKey...),
	}
	if d.Config.ThisDC != 0 || d.Config.Date != 0 || len(d.Config.DCOptions) > 0 {
		s.TestMode, s.TestModeKnown = d.Config.TestMode, true
	}
	if d.Addr != "" {
		host, port, err := net.SplitHostPort(d.Addr)
		if err != nil {
			return nil, formatErr(Gotd, "Addr %s is not host:port", safetext.Quote(d.Addr))
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 0xffff {
			return nil, formatErr(Gotd, "Addr %s has a bad port", safetext.Quote(d.Addr))
		}
		s.Addr, s.Port = host, p
	}
	s.fillAddr()
	return s, nil
}

func encodeGotd(s *Session) ([]byte, error) {
	d := &session.Data{
		Config: session.Config{ThisDC: s.DC, TestMode: s.TestMode},
		DC:     s.DC,
		Addr:   s.HostPort(),
	}
	id := s.KeyID().Wire()
	d.AuthKey = append([]byte(nil), s.AuthKey...)
	d.AuthKeyID = id[:]
	st := new(session.StorageMemory)
	if err := (&session.Loader{Storage: st}).Save(context.Background(), d); err != nil {
		return nil, fmt.Errorf("encode gotd session: %w", err)
	}
	return st.Bytes(nil)
}
