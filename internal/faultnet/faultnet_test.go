package faultnet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// echoServer echoes every connection until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func TestFaults(t *testing.T) {
	addr := echoServer(t)
	payload := []byte("0123456789abcdef")
	for _, tc := range []struct {
		fault    Fault
		wantErr  bool
		wantEcho []byte
	}{
		{Fault{}, false, payload},
		{Fault{Kind: CorruptWrite, Offset: 3}, false, []byte("012\xcc456789abcdef")},
		{Fault{Kind: CorruptRead, Offset: 15}, false, []byte("0123456789abcde\x99")},
		{Fault{Kind: Delay, Offset: 0, Delay: time.Millisecond}, false, payload},
		{Fault{Kind: CutWrite, Offset: 4}, true, nil},
		{Fault{Kind: CutRead, Offset: 4}, true, nil},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			d := &Dialer{Plan: func(int) Fault { return tc.fault }}
			c, err := d.DialContext(context.Background(), "tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, werr := c.Write(payload)
			got := make([]byte, len(payload))
			_, rerr := io.ReadFull(c, got)
			if tc.wantErr {
				if werr == nil && rerr == nil {
					t.Fatal("cut did not surface as an error")
				}
				if d.Injected() != 1 {
					t.Fatalf("injected = %d, want 1", d.Injected())
				}
				return
			}
			if werr != nil || rerr != nil {
				t.Fatalf("write %v, read %v", werr, rerr)
			}
			if !bytes.Equal(got, tc.wantEcho) {
				t.Fatalf("echo = %q, want %q", got, tc.wantEcho)
			}
			wantInjected := 1
			if tc.fault.Kind == None {
				wantInjected = 0
			}
			if d.Injected() != wantInjected {
				t.Fatalf("injected = %d, want %d", d.Injected(), wantInjected)
			}
		})
	}
}

func TestCutWriteKeepsPrefix(t *testing.T) {
	addr := echoServer(t)
	d := &Dialer{Plan: func(n int) Fault {
		if n == 1 {
			return Fault{Kind: CutWrite, Offset: 4}
		}
		return Fault{}
	}}
	ctx := context.Background()
	first, _ := d.DialContext(ctx, "tcp", addr)
	first.Close()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Write([]byte("abcdefgh"))
	if n != 4 || !errors.Is(err, ErrInjected) {
		t.Fatalf("Write = %d, %v; want 4, ErrInjected", n, err)
	}
	if d.Dials() != 2 {
		t.Fatalf("dials = %d", d.Dials())
	}
}
