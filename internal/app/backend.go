package app

import (
	"fmt"
	"sync"

	"tgpfs/model"
	"tgpfs/proto"
	"tgpfs/proto/tap"
	"tgpfs/ui"
)

// backend is *proto.Driver as the UI sees it: the driver's methods, with its
// tap frames turned into ui.Frames. A ui.Frame carries no raw bytes, so the
// tap frames of the last listing are kept to open one again by its Seq.
type backend struct {
	*proto.Driver

	mu     sync.Mutex
	listed map[int]tap.Frame
}

func newBackend(d *proto.Driver) *backend { return &backend{Driver: d} }

var _ ui.Backend = (*backend)(nil)

// Frames lists the tap's ring, oldest first.
func (b *backend) Frames() []ui.Frame {
	frames := b.Driver.Frames()
	listed := make(map[int]tap.Frame, len(frames))
	out := make([]ui.Frame, len(frames))
	for i, f := range frames {
		listed[int(f.Seq)] = f
		out[i] = uiFrame(f)
	}
	b.mu.Lock()
	b.listed = listed
	b.mu.Unlock()
	return out
}

func uiFrame(f tap.Frame) ui.Frame {
	uf := ui.Frame{Seq: int(f.Seq), At: f.At, Dir: f.Dir, KeyID: f.AuthKeyID, Size: f.Size, Type: f.Type}
	switch {
	case f.TransportError != 0:
		uf.Type, uf.Note = "transport error", fmt.Sprintf("-%d", f.TransportError)
	case uf.Type == "" && f.Encrypted():
		uf.Type = "(encrypted)"
	}
	return uf
}

// OpenFrame tries the frame with the permanent key and with its own
// temporary key.
func (b *backend) OpenFrame(f ui.Frame) ui.OpenResult {
	b.mu.Lock()
	tf, ok := b.listed[f.Seq]
	b.mu.Unlock()
	if !ok {
		return ui.OpenResult{Frame: f, Err: fmt.Sprintf("frame #%d is no longer in the tap's ring", f.Seq)}
	}
	r := b.Driver.OpenFrame(tf)
	out := ui.OpenResult{Frame: f, Conclusion: r.Conclusion}
	if !tf.Encrypted() {
		return out
	}
	perm := b.Driver.PermKey().ID
	out.Attempts = append(out.Attempts, attempt("permanent key", perm, r.WithPerm, r.Content, r.PermErr))
	if r.KeyKind == model.Temporary {
		detail := r.OwnErr
		if !r.OwnKnown {
			detail = "tgpfs no longer holds this key"
		}
		out.Attempts = append(out.Attempts, attempt("its own temporary key", tf.AuthKeyID, r.WithOwn, r.Content, detail))
	}
	return out
}

func attempt(with string, id model.KeyID, ok bool, content, detail string) ui.OpenAttempt {
	a := ui.OpenAttempt{With: with, KeyID: id, OK: ok, Detail: detail}
	if ok {
		a.Type, a.Detail = content, ""
	}
	return a
}
