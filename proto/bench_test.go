package proto

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/mtproto"
	"github.com/gotd/td/transport"

	"tgpfs/proto/dh"
	"tgpfs/proto/localdc"
)

// childDC is a local DC running in a child process (this test binary,
// re-executed), so that rusage of this process counts the client only.
type childDC struct {
	Addr string
	Key  *rsa.PublicKey
}

func (c childDC) options() Options {
	return Options{
		Target:  Target{Env: "local", DC: 1, Addr: c.Addr, ProtocolDC: 1, PublicKeys: []*rsa.PublicKey{c.Key}},
		TempTTL: time.Hour, AppID: 1, AppHash: "tgpfs-local",
	}
}

const childDCEnv = "TGPFS_BENCH_CHILD_DC"

func startChildDC(b *testing.B) childDC {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperChildDC$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDCEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	var addr, n string
	var e int
	if _, err := fmt.Fscan(stdout, &addr, &n, &e); err != nil {
		b.Fatalf("child DC: %v", err)
	}
	mod, ok := new(big.Int).SetString(n, 16)
	if !ok {
		b.Fatalf("child DC key %q", n)
	}
	return childDC{Addr: addr, Key: &rsa.PublicKey{N: mod, E: e}}
}

// TestHelperChildDC is the child side of startChildDC: it serves one local
// DC until its stdin closes. It does nothing in a normal test run.
func TestHelperChildDC(t *testing.T) {
	if os.Getenv(childDCEnv) != "1" {
		t.Skip("helper process for benchmarks")
	}
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Printf("%s %x %d\n", c.Addr(1), c.PublicKey().N, c.PublicKey().E)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// cpuTime is the CPU time (user+system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds this process's CPU per op. The benchmarks run the local DC
// in a child process, so this is the client's CPU alone.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkRotate compares one temp-key rotation (dial, temp-key exchange,
// bind) through tgpfs and through gotd's own PFS path against the same
// in-process local DC over loopback.
func BenchmarkRotate(b *testing.B) {
	c := startChildDC(b)
	ctx := context.Background()

	b.Run("tgpfs", func(b *testing.B) {
		d := NewDriver(c.options())
		defer d.Close()
		if err := d.Connect(ctx); err != nil {
			b.Fatal(err)
		}
		start := cpuTime()
		b.ResetTimer()
		for b.Loop() {
			if err := d.Rotate(ctx); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, start)
	})

	b.Run("gotd", func(b *testing.B) {
		// One permanent key, made once, as the tgpfs driver holds one.
		d := NewDriver(c.options())
		if err := d.Connect(ctx); err != nil {
			b.Fatal(err)
		}
		var k crypto.Key
		copy(k[:], d.RevealKey(0))
		_ = d.Close()
		perm := k.WithID()
		dialer := func(ctx context.Context) (transport.Conn, error) {
			var dl net.Dialer
			nc, err := dl.DialContext(ctx, "tcp", c.Addr)
			if err != nil {
				return nil, err
			}
			return transport.Intermediate.Handshake(nc)
		}
		errBound := errors.New("bound")
		start := cpuTime()
		b.ResetTimer()
		for b.Loop() {
			conn := mtproto.New(dialer, mtproto.Options{
				DC:         1,
				PublicKeys: []exchange.PublicKey{{RSA: c.Key}},
				EnablePFS:  true,
				PermKey:    perm,
				TempKeyTTL: 3600,
			})
			// Run returns after the exchange and the bind, once the
			// callback does.
			if err := conn.Run(ctx, func(context.Context) error { return errBound }); !errors.Is(err, errBound) {
				b.Fatal(err)
			}
		}
		reportCPU(b, start)
	})
}

// BenchmarkModExp2048 is one 2048-bit modular exponentiation with a
// 2048-bit exponent in Telegram's group: the unit a DH rotation costs two of.
func BenchmarkModExp2048(b *testing.B) {
	p := dh.TelegramPrime()
	e, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 2048))
	if err != nil {
		b.Fatal(err)
	}
	g := big.NewInt(3)
	var out big.Int
	start := cpuTime()
	for b.Loop() {
		out.Exp(g, e, p)
	}
	reportCPU(b, start)
}
