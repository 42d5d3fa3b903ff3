package proto

import (
	"context"
	"sync"
	"time"

	"tgpfs/model"
)

// renewer is the automatic renewal policy: rotate when RenewBefore of the
// current temp key's lifetime is left, and at once after a -404. Paused, it
// lets the key run out and reports the expiry, so a demo can show what
// happens then. It is one goroutine, started by the first Connect and
// ended by Close.
type renewer struct {
	d *Driver

	mu      sync.Mutex
	paused  bool
	urgent  bool
	started bool
	expired map[model.KeyID]bool

	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// retryAfter is the pause after a failed renewal before the next try.
const retryAfter = 5 * time.Second

func (r *renewer) init(d *Driver) {
	r.d = d
	r.wake = make(chan struct{}, 1)
	r.expired = make(map[model.KeyID]bool)
	r.ctx, r.cancel = context.WithCancel(context.Background())
}

// SetRenewalPaused pauses or resumes the automatic renewal policy.
func (d *Driver) SetRenewalPaused(paused bool) {
	d.renew.mu.Lock()
	d.renew.paused = paused
	d.renew.mu.Unlock()
	d.renew.reschedule()
	if paused {
		d.emit(model.RenewalChanged{At: d.now(), Paused: true})
	}
}

func (r *renewer) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// reschedule starts the loop if needed and makes it recompute its plan.
func (r *renewer) reschedule() {
	r.mu.Lock()
	if !r.started && r.ctx.Err() == nil {
		r.started = true
		r.wg.Add(1)
		go r.loop()
	}
	r.mu.Unlock()
	r.poke()
}

// kick asks for a renewal now (after a -404). It never blocks: it is called
// from inside an action.
func (r *renewer) kick() {
	r.mu.Lock()
	r.urgent = true
	r.mu.Unlock()
	r.reschedule()
}

func (r *renewer) stop() {
	r.cancel()
	r.wg.Wait()
}

func (r *renewer) loop() {
	defer r.wg.Done()
	d := r.d
	for {
		r.mu.Lock()
		paused, urgent := r.paused, r.urgent
		r.mu.Unlock()
		st := d.Status()
		cur, have := st.Temp, st.HasTemp

		var wait time.Duration
		var fire func()
		switch {
		case paused && have && !r.expired[cur.ID]:
			// Report the expiry when the local clock reaches it.
			wait = cur.Remaining(d.now(), st.Offset)
			id := cur.ID
			fire = func() {
				r.expired[id] = true
				d.emit(model.TempKeyEnded{At: d.now(), ID: id, How: model.Expired,
					Detail: "reached expires_at while renewal was paused; the DC now answers -404"})
			}
		case paused:
			wait = -1
		case urgent || !have:
			if !have && !urgent {
				wait = -1 // never connected, or closed: nothing to renew
				break
			}
			fire = r.renewNow
		default:
			left := time.Duration(float64(cur.ExpiresIn) * d.opts.RenewBefore)
			wait = cur.Remaining(d.now(), st.Offset) - left
			if wait < 0 {
				wait = 0
			}
			d.emit(model.RenewalChanged{At: d.now(), RenewAt: d.now().Add(wait)})
			fire = r.renewNow
		}

		var timer <-chan time.Time
		var t *time.Timer
		if fire != nil {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-r.ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		case <-r.wake:
		case <-timer:
			fire()
		}
		if t != nil {
			t.Stop()
		}
	}
}

func (r *renewer) renewNow() {
	r.mu.Lock()
	r.urgent = false
	r.mu.Unlock()
	if err := r.d.action(r.ctx, ActRenew, r.d.rotate); err != nil && r.ctx.Err() == nil {
		// Try again later; a wake (user action) retries sooner.
		select {
		case <-r.ctx.Done():
		case <-r.wake:
		case <-time.After(retryAfter):
		}
		r.mu.Lock()
		r.urgent = true
		r.mu.Unlock()
	}
}
