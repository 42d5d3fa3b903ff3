package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/internal/app"
	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/ui/dcview"
)

// startDCView runs the server's view (`tgpfs dc --tui`) of the session's
// cluster from the start, so that it sees every event of the client
// screenshots' session as it happens. stop ends it.
func startDCView(ctx context.Context, c *localdc.Cluster, maxTTL time.Duration, w, h int) (s *shooter[dcview.Capture], stop func()) {
	v := app.NewDCView(c, maxTTL)
	p := tea.NewProgram(dcview.New(v.Options(ctx)), tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler(), tea.WithContext(ctx))
	ran := make(chan error, 1)
	go func() { _, err := p.Run(); ran <- err }()
	p.Send(tea.WindowSizeMsg{Width: w, Height: h})
	s = &shooter[dcview.Capture]{p: p, timeout: 60 * time.Second,
		ask:  func(r chan<- dcview.Capture) tea.Msg { return dcview.CaptureMsg{Reply: r} },
		view: func(c dcview.Capture) string { return c.View }}
	return s, func() { p.Quit(); <-ran; v.Close() }
}

// shootDCView lets an unmodified gotd client without PFS call the cluster
// next to tgpfs's own client, and shoots the server's view: the list of
// clients, where gotd fails uses_pfs, and the gotd client's page.
func shootDCView(ctx context.Context, s *shooter[dcview.Capture], c *localdc.Cluster, dir string) error {
	if err := gotdWithoutPFS(ctx, c); err != nil {
		return fmt.Errorf("gotd client: %w", err)
	}
	isGotd := func(r model.ClientReport) bool { return strings.Contains(r.Client.AppVersion, "v0.162") }
	failed := func(cp dcview.Capture) bool {
		for _, r := range cp.Report.Clients {
			if v, ok := r.Verdict(model.VerdictUsesPFS); ok && isGotd(r) && v.Result == model.ResultFail {
				return true
			}
		}
		return false
	}
	cp, err := s.await("gotd failing uses_pfs", failed)
	if err != nil {
		return err
	}
	if err := write(dir, "dc", cp.View); err != nil {
		return err
	}
	// Select the gotd client and open its page.
	i := slices.IndexFunc(cp.Report.Clients, isGotd)
	for range i {
		s.keys("down")
	}
	s.keys("enter")
	id := cp.Report.Clients[i].ID
	cp, err = s.await(fmt.Sprintf("the gotd client's page (client %d)", id), func(cp dcview.Capture) bool {
		return cp.Client == id
	})
	if err != nil {
		return fmt.Errorf("%w (open: client %d)", err, cp.Client)
	}
	return write(dir, "dc-client", cp.View)
}

// gotdWithoutPFS runs gotd's telegram.Client against DC 2 without
// EnablePFS: its calls go under its permanent key.
func gotdWithoutPFS(ctx context.Context, c *localdc.Cluster) error {
	var opts []tg.DCOption
	for _, id := range c.DCs() {
		host, port, _ := strings.Cut(c.Addr(id), ":")
		p, _ := strconv.Atoi(port)
		opts = append(opts, tg.DCOption{ID: id, IPAddress: host, Port: p})
	}
	client := telegram.NewClient(17349, "344583e45741c457fe1862106095a5eb", telegram.Options{
		PublicKeys: []telegram.PublicKey{{RSA: c.PublicKey()}},
		DC:         2,
		DCList:     dcs.List{Options: opts},
		Resolver:   dcs.Plain(dcs.PlainOptions{Protocol: transport.Intermediate}),
		NoUpdates:  true,
	})
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return client.Run(ctx, func(ctx context.Context) error {
		for range 3 {
			if _, err := client.API().HelpGetConfig(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
