package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/model"
	"tgpfs/ui/overlay"
)

// The real server's rules, as the UI answers them: a FLOOD_WAIT counts down
// in the status bar, and keys the DC refused open a dialog that asks before
// dropping them.

// classify reads err by the real server's rules, for the keys as they are
// at time at. It is the one call of the classifier in this package.
func (m *Model) classify(err error, at time.Time) model.Verdict {
	ks := model.KeyState{HomeDC: m.st.User != nil}
	if p := m.st.Perm; !p.CreatedAt.IsZero() {
		ks.PermAge = at.Sub(p.CreatedAt)
	}
	return model.Classify(err, ks)
}

// onBindFailed reads a failed bind by the real server's rules; when the
// spec's answer is to drop both keys, it opens a dialog that explains why
// and asks first, since losing the permanent key loses its login.
//
// The verdict is the driver's: only the driver knows how often it retried
// the bind of a young permanent key before giving it up, so the UI never
// reads the error again itself.
func (m *Model) onBindFailed(bf model.BindFailed) {
	if m.opts.ResetKeys == nil || m.overlays.Has(rankKeyProblem) {
		return
	}
	if bf.Verdict.DropKeys {
		m.openKeyProblem(bf.Verdict)
	}
}

// onActionErr reads an action's error by the real server's rules: a
// FLOOD_WAIT gets its own countdown in the status bar (to a fixed end, so it
// never drifts), and an error that means the keys are dead
// (AUTH_KEY_DUPLICATED, SESSION_REVOKED) opens the dialog that explains it
// and asks before dropping them.
func (m *Model) onActionErr(action string, err error) tea.Cmd {
	now := m.opts.Clock()
	v := m.classify(err, now)
	switch {
	case v.Kind == model.FloodWait && v.Wait > 0:
		b := overlay.NewFloodBanner(now.Add(v.Wait), action, overlay.Options{Now: m.opts.Clock, Styles: &m.styles})
		m.overlays.Push(rankFlood, overlay.Status, &floodLayer{b})
		return b.Init()
	case v.DropKeys && v.Kind != model.EncryptedMessageInvalid && m.opts.ResetKeys != nil && !m.overlays.Has(rankKeyProblem):
		// ENCRYPTED_MESSAGE_INVALID arrives as a BindFailed event too and
		// is handled there.
		m.openKeyProblem(v)
	}
	return nil
}

func (m *Model) openKeyProblem(v model.Verdict) {
	p := overlay.NewKeyProblem(v, overlay.Options{Now: m.opts.Clock, Styles: &m.styles})
	m.overlays.Push(rankKeyProblem, overlay.Body, newModal[overlay.KeyProblem](p))
}

// answerKeyProblem acts on the answer: only a yes drops anything.
func (m *Model) answerKeyProblem(a overlay.AnswerMsg) tea.Cmd {
	m.overlays.Close(rankKeyProblem)
	if !a.Drop {
		m.flash = "kept the keys"
		return nil
	}
	reset := m.opts.ResetKeys
	return m.start("reset", true, func(ctx context.Context) (string, error) {
		return "new permanent key made and a temporary key bound to it", reset(ctx)
	})
}
