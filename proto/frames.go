package proto

import (
	"tgpfs/model"
	"tgpfs/proto/tap"
)

// This file is the tap as the UI sees it: the frames, the PFS proof on one
// of them, and the key bytes on explicit request. None of it waits for an
// action: it reads the published state.

// OpenResult is the outcome of trying a captured frame with the keys the
// driver holds: the PFS proof shown in the UI.
type OpenResult struct {
	Frame      tap.Frame
	KeyKind    model.KeyKind // kind of the key the frame was sent under, if known
	PermID     model.KeyID   // the permanent key it was tried with; 0 = none yet
	WithPerm   bool          // the permanent key opened it
	PermErr    string
	WithOwn    bool // the frame's own temp key opened it
	OwnErr     string
	OwnKnown   bool   // the driver still holds the frame's own key
	Content    string // TL name of the content, when a key opened it
	Conclusion string
}

// Frames returns the tap's ring, oldest first.
func (d *Driver) Frames() []tap.Frame { return d.ring.Frames() }

// OpenFrame tries f with the permanent key and with its own temp key.
func (d *Driver) OpenFrame(f tap.Frame) OpenResult {
	s := d.st()
	perm := s.perm
	own, ownKnown := s.temp(f.AuthKeyID)
	r := OpenResult{Frame: f, KeyKind: model.Temporary}
	if !f.Encrypted() {
		r.Conclusion = "unencrypted handshake message: readable by anyone on the wire"
		r.Content = f.Type
		return r
	}
	if !perm.Zero() {
		r.PermID = model.KeyIDFromWire(perm.ID)
		if f.AuthKeyID == r.PermID {
			r.KeyKind = model.Permanent
		}
		name, err := tap.CanOpen(f, perm)
		r.WithPerm = err == nil
		if err != nil {
			r.PermErr = err.Error()
		} else {
			r.Content = name
		}
	}
	if ownKnown {
		r.OwnKnown = true
		name, err := tap.CanOpen(f, own.key)
		r.WithOwn = err == nil
		if err != nil {
			r.OwnErr = err.Error()
		} else {
			r.Content = name
		}
	}
	switch {
	case r.KeyKind == model.Permanent:
		r.Conclusion = "sent under the permanent key: no forward secrecy for this frame"
	case r.WithOwn && !r.WithPerm:
		r.Conclusion = "opens only with its own temp key; the permanent key cannot read it: once that temp key is gone, so is the frame's content"
	case !r.OwnKnown && !r.WithPerm:
		r.Conclusion = "the temp key is no longer held and the permanent key cannot open it"
	default:
		r.Conclusion = "unexpected: the permanent key opened a temp-key frame"
	}
	return r
}

// RevealKey returns a copy of the key bytes of the permanent key or of the
// current temp key, for an explicit user request only. Nil when there is
// none.
func (d *Driver) RevealKey(kind model.KeyKind) []byte {
	s := d.st()
	switch kind {
	case model.Permanent:
		if !s.perm.Zero() {
			return append([]byte(nil), s.perm.Value[:]...)
		}
	case model.Temporary:
		if cur, ok := s.current(); ok {
			return append([]byte(nil), cur.key.Value[:]...)
		}
	}
	return nil
}
