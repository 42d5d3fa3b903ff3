package observe

import (
	"time"

	"tgpfs/model"
)

// BindOutcome is how the DC answered an auth.bindTempAuthKey.
type BindOutcome int

const (
	BindBound   BindOutcome = iota // true: the temporary key is bound
	BindRefused                    // an RPC error (Bind.Err)
	BindSalted                     // bad_server_salt, from the salt-on-bind scenario
)

// errEncryptedMessageInvalid is the bind error whose answer the spec rules
// on (bind_retry_policy).
const errEncryptedMessageInvalid = "ENCRYPTED_MESSAGE_INVALID"

// methodBind is the TL name of auth.bindTempAuthKey.
const methodBind = "auth.bindTempAuthKey"

// Bind is one auth.bindTempAuthKey as the DC saw and answered it.
type Bind struct {
	Temp model.KeyID // the key it came under
	Perm model.KeyID // perm_auth_key_id
	// PermCreated is when the DC made or loaded Perm; zero when it does
	// not hold it.
	PermCreated time.Time
	ExpiresAt   time.Time // expires_at
	Wrapped     bool      // inside invokeWithLayer/initConnection
	MsgID       int64     // the carrying message
	Digest      uint64    // of encrypted_message: tells a resend from a rebuilt one
	// Envelope is "" when encrypted_message opens with Perm and matches
	// its carrier, else why not.
	Envelope string
	Outcome  BindOutcome
	Err      string // RPC error type, for BindRefused
	Probe    bool   // the answer came from a scenario, not from the bind's checks
}

// Bind records a bind on cn.
func (o *Observer) Bind(at time.Time, cn Conn, b Bind) {
	cl := o.callClient(at, cn, b.Temp)
	if pk := o.keys[b.Perm]; pk != nil && pk.kind == model.Permanent {
		// The bind belongs to the permanent key's client, before any
		// incident is settled, when the client proves it holds that key
		// (its encrypted_message opens with it) or when the DC lost the
		// key (a restart) and the client came back under a new temporary
		// key, whose age is still known here. Without this a client that
		// answers a refused or salted bind on a new connection with a new
		// temporary key (mtcute does) or binds before it names itself (as
		// tdesktop and tgpfs do) would be a stranger whose incident
		// nobody answers.
		if pk.c != nil && (pk.ended != "" || b.Envelope == "") {
			cl = o.merge(cl, pk.c)
		}
		if pk.ended != "" && b.PermCreated.IsZero() {
			b.PermCreated = pk.created
		}
	}
	cl.counts.Calls++
	if b.Outcome == BindRefused {
		cl.counts.RPCErrors++
	}
	text := "ok"
	switch b.Outcome {
	case BindRefused:
		text = b.Err
	case BindSalted:
		text = "bad_server_salt"
	}
	cl.event(event{at: at, kind: evBind, key: b.Temp, keyKind: model.Temporary, other: b.Perm, text: text, probe: b.Probe})
	f := &cl.f
	f.allowedBeforeBind = addUnique(f.allowedBeforeBind, methodBind, 8)
	// This attempt answers a refused bind of the same permanent key and a
	// salted bind of the same temporary key, or of the same permanent key
	// under a new temporary key (made afresh after the salt).
	for _, e := range f.refusals {
		if !e.open() {
			continue
		}
		if e.perm == b.Perm {
			if e.young() {
				o.settle(at, cl, e, model.ResultOK, "retried the bind (permanent key "+e.ageText()+")")
			} else {
				o.settle(at, cl, e, model.ResultFail, "retried the bind with a permanent key "+e.ageText()+
					": at 60 s or more the spec says drop both keys and make new ones")
			}
		}
	}
	for _, s := range f.salts {
		switch {
		case !s.open():
		case s.key == b.Temp:
			result, detail := resentBind(s, b)
			o.settle(at, cl, s, result, detail)
		case s.perm == b.Perm && b.Envelope == "":
			o.settle(at, cl, s, model.ResultOK, "bound a new temporary key "+b.Temp.String()+" instead, with a bind of its own")
		case s.perm == b.Perm:
			o.settle(at, cl, s, model.ResultFail, "the bind sent for a new temporary key "+b.Temp.String()+" does not open: "+b.Envelope)
		}
	}
	switch b.Outcome {
	case BindBound:
		o.bound(at, cn, cl, b)
	case BindRefused:
		if b.Err == errEncryptedMessageInvalid {
			e := &incident{verdict: model.VerdictBindRetryPolicy, at: at, key: b.Temp, perm: b.Perm}
			if !b.PermCreated.IsZero() {
				e.age, e.ageKnown = at.Sub(b.PermCreated), true
			}
			f.refusals = addIncident(f.refusals, e)
		}
	case BindSalted:
		f.salts = addIncident(f.salts, &incident{verdict: model.VerdictBindAfterBadSalt, at: at, key: b.Temp, perm: b.Perm, msgID: b.MsgID, digest: b.Digest})
	}
}

// resentBind judges the bind sent after a bad_server_salt.
func resentBind(s *incident, b Bind) (model.VerdictResult, string) {
	switch {
	case b.Digest == s.digest && b.MsgID != s.msgID:
		return model.ResultFail, "sent the same encrypted_message again under a new msg_id: its inner msg_id still names the first message"
	case b.Envelope != "":
		return model.ResultFail, "the bind sent again does not open: " + b.Envelope
	case b.MsgID == s.msgID:
		return model.ResultOK, "sent the bind again under the same msg_id with the new salt"
	}
	return model.ResultOK, "sent the bind again under a fresh msg_id with a rebuilt encrypted_message"
}

// bound records a successful bind: the keys' clients become one, and a
// forgotten key of the same permanent key counts as recovered.
func (o *Observer) bound(at time.Time, cn Conn, cl *client, b Bind) {
	pk := o.keys[b.Perm]
	if pk == nil {
		pk = &key{id: b.Perm, dc: cn.DC, kind: model.Permanent, created: b.PermCreated}
		o.addKey(cl, pk)
	} else if pk.c != cl {
		cl = o.merge(cl, pk.c)
	}
	f := &cl.f
	for _, k := range cl.temp {
		if k.id != b.Temp && k.bound && k.ended == "" && k.declaredExpiry().After(at) {
			f.renewals++
			break
		}
	}
	if tk := o.keys[b.Temp]; tk != nil {
		tk.bound, tk.permID, tk.boundAt, tk.wrapped = true, b.Perm, at, b.Wrapped
		if !b.ExpiresAt.IsZero() {
			tk.expiresAt = b.ExpiresAt
		}
	}
	f.binds++
	f.firstBind = earliest(f.firstBind, at)
	for _, r := range f.recoveries {
		if r.open() && r.perm == b.Perm {
			d := "bound new temporary key " + b.Temp.String() + " to the same permanent key " + since(at, r.at) + " after the DC forgot " + r.key.String()
			if !r.seen.IsZero() {
				d += " (" + since(at, r.seen) + " after its -404)"
			}
			o.settle(at, cl, r, model.ResultOK, d)
		}
	}
}

// HostileSent records a hostile key exchange answer the DC sent on cn:
// check is the verdict it probes, key the key id of a dh_gen_ok with a
// wrong new_nonce_hash1.
func (o *Observer) HostileSent(at time.Time, cn Conn, check model.VerdictName, key model.KeyID) {
	c := o.conn(cn)
	h := &incident{verdict: check, at: at, key: key}
	if c.c != nil {
		c.c.hostile = addIncident(c.c.hostile, h)
		c.c.event(event{at: at, kind: evProbe, key: key, text: string(check)})
	} else if len(o.unclaimed) < maxIncidents {
		o.unclaimed = append(o.unclaimed, h)
	}
	if check == model.VerdictChecksNewNonceHash {
		if len(o.hostileKeys) < maxIncidents {
			o.hostileKeys[key] = h
		}
		return
	}
	c.probe = h
}

// HostileAnswered records what cn did next after a hostile answer:
// continued (sent the exchange's next step: fail) or not (restarted it).
func (o *Observer) HostileAnswered(at time.Time, cn Conn, continued bool, how string) {
	c := o.conns[cn.ID]
	if c == nil || c.probe == nil {
		return
	}
	result := model.ResultOK
	if continued {
		result = model.ResultFail
	}
	o.settleProbe(at, c, result, how)
}

func (o *Observer) settleProbe(at time.Time, c *conn, result model.VerdictResult, detail string) {
	h := c.probe
	c.probe = nil
	o.settle(at, c.c, h, result, detail)
}
