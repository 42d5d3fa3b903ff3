package localdc

import (
	"strconv"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/localdc/observe"
)

// Scenarios: DC behaviours that probe a client (Config.Scenarios,
// model.ScenarioCatalog). Each one does what Telegram may do and a client
// must cope with; none is on unless asked for, and without any the DC
// behaves exactly as it does without this file.
//
//   - forget-temp-after=D: the sweep forgets each temporary key D after its
//     bind (so within Config.SweepEvery of it).
//   - restart-after=D: D after Start the sweep forgets every key and closes
//     every connection, as a restart without a state file does.
//   - reject-first-bind: the first bind naming a permanent key is answered
//     400 ENCRYPTED_MESSAGE_INVALID without being looked at.
//   - salt-on-bind: the first bind naming a permanent key is answered
//     bad_server_salt. The salt is not changed (the client's was right),
//     and the message's msg_id is forgotten as it is for a wrong salt, so
//     the client may send it again as it was or rebuilt.
//   - hostile-handshake: see scenario_handshake.go.
//
// The first binds are counted per permanent key, so a client that makes a
// new permanent key meets the probe again with a young key.

// scenarios is the cluster's scenarios and their state, guarded by
// Cluster.mu.
type scenarios struct {
	forgetAfter time.Duration // 0: off
	restartAt   time.Time     // zero: off
	rejectFirst bool
	saltFirst   bool
	hostile     bool

	restarted   bool
	rejected    map[model.KeyID]bool // permanent keys whose first bind was refused
	salted      map[model.KeyID]bool // permanent keys whose first bind got bad_server_salt
	hostileNext int                  // the next of model.HostileChecks to send
}

// maxProbedKeys bounds the first-bind sets: past it they start over, and a
// permanent key may be probed a second time.
const maxProbedKeys = 4096

func newScenarios(list []model.Scenario, start time.Time) scenarios {
	var sc scenarios
	for _, s := range list {
		switch s.Name {
		case model.ScenarioForgetTempAfter:
			sc.forgetAfter = s.After
		case model.ScenarioRestartAfter:
			sc.restartAt = start.Add(s.After)
		case model.ScenarioRejectFirstBind:
			sc.rejectFirst = true
		case model.ScenarioSaltOnBind:
			sc.saltFirst = true
		case model.ScenarioHostileHandshake:
			sc.hostile = true
		}
	}
	sc.rejected, sc.salted = make(map[model.KeyID]bool), make(map[model.KeyID]bool)
	return sc
}

// firstTime marks key in set and reports whether it was not there.
func firstTime(set map[model.KeyID]bool, key model.KeyID) bool {
	if set[key] {
		return false
	}
	if len(set) >= maxProbedKeys {
		clear(set)
	}
	set[key] = true
	return true
}

// sweepScenarios runs the timed scenarios. Called by sweep with Cluster.mu
// held.
func (c *Cluster) sweepScenarios(now time.Time) {
	sc := &c.scen
	if sc.forgetAfter > 0 {
		for _, d := range c.dcs {
			for id, k := range d.keys {
				if k.bound() && !now.Before(k.boundAt.Add(sc.forgetAfter)) {
					delete(d.keys, id)
					c.emit(model.ServerEvent{At: now, DC: d.id, Kind: model.SrvKeyDropped, KeyID: id, KeyKind: model.Temporary, PermID: k.permID,
						Detail: "forgotten by the DC " + sc.forgetAfter.String() + " after its bind (scenario forget-temp-after)"})
					c.observeKeyEnd(id, observe.Forgotten)
				}
			}
		}
	}
	if !sc.restartAt.IsZero() && !sc.restarted && !now.Before(sc.restartAt) {
		sc.restarted = true
		c.restart(now)
	}
}

// restart forgets every key of every DC and closes every connection.
// Called with Cluster.mu held.
func (c *Cluster) restart(now time.Time) {
	n := 0
	for _, d := range c.dcs {
		for id := range d.keys {
			delete(d.keys, id)
			c.observeKeyEnd(id, observe.Restart)
			n++
		}
		d.conns.closeAll()
	}
	c.emit(model.ServerEvent{At: now, Kind: model.SrvProbe, Detail: "restart: forgot " + strconv.Itoa(n) + " keys and closed every connection (scenario restart-after)"})
}

// probeCall answers a bind the way reject-first-bind or salt-on-bind asks,
// and reports whether it did. A nil result with done set means the answer
// was not an rpc_result (bad_server_salt) and has been sent.
func (s *serverConn) probeCall(m inMsg, id uint32, full, body []byte) (res bin.Encoder, done bool, err error) {
	sc := &s.c.scen
	if id != tg.AuthBindTempAuthKeyRequestTypeID || m.key.kind != model.Temporary || !(sc.rejectFirst || sc.saltFirst) {
		return nil, false, nil
	}
	var r tg.AuthBindTempAuthKeyRequest
	if err := r.Decode(&bin.Buffer{Buf: body}); err != nil {
		return nil, false, nil // the bind's own handler answers that
	}
	perm := model.KeyID(r.PermAuthKeyID)
	s.c.mu.Lock()
	salt := sc.saltFirst && firstTime(sc.salted, perm)
	reject := !salt && sc.rejectFirst && firstTime(sc.rejected, perm)
	if salt {
		m.sess.forget(m.msgID)
	}
	s.c.mu.Unlock()
	if !salt && !reject {
		return nil, false, nil
	}
	var obs observe.Bind
	if s.c.obs != nil {
		obs = s.bindObservation(m, &r, len(body) < len(full))
		obs.Probe = true
		obs.Envelope = s.c.inspectBind(s.d, m, &r)
	}
	if salt {
		s.c.emit(model.ServerEvent{DC: s.d.id, Kind: model.SrvProbe, KeyID: m.key.id, KeyKind: model.Temporary, PermID: perm,
			Client: s.clientNumber(), Detail: "bad_server_salt for the first bind (scenario salt-on-bind)"})
		if s.c.obs != nil {
			obs.Outcome = observe.BindSalted
			s.observeBind(obs)
		}
		return nil, true, s.send(m.key, m.sess, false, &mt.BadServerSalt{BadMsgID: m.msgID, BadMsgSeqno: int(m.seqNo), ErrorCode: badServerSalt, NewServerSalt: m.key.salt})
	}
	e := rpcErr(400, "ENCRYPTED_MESSAGE_INVALID")
	s.c.emit(model.ServerEvent{DC: s.d.id, Kind: model.SrvProbe, KeyID: m.key.id, KeyKind: model.Temporary, PermID: perm,
		Client: s.clientNumber(), Detail: "ENCRYPTED_MESSAGE_INVALID for the first bind (scenario reject-first-bind)"})
	if s.c.obs != nil {
		obs.Outcome, obs.Err = observe.BindRefused, e.Message
		s.observeBind(obs)
	}
	return s.fail(m, id, e, "scenario reject-first-bind"), true, nil
}

// clientNumber is the observed client of this connection, 0 if unknown.
func (s *serverConn) clientNumber() int {
	if s.c.obs == nil || s.obs.id == 0 {
		return 0
	}
	o := s.c.lockObs()
	n := o.ClientOf(s.obs.id)
	s.c.unlockObs()
	return n
}

// forget drops a msg_id from the session's ring, as if the message had
// not been taken (a bad_server_salt answered it). A full ring keeps its
// size: the slot takes a neighbour's id.
func (s *session) forget(id int64) {
	for i, v := range s.seen {
		if v != id {
			continue
		}
		switch {
		case !s.full:
			last := len(s.seen) - 1
			s.seen[i] = s.seen[last]
			s.seen = s.seen[:last]
		default:
			s.seen[i] = s.seen[(i+1)%len(s.seen)]
		}
		return
	}
}
