package model

import "time"

// Transcript is the open record of one auth-key exchange: every message, the
// derived values that are not secret, and every client-side security check
// as a named verdict. It never holds key bytes, new_nonce, b, or anything
// else from which a key could be rebuilt.
type Transcript struct {
	Kind      KeyKind
	DC        int // protocol dc id sent in p_q_inner_data (10000+ for test DCs)
	ExpiresIn time.Duration
	Started   time.Time
	Duration  time.Duration
	Messages  []TranscriptMessage
	Values    []Field
	Checks    []Check
	KeyID     KeyID // zero when the exchange failed
	Err       string
}

// Direction of a message or frame.
type Direction int

const (
	// Sent is client to server.
	Sent Direction = iota
	// Received is server to client.
	Received
)

func (d Direction) String() string {
	if d == Received {
		return "recv"
	}
	return "send"
}

// Arrow is a one-character marker for the direction.
func (d Direction) Arrow() string {
	if d == Received {
		return "←"
	}
	return "→"
}

// TranscriptMessage is one unencrypted handshake message.
type TranscriptMessage struct {
	Dir  Direction
	Type string // TL name, e.g. "req_pq_multi", "resPQ"
	Size int    // bytes of the TL body
	At   time.Time
}

// Field is a named, non-secret value shown in the transcript.
type Field struct {
	Name  string
	Value string
}

// Check is one security check of pfs-protocol.md §2 and its verdict.
type Check struct {
	Name   string // stable machine name, e.g. "dh_prime_safe"
	OK     bool
	Detail string
}

// Passed reports whether every check passed.
func (t Transcript) Passed() bool {
	for _, c := range t.Checks {
		if !c.OK {
			return false
		}
	}
	return t.Err == ""
}
