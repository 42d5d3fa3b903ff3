package observe

import (
	"maps"
	"slices"
	"strings"
	"time"

	"tgpfs/model"
)

// Report is what the observer holds now, with every verdict computed as of
// now: an incident still open then is judged as the run's end would judge
// it. Client 0, first when present, holds hostile key exchanges no client
// could be tied to.
func (o *Observer) Report(now time.Time) model.ConformanceReport {
	r := model.ConformanceReport{At: now, Scenarios: []string{}, Forgotten: o.forgotten, Clients: make([]model.ClientReport, 0, len(o.clients)+1)}
	if len(o.unclaimed) > 0 {
		orphan := &client{events: ring{max: 1}, hostile: o.unclaimed}
		r.Clients = append(r.Clients, orphan.report(now))
	}
	for _, c := range o.clients {
		r.Clients = append(r.Clients, c.report(now))
	}
	return r
}

func (c *client) report(now time.Time) model.ClientReport {
	rep := model.ClientReport{
		ID: c.id, Client: c.identity, DCs: slices.Clone(c.dcs), Transports: slices.Clone(c.transports),
		FirstSeen: c.firstSeen, LastSeen: c.lastSeen,
		PermKeys: make([]model.ObservedPermKey, 0, len(c.perm)), TempKeys: make([]model.ObservedTempKey, 0, len(c.temp)),
		Verdicts: c.verdicts(now), Counts: c.counts,
	}
	if rep.DCs == nil {
		rep.DCs = []int{}
	}
	if rep.Transports == nil {
		rep.Transports = []string{}
	}
	rep.Counts.BadMsgCodes = maps.Clone(c.counts.BadMsgCodes)
	if rep.Counts.BadMsgCodes == nil {
		rep.Counts.BadMsgCodes = map[int]int{}
	}
	for _, k := range c.perm {
		rep.PermKeys = append(rep.PermKeys, model.ObservedPermKey{ID: k.id.String(), DC: k.dc, Created: k.created, Exchange: k.exchange, Ended: k.ended, EndedAt: k.endedAt})
	}
	for _, k := range c.temp {
		t := model.ObservedTempKey{ID: k.id.String(), DC: k.dc, Created: k.created, Exchange: k.exchange,
			ExpiresIn: int64(k.expiresIn / time.Second), ExpiresAt: k.expiresAt, Bound: k.bound, BoundAt: k.boundAt,
			WrappedBind: k.wrapped, Ended: k.ended, EndedAt: k.endedAt}
		if k.permID != 0 {
			t.PermID = k.permID.String()
		}
		rep.TempKeys = append(rep.TempKeys, t)
	}
	events := c.events.all()
	rep.Events = make([]model.ClientEvent, len(events))
	for i, e := range events {
		rep.Events[i] = e.render()
	}
	return rep
}

// verdicts judges the client on every verdict of model.VerdictCatalog, in
// its order.
func (c *client) verdicts(now time.Time) []model.ClientVerdict {
	out := []model.ClientVerdict{c.usesPFS(), c.noCallsBeforeBind(), c.tempTTL()}
	out = append(out,
		judge(model.VerdictRecoversForgottenKey, c.f.recoveries, now,
			"the DC forgot no bound temporary key early, or the client sent nothing after it did, or the run ended within "+recoveryGrace.String()+" of it (scenario forget-temp-after)",
			func(i *incident) (model.VerdictResult, string) {
				// A client that sent nothing since was not put to the
				// test: the last key of a run under forget-temp-after
				// is forgotten after the client's last word.
				if i.seen.IsZero() && !c.lastSeen.After(i.at) {
					return "", ""
				}
				// Nor was one whose run ended while it could still be
				// making its new key (gotd proves the DH prime in every
				// exchange: seconds on a loaded machine).
				if now.Sub(latest(i.at, i.seen)) < recoveryGrace {
					return "", ""
				}
				return model.ResultFail, "no new temporary key bound to " + i.perm.String() + " within the run (" + i.key.String() + " forgotten " + since(now, i.at) + " before)"
			}),
		judge(model.VerdictBindRetryPolicy, c.f.refusals, now,
			"no bind was answered ENCRYPTED_MESSAGE_INVALID (scenario reject-first-bind)",
			func(i *incident) (model.VerdictResult, string) {
				want := "drop both keys"
				if i.young() {
					want = "retry the bind"
				}
				return model.ResultFail, "neither retried the bind nor made new keys within the run after ENCRYPTED_MESSAGE_INVALID (permanent key " + i.ageText() + ": " + want + ")"
			}),
		judge(model.VerdictBindAfterBadSalt, c.f.salts, now,
			"no bind was answered bad_server_salt (scenario salt-on-bind)",
			func(*incident) (model.VerdictResult, string) {
				return model.ResultFail, "never sent the bind again after bad_server_salt"
			}),
	)
	for _, check := range model.HostileChecks() {
		var list []*incident
		for _, h := range c.hostile {
			if h.verdict == check {
				list = append(list, h)
			}
		}
		out = append(out, judge(check, list, now, "no hostile answer for this check was sent (scenario hostile-handshake)",
			func(i *incident) (model.VerdictResult, string) {
				if i.verdict == model.VerdictChecksNewNonceHash {
					return model.ResultOK, "never used key " + i.key.String() + ", whose dh_gen_ok had a wrong new_nonce_hash1"
				}
				return model.ResultOK, "sent nothing further on that key exchange"
			}))
	}
	return out
}

// recoveryGrace is how long after the DC forgot a client's key (or after
// the -404 that told the client) a run must go on before "no new key
// bound" counts against it: one key exchange and a bind, with room for a
// slow client and a loaded machine. The spec names no deadline.
const recoveryGrace = 10 * time.Second

// judge turns a verdict's incidents into its result: the first fail, else
// ok when every incident came out ok. An open one is judged by ifOpen,
// which may leave it out (a result of "").
func judge(name model.VerdictName, list []*incident, now time.Time, notSeen string, ifOpen func(*incident) (model.VerdictResult, string)) model.ClientVerdict {
	var last model.ClientVerdict
	fails, judged := 0, 0
	var first *model.ClientVerdict
	for _, i := range list {
		result, detail := i.result, i.detail
		if i.open() {
			result, detail = ifOpen(i)
		}
		if result == "" {
			continue
		}
		judged++
		v := model.ClientVerdict{Name: name, Result: result, Detail: detail}
		if result == model.ResultFail {
			fails++
			if first == nil {
				first = &v
			}
		}
		last = v
	}
	switch {
	case judged == 0:
		return model.ClientVerdict{Name: name, Result: model.ResultNotSeen, Detail: notSeen}
	case first != nil:
		if fails > 1 {
			first.Detail += " (" + itoa(fails) + " of " + itoa(judged) + " failed)"
		}
		return *first
	case judged > 1:
		last.Detail += " (" + itoa(judged) + " times)"
	}
	return last
}

func (c *client) usesPFS() model.ClientVerdict {
	f := &c.f
	v := model.ClientVerdict{Name: model.VerdictUsesPFS}
	calls := f.permCalls + f.tempCalls
	switch {
	case !f.downgrade.at.IsZero():
		v.Result, v.Detail = model.ResultFail, f.downgrade.String()
	case f.binds == 0 && calls == 0:
		v.Result, v.Detail = model.ResultNotSeen, "no API call seen"
	case f.binds == 0 && f.permCalls > 0:
		v.Result, v.Detail = model.ResultFail, "no temporary key bound: every call under the permanent key ("+plural(f.permCalls, "call")+")"
		if f.temps > 0 {
			v.Detail += "; " + plural(f.temps, "temporary key") + " made, none bound"
		}
	case f.binds == 0:
		v.Result, v.Detail = model.ResultFail, "no temporary key bound ("+plural(f.temps, "temporary key")+" made, "+plural(f.tempCalls, "call")+" on them)"
	default:
		v.Result, v.Detail = model.ResultOK, plural(f.binds, "bind")+"; no call under the permanent key after the first bind ("+plural(f.tempCalls, "call")+" under temporary keys"
		if f.permBeforeBind > 0 {
			v.Detail += ", " + plural(f.permBeforeBind, "call") + " under the permanent key before it"
		}
		v.Detail += ")"
	}
	return v
}

func (c *client) noCallsBeforeBind() model.ClientVerdict {
	f := &c.f
	v := model.ClientVerdict{Name: model.VerdictNoCallsBeforeBind}
	switch {
	case f.temps == 0 && len(c.temp) == 0:
		v.Result, v.Detail = model.ResultNotSeen, "no temporary key made"
	case f.refused > 0:
		v.Result, v.Detail = model.ResultFail, f.firstRefused.method+" on unbound temporary key "+f.firstRefused.key.String()+
			" at "+clock(f.firstRefused.at)+" earned 401 AUTH_KEY_PERM_EMPTY"
		if f.refused > 1 {
			v.Detail += " (" + plural(f.refused, "such call") + ")"
		}
	case len(f.allowedBeforeBind) == 0:
		v.Result, v.Detail = model.ResultOK, "nothing sent on an unbound temporary key"
	default:
		v.Result, v.Detail = model.ResultOK, "only "+strings.Join(f.allowedBeforeBind, ", ")+" on unbound temporary keys"
	}
	return v
}

func (c *client) tempTTL() model.ClientVerdict {
	f := &c.f
	v := model.ClientVerdict{Name: model.VerdictTempTTL}
	if f.temps == 0 && len(c.temp) == 0 {
		v.Result, v.Detail = model.ResultNotSeen, "no temporary key made"
		return v
	}
	asked := make([]string, 0, len(f.expiresIns))
	for _, d := range f.expiresIns {
		asked = append(asked, d.String())
	}
	detail := "expires_in " + strings.Join(asked, ", ")
	if len(asked) == 0 {
		detail = "expires_in not seen (keys made before the observation)"
	}
	switch {
	case !f.lateSend.at.IsZero():
		v.Result, v.Detail = model.ResultFail, detail+"; "+f.lateSend.String()
	case f.renewals > 0:
		v.Result, v.Detail = model.ResultOK, detail+"; renewed "+plural(f.renewals, "time")+" before the key in use expired"
	default:
		v.Result, v.Detail = model.ResultOK, detail+"; no key used past its declared expiry"
	}
	return v
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") && !strings.HasSuffix(what, "ey") {
		return itoa(n) + " " + what[:len(what)-1] + "ies"
	}
	return itoa(n) + " " + what + "s"
}
