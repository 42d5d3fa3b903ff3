package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tgpfs/internal/faultnet"
	"tgpfs/model"
	"tgpfs/proto/handshake"
	"tgpfs/proto/localdc"
	"tgpfs/proto/session"
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
	if runs < len(Kinds) {
		t.Fatalf("TGPFS_FAULT_RUNS=%d: want at least one run of each of the %d kinds", runs, len(Kinds))
	}
	seed := uint64(envInt(t, "TGPFS_FAULT_SEED", 1))
	workers := envInt(t, "TGPFS_FAULT_WORKERS", 4)
	// Each step's deadline. Only a run whose flipped byte the DC drops in
	// silence waits it out (a few in a hundred), so it can be generous: a
	// step of a clean run on a 2-core machine shared with other builds can
	// take seconds.
	timeout := time.Duration(envInt(t, "TGPFS_FAULT_STEP_MS", 10000)) * time.Millisecond
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
	for _, p := range faultProblems(outcomes) {
		t.Error(p)
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

// faultProblems is what TestFaults asserts about its runs, one line per
// broken promise: every kind ran and every planned fault fired (an injector
// that stopped injecting would otherwise leave the test green); no panic and
// no broken invariant (Run's Violations, which include an error that does
// not name the step it cut); every cut ended in the cut or a closed
// connection, classified by type; every failed run but a restart recovered
// on retry; a restarted DC never accepted the key it forgot, and the bind
// it refused ended in ENCRYPTED_MESSAGE_INVALID.
func faultProblems(outs []Outcome) []string {
	var bad []string
	ran := map[string]int{}
	for i, o := range outs {
		ran[o.Case.Kind]++
		name := fmt.Sprintf("run %d (%s)", i, o.Case)
		if !o.Fired {
			bad = append(bad, name+": the fault never fired")
		}
		if o.Panic != "" {
			bad = append(bad, name+": panic: "+o.Panic)
		}
		for _, v := range o.Violations {
			bad = append(bad, name+": "+v)
		}
		if _, isCut := cutPhase[o.Case.Kind]; isCut && o.err != nil {
			if c := Cause(o.err); c != "cut" && c != "closed" {
				bad = append(bad, fmt.Sprintf("%s: a cut ended in %q, not in the cut or a closed connection: %s", name, c, o.Err))
			}
		}
		if o.Err != "" && o.Case.Kind != Restart && !o.Recovered {
			bad = append(bad, fmt.Sprintf("%s: failed with %q and did not recover: %s", name, o.Err, o.RecoverErr))
		}
		if o.Case.Kind == Restart && o.Fired && (o.Bound() || o.Recovered) {
			bad = append(bad, fmt.Sprintf("%s: a DC that forgot the permanent key accepted it: err %q, recovered %v", name, o.Err, o.Recovered))
		}
		if o.Case.Kind == Restart && o.Fired && !o.Recovered && !strings.HasSuffix(o.RecoverErr, ": ENCRYPTED_MESSAGE_INVALID") {
			bad = append(bad, fmt.Sprintf("%s: the bind on a DC that forgot the permanent key ended in %q, not in ENCRYPTED_MESSAGE_INVALID", name, o.RecoverErr))
		}
		if strings.HasPrefix(o.Class, "harness") {
			bad = append(bad, name+": "+o.Err)
		}
	}
	for _, k := range Kinds {
		if ran[k] == 0 {
			bad = append(bad, "no run of kind "+k)
		}
	}
	return bad
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

// TestCause builds each error the way the layers wrap it (%w over the real
// types) and checks the cause Classify reads from the chain; text that only
// looks like a cause names nothing.
func TestCause(t *testing.T) {
	wrap := func(err error) error {
		return fmt.Errorf("connect: temporary key exchange: send req_pq_multi: %w", err)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{wrap(fmt.Errorf("write intermediate: %w", faultnet.ErrInjected)), "cut"},
		{wrap(context.DeadlineExceeded), "timeout"},
		{wrap(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), "timeout"},
		{wrap(&model.RPCError{Code: 400, Message: "ENCRYPTED_MESSAGE_INVALID", Type: "ENCRYPTED_MESSAGE_INVALID"}), "ENCRYPTED_MESSAGE_INVALID"},
		{wrap(&model.RPCError{Code: 401, Message: "AUTH_KEY_PERM_EMPTY", Type: "AUTH_KEY_PERM_EMPTY"}), "AUTH_KEY_PERM_EMPTY"},
		{wrap(&model.TransportError{Code: model.CodeKeyNotFound}), "-404"},
		{wrap(&model.TransportError{Code: -model.CodeTransportFlood}), "-429"},
		{wrap(&model.TransportError{Code: model.CodeWrongDC}), "-444"},
		{wrap(&handshake.CheckError{Name: handshake.CheckNewNonceHash1, Detail: "mismatch"}), "check failed"},
		// A check that failed on a field cut short is a failed check, not
		// a closed connection, though io.ErrUnexpectedEOF is in its text.
		{wrap(&handshake.CheckError{Name: "answer_sha1", Detail: "does not decode: " + io.ErrUnexpectedEOF.Error()}), "check failed"},
		{wrap(fmt.Errorf("%w: %w", session.ErrDecrypt, errors.New("msg_key is invalid"))), "decrypt failed"},
		{wrap(fmt.Errorf("read length: %w", io.EOF)), "closed"},
		{wrap(&net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}), "closed"},
		{wrap(&net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}), "closed"},
		{wrap(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), "closed"},
		// The words alone are not the cause.
		{errors.New("connect: read: EOF"), "other"},
		{errors.New("getConfig: transport error -404"), "other"},
		{errors.New("rotate: rpc error code 400: ENCRYPTED_MESSAGE_INVALID"), "other"},
		{errors.New("connect: faultnet: injected connection cut"), "other"},
		{errors.New("connect: something new"), "other"},
	} {
		if got := Cause(tc.err); got != tc.want {
			t.Errorf("Cause(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := Classify("rotate", wrap(io.EOF)); got != "rotate: closed" {
		t.Errorf("Classify = %q, want the step and the cause", got)
	}
}

func TestNamesStep(t *testing.T) {
	for _, tc := range []struct {
		kind, step, msg string
		want            bool
	}{
		{Delay, "connect", "connect: dial 127.0.0.1:1: refused", true},
		{Corrupt, "getConfig", "getConfig: help.getConfig: EOF", true},
		{Corrupt, "rotate", "rotate: x", true},
		{Corrupt, "rotate", "rotate: ", false},
		{Corrupt, "rotate", "connect: x", false}, // another step's name
		{Corrupt, "connect", "EOF", false},
		{Corrupt, "connect", "bind failed", false},
		{CutHandshake, "connect", "connect: temporary key exchange: send req_DH_params: faultnet: injected connection cut", true},
		{CutHandshake, "connect", "connect: auth.bindTempAuthKey: send: faultnet: injected connection cut", false},
		{CutBind, "rotate", "rotate: auth.bindTempAuthKey: receive: read: EOF", true},
		{CutBind, "rotate", "rotate: temporary key exchange: waiting for answer: EOF", false},
		{CutRPC, "getConfig", "getConfig: help.getConfig: send: write: broken pipe", true},
		{CutRPC, "getConfig", "getConfig: send: write: broken pipe", false},
	} {
		if got := namesStep(tc.kind, tc.step, errors.New(tc.msg)); got != tc.want {
			t.Errorf("namesStep(%s, %s, %q) = %v, want %v", tc.kind, tc.step, tc.msg, got, tc.want)
		}
	}
}

// TestFaultChecksFail shows that each promise faultProblems checks can
// break, with real runs against a local DC where a run can show it: a
// fault planned past the end of the traffic never fires; a "bind" cut that
// really lands in the key exchange gives an error that does not name the
// bind; a cut that ends in a failed check, not a closed connection, is
// caught (a made-up outcome: the driver now retries a failed exchange);
// and a kind that never ran is missed.
func TestFaultChecksFail(t *testing.T) {
	dc := startDC(t, localdc.Config{DCs: 1})
	defer dc.Close()
	ctx := context.Background()
	run := func(c Case) Outcome {
		t.Helper()
		out, _ := Run(ctx, dc, c, 5*time.Second, nil)
		return out
	}
	// One good run of every kind but the one a case leaves out, so that
	// only the broken promise is reported.
	var good []Outcome
	for _, k := range Kinds {
		o := Outcome{Case: Case{Kind: k}, Fired: true}
		if k == Restart {
			// A restart fails the run, and the bind after it.
			o.Err, o.RecoverErr = "getConfig: help.getConfig: read: EOF", "connect: ENCRYPTED_MESSAGE_INVALID"
		}
		good = append(good, o)
	}
	for _, tc := range []struct {
		name string
		outs []Outcome
		want string
	}{
		{"injector never fires", []Outcome{run(Case{Kind: CutBind, Dial: 1, Fault: faultnet.Fault{Kind: faultnet.CutWrite, Offset: 1 << 40}})},
			"the fault never fired"},
		{"cut names another step", []Outcome{run(Case{Kind: CutBind, Dial: 1, Fault: faultnet.Fault{Kind: faultnet.CutWrite, Offset: 100}})},
			"error does not name the failed step"},
		// Not a real run: the driver answers a failed check with a fresh
		// exchange on a new connection, so one flipped byte on one dial
		// no longer ends a run in it.
		{"cut ends in a failed check", []Outcome{{Case: Case{Kind: CutHandshake}, Fired: true, Step: "connect", Recovered: true,
			Err: "connect: permanent key exchange: check new_nonce_hash1 failed: x",
			err: fmt.Errorf("connect: permanent key exchange: %w", &handshake.CheckError{Name: "new_nonce_hash1", Detail: "x"})}},
			`a cut ended in "check failed"`},
		{"kind never ran", good[:len(good)-1], "no run of kind " + Kinds[len(Kinds)-1]},
		{"restart not refused", []Outcome{{Case: Case{Kind: Restart}, Fired: true, Err: "getConfig: x", RecoverErr: "connect: timeout"}},
			`ended in "connect: timeout", not in ENCRYPTED_MESSAGE_INVALID`},
	} {
		outs := tc.outs
		if len(outs) == 1 {
			outs = append(outs, good...)
		}
		got := faultProblems(outs)
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tc.want) }) {
			t.Errorf("%s: problems %q; want one saying %q", tc.name, got, tc.want)
		}
	}
	if got := faultProblems(good); len(got) != 0 {
		t.Errorf("good runs reported: %q", got)
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
