package observe

import (
	"slices"
	"strconv"
	"time"

	"tgpfs/model"
)

// facts are what the verdicts of one client are computed from, updated as
// events arrive, so that a verdict does not depend on how many events a
// client has kept.
type facts struct {
	// uses_pfs
	tempCalls, permCalls int
	permBeforeBind       int
	firstBind            time.Time
	binds                int
	downgrade            downgrade // the first call under a permanent key after a bind
	lastTempEnd          tempEnd   // the last bound temporary key the DC stopped holding

	// no_calls_before_bind
	allowedBeforeBind []string
	refused           int
	firstRefused      callAt

	// temp_ttl
	temps      int
	expiresIns []time.Duration
	lateSend   lateSend
	renewals   int

	// Incidents: a probe and the client's answer to it.
	recoveries []*incident // bound temporary keys the DC forgot early
	refusals   []*incident // binds answered ENCRYPTED_MESSAGE_INVALID
	salts      []*incident // binds answered bad_server_salt
}

// callAt is one call: when, under which key, which method.
type callAt struct {
	at     time.Time
	key    model.KeyID
	method string
}

// tempEnd is a bound temporary key the DC stopped holding.
type tempEnd struct {
	at  time.Time
	key model.KeyID
	how KeyEnd
}

// downgrade is a call under a permanent key after the client's first bind.
type downgrade struct {
	callAt
	after tempEnd
}

func (d downgrade) String() string {
	s := "PFS downgrade at " + clock(d.at) + ": " + d.method + " under permanent key " + d.key.String()
	if !d.after.at.IsZero() {
		return s + ", " + since(d.at, d.after.at) + " after temporary key " + d.after.key.String() + " ended (" + string(d.after.how) + ")"
	}
	return s + ", after the first bind"
}

// lateSend is a frame under a temporary key after its declared expiry.
type lateSend struct {
	at     time.Time
	key    model.KeyID
	expiry time.Time
}

func (l lateSend) String() string {
	return "sent under temporary key " + l.key.String() + " " + since(l.at, l.expiry) + " after its declared expiry (" +
		clock(l.expiry) + ") instead of renewing first, and earned -404"
}

// incident is one probe of a client (a forgotten key, a refused bind, a
// salt, a hostile handshake answer) and, once settled, how the client
// answered it.
type incident struct {
	verdict model.VerdictName
	at      time.Time
	key     model.KeyID // the key probed
	perm    model.KeyID // its permanent key
	// Refused binds: the permanent key's age then.
	age      time.Duration
	ageKnown bool
	// Salted binds: the bind's msg_id and a digest of encrypted_message.
	msgID  int64
	digest uint64
	// Recoveries: the first -404 under the forgotten key.
	seen time.Time

	result    model.VerdictResult // "" while open
	settledAt time.Time
	detail    string
}

func (i *incident) open() bool { return i.result == "" }

func (i *incident) settle(at time.Time, result model.VerdictResult, detail string) {
	i.result, i.settledAt, i.detail = result, at, detail
}

func (i *incident) young() bool { return i.ageKnown && i.age < model.PermYoung }

// settle settles an incident of cl and says so on the event stream.
func (o *Observer) settle(at time.Time, cl *client, i *incident, result model.VerdictResult, detail string) {
	i.settle(at, result, detail)
	o.notice(model.SrvRule, at, cl, i.key, string(i.verdict)+": "+string(result)+": "+detail)
	if cl != nil {
		cl.event(event{at: at, kind: evRule, key: i.key, text: string(i.verdict), err: string(result)})
	}
}

// addIncident appends i, keeping maxIncidents: the oldest ok is forgotten
// first, then the oldest open one; the first fail is always kept.
func addIncident(list []*incident, i *incident) []*incident {
	list = append(list, i)
	if len(list) <= maxIncidents {
		return list
	}
	drop := slices.IndexFunc(list, func(x *incident) bool { return x.result == model.ResultOK })
	if drop < 0 {
		drop = slices.IndexFunc(list, func(x *incident) bool { return x.open() })
	}
	if drop < 0 {
		drop = 1 // every one failed: keep the first
	}
	return slices.Delete(list, drop, drop+1)
}

func (f *facts) tempMade(expiresIn time.Duration) {
	f.temps++
	f.expiresIns = addUnique(f.expiresIns, expiresIn, 8)
}

// merge adds b's facts to f's.
func (f *facts) merge(b *facts) {
	f.tempCalls += b.tempCalls
	f.permCalls += b.permCalls
	f.permBeforeBind += b.permBeforeBind
	f.binds += b.binds
	f.refused += b.refused
	f.temps += b.temps
	f.renewals += b.renewals
	f.firstBind = earliest(f.firstBind, b.firstBind)
	if b.downgrade.at.After(time.Time{}) && (f.downgrade.at.IsZero() || b.downgrade.at.Before(f.downgrade.at)) {
		f.downgrade = b.downgrade
	}
	if b.lastTempEnd.at.After(f.lastTempEnd.at) {
		f.lastTempEnd = b.lastTempEnd
	}
	if !b.firstRefused.at.IsZero() && (f.firstRefused.at.IsZero() || b.firstRefused.at.Before(f.firstRefused.at)) {
		f.firstRefused = b.firstRefused
	}
	if !b.lateSend.at.IsZero() && (f.lateSend.at.IsZero() || b.lateSend.at.Before(f.lateSend.at)) {
		f.lateSend = b.lateSend
	}
	for _, m := range b.allowedBeforeBind {
		f.allowedBeforeBind = addUnique(f.allowedBeforeBind, m, 8)
	}
	for _, d := range b.expiresIns {
		f.expiresIns = addUnique(f.expiresIns, d, 8)
	}
	for _, i := range b.recoveries {
		f.recoveries = addIncident(f.recoveries, i)
	}
	for _, i := range b.refusals {
		f.refusals = addIncident(f.refusals, i)
	}
	for _, i := range b.salts {
		f.salts = addIncident(f.salts, i)
	}
}

// review settles the open incidents of cl that a permanent key made after
// them answers: a refused bind (right when the old key was 60 s old or
// more) and a forgotten temporary key (wrong: the permanent key should have
// been kept). A merge brings in keys made before it, so it reviews too.
func (o *Observer) review(at time.Time, cl *client) {
	for _, k := range cl.perm {
		if k.made {
			o.permMade(at, cl, k)
		}
	}
}

// permMade settles the open incidents of cl that the new permanent key k
// answers.
func (o *Observer) permMade(at time.Time, cl *client, k *key) {
	for _, e := range cl.f.refusals {
		if !e.open() || !k.created.After(e.at) {
			continue
		}
		if e.young() {
			o.settle(at, cl, e, model.ResultFail, "dropped a permanent key only "+round(e.age)+" old and made "+k.id.String()+
				": under 60 s it may not have reached every server yet, so the spec says retry the bind")
		} else {
			o.settle(at, cl, e, model.ResultOK, "dropped both keys (permanent key "+e.ageText()+") and made new ones")
		}
	}
	for _, r := range cl.f.recoveries {
		if r.open() && k.created.After(r.at) {
			o.settle(at, cl, r, model.ResultFail, "made a new permanent key "+k.id.String()+" instead of binding a new temporary key to "+r.perm.String())
		}
	}
}

func (i *incident) ageText() string {
	if !i.ageKnown {
		return "of unknown age"
	}
	return round(i.age) + " old"
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func itoa(n int) string { return strconv.Itoa(n) }

// clock is a time of day as the DC's event lines show it.
func clock(t time.Time) string { return t.Format("15:04:05.000") }

// since is how long after from at was, rounded for reading.
func since(at, from time.Time) string { return round(at.Sub(from)) }

func round(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + round(-d)
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
