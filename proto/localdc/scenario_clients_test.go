package localdc

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"tgpfs/model"
	"tgpfs/proto"
)

// Clients nobody here wrote (gotd's telegram.Client) and tgpfs's own
// (proto.Driver) judged by the DC, with and without scenarios.

// onlyClient is the one client of a report, or fails the test.
func onlyClient(t testing.TB, r model.ConformanceReport) model.ClientReport {
	t.Helper()
	if len(r.Clients) != 1 {
		raw, _ := json.MarshalIndent(r, "", "  ")
		t.Fatalf("%d clients, want 1: %s", len(r.Clients), raw)
	}
	return r.Clients[0]
}

func wantResults(t testing.TB, cl model.ClientReport, want map[model.VerdictName]model.VerdictResult) {
	t.Helper()
	for name, result := range want {
		if v, _ := cl.Verdict(name); v.Result != result {
			t.Errorf("%s = %s %q, want %s", name, v.Result, v.Detail, result)
		}
	}
}

// TestGotdUsesPFSVerdict: gotd with EnablePFS and without differ on
// uses_pfs.
func TestGotdUsesPFSVerdict(t *testing.T) {
	for _, pfs := range []bool{true, false} {
		t.Run(fmt.Sprintf("EnablePFS=%v", pfs), func(t *testing.T) {
			c := startCluster(t, Config{})
			client := gotdClient(c, 2, pfs, 300)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := client.Run(ctx, func(ctx context.Context) error {
				_, err := client.API().HelpGetConfig(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			cl := onlyClient(t, c.Report())
			if cl.Client.APIID != 17349 || cl.Client.Layer == 0 {
				t.Errorf("gotd's identity: %+v", cl.Client)
			}
			v, _ := cl.Verdict(model.VerdictUsesPFS)
			t.Logf("uses_pfs: %s %s", v.Result, v.Detail)
			if pfs {
				wantResults(t, cl, map[model.VerdictName]model.VerdictResult{
					model.VerdictUsesPFS: model.ResultOK, model.VerdictNoCallsBeforeBind: model.ResultOK, model.VerdictTempTTL: model.ResultOK})
				if len(cl.TempKeys) == 0 || cl.TempKeys[0].ExpiresIn != 300 {
					t.Errorf("temp keys %+v, want expires_in 300", cl.TempKeys)
				}
				return
			}
			wantResults(t, cl, map[model.VerdictName]model.VerdictResult{
				model.VerdictUsesPFS: model.ResultFail, model.VerdictNoCallsBeforeBind: model.ResultNotSeen, model.VerdictTempTTL: model.ResultNotSeen})
		})
	}
}

// TestGotdUnderScenarios runs gotd's PFS client once per scenario; it
// comes out ok on what each probes.
func TestGotdUnderScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("gotd's reconnect backoff makes these slow")
	}
	tests := []struct {
		scenario model.Scenario
		verdicts []model.VerdictName
	}{
		{model.Scenario{Name: model.ScenarioForgetTempAfter, After: 500 * time.Millisecond}, []model.VerdictName{model.VerdictRecoversForgottenKey, model.VerdictUsesPFS}},
		{model.Scenario{Name: model.ScenarioRejectFirstBind}, []model.VerdictName{model.VerdictBindRetryPolicy, model.VerdictUsesPFS}},
		{model.Scenario{Name: model.ScenarioSaltOnBind}, []model.VerdictName{model.VerdictBindAfterBadSalt, model.VerdictUsesPFS}},
		{model.Scenario{Name: model.ScenarioHostileHandshake}, model.HostileChecks()},
	}
	for _, tt := range tests {
		t.Run(tt.scenario.String(), func(t *testing.T) {
			c := startCluster(t, Config{Scenarios: []model.Scenario{tt.scenario}, SweepEvery: 50 * time.Millisecond})
			log := recordEvents(t, c)
			client := gotdClient(c, 2, true, 300)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			err := client.Run(ctx, func(ctx context.Context) error {
				if _, err := client.API().HelpGetConfig(ctx); err != nil {
					return err
				}
				if tt.scenario.Name != model.ScenarioForgetTempAfter {
					return nil
				}
				first, err := log.wait("a bind", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvKeyBound })
				if err != nil {
					return err
				}
				if _, err := log.wait("the forget", func(ev model.ServerEvent) bool {
					return ev.Kind == model.SrvKeyDropped && ev.KeyID == first.KeyID
				}); err != nil {
					return err
				}
				for ctx.Err() == nil { // calls until one goes through on a new key
					if _, err := client.API().HelpGetConfig(ctx); err == nil {
						break
					}
				}
				_, err = log.wait("a new bind", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvKeyBound && ev.KeyID != first.KeyID })
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			wantOK(t, clientOf(t, c.Report(), 17349), tt.verdicts)
		})
	}
}

// wantOK checks that cl came out ok on each of names, and logs the details.
func wantOK(t testing.TB, cl model.ClientReport, names []model.VerdictName) {
	t.Helper()
	for _, name := range names {
		v, _ := cl.Verdict(name)
		t.Logf("%s: %s %s", name, v.Result, v.Detail)
		if v.Result != model.ResultOK {
			t.Errorf("%s = %s, want ok", name, v.Result)
		}
	}
}

// clientOf is the report's client that named itself with apiID.
func clientOf(t testing.TB, r model.ConformanceReport, apiID int) model.ClientReport {
	t.Helper()
	var found []model.ClientReport
	for _, c := range r.Clients {
		if c.Client.APIID == apiID {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		raw, _ := json.MarshalIndent(r, "", "  ")
		t.Fatalf("%d clients named api_id %d, want 1: %s", len(found), apiID, raw)
	}
	return found[0]
}

// TestDriverUnderScenarios: tgpfs's own client comes out ok on every
// verdict each scenario probes.
func TestDriverUnderScenarios(t *testing.T) {
	tests := []struct {
		scenario model.Scenario
		verdicts []model.VerdictName
	}{
		{model.Scenario{}, []model.VerdictName{model.VerdictUsesPFS, model.VerdictNoCallsBeforeBind, model.VerdictTempTTL}},
		{model.Scenario{Name: model.ScenarioForgetTempAfter, After: 300 * time.Millisecond}, []model.VerdictName{model.VerdictRecoversForgottenKey, model.VerdictUsesPFS}},
		{model.Scenario{Name: model.ScenarioRejectFirstBind}, []model.VerdictName{model.VerdictBindRetryPolicy, model.VerdictUsesPFS}},
		{model.Scenario{Name: model.ScenarioSaltOnBind}, []model.VerdictName{model.VerdictBindAfterBadSalt, model.VerdictUsesPFS}},
		{model.Scenario{Name: model.ScenarioHostileHandshake}, append(model.HostileChecks(), model.VerdictUsesPFS)},
	}
	for _, tt := range tests {
		name := tt.scenario.String()
		if name == "" {
			name = "no scenario"
		}
		t.Run(name, func(t *testing.T) {
			var scenarios []model.Scenario
			if tt.scenario.Name != "" {
				scenarios = []model.Scenario{tt.scenario}
			}
			c := startCluster(t, Config{Scenarios: scenarios, SweepEvery: 20 * time.Millisecond})
			log := recordEvents(t, c)
			d := proto.NewDriver(proto.Options{
				Target:  proto.Target{Env: "local", DC: 2, Addr: c.Addr(2), ProtocolDC: c.ProtocolDC(2), PublicKeys: []*rsa.PublicKey{c.PublicKey()}},
				TempTTL: time.Hour, AppID: 7, AppHash: "tgpfs-local",
			})
			t.Cleanup(func() { _ = d.Close() })
			go func() {
				for range d.Events() {
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var err error
			for range len(model.HostileChecks()) + 1 {
				if err = d.Connect(ctx); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			if tt.scenario.Name == model.ScenarioForgetTempAfter {
				first, _ := d.TempKey()
				log.waitFor(t, "the forget", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvKeyDropped && ev.KeyID == first.ID })
				_ = d.GetConfig(ctx) // -404: the driver renews
				log.waitFor(t, "a new bind", func(ev model.ServerEvent) bool { return ev.Kind == model.SrvKeyBound && ev.KeyID != first.ID })
			}
			wantOK(t, clientOf(t, c.Report(), 7), tt.verdicts)
		})
	}
}
