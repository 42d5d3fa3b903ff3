package soak

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"tgpfs/model"
	"tgpfs/proto/localdc"
)

// ServerWatch counts what a local DC reports on its event stream. The DC
// never waits for a subscriber, so a watch that falls behind misses events;
// Missed says how many, and a claim built on the counts holds only when it
// is zero.
type ServerWatch struct {
	mu        sync.Mutex
	kinds     map[model.ServerEventKind]int
	permEmpty int
	missed    int
	samples   []string // first details of AUTH_KEY_PERM_EMPTY answers

	wg sync.WaitGroup
}

// NewServerWatch returns an empty watch; Watch adds clusters to it.
func NewServerWatch() *ServerWatch {
	return &ServerWatch{kinds: make(map[model.ServerEventKind]int)}
}

// Watch subscribes to c's events until c is closed.
func (w *ServerWatch) Watch(c *localdc.Cluster) {
	ch, _ := c.Subscribe() // Close ends the subscription and the channel
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for ev := range ch {
			w.add(ev)
		}
	}()
}

// Wait blocks until every watched cluster has been closed and its events counted.
func (w *ServerWatch) Wait() { w.wg.Wait() }

var missedRE = regexp.MustCompile(`missed (\d+) earlier events`)

func (w *ServerWatch) add(ev model.ServerEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.kinds[ev.Kind]++
	if m := missedRE.FindStringSubmatch(ev.Detail); m != nil {
		n, _ := strconv.Atoi(m[1])
		w.missed += n
	}
	// The one answer that means a client sent an API call on a temp key
	// that was not bound (pfs-protocol.md: only the bind, help.getConfig
	// and help.getNearestDc are allowed there).
	if ev.Kind == model.SrvRPCError && strings.Contains(ev.Detail, "AUTH_KEY_PERM_EMPTY") {
		w.permEmpty++
		if len(w.samples) < 5 {
			w.samples = append(w.samples, ev.KeyID.String()+" "+ev.Detail)
		}
	}
}

// Count is how many events of kind k were seen.
func (w *ServerWatch) Count(k model.ServerEventKind) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.kinds[k]
}

// PermEmpty is how many calls were refused with 401 AUTH_KEY_PERM_EMPTY,
// with the first few for a failure message.
func (w *ServerWatch) PermEmpty() (int, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.permEmpty, append([]string(nil), w.samples...)
}

// Missed is how many events the DCs dropped for this watch.
func (w *ServerWatch) Missed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.missed
}
