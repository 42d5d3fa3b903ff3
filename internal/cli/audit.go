package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"tgpfs/internal/app"
	"tgpfs/model"
	"tgpfs/proto"
)

type auditFlags struct {
	dryRun  bool
	asJSON  bool
	timeout time.Duration
	hold    time.Duration
}

// maxAuditTimeout bounds --timeout; a lifecycle takes seconds.
const maxAuditTimeout = 24 * time.Hour

func newAuditCmd(stdio *IO) *cobra.Command {
	cfg := app.Defaults()
	cfg.TTL = time.Hour
	// The audit makes keys and binds them; it logs nobody in. With nobody
	// to ask, it follows the spec when the DC refuses a permanent key it
	// made: both keys go, new ones are made and bound.
	cfg.NoLogin = true
	cfg.ReplaceRefusedKeys = true
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Run the PFS key lifecycle once and print the transcript and every check",
		Long: `Connect to a DC, make (or load with --session) the permanent key, make and
bind a temporary key, call help.getConfig, rotate once, drop the earlier
temporary keys and prove they are gone by their -404. Prints each handshake
message, the values that are not secret, every client-side security check
as a verdict, and each step. With --dc local (the default) it starts the
embedded cluster itself.

With --hold D the session then stays up for D, as a long-running client's
does: renewal on, help.getConfig once a second, recovering from what the DC
does meanwhile (a temporary key forgotten early, a restart without state);
SIGINT or SIGTERM ends the hold early and the report is printed. This is
how tgpfs conform puts tgpfs's own client to its scenarios.

Exit status 0 only when every check and step passed; 1 when one failed; 2
for bad flags or a bad session. With --json stdout holds one JSON document.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAudit(cmd.Context(), stdio, cfg, f)
		},
	}
	addTargetFlags(cmd, &cfg, &f.dryRun)
	fl := cmd.Flags()
	fl.DurationVar(&cfg.TTL, "ttl", cfg.TTL, "lifetime to ask for the temporary keys (expires_in)")
	fl.BoolVar(&f.asJSON, "json", false, "print one JSON document instead of text")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Minute, "give up on the lifecycle after this long (0: never)")
	fl.DurationVar(&f.hold, "hold", 0, "after the lifecycle, keep the session up this long with renewal on and a call a second (SIGINT/SIGTERM ends it)")
	return cmd
}

// auditReport is the --json document.
type auditReport struct {
	Target     auditTarget        `json:"target"`
	PermKey    auditPermKey       `json:"perm_key"`
	TempKey    auditTempKey       `json:"temp_key"`
	Handshake  *auditHandshake    `json:"handshake"`
	Handshakes []auditHandshake   `json:"handshakes"`
	Steps      []auditStep        `json:"steps"`
	Dropped    []string           `json:"dropped"`
	Events     []string           `json:"events"`
	OK         bool               `json:"ok"`
	Error      string             `json:"error,omitempty"`
	BindFailed []model.BindFailed `json:"bind_failures,omitempty"`
	Hold       *auditHold         `json:"hold,omitempty"`
}

type auditTarget struct {
	Env        string `json:"env"`
	DC         int    `json:"dc"`
	Addr       string `json:"addr"`
	ProtocolDC int    `json:"protocol_dc"`
}

type auditPermKey struct {
	ID          string `json:"id"`
	Fingerprint string `json:"fingerprint"`
	Source      string `json:"source"`
}

type auditTempKey struct {
	ID          string `json:"id"`
	ExpiresIn   int64  `json:"expires_in"`
	ExpiresAt   int64  `json:"expires_at"`
	Bound       bool   `json:"bound"`
	SessionID   string `json:"session_id"`
	RotatedFrom string `json:"rotated_from,omitempty"`
}

type auditHandshake struct {
	Kind       string         `json:"kind"`
	DC         int            `json:"dc"`
	KeyID      string         `json:"key_id,omitempty"`
	DurationMS float64        `json:"duration_ms"`
	Messages   []auditMessage `json:"messages"`
	Values     []model.Field  `json:"values"`
	Checks     []auditCheck   `json:"checks"`
	Err        string         `json:"error,omitempty"`
}

type auditMessage struct {
	Dir  string `json:"dir"`
	Type string `json:"type"`
	Size int    `json:"size"`
}

type auditCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

type auditStep struct {
	Name       string  `json:"name"`
	OK         bool    `json:"ok"`
	DurationMS float64 `json:"duration_ms"`
	Err        string  `json:"error,omitempty"`
}

func runAudit(ctx context.Context, stdio *IO, cfg app.Config, f auditFlags) error {
	cfg.Getenv = stdio.Getenv
	a, err := app.New(cfg)
	if err != nil {
		return err
	}
	if err := app.DurationIn("--timeout", f.timeout, 0, maxAuditTimeout, "0 waits as long as it takes"); err != nil {
		return err
	}
	if err := app.DurationIn("--hold", f.hold, 0, maxHold, "0 ends after the lifecycle"); err != nil {
		return err
	}
	if f.dryRun {
		return a.WriteDryRun(stdio.Out, f.asJSON)
	}
	for _, w := range a.Warnings() {
		warn(stdio, w)
	}
	// A signal ends the run with a report, not mid-line: during --hold it
	// is the expected end.
	stop, cancelStop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancelStop()
	steps := stop
	if f.timeout > 0 {
		var cancel context.CancelFunc
		steps, cancel = context.WithTimeout(stop, f.timeout)
		defer cancel()
	}
	s, err := a.Start(stop)
	if err != nil {
		return err
	}
	defer s.Close()

	rep := auditLifecycle(steps, s.Driver, s.Target, func(d *proto.Driver) *auditHold {
		if f.hold <= 0 {
			return nil
		}
		h := hold(stop, stop, d, f.hold)
		return &h
	})
	if f.asJSON {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeAuditText(stdio.Out, rep); err != nil {
		return err
	}
	if !rep.OK {
		msg := "audit failed"
		if rep.Error != "" {
			msg += ": " + rep.Error
		}
		return &ExitError{Code: ExitFailure, Err: errors.New(msg)}
	}
	return nil
}

// auditLifecycle runs the steps on d, a new driver for target, then
// holdFor (--hold; nil when not asked) once every step passed, and gathers
// the report from its events. It closes d.
func auditLifecycle(ctx context.Context, d *proto.Driver, t proto.Target, holdFor func(*proto.Driver) *auditHold) *auditReport {
	// Renewal stays paused: the audit does one rotation, on purpose.
	d.SetRenewalPaused(true)
	var (
		mu     sync.Mutex
		events []model.Event
		done   = make(chan struct{})
	)
	go func() {
		defer close(done)
		for ev := range d.Events() {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
	}()

	rep := &auditReport{Target: auditTarget{Env: t.Env, DC: t.DC, Addr: t.Addr, ProtocolDC: t.ProtocolDC},
		Steps: []auditStep{}, Dropped: []string{}, Handshakes: []auditHandshake{}, Events: []string{}}
	var firstTemp model.KeyID
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"connect", d.Connect}, // perm key, temp key, bind, initConnection + help.getConfig
		{"get_config", d.GetConfig},
		{"rotate", func(ctx context.Context) error {
			if k, ok := d.TempKey(); ok {
				firstTemp = k.ID
			}
			return d.Rotate(ctx)
		}},
		{"drop", d.Drop},
		{"get_config_after_drop", d.GetConfig},
	}
	for _, s := range steps {
		start := time.Now()
		err := s.run(ctx)
		st := auditStep{Name: s.name, OK: err == nil, DurationMS: ms(time.Since(start))}
		if err != nil {
			st.Err = err.Error()
			rep.Error = err.Error()
		}
		rep.Steps = append(rep.Steps, st)
		if err != nil {
			break
		}
	}
	holdFrom := -1
	if rep.Error == "" {
		mu.Lock()
		holdFrom = len(events)
		mu.Unlock()
		rep.Hold = holdFor(d)
	}
	perm := d.PermKey()
	rep.PermKey = auditPermKey{ID: perm.ID.String(), Fingerprint: perm.Fingerprint, Source: perm.Source}
	if k, ok := d.TempKey(); ok {
		rep.TempKey = auditTempKey{ID: k.ID.String(), ExpiresIn: int64(k.ExpiresIn / time.Second), ExpiresAt: k.ExpiresAt.Unix(),
			Bound: k.Bound, SessionID: fmt.Sprintf("%016x", uint64(k.SessionID))}
		if firstTemp != 0 && firstTemp != k.ID {
			rep.TempKey.RotatedFrom = firstTemp.String()
		}
	}
	_ = d.Close()
	<-done
	if rep.Hold != nil {
		rep.Hold.countHold(events[holdFrom:])
		st := auditStep{Name: "hold", OK: rep.Hold.EndedBound, DurationMS: rep.Hold.Seconds * 1000}
		if !st.OK {
			st.Err = "the session did not end with a bound temporary key"
			if rep.Hold.LastErr != "" {
				st.Err += ": " + rep.Hold.LastErr
			}
			rep.Error = st.Err
		}
		rep.Steps = append(rep.Steps, st)
	}

	for _, ev := range events {
		switch e := ev.(type) {
		case model.HandshakeDone:
			rep.Handshakes = append(rep.Handshakes, toAuditHandshake(e.Transcript))
		case model.KeysDropped:
			for _, id := range e.Gone {
				rep.Dropped = append(rep.Dropped, id.String())
			}
		case model.BindFailed:
			rep.BindFailed = append(rep.BindFailed, e)
		}
		if line := describeEvent(ev); line != "" {
			rep.Events = append(rep.Events, line)
		}
	}
	// The headline handshake is the first temporary key's.
	for i := range rep.Handshakes {
		if rep.Handshakes[i].Kind == model.Temporary.String() {
			rep.Handshake = &rep.Handshakes[i]
			break
		}
	}
	if rep.Handshake == nil && len(rep.Handshakes) > 0 {
		rep.Handshake = &rep.Handshakes[0]
	}
	rep.OK = rep.Error == "" && len(rep.Steps) >= len(steps)
	for _, h := range rep.Handshakes {
		for _, c := range h.Checks {
			rep.OK = rep.OK && c.OK
		}
		rep.OK = rep.OK && h.Err == ""
	}
	return rep
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func toAuditHandshake(tr model.Transcript) auditHandshake {
	h := auditHandshake{Kind: tr.Kind.String(), DC: tr.DC, DurationMS: ms(tr.Duration), Values: tr.Values, Err: tr.Err,
		Messages: []auditMessage{}, Checks: []auditCheck{}}
	if h.Values == nil {
		h.Values = []model.Field{}
	}
	if tr.KeyID != 0 {
		h.KeyID = tr.KeyID.String()
	}
	for _, m := range tr.Messages {
		h.Messages = append(h.Messages, auditMessage{Dir: m.Dir.String(), Type: m.Type, Size: m.Size})
	}
	for _, c := range tr.Checks {
		h.Checks = append(h.Checks, auditCheck{Name: c.Name, OK: c.OK, Detail: c.Detail})
	}
	return h
}

// describeEvent is one line per event for the log; "" for events the
// report shows elsewhere.
func describeEvent(ev model.Event) string {
	switch e := ev.(type) {
	case model.PermKeyReady:
		return fmt.Sprintf("permanent key %s ready (%s)", e.Key.ID, e.Key.Source)
	case model.TempKeyCreated:
		return fmt.Sprintf("temporary key %s made, expires_in %v", e.Key.ID, e.Key.ExpiresIn)
	case model.TempKeyBound:
		return fmt.Sprintf("temporary key %s bound to %s, expires_at %d, msg_id %016x, session %016x",
			e.ID, e.PermID, e.ExpiresAt.Unix(), uint64(e.MsgID), uint64(e.SessionID))
	case model.BindFailed:
		return fmt.Sprintf("bind of %s failed: %s (%s)", e.ID, e.Err, e.Advice)
	case model.TempKeyEnded:
		return fmt.Sprintf("temporary key %s %s: %s", e.ID, e.How, e.Detail)
	case model.KeysDropped:
		return fmt.Sprintf("auth.dropTempAuthKeys except %v; proven gone by -404: %v", e.Except, e.Gone)
	case model.ConfigFetched:
		return fmt.Sprintf("help.getConfig: this_dc %d, test_mode %v, %d dc options", e.ThisDC, e.TestMode, len(e.DCs))
	case model.ClockSynced:
		return fmt.Sprintf("server clock offset %v", e.Offset)
	}
	return ""
}

// checkMark is the text report's mark of a check or step: "ok  " or "FAIL",
// four columns either way so the names after it line up.
func checkMark(ok bool) string {
	if ok {
		return "ok  "
	}
	return "FAIL"
}

func writeAuditText(w io.Writer, rep *auditReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "target    %s DC %d at %s (protocol dc %d)\n", rep.Target.Env, rep.Target.DC, rep.Target.Addr, rep.Target.ProtocolDC)
	for _, h := range rep.Handshakes {
		fmt.Fprintf(&b, "\n%s key exchange (%.1f ms)", h.Kind, h.DurationMS)
		if h.KeyID != "" {
			fmt.Fprintf(&b, " -> key %s", h.KeyID)
		}
		b.WriteString("\n")
		for _, m := range h.Messages {
			arrow := "->"
			if m.Dir == model.Received.String() {
				arrow = "<-"
			}
			fmt.Fprintf(&b, "  %s %-22s %4d B\n", arrow, m.Type, m.Size)
		}
		for _, v := range h.Values {
			fmt.Fprintf(&b, "  %-16s %s\n", v.Name, v.Value)
		}
		for _, c := range h.Checks {
			fmt.Fprintf(&b, "  [%s] %-26s %s\n", checkMark(c.OK), c.Name, c.Detail)
		}
		if h.Err != "" {
			fmt.Fprintf(&b, "  error: %s\n", h.Err)
		}
	}
	b.WriteString("\nevents\n")
	for _, e := range rep.Events {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	b.WriteString("\nsteps\n")
	for _, s := range rep.Steps {
		fmt.Fprintf(&b, "  [%s] %-22s %8.1f ms", checkMark(s.OK), s.Name, s.DurationMS)
		if s.Err != "" {
			fmt.Fprintf(&b, "  %s", s.Err)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\npermanent key  %s  fingerprint %s  (%s)\n", rep.PermKey.ID, rep.PermKey.Fingerprint, rep.PermKey.Source)
	if rep.TempKey.ID != "" {
		fmt.Fprintf(&b, "temporary key  %s  bound %v  expires_at %d\n", rep.TempKey.ID, rep.TempKey.Bound, rep.TempKey.ExpiresAt)
	}
	if len(rep.Dropped) > 0 {
		fmt.Fprintf(&b, "dropped        %s\n", strings.Join(rep.Dropped, ", "))
	}
	if rep.Hold != nil {
		fmt.Fprintf(&b, "hold           %s\n", rep.Hold)
	}
	refused := 0
	for _, h := range rep.Handshakes {
		if h.Err != "" {
			refused++
		}
	}
	switch {
	case rep.OK:
		b.WriteString("\nPASS: every check and step passed\n")
	case rep.Error == "" && refused > 0:
		// The server is what failed: its answers did not pass the checks.
		fmt.Fprintf(&b, "\nFAIL: %d key exchanges got answers that failed a check; tgpfs refused each and started afresh, and every step passed\n", refused)
	default:
		b.WriteString("\nFAIL\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
