package model

import (
	"strconv"
	"strings"
	"time"
)

// The conformance report: what a local DC saw of each client and how the
// client kept Telegram's PFS rules. The DC builds it (proto/localdc/observe);
// `tgpfs dc --report` writes it as JSON, `tgpfs dc --tui` shows it live and
// `tgpfs conform` prints a matrix of it. It holds ids and times, never key
// bytes.

// VerdictName is the stable name of one rule a client is judged by. The
// names are part of the report's format: scripts match on them.
type VerdictName string

// The verdicts, in the order a report lists them.
const (
	// VerdictUsesPFS: temporary keys are made and bound, and after the
	// first bind no call goes under the permanent key. A call under the
	// permanent key after a bind is a PFS downgrade, the worst fail.
	VerdictUsesPFS VerdictName = "uses_pfs"
	// VerdictNoCallsBeforeBind: an unbound temporary key carries nothing
	// but the methods allowed before the bind (no 401 AUTH_KEY_PERM_EMPTY).
	VerdictNoCallsBeforeBind VerdictName = "no_calls_before_bind"
	// VerdictTempTTL: the expires_in asked, and nothing is sent under a
	// temporary key after the expiry the client itself declared for it.
	VerdictTempTTL VerdictName = "temp_ttl"
	// VerdictRecoversForgottenKey: after the DC forgets a bound temporary
	// key early, the client binds a new one to the same permanent key.
	VerdictRecoversForgottenKey VerdictName = "recovers_from_forgotten_key"
	// VerdictBindRetryPolicy: on ENCRYPTED_MESSAGE_INVALID for a bind,
	// retry when the permanent key is under 60 s old, else drop both keys.
	VerdictBindRetryPolicy VerdictName = "bind_retry_policy"
	// VerdictBindAfterBadSalt: on bad_server_salt for the bind, the bind
	// is sent again and its encrypted_message still matches its msg_id.
	VerdictBindAfterBadSalt VerdictName = "bind_after_bad_server_salt"
	// The checks of the server's key exchange answers, one per field:
	// given a hostile answer, the client goes no further with that key.
	VerdictChecksNonce        VerdictName = "checks_server_dh.nonce"
	VerdictChecksAnswerSHA1   VerdictName = "checks_server_dh.answer_sha1"
	VerdictChecksDHPrime      VerdictName = "checks_server_dh.dh_prime"
	VerdictChecksGARange      VerdictName = "checks_server_dh.g_a_range"
	VerdictChecksNewNonceHash VerdictName = "checks_server_dh.new_nonce_hash"
)

// VerdictResult is how a client came out on one verdict.
type VerdictResult string

const (
	ResultOK      VerdictResult = "ok"
	ResultFail    VerdictResult = "fail"
	ResultNotSeen VerdictResult = "not_seen" // the run never put the client to this test
)

// VerdictInfo describes one verdict for `tgpfs dc --verdicts`.
type VerdictInfo struct {
	Name    VerdictName
	Explain string // one line
	// Scenario is the DC behaviour that puts a client to this test; ""
	// when any run does.
	Scenario ScenarioName
}

// HostileChecks are the checks_server_dh verdicts in the order the
// hostile-handshake scenario walks a client through them.
func HostileChecks() []VerdictName {
	return []VerdictName{VerdictChecksNonce, VerdictChecksAnswerSHA1, VerdictChecksDHPrime, VerdictChecksGARange, VerdictChecksNewNonceHash}
}

// VerdictCatalog lists every verdict, in report order.
func VerdictCatalog() []VerdictInfo {
	return []VerdictInfo{
		{VerdictUsesPFS, "temporary keys are made and bound, and after the first bind no call goes under the permanent key (a call under it is a PFS downgrade)", ""},
		{VerdictNoCallsBeforeBind, "an unbound temporary key carries only auth.bindTempAuthKey, help.getConfig and help.getNearestDc (no 401 AUTH_KEY_PERM_EMPTY)", ""},
		{VerdictTempTTL, "the expires_in asked, and nothing sent under a temporary key after its own declared expiry (the -404 that earns) instead of renewing first", ""},
		{VerdictRecoversForgottenKey, "after the DC forgets a bound temporary key early, a new temporary key is bound to the same permanent key, which is kept", ScenarioForgetTempAfter},
		{VerdictBindRetryPolicy, "on ENCRYPTED_MESSAGE_INVALID for a bind: retry when the permanent key is under 60 s old, drop both keys when older", ScenarioRejectFirstBind},
		{VerdictBindAfterBadSalt, "on bad_server_salt for the bind, the bind is sent again with an encrypted_message that names the msg_id it travels under", ScenarioSaltOnBind},
		{VerdictChecksNonce, "given a resPQ whose nonce is not the one sent, the client sends no req_DH_params", ScenarioHostileHandshake},
		{VerdictChecksAnswerSHA1, "given server_DH_params_ok whose encrypted answer has a wrong SHA1, the client sends no set_client_DH_params", ScenarioHostileHandshake},
		{VerdictChecksDHPrime, "given a dh_prime that is prime but not a safe prime, the client sends no set_client_DH_params", ScenarioHostileHandshake},
		{VerdictChecksGARange, "given g_a outside 2^(2048-64) .. dh_prime - 2^(2048-64), the client sends no set_client_DH_params", ScenarioHostileHandshake},
		{VerdictChecksNewNonceHash, "given dh_gen_ok with a wrong new_nonce_hash1, the client never uses that key", ScenarioHostileHandshake},
	}
}

// CountInfo describes one informational count of a client report.
type CountInfo struct {
	Name    string // the JSON field of ClientCounts
	Explain string
}

// CountCatalog lists the informational counts, for `tgpfs dc --verdicts`.
func CountCatalog() []CountInfo {
	return []CountInfo{
		{"calls", "API calls (after unwrapping invokeWithLayer, initConnection, invokeWithoutUpdates, invokeAfterMsg)"},
		{"rpc_errors", "calls answered with an RPC error"},
		{"bad_msg_codes", "bad_msg_notification and bad_server_salt codes earned, by code"},
		{"msg_id_problems", "messages refused for their msg_id (codes 16-20) or ignored as replays"},
		{"drops", "auth.dropTempAuthKeys calls"},
		{"transport_404", "frames under a key the DC does not hold, answered -404"},
		{"refused_handshakes", "key exchange steps the DC refused"},
	}
}

// ClientVerdict is one verdict of a client.
type ClientVerdict struct {
	Name   VerdictName   `json:"name"`
	Result VerdictResult `json:"result"`
	Detail string        `json:"detail"`
}

// ConformanceReport is what the DC saw of every client it remembers.
type ConformanceReport struct {
	At        time.Time      `json:"at"`        // when the snapshot was taken, DC time
	Scenarios []string       `json:"scenarios"` // the DC's scenarios, as given
	Clients   []ClientReport `json:"clients"`   // oldest first
	// Forgotten counts clients dropped to bound the DC's memory, least
	// recently active first.
	Forgotten int `json:"forgotten_clients"`
}

// Failed reports whether any client failed any verdict.
func (r ConformanceReport) Failed() bool {
	for _, c := range r.Clients {
		for _, v := range c.Verdicts {
			if v.Result == ResultFail {
				return true
			}
		}
	}
	return false
}

// Worst is the result of the verdict over every client: fail when one
// failed it, ok when one kept it and none failed, else not seen. A run of
// `tgpfs conform` shows this in its cell of the matrix.
func (r ConformanceReport) Worst(name VerdictName) VerdictResult {
	out := ResultNotSeen
	for _, c := range r.Clients {
		v, ok := c.Verdict(name)
		switch {
		case !ok:
		case v.Result == ResultFail:
			return ResultFail
		case v.Result == ResultOK:
			out = ResultOK
		}
	}
	return out
}

// ClientReport is one client: what it said it is, its keys, its verdicts.
type ClientReport struct {
	// ID numbers the client within one DC run; it is not on the wire.
	ID         int               `json:"id"`
	Client     ClientIdentity    `json:"client"`
	DCs        []int             `json:"dcs"`
	Transports []string          `json:"transports"`
	FirstSeen  time.Time         `json:"first_seen"`
	LastSeen   time.Time         `json:"last_seen"`
	PermKeys   []ObservedPermKey `json:"perm_keys"`
	TempKeys   []ObservedTempKey `json:"temp_keys"`
	Verdicts   []ClientVerdict   `json:"verdicts"`
	Counts     ClientCounts      `json:"counts"`
	// Events are the client's most recent observations, oldest first.
	Events []ClientEvent `json:"events"`
}

// Verdict returns the client's verdict of that name.
func (c ClientReport) Verdict(name VerdictName) (ClientVerdict, bool) {
	for _, v := range c.Verdicts {
		if v.Name == name {
			return v, true
		}
	}
	return ClientVerdict{}, false
}

// ClientIdentity is what a client said it is in initConnection, and the
// layer it named in invokeWithLayer. The strings are the client's own: quote
// them before printing them to a terminal.
type ClientIdentity struct {
	APIID         int    `json:"api_id"`
	DeviceModel   string `json:"device_model"`
	SystemVersion string `json:"system_version"`
	AppVersion    string `json:"app_version"`
	LangCode      string `json:"lang_code"`
	Layer         int    `json:"layer"`
}

// Known reports whether the client has said anything about itself.
func (id ClientIdentity) Known() bool { return id != ClientIdentity{} }

// String is the identity on one line: "gotd 0.1 on Linux (api_id 17349,
// layer 229)", or "unnamed" before initConnection.
func (id ClientIdentity) String() string {
	if !id.Known() {
		return "unnamed"
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(id.DeviceModel + " " + id.AppVersion))
	if id.SystemVersion != "" {
		b.WriteString(" on " + id.SystemVersion)
	}
	b.WriteString(" (api_id " + strconv.Itoa(id.APIID))
	if id.Layer != 0 {
		b.WriteString(", layer " + strconv.Itoa(id.Layer))
	}
	b.WriteByte(')')
	return strings.TrimSpace(b.String())
}

// KeyExchange is how a key was made: the p_q_inner_data constructor, the
// RSA scheme and the transport. Empty for a key the DC already held (from
// its state file).
type KeyExchange struct {
	Inner     string `json:"inner,omitempty"`
	Scheme    string `json:"rsa_scheme,omitempty"`
	Transport string `json:"transport,omitempty"`
}

// ObservedPermKey is a permanent key of a client.
type ObservedPermKey struct {
	ID       string      `json:"id"` // KeyID.String()
	DC       int         `json:"dc"`
	Created  time.Time   `json:"created"`
	Exchange KeyExchange `json:"exchange"`
	Ended    string      `json:"ended,omitempty"` // "restart", "-404"
	EndedAt  time.Time   `json:"ended_at,omitzero"`
}

// ObservedTempKey is a temporary key of a client.
type ObservedTempKey struct {
	ID       string      `json:"id"`
	DC       int         `json:"dc"`
	Created  time.Time   `json:"created"`
	Exchange KeyExchange `json:"exchange"`
	// ExpiresIn is the expires_in the client asked, in seconds.
	ExpiresIn int64 `json:"expires_in"`
	// ExpiresAt is the expiry the client declared: the bind's expires_at,
	// or creation + expires_in before the bind.
	ExpiresAt   time.Time `json:"expires_at"`
	Bound       bool      `json:"bound"`
	PermID      string    `json:"perm_id,omitempty"`
	BoundAt     time.Time `json:"bound_at,omitzero"`
	WrappedBind bool      `json:"wrapped_bind"` // the bind came inside invokeWithLayer/initConnection
	// Ended says how the DC stopped holding the key: "" while it does,
	// else one of the TempKeyEnd* values.
	Ended   string    `json:"ended"`
	EndedAt time.Time `json:"ended_at,omitzero"`
}

// How a DC stops holding a key, as ObservedTempKey.Ended says it.
const (
	KeyEndExpired   = "expired"   // reached the DC's expiry for it
	KeyEndDropped   = "dropped"   // auth.dropTempAuthKeys
	KeyEndForgotten = "forgotten" // the DC forgot it early (Telegram may, at any time)
	KeyEndRestart   = "restart"   // the DC restarted without its state
)

// ClientCounts are the informational counts of a client (CountCatalog).
type ClientCounts struct {
	Calls             int         `json:"calls"`
	RPCErrors         int         `json:"rpc_errors"`
	BadMsgCodes       map[int]int `json:"bad_msg_codes"`
	MsgIDProblems     int         `json:"msg_id_problems"`
	Drops             int         `json:"drops"`
	NotFound          int         `json:"transport_404"`
	RefusedHandshakes int         `json:"refused_handshakes"`
}

// ClientEvent is one thing the DC saw a client do, for the live view.
type ClientEvent struct {
	At     time.Time `json:"at"`
	What   string    `json:"what"`          // "key made", "call", "bind", "key ended", "-404", "probe", ...
	Key    string    `json:"key,omitempty"` // KeyID.String() of the key involved
	Detail string    `json:"detail,omitempty"`
}

// ScenarioName names a DC behaviour that probes clients.
type ScenarioName string

// The scenarios. Without any, the DC behaves as Telegram does when nothing
// goes wrong.
const (
	ScenarioForgetTempAfter  ScenarioName = "forget-temp-after"
	ScenarioRejectFirstBind  ScenarioName = "reject-first-bind"
	ScenarioSaltOnBind       ScenarioName = "salt-on-bind"
	ScenarioRestartAfter     ScenarioName = "restart-after"
	ScenarioHostileHandshake ScenarioName = "hostile-handshake"
)

// Scenario is one named DC behaviour with its argument.
type Scenario struct {
	Name  ScenarioName
	After time.Duration // forget-temp-after, restart-after
}

// String is the form ParseScenarios reads: "forget-temp-after=5s".
func (s Scenario) String() string {
	if s.After > 0 {
		return string(s.Name) + "=" + s.After.String()
	}
	return string(s.Name)
}

// ScenarioInfo describes one scenario for `tgpfs dc --scenarios`.
type ScenarioInfo struct {
	Name    ScenarioName
	Arg     string // "DURATION", or "" for none
	Explain string // one line
}

// ScenarioCatalog lists every scenario.
func ScenarioCatalog() []ScenarioInfo {
	return []ScenarioInfo{
		{ScenarioForgetTempAfter, "DURATION", "forget each temporary key DURATION after its bind, as Telegram may at any time (probes " + string(VerdictRecoversForgottenKey) + ")"},
		{ScenarioRejectFirstBind, "", "answer the first bind for each permanent key with ENCRYPTED_MESSAGE_INVALID (probes " + string(VerdictBindRetryPolicy) + ")"},
		{ScenarioSaltOnBind, "", "answer the first bind for each permanent key with bad_server_salt (probes " + string(VerdictBindAfterBadSalt) + ")"},
		{ScenarioRestartAfter, "DURATION", "DURATION after start, forget every key and close every connection, as a restart without --state"},
		{ScenarioHostileHandshake, "", "the first five key exchanges each get one hostile answer (nonce, answer SHA1, dh_prime, g_a, new_nonce_hash1), later ones honest (probes checks_server_dh.*)"},
	}
}

// MaxScenarioDuration bounds a scenario's DURATION.
const MaxScenarioDuration = 24 * time.Hour

// ScenarioError is a --scenario value that does not parse. Value is the
// offending item as given.
type ScenarioError struct {
	Value  string
	Reason string
}

func (e *ScenarioError) Error() string { return strconv.Quote(e.Value) + ": " + e.Reason }

// ParseScenarios reads "NAME[=DURATION][,NAME…]" (spaces around items
// allowed; "" is no scenario). A name that is unknown or given twice, a
// DURATION missing, unexpected, unparsable or outside (0, 24h] is a
// *ScenarioError naming the item.
func ParseScenarios(s string) ([]Scenario, error) {
	var out []Scenario
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		name, arg, hasArg := strings.Cut(item, "=")
		info, ok := scenarioInfo(ScenarioName(name))
		if !ok {
			return nil, &ScenarioError{Value: item, Reason: "unknown scenario (" + scenarioNames() + ")"}
		}
		for _, prev := range out {
			if prev.Name == info.Name {
				return nil, &ScenarioError{Value: item, Reason: "given twice"}
			}
		}
		sc := Scenario{Name: info.Name}
		switch {
		case info.Arg == "" && hasArg:
			return nil, &ScenarioError{Value: item, Reason: name + " takes no argument"}
		case info.Arg != "" && !hasArg:
			return nil, &ScenarioError{Value: item, Reason: "want " + name + "=DURATION, e.g. " + name + "=30s"}
		case info.Arg != "":
			d, err := time.ParseDuration(arg)
			if err != nil {
				return nil, &ScenarioError{Value: item, Reason: "not a duration (e.g. 30s, 2m)"}
			}
			if d <= 0 || d > MaxScenarioDuration {
				return nil, &ScenarioError{Value: item, Reason: "want a duration above 0 and at most " + MaxScenarioDuration.String()}
			}
			sc.After = d
		}
		out = append(out, sc)
	}
	return out, nil
}

func scenarioInfo(name ScenarioName) (ScenarioInfo, bool) {
	for _, info := range ScenarioCatalog() {
		if info.Name == name {
			return info, true
		}
	}
	return ScenarioInfo{}, false
}

func scenarioNames() string {
	var names []string
	for _, info := range ScenarioCatalog() {
		names = append(names, string(info.Name))
	}
	return "one of " + strings.Join(names, ", ")
}

// FindScenario returns the scenario of that name in list.
func FindScenario(list []Scenario, name ScenarioName) (Scenario, bool) {
	for _, s := range list {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}
