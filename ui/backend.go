package ui

import (
	"context"
	"time"

	"tgpfs/model"
)

// Backend is what the UI needs from the protocol driver, and nothing more.
// *proto.Driver provides it (internal/cli/tui.go adapts its tap frames to
// Frame); tests drive the UI with synthetic events instead.
//
// Every method may block on the network and is only ever called from a
// tea.Cmd, never from Update or View. Each action (Connect, Rotate, Drop,
// Export, Login) reports itself on Events with ActionStarted and ActionDone,
// named connect, rotate, drop, export and login; the UI shows those, and
// only adds its own success note when the call returns.
type Backend interface {
	// Events reports what happened; the UI applies each event to its State.
	Events() <-chan model.Event

	Connect(ctx context.Context) error
	Rotate(ctx context.Context) error
	Drop(ctx context.Context) error
	Export(ctx context.Context, dc int) error
	Login(ctx context.Context, phone string) error
	SetRenewalPaused(paused bool)

	// Frames returns the tap's frames, oldest first.
	Frames() []Frame
	// OpenFrame tries to decrypt a frame with the permanent key and with
	// the temporary key it was sent under.
	OpenFrame(f Frame) OpenResult
	// RevealKey returns a copy of the key's bytes; the caller wipes it.
	RevealKey(kind model.KeyKind) []byte
}

// Frame is one transport frame the tap saw.
type Frame struct {
	Seq   int
	At    time.Time
	Dir   model.Direction
	KeyID model.KeyID // zero for unencrypted handshake messages
	Size  int
	Type  string // TL type name when known: "req_pq_multi", "msg_container", "auth.bindTempAuthKey"
	Note  string // what else the tap learned, e.g. "transport error -404"
}

// Encrypted reports whether the frame travelled under an auth key.
func (f Frame) Encrypted() bool { return f.KeyID != 0 }

// OpenAttempt is one try at decrypting a frame with one key.
type OpenAttempt struct {
	With   string // "permanent key", "its temporary key"
	KeyID  model.KeyID
	OK     bool
	Type   string // the TL type inside, when it opened
	Detail string // why it did not open, or a summary of what was inside
}

// OpenResult is the outcome of OpenFrame: the PFS proof for one frame.
type OpenResult struct {
	Frame    Frame
	Attempts []OpenAttempt
	// Conclusion says what the attempts prove, in one sentence.
	Conclusion string
	Err        string
}

// SessionFormat turns a permanent key into another library's session, for
// the copy menu.
type SessionFormat struct {
	Name   string
	Encode func(key []byte, dc int, addr string, userID int64) (string, error)
}

// Clipboard copies text and says where it went; secret text is cleared
// again after a while. internal/clipboard's Clipboard is one.
type Clipboard interface {
	Copy(text string, secret bool) (where string, err error)
}
