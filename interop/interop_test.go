package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pfsTTL is the DC's --max-ttl in the pfs scenario: far below the life every
// client asks for its temporary keys, so the DC forgets a key early.
const pfsTTL = 5

// scenario is one run of a script against a fresh DC.
type scenario struct {
	name   string
	dcArgs []string
	steps  []string
	// check adds the DC's own evidence to a step's verdict: a non-empty
	// answer fails the step (the client cannot see what the DC did).
	check func(step string, log []string) string
}

var (
	flowScenario = scenario{
		name:  "flow",
		steps: []string{"handshake", "help.getConfig", "login", "authorized", "export-import", "logout", "phone-migrate"},
		check: checkFlow,
	}
	pfsScenario = scenario{
		name:   "pfs",
		dcArgs: []string{"--max-ttl", strconv.Itoa(pfsTTL) + "s"},
		steps:  []string{"pfs-bind", "pfs-recover"},
		check:  checkPFS,
	}
)

// client is one third-party client and the script of ours that drives it.
type client struct {
	name string
	// transports are every transport the client has that tgpfs dc serves;
	// the script maps each name to the client's own connection class.
	transports []string
	pfs        bool // the script runs with --pfs, and the pfs scenario runs
	// argv is the script's command; missing says in one line why the
	// client cannot run on this machine ("" if it can).
	argv    func(t *testing.T) []string
	missing func() string
}

const python = "/usr/bin/python3" // Debian's, which sees python3-telethon

var (
	telethon = client{
		name: "telethon",
		// Telethon 1.25's Connection classes: ConnectionTcpFull (its
		// default), ConnectionTcpIntermediate, ConnectionTcpAbridged,
		// ConnectionTcpObfuscated. Not here: ConnectionHttp (tgpfs dc has
		// no HTTP transport) and the ConnectionTcpMTProxy* classes (they
		// need an MTProxy secret, which a DC does not take).
		transports: []string{"full", "intermediate", "abridged", "obfuscated"},
		argv:       func(*testing.T) []string { return []string{python, "telethon/client.py"} },
		missing: func() string {
			if err := probe(python, "-c", "import telethon, sys; sys.exit(telethon.__version__.split('.')[0] != '1')"); err != nil {
				return "Telethon 1.x is not importable by " + python + " (apt-get install python3-telethon): " + err.Error()
			}
			return ""
		},
	}
	// mtcute's four transports: IntermediatePacketCodec (its default),
	// PaddedIntermediatePacketCodec, and ObfuscatedPacketCodec around
	// each. It has no abridged or full codec.
	mtcute = client{
		name:       "mtcute",
		transports: []string{"intermediate", "padded", "obfuscated-intermediate", "obfuscated-padded"},
		argv:       nodeScript("mtcute.mjs"),
		missing:    nodeMissing("@mtcute/node"),
	}
	// The PFS variants run on the client's default transport: PFS sits
	// above the transport, every transport is covered by the plain
	// variant, and the pfs scenario waits out a key's life per run.
	mtcutePFS = client{name: "mtcute-pfs", transports: []string{"intermediate"}, pfs: true, argv: nodeScript("mtcute.mjs"), missing: nodeMissing("@mtcute/node")}
	gramjs    = client{
		name: "gramjs",
		// GramJS 2.26 on Node: ConnectionTCPFull (its default),
		// ConnectionTCPAbridged, ConnectionTCPObfuscated (abridged inside).
		// Not here: the ConnectionTCPMTProxy* classes (MTProxy secret) and
		// websockets (browser only). GramJS has no PFS.
		transports: []string{"full", "abridged", "obfuscated"},
		argv:       nodeScript("gramjs.cjs"),
		missing:    nodeMissing("telegram"),
	}
	// gotd's four codecs, and Obfuscated2 around the three that allow it.
	gotd = client{
		name:       "gotd",
		transports: []string{"intermediate", "abridged", "padded", "full", "obfuscated-intermediate", "obfuscated-abridged", "obfuscated-padded"},
		argv:       gotdScript,
		missing:    func() string { return "" },
	}
	gotdPFS = client{name: "gotd-pfs", transports: []string{"intermediate"}, pfs: true, argv: gotdScript, missing: func() string { return "" }}
)

func gotdScript(t *testing.T) []string { return []string{build(t, "./interop/gotdclient")} }

func nodeScript(name string) func(*testing.T) []string {
	return func(*testing.T) []string { return []string{"node", filepath.Join("npm", name)} }
}

func nodeMissing(pkg string) func() string {
	return func() string {
		if err := which("node"); err != nil {
			return "node is not installed: " + err.Error()
		}
		if _, err := os.Stat(filepath.Join("npm", "node_modules", pkg, "package.json")); err != nil {
			return "no interop/npm/node_modules/" + pkg + " (run: cd interop/npm && npm ci)"
		}
		return ""
	}
}

// expectedFailure is a step that fails today, and why. The table is strict:
// a listed step that passes fails the test ("now passes: remove it"), so it
// shrinks as the DC is fixed and never hides a regression.
type expectedFailure struct {
	client, transport, step string // transport "*": every transport
	reason                  string
}

// expectedFailures is empty: every client passes every step on every
// transport it has (issue 11's acceptance). A step that starts failing for
// a reason outside the DC (a bug of the client's) goes here with the reason
// and the evidence.
var expectedFailures = []expectedFailure{}

func expected(client, transport, step string) *expectedFailure {
	for i, e := range expectedFailures {
		if e.client == client && (e.transport == "*" || e.transport == transport) && e.step == step {
			return &expectedFailures[i]
		}
	}
	return nil
}

func TestTelethon(t *testing.T)  { runClient(t, telethon) }
func TestMtcute(t *testing.T)    { runClient(t, mtcute) }
func TestMtcutePFS(t *testing.T) { runClient(t, mtcutePFS) }
func TestGramJS(t *testing.T)    { runClient(t, gramjs) }
func TestGotd(t *testing.T)      { runClient(t, gotd) }
func TestGotdPFS(t *testing.T)   { runClient(t, gotdPFS) }

// TestExpectedFailuresNameRealSteps keeps the table honest: every entry
// names a client, transport and step the suite runs, and gives a reason.
func TestExpectedFailuresNameRealSteps(t *testing.T) {
	all := []client{telethon, mtcute, mtcutePFS, gramjs, gotd, gotdPFS}
	for _, e := range expectedFailures {
		var c *client
		for i := range all {
			if all[i].name == e.client {
				c = &all[i]
			}
		}
		if c == nil {
			t.Errorf("%+v: no such client", e)
			continue
		}
		if e.transport != "*" && !contains(c.transports, e.transport) {
			t.Errorf("%+v: %s has no transport %q", e, c.name, e.transport)
		}
		steps := flowScenario.steps
		if c.pfs {
			steps = append(append([]string(nil), steps...), pfsScenario.steps...)
		}
		if !contains(steps, e.step) {
			t.Errorf("%+v: %s runs no step %q", e, c.name, e.step)
		}
		if strings.TrimSpace(e.reason) == "" {
			t.Errorf("%+v: no reason", e)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// runClient runs every scenario of a client on every transport, each
// against its own `tgpfs dc`. Without the client on this machine the test
// skips with one line, unless TGPFS_INTEROP_REQUIRE is set (interop/ci.sh),
// where a missing client is a failure. Under CI's plain `go test ./...` it
// skips: CI runs the suite from interop/ci.sh, after installing the clients.
func runClient(t *testing.T, c client) {
	needClient(t, c)
	dcBinary(t) // built once, before the parallel runs
	scenarios := []scenario{flowScenario}
	if c.pfs {
		scenarios = append(scenarios, pfsScenario)
	}
	for _, tr := range c.transports {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) { runScenario(t, c, tr, sc) })
			}
		})
	}
}

// needClient skips (or under TGPFS_INTEROP_REQUIRE fails) a test of a
// client this machine does not have, and skips under CI's plain go test.
func needClient(t *testing.T, c client) {
	t.Helper()
	if os.Getenv("CI") != "" && os.Getenv("TGPFS_INTEROP_REQUIRE") == "" {
		t.Skip("CI runs the interop suite once, from interop/ci.sh (with every client installed)")
	}
	if why := c.missing(); why != "" {
		if os.Getenv("TGPFS_INTEROP_REQUIRE") != "" {
			t.Fatalf("%s: %s (TGPFS_INTEROP_REQUIRE is set)", c.name, why)
		}
		t.Skipf("%s: %s", c.name, why)
	}
}

func runScenario(t *testing.T, c client, transport string, sc scenario) {
	dc := startDC(t, sc.dcArgs...)
	argv := append(c.argv(t), "--dcs", dc.dcsArg(), "--pubkey", dc.pubkey, "--transport", transport, "--scenario", sc.name)
	if c.pfs {
		argv = append(argv, "--pfs")
	}
	if sc.name == pfsScenario.name {
		argv = append(argv, "--ttl", strconv.Itoa(pfsTTL))
	}
	run := runScript(t, argv, nil)
	log := dc.log()
	notes, problems := judge(c.name, transport, sc, run, log)
	for _, n := range notes {
		t.Log(n)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 || os.Getenv("TGPFS_INTEROP_LOG") != "" {
		t.Logf("command: %s", strings.Join(argv, " "))
		t.Logf("tgpfs dc -v log (%d lines):\n%s", len(log), tail(strings.Join(log, "\n"), 300))
		t.Logf("script stderr:\n%s", tail(run.stderr, 150))
	}
}

// judge turns a script's run into the suite's verdict: notes to log, and
// problems, each of which fails the test. A step passes when the script
// says so, for this client and transport, and the DC's log agrees; a
// failure is fine only when expectedFailures lists it, and a listed step
// that passes is a problem too, as are missing, unknown or stray lines and
// a script that did not exit cleanly.
func judge(client, transport string, sc scenario, run *scriptRun, log []string) (notes, problems []string) {
	who := client + "/" + transport
	for _, step := range sc.steps {
		res, ok := run.steps[step]
		if !ok {
			res = stepResult{Step: step, Detail: "not reported by the script"}
		}
		if res.Client != "" && res.Client != client || res.Transport != "" && res.Transport != transport {
			res.OK, res.Detail = false, "reported as "+res.Client+"/"+res.Transport+": "+res.Detail
		}
		if res.OK && sc.check != nil {
			if why := sc.check(step, log); why != "" {
				res.OK, res.Detail = false, res.Detail+"; but the DC's log: "+why
			}
		}
		exp := expected(client, transport, step)
		switch {
		case res.OK && exp == nil:
			notes = append(notes, fmt.Sprintf("ok   %-15s %s", step, res.Detail))
		case res.OK:
			problems = append(problems, fmt.Sprintf("%s %s now passes: remove it from expectedFailures (%s)", who, step, exp.reason))
		case exp != nil:
			notes = append(notes, fmt.Sprintf("FAIL %-15s (expected: %s) %s", step, exp.reason, res.Detail))
		default:
			problems = append(problems, fmt.Sprintf("%s %s failed: %s", who, step, res.Detail))
		}
	}
	for _, step := range run.order {
		if !contains(sc.steps, step) {
			problems = append(problems, fmt.Sprintf("%s reported a step the suite does not know: %q", who, step))
		}
	}
	if run.err != nil {
		problems = append(problems, fmt.Sprintf("%s: the script failed: %v", who, run.err))
	}
	if len(run.junk) > 0 {
		problems = append(problems, fmt.Sprintf("%s: the script printed lines that are not steps:\n%s", who, strings.Join(run.junk, "\n")))
	}
	return notes, problems
}

// dcEvent is a `tgpfs dc -v` line about a key.
type dcEvent struct {
	dc              int
	kind, key, perm string
	keyKind         string
}

var keyEvent = regexp.MustCompile(`^\S+ dc(\d+) (key made|bound|dropped|expired|-404|login)\s+(temp|perm|key) ([0-9a-f]{16})(?: perm ([0-9a-f]{16}))?`)

func keyEvents(log []string) []dcEvent {
	var evs []dcEvent
	for _, line := range log {
		m := keyEvent.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		dc, _ := strconv.Atoi(m[1])
		evs = append(evs, dcEvent{dc: dc, kind: m[2], keyKind: m[3], key: m[4], perm: m[5]})
	}
	return evs
}

// checkFlow: the PHONE_MIGRATE login must have happened on DC 3.
func checkFlow(step string, log []string) string {
	if step != "phone-migrate" {
		return ""
	}
	for _, ev := range keyEvents(log) {
		if ev.kind == "login" && ev.dc == 3 {
			return ""
		}
	}
	return "no login on dc3"
}

// checkPFS: the bind happened, and after the DC forgot that key the client
// bound a new one to the same permanent key, which it kept.
func checkPFS(step string, log []string) string {
	evs := keyEvents(log)
	first := -1
	for i, ev := range evs {
		if ev.kind == "bound" && ev.dc == 2 {
			first = i
			break
		}
	}
	if first < 0 {
		return "no bind on dc2"
	}
	if step != "pfs-recover" {
		return ""
	}
	bound := evs[first]
	forgotten := -1
	for i := first + 1; i < len(evs); i++ {
		if ev := evs[i]; ev.key == bound.key && (ev.kind == "expired" || ev.kind == "dropped" || ev.kind == "-404") {
			forgotten = i
			break
		}
	}
	if forgotten < 0 {
		return "the DC never forgot temp key " + bound.key
	}
	rebound := false
	for _, ev := range evs[forgotten:] {
		if ev.kind == "bound" && ev.dc == 2 && ev.key != bound.key && ev.perm == bound.perm {
			rebound = true
		}
	}
	if !rebound {
		return "no new temp key bound to perm " + bound.perm + " after " + bound.key + " was forgotten"
	}
	perms := 0
	for _, ev := range evs {
		if ev.kind == "key made" && ev.keyKind == "perm" && ev.dc == 2 {
			perms++
		}
	}
	if perms != 1 {
		return strconv.Itoa(perms) + " permanent keys made on dc2, want 1 (recovery keeps the permanent key)"
	}
	return ""
}
