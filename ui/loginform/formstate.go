package loginform

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"tgpfs/ui/overlay"
	"tgpfs/ui/styles"
)

// formState is what the three login forms (phone, QR, bot) hold alike: the
// runner of their one request, the backend it calls, the problem they show,
// and their size. Each form embeds it and adds its own steps.
type formState struct {
	run     runner
	backend Backend
	prob    problem
	width   int
	height  int
}

func newFormState(b Backend, opts Options) formState {
	return formState{run: newRunner(opts), backend: b}
}

// Busy reports whether a request is running.
func (f formState) Busy() bool { return f.run.busy != "" }

// setSize sets the area the form draws in; inputs get the width their
// prompt leaves.
func (f *formState) setSize(width, height int, inputs ...*textinput.Model) {
	f.width, f.height = width, height
	for _, in := range inputs {
		in.Width = max(width-len(in.Prompt)-2, 8)
	}
	f.prob.setSize(width, height)
}

// answered takes what reaches every form before its own keys: the flood
// banner's ticks, and the answer to the request in flight. used reports
// that msg was one of them; done is set when it was the awaited answer
// (a stale one is dropped), cmd when it was the banner's.
func (f *formState) answered(msg tea.Msg) (done *callDone, cmd tea.Cmd, used bool) {
	if cmd := f.prob.update(msg); cmd != nil {
		return nil, cmd, true
	}
	m, ok := msg.(callDone)
	if !ok {
		return nil, nil, false
	}
	if !f.run.take(m) {
		return nil, nil, true
	}
	return &m, nil, true
}

// fail shows err, the answer to the request what, by the real server's
// rules.
func (f *formState) fail(err error, what string) tea.Cmd {
	var cmd tea.Cmd
	f.prob, cmd = f.run.fail(err, what)
	f.prob.setSize(f.width, f.height)
	return cmd
}

// leave stops the request in flight and tells the parent the user left.
func (f *formState) leave() tea.Cmd {
	f.run.stop()
	return func() tea.Msg { return CancelMsg{} }
}

// status is what the form shows under its inputs: the request running and
// the problem, each only when there is one.
func (f formState) status(s *styles.Styles) []string {
	var parts []string
	for _, p := range []string{busyLine(s, f.run.busy), f.prob.view(s, f.width)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// helpLine is a form's help line: Submit described as submit, then more
// keys and Cancel; once logged in, only Cancel, to close.
func helpLine(k *KeyMap, done bool, submit string, more ...key.Binding) string {
	if done {
		return overlay.HelpText(overlay.WithHelp(k.Cancel, "close"))
	}
	return overlay.HelpText(append(append([]key.Binding{overlay.WithHelp(k.Submit, submit)}, more...), k.Cancel)...)
}
