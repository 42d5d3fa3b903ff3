package clipboard

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// memory is a readable clipboard in memory.
type memory struct {
	text     string
	readable bool
	failures int // Write fails this many times
	writes   int
}

func (m *memory) Name() string { return "memory" }
func (m *memory) Write(s string) error {
	if m.failures > 0 {
		m.failures--
		return errors.New("no display")
	}
	m.writes++
	m.text = s
	return nil
}
func (m *memory) Read() (string, bool, error) { return m.text, m.readable, nil }
func (m *memory) Clear() error                { m.text = ""; return nil }

// clock is a manual AfterFunc: timers fire when the test says so.
type clock struct{ timers []*fakeTimer }

type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (t *fakeTimer) Stop() bool { was := !t.stopped; t.stopped = true; return was }

func (c *clock) after(d time.Duration, f func()) Timer {
	t := &fakeTimer{d: d, f: f}
	c.timers = append(c.timers, t)
	return t
}

// fire runs every timer not stopped, as if their time had come.
func (c *clock) fire() {
	for _, t := range c.timers {
		if !t.stopped {
			t.stopped = true
			t.f()
		}
	}
}

func TestSecretClearing(t *testing.T) {
	tests := []struct {
		name     string
		readable bool
		steps    func(cb *Clipboard, m *memory)
		want     string // clipboard after the timers fire
		cleared  bool
	}{
		{
			name: "secret cleared", readable: true,
			steps: func(cb *Clipboard, m *memory) { cb.Copy("KEY", true) },
			want:  "", cleared: true,
		},
		{
			name: "user copied something else meanwhile", readable: true,
			steps: func(cb *Clipboard, m *memory) { cb.Copy("KEY", true); m.text = "mine" },
			want:  "mine",
		},
		{
			name: "later copy by us replaces the secret", readable: true,
			steps: func(cb *Clipboard, m *memory) { cb.Copy("KEY", true); cb.Copy("key id", false) },
			want:  "key id",
		},
		{
			name: "not a secret", readable: true,
			steps: func(cb *Clipboard, m *memory) { cb.Copy("key id", false) },
			want:  "key id",
		},
		{
			name:  "write-only backend is cleared anyway",
			steps: func(cb *Clipboard, m *memory) { cb.Copy("KEY", true) },
			want:  "", cleared: true,
		},
		{
			name: "second secret restarts the wait", readable: true,
			steps: func(cb *Clipboard, m *memory) { cb.Copy("KEY1", true); cb.Copy("KEY2", true) },
			want:  "", cleared: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &memory{readable: tt.readable}
			var clk clock
			cb := New(m, nil, clk.after)
			var cleared []bool
			cb.OnClear = func(c bool, err error) {
				if err != nil {
					t.Error(err)
				}
				cleared = append(cleared, c)
			}
			tt.steps(cb, m)
			for _, tm := range clk.timers {
				if tm.d != ClearAfter {
					t.Errorf("timer set for %v, want %v", tm.d, ClearAfter)
				}
			}
			clk.fire()
			if m.text != tt.want {
				t.Errorf("clipboard holds %q, want %q", m.text, tt.want)
			}
			if got := len(cleared) == 1 && cleared[0]; got != tt.cleared {
				t.Errorf("cleared %v, want %v", cleared, tt.cleared)
			}
		})
	}
}

func TestFallbackAndClose(t *testing.T) {
	sys := &memory{failures: 1, readable: true}
	var term bytes.Buffer
	var clk clock
	cb := New(sys, OSC52{Out: &term}, clk.after)
	where, err := cb.Copy("KEY", true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(where, "OSC 52") || sys.writes != 0 {
		t.Fatalf("copied to %s, want the OSC 52 fallback", where)
	}
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("KEY")) + "\x07"
	if term.String() != want {
		t.Fatalf("terminal got %q, want %q", term.String(), want)
	}
	term.Reset()
	if err := cb.Close(); err != nil {
		t.Fatal(err)
	}
	if term.String() == "" {
		t.Errorf("Close did not clear the pending secret")
	}
	if !clk.timers[0].stopped {
		t.Errorf("Close left the timer running")
	}
}

func TestDetect(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name string
		env  func(string) string
		osc  bool
		tmux bool
	}{
		{"ssh without display", env("SSH_TTY", "/dev/pts/1"), true, false},
		{"ssh in tmux", env("SSH_CONNECTION", "x", "TMUX", "/tmp/tmux"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Detect(tt.env, &bytes.Buffer{})
			o, ok := b.(OSC52)
			if ok != tt.osc || (ok && o.Tmux != tt.tmux) {
				t.Errorf("got %#v", b)
			}
		})
	}
}

func TestRealTimerClears(t *testing.T) {
	// The production clock path with a zero wait: no sleeping on 30 s.
	m := &memory{readable: true}
	done := make(chan bool, 1)
	cb := New(m, nil, func(_ time.Duration, f func()) Timer { return time.AfterFunc(0, f) })
	cb.OnClear = func(c bool, _ error) { done <- c }
	cb.Copy("KEY", true)
	if !<-done {
		t.Fatal("not cleared")
	}
}
