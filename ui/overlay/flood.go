package overlay

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

// tickMsg drives a banner's countdown once a second.
type tickMsg struct{ id int }

func tick(id int) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{id: id} })
}

// NewFloodBanner makes a banner for a wait that ends at until, for the
// request named what ("auth.sendCode").
func NewFloodBanner(until time.Time, what string, opts Options) FloodBanner {
	opts = opts.withDefaults()
	return FloodBanner{id: NextID(), until: until, what: what, now: opts.Now, s: opts.Styles}
}

// Init starts the countdown.
func (b FloodBanner) Init() tea.Cmd { return tick(b.id) }

// SetSize sets the width the banner wraps at (0: one line, for a status
// bar that cuts it); it is one or two lines high.
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

// Update keeps the countdown ticking while the wait lasts. It takes only
// its own ticks, so a parent may give it every message.
func (b FloodBanner) Update(msg tea.Msg) (FloodBanner, tea.Cmd) {
	if m, ok := msg.(tickMsg); ok && m.id == b.id && b.Active() {
		return b, tick(b.id)
	}
	return b, nil
}

// View is the banner: the time left, and when the wait ends on the clock.
func (b FloodBanner) View() string {
	if !b.Active() {
		return Wrap(b.s.OK.Render(styles.SymOK+" the flood wait is over")+": press enter to try again", b.width)
	}
	return Wrap(b.s.Warn.Render(styles.SymWarn+" FLOOD_WAIT")+
		fmt.Sprintf(": Telegram asks to wait %s before %s again (until %s)",
			FormatWait(b.Remaining()), b.what, b.until.Format("15:04:05")), b.width)
}
