// Package clipboard copies text for the user: to the system clipboard where
// there is one (github.com/atotto/clipboard), else through the terminal with
// an OSC 52 escape, which reaches the user's own machine even over SSH.
//
// Secrets (key bytes, session strings) are cleared again after ClearAfter,
// but only if the clipboard still holds them: a user who has copied
// something else since keeps it.
package clipboard

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	atotto "github.com/atotto/clipboard"
	"github.com/aymanbagabas/go-osc52/v2"
)

// ClearAfter is how long a secret stays on the clipboard.
const ClearAfter = 30 * time.Second

// Backend is somewhere text can be copied to.
type Backend interface {
	// Name says where the text went, for the status line.
	Name() string
	Write(text string) error
	// Read returns what the clipboard holds; ok is false for a backend
	// that cannot read it back (a terminal's OSC 52 is write-only here).
	Read() (text string, ok bool, err error)
	Clear() error
}

// System is the desktop clipboard through xclip, xsel, wl-copy, pbcopy or
// the Windows API, as github.com/atotto/clipboard finds them.
type System struct{}

func (System) Name() string            { return "system clipboard" }
func (System) Write(text string) error { return atotto.WriteAll(text) }
func (System) Clear() error            { return atotto.WriteAll("") }
func (System) Read() (string, bool, error) {
	s, err := atotto.ReadAll()
	return s, err == nil, err
}

// OSC52 asks the terminal on Out to set its clipboard. Inside tmux the
// sequence is wrapped for pass-through.
type OSC52 struct {
	Out  io.Writer
	Tmux bool
}

func (o OSC52) Name() string { return "terminal clipboard (OSC 52)" }

func (o OSC52) Write(text string) error { return o.send(osc52.New(text)) }
func (o OSC52) Clear() error            { return o.send(osc52.Clear()) }

func (o OSC52) Read() (string, bool, error) { return "", false, nil }

func (o OSC52) send(seq osc52.Sequence) error {
	if o.Out == nil {
		return errors.New("no terminal to send OSC 52 to")
	}
	if o.Tmux {
		seq = seq.Tmux()
	}
	_, err := seq.WriteTo(o.Out)
	return err
}

// Detect picks the backend for this environment: OSC 52 over SSH (the
// system clipboard there is the remote machine's, not the user's) and on
// Unix without a display; the system clipboard otherwise.
func Detect(getenv func(string) string, term io.Writer) Backend {
	osc := OSC52{Out: term, Tmux: getenv("TMUX") != ""}
	display := getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
	ssh := getenv("SSH_TTY") != "" || getenv("SSH_CONNECTION") != ""
	unix := runtime.GOOS != "darwin" && runtime.GOOS != "windows"
	switch {
	case atotto.Unsupported, ssh && !display, unix && !display:
		return osc
	}
	return System{}
}

// Timer is the part of *time.Timer the clipboard uses.
type Timer interface{ Stop() bool }

// AfterFunc schedules f after d; time.AfterFunc in production, a manual
// clock in tests.
type AfterFunc func(d time.Duration, f func()) Timer

// Clipboard copies text and clears secrets. It is safe for concurrent use.
type Clipboard struct {
	primary, fallback Backend
	after             AfterFunc

	mu     sync.Mutex
	secret string // the secret to clear, "" when none is pending
	via    Backend
	timer  Timer
	gen    uint64 // counts secrets, so a stale timer knows it is stale
	// OnClear, if set, is called after a pending secret was handled, with
	// whether it was cleared and the error if clearing failed. It runs
	// on the timer's goroutine.
	OnClear func(cleared bool, err error)
}

// New returns a clipboard writing to primary, falling back to fallback (may
// be nil) when primary fails, with after as its clock (nil: time.AfterFunc).
func New(primary, fallback Backend, after AfterFunc) *Clipboard {
	if after == nil {
		after = func(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
	}
	return &Clipboard{primary: primary, fallback: fallback, after: after}
}

// ForTerminal is the clipboard for a program on terminal term: the detected
// backend, with OSC 52 on term as the fallback.
func ForTerminal(getenv func(string) string, term io.Writer) *Clipboard {
	b := Detect(getenv, term)
	var fb Backend
	if _, ok := b.(System); ok {
		fb = OSC52{Out: term, Tmux: getenv("TMUX") != ""}
	}
	return New(b, fb, nil)
}

// Copy puts text on the clipboard and returns where it went. A secret is
// cleared after ClearAfter if the clipboard still holds it then.
func (c *Clipboard) Copy(text string, secret bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.primary
	err := b.Write(text)
	if err != nil && c.fallback != nil {
		b = c.fallback
		err = b.Write(text)
	}
	if err != nil {
		return "", fmt.Errorf("copy to %s: %w", b.Name(), err)
	}
	// Any copy replaces a pending secret: it is no longer on the clipboard.
	if c.timer != nil {
		c.timer.Stop()
		c.timer, c.secret, c.via = nil, "", nil
	}
	if secret {
		c.gen++
		gen := c.gen
		c.secret, c.via = text, b
		c.timer = c.after(ClearAfter, func() { c.expire(gen) })
	}
	return b.Name(), nil
}

// expire clears secret number gen, unless a later copy replaced it.
func (c *Clipboard) expire(gen uint64) {
	c.mu.Lock()
	if c.gen != gen || c.secret == "" {
		c.mu.Unlock()
		return
	}
	cleared, err := c.clearLocked()
	onClear := c.OnClear
	c.mu.Unlock()
	if onClear != nil {
		onClear(cleared, err)
	}
}

// clearLocked clears the pending secret if the clipboard still holds it.
// A backend that cannot be read is cleared anyway: the secret is the last
// thing this program put there.
func (c *Clipboard) clearLocked() (bool, error) {
	secret, via := c.secret, c.via
	c.timer, c.secret, c.via = nil, "", nil
	if now, ok, err := via.Read(); err == nil && ok && now != secret {
		return false, nil
	}
	if err := via.Clear(); err != nil {
		return false, fmt.Errorf("clear %s: %w", via.Name(), err)
	}
	return true, nil
}

// Close clears a pending secret now, so exiting never leaves a key behind.
func (c *Clipboard) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.secret == "" {
		return nil
	}
	c.timer.Stop()
	_, err := c.clearLocked()
	return err
}
