package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tgpfs/model"
)

type holdJSON struct {
	Steps []struct {
		Name string `json:"name"`
		OK   bool   `json:"ok"`
	} `json:"steps"`
	OK   bool       `json:"ok"`
	Hold *auditHold `json:"hold"`
}

// --hold keeps the session up after the lifecycle: when the DC forgets the
// bound temporary key meanwhile, the next call gets -404 and renewal binds
// a new temporary key to the same permanent key, and the hold ends bound.
func TestAuditHoldRecoversForgottenKey(t *testing.T) {
	c, pem := runningDC(t)
	events, cancel := c.Subscribe()
	defer cancel()
	forgot := make(chan model.KeyID, 1)
	go func() {
		// Forget the first temporary key bound after the lifecycle's drop,
		// which is the one the hold runs on.
		dropped := false
		for ev := range events {
			if ev.Kind == model.SrvKeyDropped {
				dropped = true
				continue
			}
			if dropped {
				time.Sleep(300 * time.Millisecond)
				for _, k := range c.PermKeys(2) {
					for _, tk := range c.TempKeys(2, k.ID) {
						if c.ForgetTempKey(2, tk.ID) {
							forgot <- tk.ID
							return
						}
					}
				}
			}
		}
	}()
	code, out, errOut := runSessionCLI("", nil, "audit", "--addr", c.Addr(2), "--pubkey", pem, "--hold", "3s", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	var rep holdJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	select {
	case <-forgot:
	default:
		t.Fatal("the test never forgot a key")
	}
	h := rep.Hold
	if h == nil || !h.EndedBound || h.NotFound < 1 || h.TempKeys < 1 || h.PermKeys != 0 || h.Stopped != "time" || h.Calls < 2 {
		t.Fatalf("hold %+v", h)
	}
	if last := rep.Steps[len(rep.Steps)-1]; last.Name != "hold" || !last.OK || !rep.OK {
		t.Fatalf("steps %+v", rep.Steps)
	}
}

// Text output says what the hold saw.
func TestAuditHoldText(t *testing.T) {
	code, out, _ := runSessionCLI("", nil, "audit", "--hold", "1500ms")
	if code != ExitOK || !strings.Contains(out, "hold           1.") || !strings.Contains(out, "ended bound") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
