package localdc

import (
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// The scenarios, each with a raw client that answers it as the spec says
// (ok) and one that does not (fail).

func scenario(name model.ScenarioName, after time.Duration) []model.Scenario {
	return []model.Scenario{{Name: name, After: after}}
}

func TestForgetTempAfter(t *testing.T) {
	start := func(t *testing.T) (*Cluster, *eventLog, *pfsClient) {
		c := startCluster(t, Config{Scenarios: scenario(model.ScenarioForgetTempAfter, 300*time.Millisecond), SweepEvery: 20 * time.Millisecond})
		log := recordEvents(t, c)
		p := newPFSClient(t, c, 2, time.Hour)
		p.mustBind(t)
		tid := model.KeyID(p.temp.IntID())
		log.waitFor(t, "the bound key forgotten", func(ev model.ServerEvent) bool {
			return ev.Kind == model.SrvKeyDropped && ev.KeyID == tid && strings.Contains(ev.Detail, "scenario forget-temp-after")
		})
		if a := p.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
			t.Fatalf("a call under the forgotten key: %+v, want -404", a)
		}
		return c, log, p
	}
	t.Run("a new temporary key for the same permanent key", func(t *testing.T) {
		c, _, p := start(t)
		q := newTempClient(t, c, 2, time.Hour, p.perm, p.permSalt, nil)
		q.mustBind(t)
		wantVerdict(t, c, p.perm, model.VerdictRecoversForgottenKey, model.ResultOK, "bound new temporary key "+model.KeyID(q.temp.IntID()).String()+" to the same permanent key")
		cl := clientWith(t, c, p.perm)
		if cl.TempKeys[0].Ended != model.KeyEndForgotten {
			t.Fatalf("the forgotten key: %+v", cl.TempKeys[0])
		}
	})
	t.Run("a new permanent key", func(t *testing.T) {
		c, _, p := start(t)
		if _, err := p.exchange(2, 0); err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, c, p.perm, model.VerdictRecoversForgottenKey, model.ResultFail, "made a new permanent key")
	})
	t.Run("back to the permanent key", func(t *testing.T) {
		c, _, p := start(t)
		p.use(p.perm, p.permSalt)
		var cfg tg.Config
		p.call(&tg.HelpGetConfigRequest{}).decode(t, &cfg)
		wantVerdict(t, c, p.perm, model.VerdictRecoversForgottenKey, model.ResultFail, "fell back to the permanent key")
		wantVerdict(t, c, p.perm, model.VerdictUsesPFS, model.ResultFail, "(forgotten)")
	})
}

func TestRejectFirstBind(t *testing.T) {
	tests := []struct {
		name   string
		age    time.Duration // of the permanent key at the bind
		retry  bool          // retry the bind, else make a new permanent key
		want   model.VerdictResult
		detail string
	}{
		{"young key retried", 0, true, model.ResultOK, "retried the bind (permanent key "},
		{"young key dropped", 0, false, model.ResultFail, "dropped a permanent key only "},
		{"old key retried", 61 * time.Second, true, model.ResultFail, "retried the bind with a permanent key 1m"},
		{"old keys dropped", 61 * time.Second, false, model.ResultOK, "dropped both keys (permanent key 1m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &testClock{}
			c := startCluster(t, Config{Now: clock.Now, Scenarios: scenario(model.ScenarioRejectFirstBind, 0)})
			rc := dialRaw(t, c.Addr(2))
			perm, err := rc.exchange(2, 0)
			if err != nil {
				t.Fatal(err)
			}
			clock.add(tt.age)
			p := newTempClient(t, c, 2, time.Hour, perm.AuthKey, perm.ServerSalt, rc)
			if got := p.bind(t, p.goodBind()).errType(); got != "ENCRYPTED_MESSAGE_INVALID" {
				t.Fatalf("first bind: %q, want ENCRYPTED_MESSAGE_INVALID", got)
			}
			if tt.retry {
				p.mustBind(t) // the second bind of the key is looked at
			} else if _, err := p.exchange(2, 0); err != nil {
				t.Fatal(err)
			}
			wantVerdict(t, c, perm.AuthKey, model.VerdictBindRetryPolicy, tt.want, tt.detail)
		})
	}
}

func TestSaltOnBind(t *testing.T) {
	c := startCluster(t, Config{Scenarios: scenario(model.ScenarioSaltOnBind, 0)})
	salted := func(t *testing.T) (*pfsClient, bindParts, []byte) {
		p := newPFSClient(t, c, 2, time.Hour)
		b := p.goodBind()
		body := p.bindBody(t, b, nil)
		if a := p.callWithID(b.msgID, body); a.badMsg != 48 || a.newSalt != p.salt {
			t.Fatalf("first bind: %+v, want bad_server_salt with the same salt", a)
		}
		return p, b, body
	}
	t.Run("rebuilt under a fresh msg_id", func(t *testing.T) {
		p, _, _ := salted(t)
		p.mustBind(t)
		wantVerdict(t, c, p.perm, model.VerdictBindAfterBadSalt, model.ResultOK, "fresh msg_id with a rebuilt encrypted_message")
	})
	t.Run("sent again as it was", func(t *testing.T) {
		p, b, body := salted(t)
		var ok tg.BoolBox
		p.callWithID(b.msgID, body).decode(t, &ok) // the msg_id was not taken
		wantVerdict(t, c, p.perm, model.VerdictBindAfterBadSalt, model.ResultOK, "under the same msg_id")
	})
	t.Run("the same encrypted_message under a new msg_id", func(t *testing.T) {
		p, _, body := salted(t)
		id, _ := p.nextMsg(false)
		if got := p.callWithID(id, body).errType(); got != "ENCRYPTED_MESSAGE_INVALID" {
			t.Fatalf("resent bind: %q", got)
		}
		wantVerdict(t, c, p.perm, model.VerdictBindAfterBadSalt, model.ResultFail, "sent the same encrypted_message again under a new msg_id")
	})
	t.Run("never sent again", func(t *testing.T) {
		p, _, _ := salted(t)
		wantVerdict(t, c, p.perm, model.VerdictBindAfterBadSalt, model.ResultFail, "never sent the bind again")
	})
}

// TestSaltThenRejectFirstBind combines two scenarios: the first bind gets
// bad_server_salt, the one sent again ENCRYPTED_MESSAGE_INVALID, the next
// binds.
func TestSaltThenRejectFirstBind(t *testing.T) {
	c := startCluster(t, Config{Scenarios: []model.Scenario{{Name: model.ScenarioSaltOnBind}, {Name: model.ScenarioRejectFirstBind}}})
	p := newPFSClient(t, c, 2, time.Hour)
	if a := p.bind(t, p.goodBind()); a.badMsg != 48 {
		t.Fatalf("first bind: %+v", a)
	}
	if got := p.bind(t, p.goodBind()).errType(); got != "ENCRYPTED_MESSAGE_INVALID" {
		t.Fatalf("second bind: %q", got)
	}
	p.mustBind(t)
	wantVerdict(t, c, p.perm, model.VerdictBindAfterBadSalt, model.ResultOK, "rebuilt")
	wantVerdict(t, c, p.perm, model.VerdictBindRetryPolicy, model.ResultOK, "retried")
	wantVerdict(t, c, p.perm, model.VerdictUsesPFS, model.ResultOK, "1 bind")
}

func TestRestartAfter(t *testing.T) {
	clock := &testClock{}
	c := startCluster(t, Config{Now: clock.Now, SweepEvery: 20 * time.Millisecond, Scenarios: scenario(model.ScenarioRestartAfter, time.Hour)})
	log := recordEvents(t, c)
	p := newPFSClient(t, c, 2, 2*time.Hour)
	p.mustBind(t)
	clock.add(time.Hour)
	log.waitFor(t, "the restart", func(ev model.ServerEvent) bool {
		return ev.Kind == model.SrvProbe && strings.HasPrefix(ev.Detail, "restart: forgot 2 keys")
	})
	if len(c.PermKeys(2)) != 0 || len(c.TempKeys(2, 0)) != 0 {
		t.Fatalf("keys after the restart: %v %v", c.PermKeys(2), c.TempKeys(2, 0))
	}
	if !closed(p.conn) {
		t.Fatal("the client's connection outlived the restart")
	}
	// The client comes back: -404 on its permanent key, then a new one on
	// that connection.
	rc := dialRaw(t, c.Addr(2))
	rc.use(p.perm, p.permSalt)
	if a := rc.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("old permanent key after the restart: %+v", a)
	}
	rc.mustExchange(2, 0)
	cl := clientWith(t, c, p.perm)
	if len(cl.PermKeys) != 2 || cl.PermKeys[0].Ended != model.KeyEndRestart || cl.TempKeys[0].Ended != model.KeyEndRestart {
		t.Fatalf("after the restart: perm %+v temp %+v", cl.PermKeys, cl.TempKeys)
	}
	// Once only.
	clock.add(2 * time.Hour)
	time.Sleep(100 * time.Millisecond)
	if len(c.PermKeys(2)) != 1 {
		t.Fatalf("a second restart: %v", c.PermKeys(2))
	}
}
