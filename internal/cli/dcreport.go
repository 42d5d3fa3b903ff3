package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"tgpfs/model"
	"tgpfs/sessions/atomicfile"
)

// `tgpfs dc`'s conformance report: the JSON file (--report), the table on
// stderr when the DC stops, and the lists of scenarios and verdicts.

// printScenarios is --scenarios: one line per scenario.
func printScenarios(w io.Writer) error {
	for _, s := range model.ScenarioCatalog() {
		name := string(s.Name)
		if s.Arg != "" {
			name += "=" + s.Arg
		}
		if _, err := fmt.Fprintf(w, "%-27s %s\n", name, s.Explain); err != nil {
			return err
		}
	}
	return nil
}

// printVerdicts is --verdicts: one line per verdict, then the
// informational counts.
func printVerdicts(w io.Writer) error {
	var b strings.Builder
	for _, v := range model.VerdictCatalog() {
		fmt.Fprintf(&b, "%-32s %s\n", v.Name, v.Explain)
	}
	b.WriteString("counts (informational, in \"counts\" of each client):\n")
	for _, c := range model.CountCatalog() {
		fmt.Fprintf(&b, "  %-30s %s\n", c.Name, c.Explain)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeReport writes the report to path (nothing when path is ""),
// atomically: a reader sees the last report or the one before, whole.
func writeReport(path string, r model.ConformanceReport) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), true); err != nil {
		return fmt.Errorf("--report %s: %w", strconv.Quote(path), err)
	}
	return nil
}

// finalReport is the report when the DC stops: the file, and the table on
// stderr when any client was seen.
func finalReport(stdio *IO, path string, r model.ConformanceReport) error {
	err := writeReport(path, r)
	if len(r.Clients) > 0 {
		reportTable(stdio.Err, r)
	}
	return err
}

// reportTable writes each client on a line, and under it each verdict it
// was put to with its result; the ones it was not put to on one line.
// Clients' strings are escaped: they are what a client sent.
func reportTable(w io.Writer, r model.ConformanceReport) {
	head := "tgpfs dc: " + count(len(r.Clients), "client") + " seen"
	if r.Forgotten > 0 {
		head += " (and " + count(r.Forgotten, "client") + " forgotten to bound memory)"
	}
	if len(r.Scenarios) > 0 {
		head += "; scenarios " + strings.Join(r.Scenarios, ", ")
	}
	fmt.Fprintln(w, Line(head))
	for _, c := range r.Clients {
		who := c.Client.String()
		if c.ID == 0 {
			who = "key exchanges no client could be tied to"
		}
		dcs := make([]string, len(c.DCs))
		for i, dc := range c.DCs {
			dcs[i] = "dc" + strconv.Itoa(dc)
		}
		fmt.Fprintln(w, Line(fmt.Sprintf("client %d  %s  %s  %s  %s, %s", c.ID, who, strings.Join(dcs, ","), strings.Join(c.Transports, ","),
			count(len(c.PermKeys), "permanent key"), count(len(c.TempKeys), "temporary key"))))
		var notSeen []string
		for _, v := range c.Verdicts {
			if v.Result == model.ResultNotSeen {
				notSeen = append(notSeen, string(v.Name))
				continue
			}
			fmt.Fprintln(w, Line(fmt.Sprintf("  %-4s %-32s %s", v.Result, v.Name, v.Detail)))
		}
		if len(notSeen) > 0 {
			fmt.Fprintln(w, Line("  not seen: "+strings.Join(notSeen, ", ")))
		}
	}
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
