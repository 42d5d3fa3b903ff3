package perf

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"tgpfs/proto/localdc"
)

// serveEnv makes the test binary a local DC instead of running tests: the
// CPU benchmarks put the server in another process so that the process's
// own CPU time is the client's alone.
const serveEnv = "TGPFS_PERF_SERVE_DC"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) != "" {
		os.Exit(serveDC())
	}
	if mode := os.Getenv(serveObservedEnv); mode != "" {
		os.Exit(serveObservedDC(mode == "on"))
	}
	os.Exit(m.Run())
}

// serveDC runs one local DC, prints its address and serves until stdin closes.
func serveDC() int {
	c, err := localdc.Start(context.Background(), localdc.Config{DCs: 1, MaxConnsPerDC: 1024})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(c.Addr(1))
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = c.Close()
	return 0
}

// startDCProcess runs serveDC in a child process of this test binary.
func startDCProcess(tb testing.TB) server {
	tb.Helper()
	srv, _, _ := childDC(tb, serveEnv+"=1")
	return srv
}

// childDC runs this test binary as a DC in a child process, env (one
// NAME=VALUE) choosing which: the child prints its address first. It
// returns the server, the child's stdin (closing it, as server.close does,
// stops the child) and the rest of the child's stdout.
func childDC(tb testing.TB, env string) (server, io.Writer, *bufio.Reader) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), env)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start DC process: %v", err)
	}
	stop := func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil {
		stop()
		tb.Fatalf("DC process address: %v", err)
	}
	return server{addr: strings.TrimSpace(line), dc: 1, pub: &localdc.TestPrivateKey().PublicKey, close: stop}, stdin, out
}
