package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/ui/dcview"
)

// DCView is the server's view of a running cluster, `tgpfs dc --tui`: its
// clients as the cluster observes them (Cluster.Report) and its event
// stream.
type DCView struct {
	c      *localdc.Cluster
	events <-chan model.ServerEvent
	cancel func()
	note   string
}

// NewDCView subscribes to the cluster's events at once: make it before the
// "dc N host:port" lines are printed, so that the view misses nothing a
// client does after reading them. maxTTL is the cluster's cap on
// expires_in, for the header. Close ends the subscription.
func NewDCView(c *localdc.Cluster, maxTTL time.Duration) *DCView {
	events, cancel := c.Subscribe()
	return &DCView{c: c, events: events, cancel: cancel,
		note: fmt.Sprintf("RSA %016x · max-ttl %s", uint64(c.Fingerprint()), maxTTL)}
}

// Options are the view's options: the cluster's DCs and where they
// listen, its report, its event stream. Tests and the screenshots run the
// model they make in a program of their own.
func (v *DCView) Options(ctx context.Context) dcview.Options {
	var dcs []dcview.DC
	for _, id := range v.c.DCs() {
		dcs = append(dcs, dcview.DC{ID: id, Addr: v.c.Addr(id)})
	}
	return dcview.Options{DCs: dcs, Note: v.note, Report: v.c.Report, Events: v.events, Context: ctx}
}

// Run runs the view on in and out, a terminal, until the user quits or ctx
// ends. The cluster keeps running: stopping it is the caller's.
func (v *DCView) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	if f, ok := out.(*os.File); ok && f != os.Stdout {
		// lipgloss reads the colours a terminal can show from stdout;
		// the view may be on stderr while stdout goes to a script.
		defer lipgloss.SetDefaultRenderer(lipgloss.DefaultRenderer())
		lipgloss.SetDefaultRenderer(lipgloss.NewRenderer(f))
	}
	p := tea.NewProgram(dcview.New(v.Options(ctx)),
		tea.WithContext(ctx),
		tea.WithInput(in),
		tea.WithOutput(out),
		tea.WithAltScreen(),
		tea.WithMouseCellMotion(),
		// As the client's UI: the screen changes once a second when idle.
		tea.WithFPS(20),
	)
	if _, err := p.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("run the server view: %w", err)
	}
	return nil
}

// Close ends the view's subscription to the cluster's events.
func (v *DCView) Close() { v.cancel() }
