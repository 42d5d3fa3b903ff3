package proto

import (
	"maps"
	"slices"
	"time"

	"github.com/gotd/td/crypto"

	"tgpfs/model"
)

// state is everything the driver knows that anyone may read: the target it
// talks to now, the keys, the clock offset, the login. It is published
// whole through an atomic pointer, so readers (the getters, the renewal
// loop, the UI's Update) take it without waiting for an action, however
// long the action blocks on the network.
//
// A published state is never changed. Only the holder of Driver.act
// writes, by copying the current state, changing the copy and publishing
// it (Driver.update); one writer at a time means no write is lost.
type state struct {
	target Target // the DC the driver talks to now; a move changes it

	perm   crypto.AuthKey // zero until made or loaded
	permMd model.PermKey
	// givenPerm says opts.PermKey is still the permanent key to load: true
	// until a move or a reset replaces the key for good.
	givenPerm bool

	offset time.Duration // server time minus local time, from the last handshake
	temps  []heldTemp    // temp keys made, newest last, bounded by keepTemps
	cur    model.KeyID   // the current bound temp key (in temps); 0 = none
	addrs  map[int]string
	// loggedIn: the permanent key in use is authorized (Login, NoteLogin).
	loggedIn bool
}

// heldTemp is a temp key the driver made. Its bytes stay in memory for
// OpenFrame and for probing it after a drop; they are never logged.
type heldTemp struct {
	key  crypto.AuthKey
	salt int64
	info model.TempKey
}

const keepTemps = 16 // earlier temp keys kept for OpenFrame and Drop's proof

// clone copies s deeply enough to change the copy: the slice and the map
// are new, the keys are values.
func (s *state) clone() *state {
	c := *s
	c.temps = slices.Clone(s.temps)
	c.addrs = maps.Clone(s.addrs)
	return &c
}

// temp finds a held temp key by id.
func (s *state) temp(id model.KeyID) (*heldTemp, bool) {
	for i := range s.temps {
		if s.temps[i].info.ID == id {
			return &s.temps[i], true
		}
	}
	return nil, false
}

// current is the current bound temp key.
func (s *state) current() (heldTemp, bool) {
	if s.cur == 0 {
		return heldTemp{}, false
	}
	h, ok := s.temp(s.cur)
	if !ok {
		return heldTemp{}, false
	}
	return *h, true
}

// end records how a held temp key ended.
func (s *state) end(id model.KeyID, how model.TempEnd, at time.Time) {
	if h, ok := s.temp(id); ok {
		h.info.End, h.info.EndedAt = how, at
	}
}

// st is the published state. Callers must not change it.
func (d *Driver) st() *state { return d.state.Load() }

// update publishes a changed copy of the state. The caller holds d.act.
func (d *Driver) update(change func(s *state)) {
	next := d.st().clone()
	change(next)
	d.state.Store(next)
}

// Status is the driver's state at one moment, read without waiting for any
// action in flight: a Connect, a renewal or a move that is still running
// shows as the values from before it.
type Status struct {
	Target   Target        // the DC the driver talks to now
	Perm     model.PermKey // zero before Connect
	Temp     model.TempKey // the current temp key, when HasTemp
	HasTemp  bool
	Offset   time.Duration // server time minus local time
	LoggedIn bool
}

// Status returns the driver's state now. It never blocks.
func (d *Driver) Status() Status {
	s := d.st()
	cur, ok := s.current()
	return Status{Target: s.target, Perm: s.permMd, Temp: cur.info, HasTemp: ok, Offset: s.offset, LoggedIn: s.loggedIn}
}

// PermKey describes the permanent key in use (zero before Connect). It
// never blocks.
func (d *Driver) PermKey() model.PermKey { return d.st().permMd }

// TempKey describes the current temp key; ok is false when there is none.
// It never blocks.
func (d *Driver) TempKey() (model.TempKey, bool) {
	cur, ok := d.st().current()
	return cur.info, ok
}

// ClockOffset is server time minus local time, from the last handshake. It
// never blocks.
func (d *Driver) ClockOffset() time.Duration { return d.st().offset }

// HomeDC is the DC the driver is connected to now. It never blocks.
func (d *Driver) HomeDC() int { return d.st().target.DC }
