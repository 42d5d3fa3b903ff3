package app

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"tgpfs/model"
	"tgpfs/ui/dcview"
)

// The server's view of a real cluster: tgpfs's own client connects and is
// shown with its bound temporary key and uses_pfs ok; the DC forgets the
// key early (as Telegram may) and the view shows it ended, the -404 the
// client's next call earns, and the key the client binds next.
func TestDCViewOfARealCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dcs, err := NewCluster(Defaults().Cluster)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dcs.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v := NewDCView(c, dcs.MaxTTL())
	defer v.Close()
	tm := teatest.NewTestModel(t, dcview.New(v.Options(ctx)), teatest.WithInitialTermSize(120, 40))
	defer func() {
		tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	}()
	await := func(what string, cond func(dcview.Capture) bool) dcview.Capture {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			ch := make(chan dcview.Capture, 1)
			tm.Send(dcview.CaptureMsg{Reply: ch})
			var cp dcview.Capture
			select {
			case cp = <-ch:
			case <-time.After(10 * time.Second):
				t.Fatalf("waiting for %s: no capture", what)
			}
			if cond(cp) {
				return cp
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; screen:\n%s", what, cp.View)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	header := await("the header", func(cp dcview.Capture) bool { return strings.Contains(cp.View, "No client yet") })
	for _, id := range c.DCs() {
		if !strings.Contains(header.View, c.Addr(id)) {
			t.Errorf("the header does not show dc %d at %s:\n%s", id, c.Addr(id), header.View)
		}
	}

	cfg := Defaults()
	cfg.Attach, cfg.NoLogin = c, true
	sess := start(t, ctx, cfg)
	if err := sess.Driver.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	var tempID string
	await("tgpfs's client with its bound key and uses_pfs ok", func(cp dcview.Capture) bool {
		if len(cp.Report.Clients) != 1 {
			return false
		}
		r := cp.Report.Clients[0]
		v, _ := r.Verdict(model.VerdictUsesPFS)
		if len(r.TempKeys) == 0 || !r.TempKeys[0].Bound || v.Result != model.ResultOK {
			return false
		}
		tempID = r.TempKeys[0].ID
		return strings.Contains(cp.View, "tgpfs "+Version) && strings.Contains(cp.View, "✓ ok") &&
			strings.Contains(cp.View, "✓ bound") && strings.Contains(cp.View, "● 1:")
	})

	// The DC forgets the key; the client's next call earns -404 and it
	// binds a new key by itself.
	id, err := strconv.ParseUint(tempID, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	if !c.ForgetTempKey(DefaultDC, model.KeyID(id)) {
		t.Fatal("the DC did not hold the key")
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	_ = sess.Driver.GetConfig(ctx) // -404: the driver renews at once
	await("the forgotten key, the -404 and the next key", func(cp dcview.Capture) bool {
		r := cp.Report.Clients[0]
		return len(r.TempKeys) >= 2 && r.TempKeys[0].Ended != "" && strings.Contains(cp.View, "forgotten") &&
			strings.Contains(cp.View, "-404")
	})
}
