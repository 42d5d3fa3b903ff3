package model

import "time"

// Event is something that happened, reported by proto (the client driver) or
// by the local DC, and applied to State by the UI's Update. Events are plain
// values: they carry ids and times, never key bytes. Each event type says how
// it changes the State in its apply method (apply.go).
type Event interface{ apply(*State) }

// ConnPhase is the state of the connection to a DC.
type ConnPhase int

const (
	Disconnected ConnPhase = iota
	Connecting
	Connected
)

func (p ConnPhase) String() string {
	switch p {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	}
	return "disconnected"
}

// Target says which DC the driver talks to.
type Target struct {
	Env   string // "local", "test" or "prod"
	DC    int    // plain DC number (1..5)
	Addr  string // host:port
	Layer int    // API layer the client speaks
}

// ConnChanged reports a connection state change.
type ConnChanged struct {
	At     time.Time
	Target Target
	Phase  ConnPhase
	Err    string // why it went down, if it did
}

// ClockSynced reports the offset of the server clock (server = local + Offset).
type ClockSynced struct {
	At     time.Time
	Offset time.Duration
}

// HandshakeDone reports a finished (or failed) key exchange.
type HandshakeDone struct {
	At         time.Time
	Transcript Transcript
}

// PermKeyReady reports the permanent key in use.
type PermKeyReady struct {
	At  time.Time
	Key PermKey
}

// TempKeyCreated reports a new temporary key, not yet bound.
type TempKeyCreated struct {
	At  time.Time
	Key TempKey
}

// TempKeyBound reports a successful auth.bindTempAuthKey.
type TempKeyBound struct {
	At        time.Time
	ID        KeyID
	PermID    KeyID
	Nonce     int64
	ExpiresAt time.Time // server time, as sent
	MsgID     int64
	SessionID int64
}

// BindFailed reports a failed bind, with the RPC error type if there was one.
type BindFailed struct {
	At     time.Time
	ID     KeyID
	Code   int    // RPC error code, 0 when not an RPC error
	Type   string // e.g. "ENCRYPTED_MESSAGE_INVALID"
	Err    string
	Advice string // what the spec says to do next; "" when no rule covers the error
	// Verdict is the error read by the real server's rules (Classify) with
	// what the driver knew of the keys: the permanent key's age, whether
	// it holds the login, how often the bind was retried. Verdict.DropKeys
	// says both keys must go; Verdict.Retry that the driver retries.
	Verdict Verdict
}

// TempKeyEnded reports that a temporary key stopped being usable or current.
type TempKeyEnded struct {
	At     time.Time
	ID     KeyID
	How    TempEnd
	Detail string
}

// KeysDropped reports auth.dropTempAuthKeys and the proof that followed.
type KeysDropped struct {
	At     time.Time
	Except []KeyID
	// Gone lists earlier keys that were proven dead by a -404 afterwards.
	Gone []KeyID
}

// LoggedIn reports that the permanent key is authorized as a user.
type LoggedIn struct {
	At   time.Time
	DC   int
	User User
}

// LoggedOut reports auth.logOut or a lost authorization.
type LoggedOut struct {
	At     time.Time
	DC     int
	Reason string
}

// Exported reports export/import of the authorization to another DC.
type Exported struct {
	At     time.Time
	FromDC int
	ToDC   int
	User   User // the user the target DC now knows
}

// ConfigFetched reports help.getConfig.
type ConfigFetched struct {
	At       time.Time
	ThisDC   int
	TestMode bool
	DCs      []DCOption
	Expires  time.Time
}

// DCOption is one entry of help.getConfig's dc_options.
type DCOption struct {
	ID        int
	Addr      string
	IPv6      bool
	MediaOnly bool
}

// ActionStarted reports that a user action began (for the spinner).
type ActionStarted struct {
	At     time.Time
	Action string
}

// ActionDone reports that a user action ended, with its error if any.
type ActionDone struct {
	At       time.Time
	Action   string
	Duration time.Duration
	Err      string
}

// RenewalChanged reports the automatic renewal policy state.
type RenewalChanged struct {
	At      time.Time
	Paused  bool
	RenewAt time.Time // local time of the next planned renewal; zero if none
}

// ServerEventKind is what a local DC did.
type ServerEventKind int

const (
	SrvKeyCreated ServerEventKind = iota
	SrvKeyBound
	SrvKeyDropped
	SrvKeyExpired
	SrvKeyNotFound // a frame arrived under an unknown key and got -404
	SrvLogin
	SrvLogout
	SrvExport
	SrvImport
	SrvRPCError
	SrvAcceptFailing   // accepting connections fails; the DC retries with backoff
	SrvAcceptRecovered // accepting connections works again
	SrvHandshakeFailed // a key exchange step was refused; Detail names the step and the reason
	// The DC's observation of its clients (ConformanceReport); Client
	// names the client.
	SrvClient // a client was first seen, or named itself in initConnection
	SrvRule   // a client kept or broke a rule a verdict judges; Detail says which
	SrvProbe  // a scenario probed a client (a hostile answer, a refused bind, a forgotten key)
)

func (k ServerEventKind) String() string {
	return [...]string{"key made", "bound", "dropped", "expired", "-404", "login", "logout", "export", "import", "rpc error", "accept failing", "accept recovered", "refused",
		"client", "rule", "probe"}[k]
}

// Tone is how an event reads to someone watching the DC: the one place
// that says which server events are problems, for every view of them.
type Tone int

const (
	TonePlain   Tone = iota // an ordinary call, export, rule or client line
	ToneGood                // a bind, a login, an import, accepting again
	ToneNew                 // a key made, a client seen
	ToneEnded               // a key dropped or expired, a logout
	ToneProblem             // a -404, an RPC error, a refused key exchange
	ToneWarning             // a scenario's probe, accepting failing
)

// Tone of an event kind.
func (k ServerEventKind) Tone() Tone {
	switch k {
	case SrvKeyBound, SrvAcceptRecovered, SrvLogin, SrvImport:
		return ToneGood
	case SrvKeyCreated, SrvClient:
		return ToneNew
	case SrvKeyDropped, SrvKeyExpired, SrvLogout:
		return ToneEnded
	case SrvKeyNotFound, SrvRPCError, SrvHandshakeFailed:
		return ToneProblem
	case SrvProbe, SrvAcceptFailing:
		return ToneWarning
	}
	return TonePlain
}

// ServerEvent is one thing a local DC did, from its event stream.
type ServerEvent struct {
	At        time.Time
	DC        int
	Kind      ServerEventKind
	KeyID     KeyID
	KeyKind   KeyKind
	PermID    KeyID     // for binds and drops
	ExpiresAt time.Time // for temporary keys
	UserID    int64
	Client    int // the observed client (ClientReport.ID), for SrvClient, SrvRule and SrvProbe
	Detail    string
}
