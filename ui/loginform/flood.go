package loginform

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/ui/styles"
)

// FloodBanner shows a FLOOD_WAIT and counts it down. The end is fixed once,
// when the error arrives; every redraw computes what is left from the clock,
// so a late or skipped tick never makes the countdown drift.
type FloodBanner struct {
	id    int
	until time.Time
	what  string
	now   func() time.Time
	s     *styles.Styles
	width int
}

// NewFloodBanner makes a banner for a wait that ends at until, for the
// request named what ("auth.sendCode").
func NewFloodBanner(until time.Time, what string, opts Options) FloodBanner {
	opts = opts.withDefaults()
	return FloodBanner{id: nextID(), until: until, what: what, now: opts.Now, s: opts.Styles}
}

// Init starts the countdown.
func (b FloodBanner) Init() tea.Cmd { return tick(b.id) }

// SetSize sets the width the banner wraps at; it is one or two lines high.
func (b *FloodBanner) SetSize(width, _ int) { b.width = width }

// Until is when the wait ends.
func (b FloodBanner) Until() time.Time { return b.until }

// Remaining is what is left of the wait, rounded up to whole seconds.
func (b FloodBanner) Remaining() time.Duration {
	left := b.until.Sub(b.now())
	if left <= 0 {
		return 0
	}
	if r := left % time.Second; r != 0 {
		left += time.Second - r
	}
	return left
}

// Active reports whether the wait is still on.
func (b FloodBanner) Active() bool { return b.Remaining() > 0 }

// Update keeps the countdown ticking while the wait lasts.
func (b FloodBanner) Update(msg tea.Msg) (FloodBanner, tea.Cmd) {
	if m, ok := msg.(tickMsg); ok && m.form == b.id && b.Active() {
		return b, tick(b.id)
	}
	return b, nil
}

// View is the banner: the time left, and when the wait ends on the clock.
func (b FloodBanner) View() string {
	if !b.Active() {
		return wrap(b.s.OK.Render(styles.SymOK+" the flood wait is over")+": press enter to try again", b.width)
	}
	return wrap(b.s.Warn.Render(styles.SymWarn+" FLOOD_WAIT")+
		fmt.Sprintf(": Telegram asks to wait %s before %s again (until %s)",
			clock(b.Remaining()), b.what, b.until.Format("15:04:05")), b.width)
}

// clock formats a wait as 1h02m03s, 2m05s or 41s.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}
