// Command screenshots renders every screen of tgpfs as ANSI text, from a real
// session: the embedded local DCs, the real driver, the real catalog. It
// drives the UI with the same keys a person would press (log in, bind twice,
// drop, export, open a frame) and writes one <screen>.ansi file per screen;
// generate.sh turns them into the PNGs the README shows.
//
//	go run ./screenshots -out /tmp/shots
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"tgpfs/internal/app"
	"tgpfs/model"
	"tgpfs/ui"
)

func main() {
	out := flag.String("out", "screenshots/ansi", "directory for the .ansi files")
	width := flag.Int("width", 120, "terminal width")
	height := flag.Int("height", 40, "terminal height")
	flag.Parse()
	if err := run(*out, *width, *height); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

// shooter drives a running program and captures its screens.
type shooter struct {
	p       *tea.Program
	timeout time.Duration
}

func (s *shooter) capture() (ui.Capture, error) {
	ch := make(chan ui.Capture, 1)
	s.p.Send(ui.CaptureMsg{Reply: ch})
	select {
	case c := <-ch:
		return c, nil
	case <-time.After(s.timeout):
		return ui.Capture{}, errors.New("the program did not answer a capture")
	}
}

// await captures until cond holds.
func (s *shooter) await(what string, cond func(ui.Capture) bool) (ui.Capture, error) {
	deadline := time.Now().Add(s.timeout)
	for {
		c, err := s.capture()
		if err != nil {
			return c, err
		}
		if cond(c) {
			return c, nil
		}
		if time.Now().After(deadline) {
			return c, fmt.Errorf("waiting for %s; screen:\n%s", what, c.View)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *shooter) keys(ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			s.p.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "down":
			s.p.Send(tea.KeyMsg{Type: tea.KeyDown})
		default:
			s.p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

// done holds once action has been logged as done and nothing else runs.
func done(action string) func(ui.Capture) bool {
	return func(c ui.Capture) bool {
		for i := len(c.State.Log) - 1; i >= 0; i-- {
			if t := c.State.Log[i].Text; strings.HasPrefix(t, action+" done") {
				return len(c.Busy) == 0
			} else if strings.HasPrefix(t, action+" failed") {
				return true
			}
		}
		return false
	}
}

func run(dir string, w, h int) error {
	// Pictures are in colour whatever runs the generator.
	lipgloss.SetColorProfile(termenv.TrueColor)
	lipgloss.SetHasDarkBackground(true)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// What `tgpfs` runs with no flags, except that l opens the login
	// forms used on real DCs, here against the local DCs, so the picture
	// shows a real flow (a phone that lives on DC 3).
	cfg := app.Defaults()
	cfg.LoginForms = true
	a, err := app.New(cfg)
	if err != nil {
		return err
	}
	sess, err := a.Start(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	opts := sess.UIOptions()
	opts.Connect = true
	p := tea.NewProgram(ui.New(opts), tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler(), tea.WithContext(ctx))
	ran := make(chan error, 1)
	go func() { _, err := p.Run(); ran <- err }()
	defer func() { p.Quit(); <-ran }()
	p.Send(tea.WindowSizeMsg{Width: w, Height: h})
	s := &shooter{p: p, timeout: 20 * time.Second}

	// The session the pictures tell: logged in, two rotations, a drop
	// proven by -404, an export to DC 3.
	steps := []struct {
		keys []string
		wait string
	}{
		{nil, "login"},
		{[]string{"b"}, "rotate"},
		{[]string{"b"}, "rotate"},
		{[]string{"d", "y"}, "drop"},
		{[]string{"e", "2"}, "export"},
	}
	for _, st := range steps {
		s.keys(st.keys...)
		if _, err := s.await(st.wait, done(st.wait)); err != nil {
			return err
		}
	}
	// Let the countdown move a little.
	time.Sleep(3 * time.Second)

	shots := []struct {
		name string
		keys []string
		wait func(ui.Capture) bool
	}{
		{"keys", []string{"1"}, contains("Earlier temporary keys")},
		// The export's two handshakes (DC 3) are the newest; ← ← shows
		// the last rotation's on DC 2.
		{"handshake", []string{"2", "[", "["}, contains("temporary key exchange with DC 2")},
		{"catalog", []string{"3", "down"}, contains("auth.bindTempAuthKey")},
		{"server", []string{"5"}, contains("Recent server events")},
		{"log", []string{"6"}, contains("exported")},
		{"help", []string{"?"}, contains("bind a fresh temp key")},
	}
	for _, sh := range shots {
		s.keys(sh.keys...)
		c, err := s.await(sh.name, sh.wait)
		if err != nil {
			return err
		}
		if err := write(dir, sh.name, c.View); err != nil {
			return err
		}
		if sh.name == "help" {
			s.keys("esc")
		}
	}
	if err := shootTraffic(s, opts.Backend, dir); err != nil {
		return err
	}
	return shootLogin(s, dir)
}

// shootLogin opens the login form and asks DC 2 for a code for a phone
// that lives on DC 3: the form continues there after PHONE_MIGRATE_3.
func shootLogin(s *shooter, dir string) error {
	s.keys("1", "l", "1")
	if _, err := s.await("the phone form", contains("with a phone number")); err != nil {
		return err
	}
	for _, r := range "9996631234" {
		s.keys(string(r))
	}
	s.keys("enter")
	c, err := s.await("the code step", contains("+9996631234"))
	if err != nil {
		return err
	}
	return write(dir, "login", c.View)
}

// shootTraffic selects the newest frame sent under a dropped key and opens
// it with each key: the PFS proof.
func shootTraffic(s *shooter, b ui.Backend, dir string) error {
	s.keys("4")
	c, err := s.await("traffic", contains("frames ·"))
	if err != nil {
		return err
	}
	frames := b.Frames()
	slices.Reverse(frames) // newest first, as the screen lists them
	pick := -1
	for i, f := range frames {
		if k, ok := c.State.Temp(f.KeyID); ok && f.Dir == model.Sent && (k.End == model.Dropped || k.End == model.Rotated) {
			pick = i
			break
		}
	}
	if pick < 0 {
		return errors.New("no frame under an earlier temporary key")
	}
	for range pick {
		s.keys("down")
	}
	s.keys("o")
	c, err = s.await("the opened frame", contains("Frame #"))
	if err != nil {
		return err
	}
	return write(dir, "traffic", c.View)
}

func contains(sub string) func(ui.Capture) bool {
	return func(c ui.Capture) bool { return strings.Contains(c.View, sub) }
}

func write(dir, name, view string) error {
	return os.WriteFile(filepath.Join(dir, name+".ansi"), []byte(view+"\n"), 0o644)
}
