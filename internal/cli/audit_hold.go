package cli

import (
	"context"
	"fmt"
	"time"

	"tgpfs/model"
	"tgpfs/proto"
)

// This file is audit's --hold: after the lifecycle, the session is kept up
// the way a long-running client keeps it (renewal on, a call a second), so
// that what a DC does to clients over time (forgets a temporary key early,
// restarts without its state) meets tgpfs's own client, and `tgpfs conform`
// can judge how it answers.

// holdEvery is the pace of the calls during --hold.
const holdEvery = time.Second

// maxHold bounds --hold.
const maxHold = 24 * time.Hour

// auditHold is what --hold saw.
type auditHold struct {
	Seconds  float64 `json:"seconds"`
	Calls    int     `json:"calls"`        // help.getConfig calls that returned
	Failed   int     `json:"failed_calls"` // of them, with an error
	TempKeys int     `json:"temp_keys_made"`
	PermKeys int     `json:"perm_keys_made"`
	NotFound int     `json:"transport_404"` // temporary keys found gone by a -404
	// EndedBound: at the end a bound temporary key was current and the
	// last call on it had succeeded.
	EndedBound bool `json:"ended_bound"`
	// Stopped says what ended it: "time" (--hold ran out) or "signal"
	// (SIGINT or SIGTERM, as tgpfs conform stops a client).
	Stopped string `json:"stopped"`
	LastErr string `json:"last_error,omitempty"`
}

// hold keeps d's session up for dur, or until stop ends, calling
// help.getConfig every holdEvery with renewal on. It never waits for a
// call in flight once it is over: that call may be stuck behind a renewal
// that retries a bind for a minute.
func hold(ctx, stop context.Context, d *proto.Driver, dur time.Duration) auditHold {
	start := time.Now()
	d.SetRenewalPaused(false)
	h := auditHold{Stopped: "time"}
	end := time.NewTimer(dur)
	defer end.Stop()
	tick := time.NewTicker(holdEvery)
	defer tick.Stop()
	results := make(chan error, 1)
	inFlight, lastOK := false, false
	call := func() {
		inFlight = true
		go func() { results <- d.GetConfig(ctx) }()
	}
	call()
loop:
	for {
		select {
		case err := <-results:
			inFlight = false
			h.Calls++
			lastOK = err == nil
			if err != nil {
				h.Failed++
				h.LastErr = err.Error()
			}
		case <-tick.C:
			if !inFlight {
				call()
			}
		case <-end.C:
			break loop
		case <-stop.Done():
			h.Stopped = "signal"
			break loop
		}
	}
	h.Seconds = time.Since(start).Seconds()
	k, ok := d.TempKey()
	h.EndedBound = ok && k.Bound && lastOK && !inFlight
	return h
}

// countHold fills in what the events of the hold show: keys made and the
// temporary keys found gone.
func (h *auditHold) countHold(events []model.Event) {
	for _, ev := range events {
		switch e := ev.(type) {
		case model.TempKeyCreated:
			h.TempKeys++
		case model.PermKeyReady:
			h.PermKeys++
		case model.TempKeyEnded:
			if e.How == model.NotFound {
				h.NotFound++
			}
		}
	}
}

func (h auditHold) String() string {
	s := fmt.Sprintf("%.1f s (%s): %d calls, %d failed; %d temporary keys and %d permanent keys made; %d found gone by -404",
		h.Seconds, h.Stopped, h.Calls, h.Failed, h.TempKeys, h.PermKeys, h.NotFound)
	if h.EndedBound {
		return s + "; ended bound"
	}
	return s + "; did not end bound"
}
