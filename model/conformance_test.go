package model

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseScenarios(t *testing.T) {
	tests := []struct {
		in      string
		want    []Scenario
		bad     string // the item the error must name
		because string
	}{
		{in: "", want: nil},
		{in: "  ", want: nil},
		{in: "reject-first-bind", want: []Scenario{{Name: ScenarioRejectFirstBind}}},
		{in: "forget-temp-after=2s, salt-on-bind ,hostile-handshake", want: []Scenario{
			{Name: ScenarioForgetTempAfter, After: 2 * time.Second}, {Name: ScenarioSaltOnBind}, {Name: ScenarioHostileHandshake}}},
		{in: "restart-after=1m30s", want: []Scenario{{Name: ScenarioRestartAfter, After: 90 * time.Second}}},
		{in: "restart-after=24h", want: []Scenario{{Name: ScenarioRestartAfter, After: 24 * time.Hour}}},
		{in: "forget-everything", bad: "forget-everything", because: "unknown scenario"},
		{in: "salt-on-bind,", bad: "", because: "unknown scenario"},
		{in: "forget-temp-after", bad: "forget-temp-after", because: "want forget-temp-after=DURATION"},
		{in: "forget-temp-after=soon", bad: "forget-temp-after=soon", because: "not a duration"},
		{in: "restart-after=0s", bad: "restart-after=0s", because: "above 0"},
		{in: "restart-after=-1s", bad: "restart-after=-1s", because: "above 0"},
		{in: "restart-after=25h", bad: "restart-after=25h", because: "at most 24h"},
		{in: "salt-on-bind=1s", bad: "salt-on-bind=1s", because: "takes no argument"},
		{in: "salt-on-bind,salt-on-bind", bad: "salt-on-bind", because: "given twice"},
		{in: "forget-temp-after=1s,forget-temp-after=2s", bad: "forget-temp-after=2s", because: "given twice"},
	}
	for _, tt := range tests {
		got, err := ParseScenarios(tt.in)
		if tt.because == "" {
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ParseScenarios(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		var se *ScenarioError
		if !errors.As(err, &se) || se.Value != tt.bad || !strings.Contains(se.Reason, tt.because) {
			t.Errorf("ParseScenarios(%q) = %v, %v; want a ScenarioError naming %q because %q", tt.in, got, err, tt.bad, tt.because)
		}
	}
	// What String writes, ParseScenarios reads.
	for _, s := range []Scenario{{Name: ScenarioForgetTempAfter, After: 1500 * time.Millisecond}, {Name: ScenarioHostileHandshake}} {
		got, err := ParseScenarios(s.String())
		if err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("round trip of %v: %v, %v", s, got, err)
		}
	}
}

func TestCatalogsNameEverything(t *testing.T) {
	names := map[VerdictName]bool{}
	for _, v := range VerdictCatalog() {
		if v.Explain == "" || strings.Contains(v.Explain, "\n") || names[v.Name] {
			t.Errorf("verdict %q: explanation %q (one line, once)", v.Name, v.Explain)
		}
		names[v.Name] = true
		if v.Scenario != "" {
			if _, ok := scenarioInfo(v.Scenario); !ok {
				t.Errorf("verdict %q names unknown scenario %q", v.Name, v.Scenario)
			}
		}
	}
	for _, h := range HostileChecks() {
		if !names[h] || !strings.HasPrefix(string(h), "checks_server_dh.") {
			t.Errorf("hostile check %q is not a checks_server_dh verdict of the catalog", h)
		}
	}
	if len(names) != 11 {
		t.Errorf("%d verdicts in the catalog, want 11", len(names))
	}
	for _, s := range ScenarioCatalog() {
		if s.Explain == "" || strings.Contains(s.Explain, "\n") {
			t.Errorf("scenario %q: explanation %q", s.Name, s.Explain)
		}
	}
	// Every count the catalog explains is a field of ClientCounts.
	raw, _ := json.Marshal(ClientCounts{})
	var fields map[string]any
	_ = json.Unmarshal(raw, &fields)
	for _, c := range CountCatalog() {
		if _, ok := fields[c.Name]; !ok {
			t.Errorf("count %q is not a field of ClientCounts (%s)", c.Name, raw)
		}
	}
	if len(fields) != len(CountCatalog()) {
		t.Errorf("ClientCounts has %d fields, the catalog explains %d", len(fields), len(CountCatalog()))
	}
}

// TestReportJSONShape pins the field names the report's readers rely on.
func TestReportJSONShape(t *testing.T) {
	r := ConformanceReport{Clients: []ClientReport{{
		ID:       1,
		Client:   ClientIdentity{APIID: 17349, DeviceModel: "gotd", SystemVersion: "linux", AppVersion: "0.1", LangCode: "en", Layer: 229},
		PermKeys: []ObservedPermKey{{ID: KeyID(1).String()}},
		TempKeys: []ObservedTempKey{{ID: KeyID(2).String(), ExpiresIn: 60, Bound: true, WrappedBind: true, Ended: KeyEndForgotten}},
		Verdicts: []ClientVerdict{{Name: VerdictUsesPFS, Result: ResultFail, Detail: "PFS downgrade"}},
	}}}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Clients []struct {
			Client     map[string]any   `json:"client"`
			Transports any              `json:"transports"`
			PermKeys   []map[string]any `json:"perm_keys"`
			TempKeys   []map[string]any `json:"temp_keys"`
			Verdicts   []map[string]any `json:"verdicts"`
		} `json:"clients"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Clients) != 1 {
		t.Fatalf("%s: %v", raw, err)
	}
	c := doc.Clients[0]
	for _, f := range []string{"api_id", "device_model", "system_version", "app_version", "lang_code", "layer"} {
		if _, ok := c.Client[f]; !ok {
			t.Errorf("client has no %q: %s", f, raw)
		}
	}
	for _, f := range []string{"id", "expires_in", "bound", "wrapped_bind", "ended"} {
		if _, ok := c.TempKeys[0][f]; !ok {
			t.Errorf("temp key has no %q: %s", f, raw)
		}
	}
	if c.PermKeys[0]["id"] != "0000000000000001" || c.Verdicts[0]["name"] != "uses_pfs" || c.Verdicts[0]["result"] != "fail" {
		t.Errorf("keys and verdicts: %s", raw)
	}
	if !r.Failed() {
		t.Error("a report with a fail is not Failed")
	}
	if (ConformanceReport{}).Failed() {
		t.Error("an empty report is Failed")
	}
}

func TestClientIdentityString(t *testing.T) {
	if got := (ClientIdentity{}).String(); got != "unnamed" {
		t.Errorf("empty identity: %q", got)
	}
	id := ClientIdentity{APIID: 7, DeviceModel: "tgpfs", SystemVersion: "linux", AppVersion: "1.0", Layer: 229}
	if got := id.String(); got != "tgpfs 1.0 on linux (api_id 7, layer 229)" {
		t.Errorf("identity: %q", got)
	}
}

// Worst over a report's clients: one fail makes the cell fail, one ok
// without a fail makes it ok, a verdict nobody has is not seen.
func TestReportWorst(t *testing.T) {
	client := func(r VerdictResult) ClientReport {
		return ClientReport{Verdicts: []ClientVerdict{{Name: VerdictUsesPFS, Result: r}}}
	}
	for _, tc := range []struct {
		clients []ClientReport
		want    VerdictResult
	}{
		{nil, ResultNotSeen},
		{[]ClientReport{{}}, ResultNotSeen},
		{[]ClientReport{client(ResultNotSeen)}, ResultNotSeen},
		{[]ClientReport{client(ResultNotSeen), client(ResultOK)}, ResultOK},
		{[]ClientReport{client(ResultOK), client(ResultFail), client(ResultOK)}, ResultFail},
	} {
		if got := (ConformanceReport{Clients: tc.clients}).Worst(VerdictUsesPFS); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.clients, got, tc.want)
		}
	}
}
