package soak

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"tgpfs/internal/faultnet"
	"tgpfs/proto/localdc"
)

// TestFaults runs the driver through TGPFS_FAULT_RUNS faulted runs (default
// 60), cycling through the kinds: a cut mid-handshake, mid-bind and
// mid-RPC, a delay, one flipped byte, and a DC restart without StatePath.
// Every run must end with a bound temp key or an error that names the
// failed step, never a panic, never a call on an unbound temp key (the DC
// would answer AUTH_KEY_PERM_EMPTY; the tap shows what was sent), never a
// frame under the permanent key. After a failure one more Connect must
// recover, except after a restart: the restarted DC has forgotten the
// permanent key, and the driver must say so (ENCRYPTED_MESSAGE_INVALID).
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault runs: skipped under -short")
	}
	runs := envInt(t, "TGPFS_FAULT_RUNS", 60)
	seed := uint64(envInt(t, "TGPFS_FAULT_SEED", 1))
	workers := envInt(t, "TGPFS_FAULT_WORKERS", 4)
	timeout := time.Duration(envInt(t, "TGPFS_FAULT_STEP_MS", 3000)) * time.Millisecond
	ctx := context.Background()

	baseG := runtime.NumGoroutine()
	watch := NewServerWatch()
	shared := startDC(t, localdc.Config{DCs: 1, MaxConnsPerDC: 256})
	watch.Watch(shared)
	layout, err := Calibrate(ctx, Target(shared), 8, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("layout: %+v", layout)

	outcomes := make([]Outcome, runs)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rng := rand.New(rand.NewPCG(seed, uint64(i)))
				c := layout.Plan(Kinds[i%len(Kinds)], rng)
				dc := shared
				if c.Kind == Restart {
					// A restart gets a DC of its own: the others keep working.
					dc = startDC(t, localdc.Config{DCs: 1})
					watch.Watch(dc)
				}
				out, live := Run(ctx, dc, c, timeout, watch)
				if live != shared && live != nil {
					_ = live.Close()
				}
				outcomes[i] = out
			}
		}()
	}
	start := time.Now()
	for i := range runs {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	_ = shared.Close()
	watch.Wait()

	report(t, outcomes, elapsed)
	for i, o := range outcomes {
		if o.Panic != "" {
			t.Errorf("run %d (%s): panic: %s", i, o.Case, o.Panic)
		}
		for _, v := range o.Violations {
			t.Errorf("run %d (%s): %s", i, o.Case, v)
		}
		if o.Err != "" && o.Case.Kind != Restart && !o.Recovered {
			t.Errorf("run %d (%s): failed with %q and did not recover: %s", i, o.Case, o.Err, o.RecoverErr)
		}
		if o.Case.Kind == Restart && (o.Bound() || o.Recovered) {
			t.Errorf("run %d (restart): a DC that forgot the permanent key accepted it: err %q, recovered %v", i, o.Err, o.Recovered)
		}
		if strings.HasPrefix(o.Class, "harness") {
			t.Errorf("run %d (%s): %s", i, o.Case, o.Err)
		}
	}
	if n, samples := watch.PermEmpty(); n != 0 {
		t.Errorf("%d calls on unbound temp keys (AUTH_KEY_PERM_EMPTY): %q", n, samples)
	}
	if m := watch.Missed(); m != 0 {
		t.Errorf("the DC event watch missed %d events: the AUTH_KEY_PERM_EMPTY count is not complete", m)
	}
	if left := settleGoroutines(baseG); left > baseG {
		t.Errorf("%d goroutines left after every run closed (%d before):\n%s", left, baseG, goroutineDump())
	}
}

// report logs the outcome counts: per kind, how many runs, how many had
// their fault fire, how many ended bound, and the errors by class.
func report(t *testing.T, outs []Outcome, elapsed time.Duration) {
	t.Helper()
	type row struct {
		runs, fired, bound, recovered int
		classes                       map[string]int
		recoverErrs                   map[string]int
	}
	rows := map[string]*row{}
	for _, o := range outs {
		r := rows[o.Case.Kind]
		if r == nil {
			r = &row{classes: map[string]int{}, recoverErrs: map[string]int{}}
			rows[o.Case.Kind] = r
		}
		r.runs++
		if o.Fired {
			r.fired++
		}
		switch {
		case o.Bound():
			r.bound++
		case o.Panic != "":
			r.classes["panic"]++
		default:
			r.classes[o.Class]++
		}
		if o.Recovered {
			r.recovered++
		}
		if o.RecoverErr != "" {
			r.recoverErrs[o.RecoverErr]++
		}
	}
	frames := 0
	for _, o := range outs {
		frames += o.FramesChecked
	}
	t.Logf("faults: %d runs in %s; %d encrypted frames sent, each checked for the key it went under",
		len(outs), elapsed.Round(time.Millisecond), frames)
	// Errors no class names are shown whole, once each, so the classes
	// can grow to cover them.
	shown := map[string]bool{}
	for _, o := range outs {
		if strings.HasSuffix(o.Class, ": other") && !shown[o.Class] {
			shown[o.Class] = true
			t.Logf("faults: %s, e.g. (%s): %s", o.Class, o.Case, o.Err)
		}
	}
	for _, k := range Kinds {
		r := rows[k]
		if r == nil {
			continue
		}
		t.Logf("faults: %-13s runs %4d  fired %4d  bound %4d  errors %4d  recovered %4d  | %s%s",
			k, r.runs, r.fired, r.bound, r.runs-r.bound, r.recovered, counts(r.classes), recoverNote(r.recoverErrs))
	}
}

func recoverNote(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	return " | not recovered: " + counts(m)
}

// counts formats a histogram, largest first.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("connect: temp key exchange: send: %w", faultnet.ErrInjected), "connect: cut"},
		{fmt.Errorf("rotate: bind: %w", context.DeadlineExceeded), "rotate: timeout"},
		{errors.New("rotate: rpc error code 400: ENCRYPTED_MESSAGE_INVALID"), "rotate: ENCRYPTED_MESSAGE_INVALID"},
		{errors.New("getConfig: help.getConfig: read: EOF"), "getConfig: closed"},
		{errors.New("getConfig: help.getConfig: transport error -404"), "getConfig: -404"},
		{errors.New("connect: permanent key exchange: check new_nonce_hash1 failed"), "connect: check failed"},
		{errors.New("connect: permanent key exchange: decode answer envelope: unexpected auth_key_id 7 of plaintext message"), "connect: bad envelope"},
		{errors.New("connect: something new"), "connect: other"},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestNamesStep(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want bool
	}{
		{"connect: dial 127.0.0.1:1: refused", true},
		{"getConfig: help.getConfig: EOF", true},
		{"rotate: x", true},
		{"rotate: ", false},
		{"EOF", false},
		{"bind failed", false},
	} {
		if got := namesStep(errors.New(tc.msg)); got != tc.want {
			t.Errorf("namesStep(%q) = %v, want %v", tc.msg, got, tc.want)
		}
	}
}

// TestPlanStaysInPhase checks that planned offsets land where their kind
// says, for a layout like the one measured on the local DC.
func TestPlanStaysInPhase(t *testing.T) {
	l := Layout{
		PermHSWrite: [2]int64{792, 792}, PermHSRead: [2]int64{816, 820},
		TempHSWrite: [2]int64{792, 792}, TempHSRead: [2]int64{816, 820},
		BindWrite: 600, BindRead: 1000,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for range 2000 {
		for _, k := range Kinds {
			c := l.Plan(k, rng)
			write := c.Fault.Kind == faultnet.CutWrite || c.Fault.Kind == faultnet.CorruptWrite || c.Fault.Kind == faultnet.Delay
			hs, bind := l.TempHSRead, l.BindRead
			if write {
				hs, bind = l.TempHSWrite, l.BindWrite
			}
			off := c.Fault.Offset
			var phase string
			switch {
			case off < hs[0]:
				phase = CutHandshake
			case off >= hs[1] && off < hs[1]+phaseWindow:
				phase = CutBind
			case off >= hs[1]+bind && off < hs[1]+bind+phaseWindow:
				phase = CutRPC
			}
			switch k {
			case Restart:
				if c.Fault.Kind != faultnet.None {
					t.Fatalf("restart planned a network fault: %s", c)
				}
				continue
			case CutHandshake, CutBind, CutRPC:
				if phase != k {
					t.Fatalf("%s: offset %d is in phase %q", c, off, phase)
				}
			case Delay:
				if phase != CutHandshake || c.Fault.Delay < 5*time.Millisecond || c.Fault.Delay > 100*time.Millisecond {
					t.Fatalf("%s: want a 5..100 ms delay from the handshake on", c)
				}
			case Corrupt:
				if phase == "" || c.Dial == 0 && phase != CutHandshake {
					t.Fatalf("%s: offset %d is in no phase", c, off)
				}
			}
			if c.Dial < 0 || c.Dial > 2 || k != CutHandshake && k != Delay && k != Corrupt && c.Dial == 0 {
				t.Fatalf("%s: dial %d cannot carry this phase", c, c.Dial)
			}
			seen[fmt.Sprintf("%s %d %v", k, c.Dial, write)] = true
		}
	}
	for _, want := range []string{"cut-bind 1 true", "cut-bind 2 false", "cut-rpc 2 true", "corrupt 0 false", "cut-handshake 0 true"} {
		if !seen[want] {
			t.Errorf("never planned %q; planned %v", want, slices.Sorted(maps.Keys(seen)))
		}
	}
}
