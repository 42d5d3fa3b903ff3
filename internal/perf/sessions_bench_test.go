package perf

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	gotdsession "github.com/gotd/td/session"
	"github.com/gotd/td/session/tdesktop"

	"tgpfs/sessions"
	"tgpfs/sessions/sessionstest"
)

// fixture is one session in one format, as Load takes it: a string or a path.
type fixture struct {
	format sessions.Format
	input  string
}

// fixtures writes the same session in every format tgpfs reads.
func fixtures(b *testing.B) []fixture {
	b.Helper()
	dir := b.TempDir()
	s := &sessions.Session{DC: 2, Addr: "149.154.167.51", Port: 443, APIID: 12345, UserID: 5_000_000_001, AuthKey: sessionstest.Key(1)}
	var out []fixture
	for _, f := range sessions.Writable {
		if f.IsString() {
			enc, err := sessions.Encode(s, f)
			if err != nil {
				b.Fatalf("encode %s: %v", f, err)
			}
			out = append(out, fixture{f, string(enc)})
			continue
		}
		path := filepath.Join(dir, "s."+string(f))
		if err := sessions.WriteFile(path, s, f, false); err != nil {
			b.Fatalf("write %s: %v", f, err)
		}
		out = append(out, fixture{f, path})
	}
	td := filepath.Join(dir, "tdata")
	if err := os.Mkdir(td, 0o700); err != nil {
		b.Fatal(err)
	}
	sessionstest.WriteTData(b, td, sessionstest.TData{UserID: 5_000_000_001, DC: 2, Key: s.AuthKey})
	return append(out, fixture{sessions.TData, td})
}

// BenchmarkSessionDecode reads one session per format: reader=tgpfs decodes
// it in the format given (sessions.DecodeString for strings, sessions.Load
// for files and folders), reader=tgpfs-load is what the command line does
// (sessions.Load, format detected, a string first tried as a path). Where gotd
// reads the same format (Telethon strings, its own JSON, tdata) it runs as
// reader=gotd in the same process, the baseline for a ratio.
//
//	go test -run '^$' -bench SessionDecode -benchtime 1s -count 3 ./internal/perf/
func BenchmarkSessionDecode(b *testing.B) {
	for _, fx := range fixtures(b) {
		b.Run("format="+string(fx.format)+"/reader=tgpfs", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := decode(fx)
				if err != nil {
					b.Fatal(err)
				}
				if s.DC != 2 || len(s.AuthKey) != sessions.KeySize {
					b.Fatalf("read DC %d, %d-byte key", s.DC, len(s.AuthKey))
				}
			}
		})
		b.Run("format="+string(fx.format)+"/reader=tgpfs-load", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := sessions.Load(fx.input, sessions.LoadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if s.Format != fx.format {
					b.Fatalf("detected %s, want %s", s.Format, fx.format)
				}
			}
		})
		if base := gotdReader(fx); base != nil {
			b.Run("format="+string(fx.format)+"/reader=gotd", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := base(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// decode reads fx in its own format with no detection.
func decode(fx fixture) (*sessions.Session, error) {
	if fx.format.IsString() {
		return sessions.DecodeString(fx.input, fx.format)
	}
	return sessions.Load(fx.input, sessions.LoadOptions{Format: fx.format})
}

// gotdReader is gotd's reader of fx's format, or nil when gotd has none.
func gotdReader(fx fixture) func() error {
	switch fx.format {
	case sessions.Telethon:
		return func() error {
			_, err := gotdsession.TelethonSession(fx.input)
			return err
		}
	case sessions.Gotd:
		return func() error {
			l := gotdsession.Loader{Storage: &gotdsession.FileStorage{Path: fx.input}}
			_, err := l.Load(context.Background())
			return err
		}
	case sessions.TData:
		return func() error {
			accs, err := tdesktop.Read(fx.input, nil)
			if err != nil {
				return err
			}
			_, err = gotdsession.TDesktopSession(accs[0])
			return err
		}
	}
	return nil
}
