package observe

import (
	"strings"
	"testing"
	"time"

	"tgpfs/model"
)

// After a restart the DC has lost the permanent key, and a client that
// binds before it names itself (tdesktop, tgpfs) comes back under a new
// temporary key on a new connection: its refused bind belongs to the client
// of the permanent key it names, judged by that key's age as first seen.
func TestBindOfALostPermanentKey(t *testing.T) {
	const T4 model.KeyID = 0x2003
	for _, tc := range []struct {
		name    string
		restart float64 // when the DC restarts, seconds after the key was made
		answer  func(s steps, t float64)
		result  model.VerdictResult
		detail  string
	}{
		{"young key retried", 5, func(s steps, t float64) {
			s.bind(t, 3, T3, P, 0) // the key reached the server after all
		}, model.ResultOK, "retried the bind (permanent key 6s old)"},
		{"old key dropped", 70, func(s steps, t float64) {
			s.perm(t, 4, P2)
			s.temp(t+0.5, 5, T4, time.Hour)
			s.bind(t+1, 5, T4, P2, t)
			s.o.Identity(at(t+1.5), cn(5), gotd)
		}, model.ResultOK, "dropped both keys (permanent key 1m11s old)"},
		{"young key dropped", 5, func(s steps, t float64) {
			s.perm(t, 4, P2)
			s.temp(t+0.5, 5, T4, time.Hour)
			s.bind(t+1, 5, T4, P2, t)
			s.o.Identity(at(t+1.5), cn(5), gotd)
		}, model.ResultFail, "dropped a permanent key only 6s old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := New(Config{})
			s := steps{o}
			s.pfs()
			s.o.Identity(at(3.5), cn(1), gotd)
			r := tc.restart
			s.o.KeyEnded(at(r), P, Restart)
			s.o.KeyEnded(at(r), T, Restart)
			s.o.ConnClosed(at(r), 1)
			// The client's next call under T gets -404 on a new
			// connection, then a new temporary key is refused: the DC
			// holds no P, so the bind carries no PermCreated.
			s.o.UnknownKey(at(r+0.2), cn(2), T)
			s.o.ConnClosed(at(r+0.3), 2)
			s.temp(r+0.5, 3, T3, time.Hour)
			s.o.Bind(at(r+1), cn(3), Bind{Temp: T3, Perm: P, Outcome: BindRefused, Err: "ENCRYPTED_MESSAGE_INVALID"})
			tc.answer(s, r+2)
			c := lastClient(t, o.Report(at(r+10)))
			v, _ := c.Verdict(model.VerdictBindRetryPolicy)
			if v.Result != tc.result || !strings.Contains(v.Detail, tc.detail) {
				t.Fatalf("bind_retry_policy %+v, want %s with %q", v, tc.result, tc.detail)
			}
		})
	}
}
