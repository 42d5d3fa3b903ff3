// Package faultnet injects network faults into client connections so the
// driver's recovery can be exercised on loopback: cut the connection after a
// number of bytes, delay writes, or flip one byte. A Plan says which fault
// hits which dial; the Dialer plugs into proto.Options.Dial.
package faultnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is a fault.
type Kind int

const (
	// None passes traffic through untouched.
	None Kind = iota
	// CutWrite closes the connection once Offset bytes have been written.
	CutWrite
	// CutRead closes the connection once Offset bytes have been read.
	CutRead
	// Delay sleeps Delay before each write at or past Offset.
	Delay
	// CorruptWrite flips the bits of the written byte at Offset.
	CorruptWrite
	// CorruptRead flips the bits of the read byte at Offset.
	CorruptRead
)

func (k Kind) String() string {
	return [...]string{"none", "cut-write", "cut-read", "delay", "corrupt-write", "corrupt-read"}[k]
}

// Fault is one injected fault on one connection.
type Fault struct {
	Kind   Kind
	Offset int64         // byte offset in the stream the fault applies to
	Delay  time.Duration // for Delay
}

func (f Fault) String() string {
	if f.Kind == Delay {
		return fmt.Sprintf("%s %s @%d", f.Kind, f.Delay, f.Offset)
	}
	return fmt.Sprintf("%s @%d", f.Kind, f.Offset)
}

// ErrInjected is the error a cut connection reports.
var ErrInjected = errors.New("faultnet: injected connection cut")

// Dialer dials real connections and wraps the n-th one (counting from 0)
// with the fault Plan returns for it.
type Dialer struct {
	// Plan returns the fault for the n-th dial.
	Plan func(n int) Fault
	// Dial is the underlying dialer; nil means net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	dials    atomic.Int64
	injected atomic.Int64
}

// DialContext dials addr over TCP and wraps the connection.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n := int(d.dials.Add(1) - 1)
	dial := d.Dial
	if dial == nil {
		var nd net.Dialer
		dial = nd.DialContext
	}
	c, err := dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	f := Fault{}
	if d.Plan != nil {
		f = d.Plan(n)
	}
	if f.Kind == None {
		return c, nil
	}
	return &conn{Conn: c, fault: f, onInject: func() { d.injected.Add(1) }}, nil
}

// Dials is how many connections were dialled.
func (d *Dialer) Dials() int { return int(d.dials.Load()) }

// Injected is how many faults actually fired (a fault past the end of the
// traffic never does).
func (d *Dialer) Injected() int { return int(d.injected.Load()) }

type conn struct {
	net.Conn
	fault    Fault
	onInject func()

	mu      sync.Mutex
	written int64
	read    int64
	fired   bool
}

func (c *conn) fire() {
	if !c.fired {
		c.fired = true
		c.onInject()
	}
}

func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	start := c.written
	f := c.fault
	switch f.Kind {
	case CutWrite:
		if start+int64(len(p)) > f.Offset {
			keep := max(f.Offset-start, 0)
			c.written += keep
			c.fire()
			c.mu.Unlock()
			if keep > 0 {
				_, _ = c.Conn.Write(p[:keep])
			}
			_ = c.Conn.Close()
			return int(keep), ErrInjected
		}
	case Delay:
		if start+int64(len(p)) > f.Offset {
			c.fire()
			c.mu.Unlock()
			time.Sleep(f.Delay)
			c.mu.Lock()
		}
	case CorruptWrite:
		if !c.fired && start <= f.Offset && f.Offset < start+int64(len(p)) {
			q := append([]byte(nil), p...)
			q[f.Offset-start] ^= 0xff
			p = q
			c.fire()
		}
	}
	c.written += int64(len(p))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n == 0 {
		return n, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	start := c.read
	c.read += int64(n)
	f := c.fault
	switch f.Kind {
	case CutRead:
		if c.read > f.Offset {
			keep := max(f.Offset-start, 0)
			c.fire()
			_ = c.Conn.Close()
			if keep > 0 {
				return int(keep), nil
			}
			return 0, ErrInjected
		}
	case CorruptRead:
		if !c.fired && start <= f.Offset && f.Offset < c.read {
			p[f.Offset-start] ^= 0xff
			c.fire()
		}
	}
	return n, err
}
