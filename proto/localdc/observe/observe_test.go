package observe

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"tgpfs/model"
)

var t0 = time.Date(2025, 1, 2, 12, 0, 0, 0, time.UTC)

// at is t0 plus s seconds: the tests' timeline.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func cn(id int) Conn { return Conn{ID: ConnID(id), DC: 2, Transport: "intermediate"} }

const (
	P  model.KeyID = 0x1000 // permanent keys
	P2 model.KeyID = 0x1001
	T  model.KeyID = 0x2000 // temporary keys
	T2 model.KeyID = 0x2001
	T3 model.KeyID = 0x2002
	H  model.KeyID = 0x3000 // a key of a hostile dh_gen_ok
)

var gotd = model.ClientIdentity{APIID: 17349, DeviceModel: "gotd", SystemVersion: "linux", AppVersion: "0.1", LangCode: "en", Layer: 229}

// steps drive an Observer the way the DC does.
type steps struct{ o *Observer }

func (s steps) perm(sec float64, conn int, id model.KeyID) {
	s.o.KeyMade(at(sec), cn(conn), KeyMade{ID: id, Kind: model.Permanent, Exchange: model.KeyExchange{Inner: "p_q_inner_data_dc", Scheme: "rsa_pad", Transport: "intermediate"}})
}

func (s steps) temp(sec float64, conn int, id model.KeyID, ttl time.Duration) {
	s.o.KeyMade(at(sec), cn(conn), KeyMade{ID: id, Kind: model.Temporary, ExpiresIn: ttl, Exchange: model.KeyExchange{Inner: "p_q_inner_data_temp_dc"}})
}

// bind binds temp to perm (made at permAt) with expires_at = sec + 60.
func (s steps) bind(sec float64, conn int, temp, perm model.KeyID, permAt float64) {
	s.o.Bind(at(sec), cn(conn), Bind{Temp: temp, Perm: perm, PermCreated: at(permAt), ExpiresAt: at(sec + 60), Outcome: BindBound})
}

func (s steps) refuse(sec float64, conn int, temp, perm model.KeyID, permAt float64) {
	s.o.Bind(at(sec), cn(conn), Bind{Temp: temp, Perm: perm, PermCreated: at(permAt), Outcome: BindRefused, Err: "ENCRYPTED_MESSAGE_INVALID", Probe: true})
}

func (s steps) call(sec float64, conn int, key model.KeyID, kind model.KeyKind, method string) {
	s.o.Call(at(sec), cn(conn), Call{Key: key, Kind: kind, Method: method})
}

func (s steps) unbound(sec float64, conn int, key model.KeyID, method string, allowed bool) {
	err := ""
	if !allowed {
		err = "AUTH_KEY_PERM_EMPTY"
	}
	s.o.Call(at(sec), cn(conn), Call{Key: key, Kind: model.Temporary, Method: method, Unbound: true, Allowed: allowed, Err: err})
}

// pfs is a client that does it right: a permanent key, a temporary key
// on the same connection, bound at 2 s, a call under it at 3 s.
func (s steps) pfs() {
	s.perm(0, 1, P)
	s.temp(1, 1, T, time.Minute)
	s.unbound(1.5, 1, T, "help.getConfig", true)
	s.bind(2, 1, T, P, 0)
	s.call(3, 1, T, model.Temporary, "help.getConfig")
}

// salted is a client whose first bind got bad_server_salt (msg_id 100,
// encrypted_message digest 1).
func (s steps) salted() {
	s.perm(0, 1, P)
	s.temp(1, 1, T, time.Minute)
	s.o.Bind(at(2), cn(1), Bind{Temp: T, Perm: P, MsgID: 100, Digest: 1, Outcome: BindSalted, Probe: true})
}

// resend is the bind sent after the salt.
func (s steps) resend(msgID int64, digest uint64, envelope string) {
	b := Bind{Temp: T, Perm: P, MsgID: msgID, Digest: digest, Envelope: envelope, Outcome: BindBound}
	if envelope != "" {
		b.Outcome, b.Err = BindRefused, "ENCRYPTED_MESSAGE_INVALID"
	}
	s.o.Bind(at(3), cn(1), b)
}

// verdictCase is a run of steps and the verdict it must reach.
type verdictCase struct {
	name    string
	run     func(s steps)
	verdict model.VerdictName
	want    model.VerdictResult
	detail  string // a part of the detail
}

// TestVerdicts reaches every verdict each way it can go.
func TestVerdicts(t *testing.T) {
	tests := []verdictCase{
		// uses_pfs
		{"pfs client", steps.pfs, model.VerdictUsesPFS, model.ResultOK, "1 bind; no call under the permanent key after the first bind (2 calls under temporary keys)"},
		{"perm calls before the first bind are fine", func(s steps) {
			s.perm(0, 1, P)
			s.call(0.5, 1, P, model.Permanent, "auth.signIn")
			s.temp(1, 1, T, time.Minute)
			s.bind(2, 1, T, P, 0)
		}, model.VerdictUsesPFS, model.ResultOK, "1 call under the permanent key before it"},
		{"downgrade after the bind", func(s steps) {
			s.pfs()
			s.call(4, 1, P, model.Permanent, "users.getFullUser")
		}, model.VerdictUsesPFS, model.ResultFail, "PFS downgrade at 12:00:04.000: users.getFullUser under permanent key 0000000000001000, after the first bind"},
		{"downgrade after the temp key died", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
			s.call(12.5, 1, P, model.Permanent, "help.getConfig")
		}, model.VerdictUsesPFS, model.ResultFail, "2.5s after temporary key 0000000000002000 ended (forgotten)"},
		{"never binds", func(s steps) {
			s.perm(0, 1, P)
			s.call(1, 1, P, model.Permanent, "help.getConfig")
			s.call(2, 1, P, model.Permanent, "help.getConfig")
		}, model.VerdictUsesPFS, model.ResultFail, "no temporary key bound: every call under the permanent key (2 calls)"},
		{"makes temp keys, binds none", func(s steps) {
			s.perm(0, 1, P)
			s.temp(1, 1, T, time.Minute)
			s.call(2, 1, P, model.Permanent, "help.getConfig")
		}, model.VerdictUsesPFS, model.ResultFail, "1 temporary key made, none bound"},
		{"no calls", func(s steps) { s.perm(0, 1, P) }, model.VerdictUsesPFS, model.ResultNotSeen, "no API call"},

		// no_calls_before_bind
		{"only allowed calls before the bind", steps.pfs, model.VerdictNoCallsBeforeBind, model.ResultOK, "only help.getConfig, auth.bindTempAuthKey on unbound temporary keys"},
		{"a call before the bind", func(s steps) {
			s.perm(0, 1, P)
			s.temp(1, 1, T, time.Minute)
			s.unbound(1.5, 1, T, "users.getUsers", false)
			s.unbound(1.6, 1, T, "users.getUsers", false)
			s.bind(2, 1, T, P, 0)
		}, model.VerdictNoCallsBeforeBind, model.ResultFail, "users.getUsers on unbound temporary key 0000000000002000 at 12:00:01.500 earned 401 AUTH_KEY_PERM_EMPTY (2 such calls)"},
		{"no temp key", func(s steps) { s.perm(0, 1, P) }, model.VerdictNoCallsBeforeBind, model.ResultNotSeen, "no temporary key"},

		// temp_ttl
		{"renews before expiry", func(s steps) {
			s.pfs()
			s.temp(45, 2, T2, time.Minute)
			s.bind(46, 2, T2, P, 0)
		}, model.VerdictTempTTL, model.ResultOK, "expires_in 1m0s; renewed 1 time before the key in use expired"},
		{"sends after its declared expiry", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(62), T, Expired)
			s.o.UnknownKey(at(65), cn(1), T)
		}, model.VerdictTempTTL, model.ResultFail, "sent under temporary key 0000000000002000 3s after its declared expiry (12:01:02.000) instead of renewing first"},
		{"a -404 before the declared expiry is no TTL fault", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
			s.o.UnknownKey(at(11), cn(1), T)
		}, model.VerdictTempTTL, model.ResultOK, "no key used past its declared expiry"},
		{"no temp key for ttl", func(s steps) { s.perm(0, 1, P) }, model.VerdictTempTTL, model.ResultNotSeen, ""},

		// recovers_from_forgotten_key
		{"recovers", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
			s.o.UnknownKey(at(11), cn(1), T)
			s.o.ConnClosed(at(11), 1)
			s.temp(11.5, 2, T2, time.Minute)
			s.bind(12, 2, T2, P, 0)
		}, model.VerdictRecoversForgottenKey, model.ResultOK, "bound new temporary key 0000000000002001 to the same permanent key 2s after the DC forgot 0000000000002000 (1s after its -404)"},
		{"a capped expiry is early too", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(5), T, Expired) // declared 62
			s.temp(6, 1, T2, time.Minute)
			s.bind(7, 1, T2, P, 0)
		}, model.VerdictRecoversForgottenKey, model.ResultOK, "2s after the DC forgot"},
		{"an expiry as declared is not forgetting", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(62.5), T, Expired)
		}, model.VerdictRecoversForgottenKey, model.ResultNotSeen, "forgot no bound temporary key"},
		{"makes a new permanent key", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
			s.o.UnknownKey(at(11), cn(1), T)
			s.perm(12, 1, P2)
		}, model.VerdictRecoversForgottenKey, model.ResultFail, "made a new permanent key 0000000000001001 instead of binding a new temporary key to 0000000000001000"},
		{"makes a new permanent key on a new connection", func(s steps) {
			s.pfs()
			s.o.Identity(at(2), cn(1), gotd)
			s.o.KeyEnded(at(10), T, Forgotten)
			s.o.ConnClosed(at(11), 1)
			s.perm(12, 2, P2)
			s.temp(12.5, 2, T2, time.Minute)
			s.o.Identity(at(13), cn(2), gotd)
			s.bind(13, 2, T2, P2, 12)
		}, model.VerdictRecoversForgottenKey, model.ResultFail, "made a new permanent key 0000000000001001"},
		{"falls back to the permanent key", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
			s.call(11, 1, P, model.Permanent, "help.getConfig")
		}, model.VerdictRecoversForgottenKey, model.ResultFail, "fell back to the permanent key (help.getConfig) 1s after the DC forgot 0000000000002000"},
		{"never recovers", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
			s.o.UnknownKey(at(11), cn(1), T)
		}, model.VerdictRecoversForgottenKey, model.ResultFail, "no new temporary key bound to 0000000000001000 within the run (0000000000002000 forgotten 1m30s before)"},
		{"the run ends while it may still be making its key: not put to the test", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(92), T, Forgotten)
			s.o.UnknownKey(at(93), cn(1), T)
		}, model.VerdictRecoversForgottenKey, model.ResultNotSeen, "the run ended within 10s of it"},
		{"silent after the forget: not put to the test", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
		}, model.VerdictRecoversForgottenKey, model.ResultNotSeen, "sent nothing after"},
		{"the last forget of a run is not held against a client that recovered", func(s steps) {
			s.pfs()
			s.o.KeyEnded(at(10), T, Forgotten)
			s.o.UnknownKey(at(11), cn(1), T)
			s.temp(11.5, 2, T2, time.Minute)
			s.bind(12, 2, T2, P, 0)
			s.o.KeyEnded(at(20), T2, Forgotten)
		}, model.VerdictRecoversForgottenKey, model.ResultOK, "bound new temporary key"},

		// bind_retry_policy
		{"young key: retries with a new temporary key on a new connection (mtcute)", func(s steps) {
			s.perm(0, 1, P)
			s.temp(1, 1, T, time.Minute)
			s.refuse(2, 1, T, P, 0)
			s.o.ConnClosed(at(2.1), 1)
			s.temp(2.5, 2, T2, time.Minute)
			s.bind(3, 2, T2, P, 0)
		}, model.VerdictBindRetryPolicy, model.ResultOK, "retried the bind (permanent key 2s old)"},
		{"young key: retries", func(s steps) {
			s.perm(0, 1, P)
			s.temp(1, 1, T, time.Minute)
			s.refuse(2, 1, T, P, 0)
			s.bind(3, 1, T, P, 0)
		}, model.VerdictBindRetryPolicy, model.ResultOK, "retried the bind (permanent key 2s old)"},
		{"young key: drops it", func(s steps) {
			s.perm(0, 1, P)
			s.temp(1, 1, T, time.Minute)
			s.refuse(2, 1, T, P, 0)
			s.perm(3, 1, P2)
		}, model.VerdictBindRetryPolicy, model.ResultFail, "dropped a permanent key only 2s old"},
		{"old key: retries", func(s steps) {
			s.perm(0, 1, P)
			s.temp(70, 1, T, time.Minute)
			s.refuse(71, 1, T, P, 0)
			s.bind(72, 1, T, P, 0)
		}, model.VerdictBindRetryPolicy, model.ResultFail, "retried the bind with a permanent key 1m11s old"},
		{"old key: drops both on a new connection", func(s steps) {
			s.perm(0, 1, P)
			s.temp(70, 1, T, time.Minute)
			s.o.Identity(at(71), cn(1), gotd)
			s.refuse(71, 1, T, P, 0)
			s.o.ConnClosed(at(71), 1)
			s.perm(72, 2, P2)
			s.temp(73, 2, T2, time.Minute)
			s.o.Identity(at(74), cn(2), gotd)
			s.bind(74, 2, T2, P2, 72)
		}, model.VerdictBindRetryPolicy, model.ResultOK, "dropped both keys (permanent key 1m11s old) and made new ones"},
		{"answers nothing", func(s steps) {
			s.perm(0, 1, P)
			s.temp(1, 1, T, time.Minute)
			s.refuse(2, 1, T, P, 0)
		}, model.VerdictBindRetryPolicy, model.ResultFail, "neither retried the bind nor made new keys within the run after ENCRYPTED_MESSAGE_INVALID (permanent key 2s old: retry the bind)"},
		{"no refused bind", steps.pfs, model.VerdictBindRetryPolicy, model.ResultNotSeen, "reject-first-bind"},

		// bind_after_bad_server_salt
		{"rebuilds the bind", func(s steps) {
			s.salted()
			s.resend(104, 2, "")
		}, model.VerdictBindAfterBadSalt, model.ResultOK, "under a fresh msg_id with a rebuilt encrypted_message"},
		{"resends as it was", func(s steps) {
			s.salted()
			s.resend(100, 1, "")
		}, model.VerdictBindAfterBadSalt, model.ResultOK, "under the same msg_id"},
		{"same encrypted_message, new msg_id", func(s steps) {
			s.salted()
			s.resend(104, 1, "inner msg_id 0x64, carrying message 0x68")
		}, model.VerdictBindAfterBadSalt, model.ResultFail, "sent the same encrypted_message again under a new msg_id"},
		{"a rebuilt bind that does not open", func(s steps) {
			s.salted()
			s.resend(104, 2, "msg_key mismatch")
		}, model.VerdictBindAfterBadSalt, model.ResultFail, "does not open: msg_key mismatch"},
		{"a new temporary key on a new connection, bound (mtcute)", func(s steps) {
			s.salted()
			s.o.ConnClosed(at(2.1), 1)
			s.temp(2.5, 2, T2, time.Minute)
			s.bind(3, 2, T2, P, 0)
		}, model.VerdictBindAfterBadSalt, model.ResultOK, "bound a new temporary key 0000000000002001 instead"},
		{"a new temporary key whose bind does not open", func(s steps) {
			s.salted()
			s.temp(2.5, 2, T2, time.Minute)
			s.o.Bind(at(3), cn(1), Bind{Temp: T2, Perm: P, MsgID: 108, Digest: 3, Envelope: "msg_key mismatch", Outcome: BindRefused, Err: "ENCRYPTED_MESSAGE_INVALID"})
		}, model.VerdictBindAfterBadSalt, model.ResultFail, "new temporary key 0000000000002001 does not open: msg_key mismatch"},
		{"never resends", steps.salted, model.VerdictBindAfterBadSalt, model.ResultFail, "never sent the bind again"},
		{"no salt", steps.pfs, model.VerdictBindAfterBadSalt, model.ResultNotSeen, ""},
	}
	// checks_server_dh.*: a hostile answer on a fresh connection, then the
	// client's honest key on another.
	for _, check := range model.HostileChecks()[:4] {
		tests = append(tests,
			verdictCase{"goes on after " + string(check), func(s steps) {
				s.o.HostileSent(at(0), cn(9), check, 0)
				s.o.HostileAnswered(at(0.1), cn(9), true, "sent req_DH_params")
				s.o.ConnClosed(at(0.2), 9)
				s.pfs()
			}, check, model.ResultFail, "sent req_DH_params"},
			verdictCase{"stops after " + string(check), func(s steps) {
				s.o.HostileSent(at(0), cn(9), check, 0)
				s.o.ConnClosed(at(0.2), 9)
				s.pfs()
			}, check, model.ResultOK, "closed the connection"},
		)
	}
	tests = append(tests, []verdictCase{
		{"restarts the exchange", func(s steps) {
			s.o.HostileSent(at(0), cn(1), model.VerdictChecksNonce, 0)
			s.o.HostileAnswered(at(0.1), cn(1), false, "restarted the key exchange")
			s.pfs()
		}, model.VerdictChecksNonce, model.ResultOK, "restarted the key exchange"},
		{"uses a key with a wrong new_nonce_hash1", func(s steps) {
			s.o.HostileSent(at(0), cn(9), model.VerdictChecksNewNonceHash, H)
			s.o.UnknownKey(at(0.5), cn(9), H)
			s.o.ConnClosed(at(0.6), 9)
			s.pfs()
		}, model.VerdictChecksNewNonceHash, model.ResultFail, "sent a message under key 0000000000003000"},
		{"never uses it", func(s steps) {
			s.o.HostileSent(at(0), cn(9), model.VerdictChecksNewNonceHash, H)
			s.o.ConnClosed(at(0.6), 9)
			s.pfs()
		}, model.VerdictChecksNewNonceHash, model.ResultOK, "never used key 0000000000003000"},
		{"no hostile answer", steps.pfs, model.VerdictChecksDHPrime, model.ResultNotSeen, "hostile-handshake"},
	}...)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := New(Config{})
			tt.run(steps{o})
			r := o.Report(at(100))
			c := lastClient(t, r)
			// Every rule line on the event stream names a verdict the
			// catalog has (a settled incident once went out as ": ok: …").
			for _, n := range o.DrainNotices(nil) {
				if n.Kind != model.SrvRule {
					continue
				}
				name, _, _ := strings.Cut(n.Detail, ":")
				if !slices.ContainsFunc(model.VerdictCatalog(), func(v model.VerdictInfo) bool { return string(v.Name) == name }) {
					t.Fatalf("rule notice %q names no verdict", n.Detail)
				}
			}
			v, ok := c.Verdict(tt.verdict)
			if !ok {
				t.Fatalf("no verdict %s in %+v", tt.verdict, c.Verdicts)
			}
			if v.Result != tt.want || !strings.Contains(v.Detail, tt.detail) {
				t.Fatalf("%s = %s %q; want %s with %q", tt.verdict, v.Result, v.Detail, tt.want, tt.detail)
			}
			if len(c.Verdicts) != len(model.VerdictCatalog()) {
				t.Fatalf("%d verdicts, want one per catalog entry", len(c.Verdicts))
			}
			for i, info := range model.VerdictCatalog() {
				if c.Verdicts[i].Name != info.Name {
					t.Fatalf("verdict %d is %s, want %s (catalog order)", i, c.Verdicts[i].Name, info.Name)
				}
			}
		})
	}
}

// lastClient is the one client a test made, or the survivor of its merges.
func lastClient(t *testing.T, r model.ConformanceReport) model.ClientReport {
	t.Helper()
	var real []model.ClientReport
	for _, c := range r.Clients {
		if c.ID != 0 {
			real = append(real, c)
		}
	}
	if len(real) != 1 {
		raw, _ := json.MarshalIndent(r, "", " ")
		t.Fatalf("%d clients, want 1: %s", len(real), raw)
	}
	return real[0]
}

func TestGrouping(t *testing.T) {
	t.Run("a temp key of its own until bound", func(t *testing.T) {
		o := New(Config{})
		s := steps{o}
		s.perm(0, 1, P)
		s.temp(1, 2, T, time.Minute) // another connection: a client of its own
		if r := o.Report(at(2)); len(r.Clients) != 2 {
			t.Fatalf("%d clients before the bind, want 2", len(r.Clients))
		}
		s.bind(2, 2, T, P, 0)
		r := o.Report(at(3))
		if len(r.Clients) != 1 || r.Clients[0].ID != 1 || len(r.Clients[0].PermKeys) != 1 || len(r.Clients[0].TempKeys) != 1 {
			t.Fatalf("after the bind: %+v", r.Clients)
		}
		if tk := r.Clients[0].TempKeys[0]; !tk.Bound || tk.PermID != P.String() || tk.ExpiresIn != 60 {
			t.Fatalf("temp key %+v", tk)
		}
	})
	t.Run("a connection that touches two clients' keys merges them", func(t *testing.T) {
		o := New(Config{})
		s := steps{o}
		s.perm(0, 1, P)
		s.call(0.5, 1, P, model.Permanent, "help.getConfig")
		s.perm(1, 2, P2)
		s.o.KeyUsed(at(2), cn(2), KeyUse{ID: P, Kind: model.Permanent, Created: at(0)})
		r := o.Report(at(3))
		if len(r.Clients) != 1 || len(r.Clients[0].PermKeys) != 2 || r.Clients[0].Counts.Calls != 1 {
			t.Fatalf("after the merge: %+v", r.Clients)
		}
	})
	t.Run("a key the DC held already", func(t *testing.T) {
		o := New(Config{})
		o.KeyUsed(at(5), cn(1), KeyUse{ID: P, Kind: model.Permanent, Created: at(-3600)})
		c := lastClient(t, o.Report(at(6)))
		if len(c.PermKeys) != 1 || !c.PermKeys[0].Created.Equal(at(-3600)) || c.PermKeys[0].Exchange != (model.KeyExchange{}) {
			t.Fatalf("perm keys %+v", c.PermKeys)
		}
	})
	t.Run("the same identity is another client unless keys were lost", func(t *testing.T) {
		o := New(Config{})
		s := steps{o}
		s.pfs()
		s.o.Identity(at(3), cn(1), gotd)
		s.perm(4, 2, P2)
		s.o.Identity(at(5), cn(2), gotd)
		if r := o.Report(at(6)); len(r.Clients) != 2 {
			t.Fatalf("two instances of one app: %d clients, want 2", len(r.Clients))
		}
		s.o.KeyEnded(at(7), P, Restart)
		s.o.KeyEnded(at(7), T, Restart)
		s.perm(8, 3, model.KeyID(0x1002))
		s.o.Identity(at(9), cn(3), gotd)
		r := o.Report(at(10))
		if len(r.Clients) != 2 || len(r.Clients[0].PermKeys) != 2 {
			t.Fatalf("after a restart the client came back: %+v", r.Clients)
		}
	})
	t.Run("unclaimed hostile answers are client 0", func(t *testing.T) {
		o := New(Config{})
		o.HostileSent(at(0), cn(9), model.VerdictChecksNonce, 0)
		o.ConnClosed(at(1), 9)
		r := o.Report(at(2))
		if len(r.Clients) != 1 || r.Clients[0].ID != 0 {
			t.Fatalf("clients %+v", r.Clients)
		}
		if v, _ := r.Clients[0].Verdict(model.VerdictChecksNonce); v.Result != model.ResultOK {
			t.Fatalf("nonce check %+v", v)
		}
	})
}

func TestBounds(t *testing.T) {
	o := New(Config{MaxClients: 3, MaxEvents: 4, MaxKeys: 2})
	s := steps{o}
	for i := range 5 {
		s.perm(float64(i), i+1, P+model.KeyID(i))
	}
	s.call(10, 1, P, model.Permanent, "help.getConfig") // client 1 is not active: forgotten already
	r := o.Report(at(11))
	if len(r.Clients) != 3 || r.Forgotten != 3 {
		t.Fatalf("%d clients, %d forgotten; want 3 and 3", len(r.Clients), r.Forgotten)
	}
	for _, c := range r.Clients {
		if c.ID < 4 && c.ID != 6 {
			t.Errorf("client %d kept; the least recently active go first", c.ID)
		}
	}

	o = New(Config{MaxClients: 3, MaxEvents: 4, MaxKeys: 2})
	s = steps{o}
	s.perm(0, 1, P)
	for i := range 5 {
		id := T + model.KeyID(i)
		s.temp(float64(1+i), 1, id, time.Minute)
		s.bind(float64(1+i), 1, id, P, 0)
		s.o.KeyEnded(at(float64(1+i)+0.5), id, Dropped)
	}
	for i := range 10 {
		s.call(float64(10+i), 1, T+4, model.Temporary, "help.getConfig")
	}
	c := lastClient(t, o.Report(at(30)))
	if len(c.TempKeys) != 2 || c.TempKeys[1].ID != (T+4).String() || len(c.Events) != 4 || c.Counts.Calls != 15 {
		t.Fatalf("temp keys %d (last %s), events %d, calls %d", len(c.TempKeys), c.TempKeys[len(c.TempKeys)-1].ID, len(c.Events), c.Counts.Calls)
	}
	if v, _ := c.Verdict(model.VerdictUsesPFS); v.Result != model.ResultOK || !strings.Contains(v.Detail, "5 binds") {
		t.Fatalf("verdicts forget nothing with the events: %+v", v)
	}
	if c.Events[3].What != "call" || !c.Events[3].At.Equal(at(19)) {
		t.Fatalf("newest events kept: %+v", c.Events)
	}
}

func TestNoticesAndCounts(t *testing.T) {
	o := New(Config{})
	s := steps{o}
	s.pfs()
	s.o.BadMsg(at(4), T, 48)
	s.o.BadMsg(at(4), T, 17)
	s.o.Replay(at(4), T)
	s.call(5, 1, T, model.Temporary, "auth.dropTempAuthKeys")
	s.call(6, 1, P, model.Permanent, "help.getConfig")
	n := o.DrainNotices(nil)
	if len(n) < 2 || n[0].Kind != model.SrvClient || n[0].Client != 1 || n[0].DC != 2 {
		t.Fatalf("notices %+v", n)
	}
	last := n[len(n)-1]
	if last.Kind != model.SrvRule || !strings.HasPrefix(last.Detail, "uses_pfs: fail: PFS downgrade") {
		t.Fatalf("last notice %+v", last)
	}
	if more := o.DrainNotices(nil); len(more) != 0 {
		t.Fatalf("drained twice: %+v", more)
	}
	c := lastClient(t, o.Report(at(7)))
	want := model.ClientCounts{Calls: 5, RPCErrors: 0, BadMsgCodes: map[int]int{48: 1, 17: 1}, MsgIDProblems: 2, Drops: 1}
	got, _ := json.Marshal(c.Counts)
	if w, _ := json.Marshal(want); string(got) != string(w) {
		t.Fatalf("counts %s, want %s", got, w)
	}
}

func TestReportHasNoNilLists(t *testing.T) {
	o := New(Config{})
	steps{o}.perm(0, 1, P)
	raw, err := json.Marshal(o.Report(at(1)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "null") {
		t.Fatalf("a list or map is null: %s", raw)
	}
}
