package main

import (
	"strings"
	"testing"
	"time"

	"tgpfs/model"
)

func report(results ...model.VerdictResult) model.ConformanceReport {
	var r model.ConformanceReport
	for _, res := range results {
		r.Clients = append(r.Clients, model.ClientReport{Verdicts: []model.ClientVerdict{{Name: model.VerdictUsesPFS, Result: res}}})
	}
	return r
}

func TestVerdictCell(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    outcome
		want string
	}{
		{"skipped", outcome{skipped: "node is not installed"}, ""},
		{"every run", outcome{runs: []run{{Scenario: "plain", Report: report(model.ResultOK)}, {Scenario: "salt-on-bind", Report: report(model.ResultOK)}}}, "ok (every run)"},
		{"some runs", outcome{runs: []run{{Scenario: "plain", Report: report(model.ResultNotSeen)}, {Scenario: "reject-first-bind", Report: report(model.ResultOK)}}}, "ok (reject-first-bind)"},
		{"failed everywhere", outcome{runs: []run{{Scenario: "plain", Report: report(model.ResultFail)}, {Scenario: "salt-on-bind", Report: report(model.ResultFail)}}}, "**FAIL** (every run)"},
		{"a fail wins", outcome{runs: []run{{Scenario: "plain", Report: report(model.ResultOK)}, {Scenario: "restart-after=5s", Report: report(model.ResultOK, model.ResultFail)}}}, "**FAIL** (restart-after=5s)"},
		{"no client", outcome{runs: []run{{Scenario: "plain"}}}, "not seen"},
	} {
		if got := verdictCell(tc.o, model.VerdictUsesPFS); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// The table has a column per client, a row per verdict, and says which
// client was skipped and why.
func TestRender(t *testing.T) {
	list := []client{{name: "gotd"}, {name: "GramJS"}}
	failed := report(model.ResultFail)
	failed.Clients[0].Verdicts[0].Detail = "every call | under *the* permanent key"
	results := []outcome{
		{runs: []run{{Scenario: "plain", Report: failed}, {Scenario: "salt-on-bind"}}},
		{skipped: "node is not installed"},
	}
	out := render(list, results, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	for _, want := range []string{
		"| verdict | gotd | GramJS |\n",
		"| runs that reached the DC | 1 of 2 | not installed |\n",
		"| `uses_pfs` | **FAIL** (plain) |  |\n",
		"| `bind_after_bad_server_salt` | not seen |  |\n",
		"on 2026-12-01. GramJS skipped: node is not installed.\n",
		"- gotd, `uses_pfs` (plain): every call \\| under \\*the\\* permanent key\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if rows := strings.Count(out, "\n| `"); rows != len(model.VerdictCatalog()) {
		t.Errorf("%d verdict rows, want %d", rows, len(model.VerdictCatalog()))
	}
}

// The text around the markers stays as it was; what was between them goes.
func TestSplice(t *testing.T) {
	text := []byte("# a\n\n" + begin + "\nold table\n" + end + "\n\n## b\nmore text after it\n")
	got := string(splice(text, "| new |\n"))
	want := "# a\n\n" + begin + "\n| new |\n" + end + "\n\n## b\nmore text after it\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
