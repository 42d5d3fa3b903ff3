package cli

import (
	"fmt"
	"io"
	"strings"

	"tgpfs/model"
)

// This file is what `tgpfs conform` prints: the matrix of runs and verdicts,
// the failures in words, and the judgement that sets the exit status.

// judge sets o.OK: no verdict failed in any run, and every run saw a
// client (a command that never reached the DCs has kept no rule). It
// returns what failed, as one line.
func (o *conformOutput) judge() string {
	failed, runs, empty := 0, 0, 0
	for _, r := range o.Runs {
		if len(r.Report.Clients) == 0 {
			empty++
		}
		n := 0
		for _, c := range r.Report.Clients {
			for _, v := range c.Verdicts {
				if v.Result == model.ResultFail {
					n++
				}
			}
		}
		failed += n
		if n > 0 {
			runs++
		}
	}
	o.OK = failed == 0 && empty == 0
	var parts []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d verdict(s) failed in %d of %d runs", failed, runs, len(o.Runs)))
	}
	if empty > 0 {
		parts = append(parts, fmt.Sprintf("%d run(s) saw no client", empty))
	}
	return strings.Join(parts, "; ")
}

// cellText is a result as the matrix shows it, readable without colour.
func cellText(v model.VerdictResult) string {
	switch v {
	case model.ResultOK:
		return "ok"
	case model.ResultFail:
		return "FAIL"
	}
	return "-"
}

// write prints the document (--json) or the matrix.
func (o conformOutput) write(w io.Writer, asJSON bool, command string) error {
	if asJSON {
		_, err := w.Write(o.document())
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "client   %s\n\n", Escape(command))
	b.WriteString("run  scenario                         exit  clients  seconds\n")
	for i, r := range o.Runs {
		exit := fmt.Sprint(r.ExitCode)
		if r.Stopped {
			exit = "stop"
		}
		fmt.Fprintf(&b, "%-4d %-32s %-5s %-8d %.1f\n", i+1, Escape(r.Scenario), exit, len(r.Report.Clients), r.Seconds)
	}
	b.WriteString("\n")
	width := 0
	for _, v := range model.VerdictCatalog() {
		width = max(width, len(v.Name))
	}
	fmt.Fprintf(&b, "%-*s", width+2, "verdict")
	for i := range o.Runs {
		fmt.Fprintf(&b, "%-6d", i+1)
	}
	b.WriteString("\n")
	for _, v := range model.VerdictCatalog() {
		fmt.Fprintf(&b, "%-*s", width+2, v.Name)
		for _, r := range o.Runs {
			fmt.Fprintf(&b, "%-6s", cellText(r.Report.Worst(v.Name)))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nok: kept the rule   FAIL: broke it   -: not seen (the run never put the client to it)\n")

	var notes []string
	for i, r := range o.Runs {
		if len(r.Report.Clients) == 0 {
			notes = append(notes, fmt.Sprintf("run %d (%s): the DCs saw no client: did the command connect to {host}:{port}?", i+1, r.Scenario))
		}
		for _, c := range r.Report.Clients {
			for _, v := range c.Verdicts {
				if v.Result == model.ResultFail {
					notes = append(notes, fmt.Sprintf("run %d (%s), client %d (%s): %s: %s", i+1, r.Scenario, c.ID, c.Client, v.Name, v.Detail))
				}
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\nfailures\n")
		for _, n := range notes {
			// Details quote what clients sent: escaped, never raw.
			b.WriteString("  " + Escape(n) + "\n")
		}
	}
	if o.OK {
		b.WriteString("\nPASS: no verdict failed\n")
	} else {
		b.WriteString("\nFAIL\n")
	}
	// The columns are padded; the lines end where their text does.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}
