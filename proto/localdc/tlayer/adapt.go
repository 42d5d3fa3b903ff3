package tlayer

import (
	"encoding/binary"
	"errors"
)

// ErrNoSelf: a users.userFull to be written as the UserFull of layers
// 133 and 134, which carries the user itself, lists no user with the
// full user's id.
var ErrNoSelf = errors.New("users holds no user with the full user's id")

// adapters carry an answer across a change of its method's result type,
// keyed by the MaxLayer type and the target layer's.
var adapters = map[[2]string]func(c *coder, from, to *typ) error{
	{"help.AppConfig", "JSONValue"}: appConfigJSON,
	{"auth.LoggedOut", "Bool"}:      loggedOutBool,
	{"users.UserFull", "UserFull"}:  userFullSelf,
}

// appConfigJSON: help.getAppConfig returned the JSONValue itself before
// layer 154; it is help.appConfig's config.
func appConfigJSON(c *coder, from, to *typ) error {
	sc, base, _, err := c.fields(0, from)
	defer c.pop(base)
	if err != nil {
		return err
	}
	f, s, ok := c.fieldOf(sc, base, "config")
	if !ok {
		return c.notInLayer(sc)
	}
	_, err = c.value(f.t, to, int(s.lo), nil)
	return err
}

// loggedOutBool: auth.logOut returned Bool before layer 135: boolTrue.
func loggedOutBool(c *coder, from, to *typ) error {
	if _, err := c.skip(0, from); err != nil {
		return err
	}
	c.out = binary.LittleEndian.AppendUint32(c.out, c.u.line("boolTrue", false, c.dst).id)
	return nil
}

// userFullSelf: users.getFullUser returned UserFull before layer 135,
// with the user in it (user:User) where later layers have its id and
// list the user in users.userFull's users.
func userFullSelf(c *coder, from, to *typ) error {
	sc, base, _, err := c.fields(0, from)
	defer c.pop(base)
	if err != nil {
		return err
	}
	ff, fs, ok1 := c.fieldOf(sc, base, "full_user")
	uf, us, ok2 := c.fieldOf(sc, base, "users")
	if !ok1 || !ok2 || uf.t.kind != kVector {
		return c.notInLayer(sc)
	}
	self, _, err := c.longField(int(fs.lo), ff.t, "id")
	if err != nil {
		return err
	}
	n, q, err := c.vector(int(us.lo), uf.t)
	if err != nil {
		return err
	}
	for range n {
		id, ok, err := c.longField(q, uf.t.elem, "id")
		if err != nil {
			return err
		}
		if ok && id == self {
			_, err := c.object(int(fs.lo), to, &extra{name: "user", t: uf.t.elem, lo: q})
			return err
		}
		if q, err = c.skip(q, uf.t.elem); err != nil {
			return err
		}
	}
	return &FieldError{Constructor: "userFull", Field: "user", Layer: MinLayer + c.dst, Err: ErrNoSelf}
}

// pop drops the spans pushed from base on.
func (c *coder) pop(base int) { c.spans = c.spans[:base] }

// fieldOf returns the field called name of line sc, whose spans start at
// base, when it is present.
func (c *coder) fieldOf(sc *ctor, base int, name string) (*field, span, bool) {
	for i := range sc.fields {
		if f := &sc.fields[i]; f.name == name && f.kind != kTrue && c.present(sc, base, i) {
			return f, c.spans[base+i], true
		}
	}
	return nil, span{}, false
}

// longField reads the long field called name of the object of type t at
// p; ok is false when the object has none.
func (c *coder) longField(p int, t *typ, name string) (v int64, ok bool, err error) {
	sc, base, _, err := c.fields(p, t)
	defer c.pop(base)
	if err != nil {
		return 0, false, err
	}
	f, s, ok := c.fieldOf(sc, base, name)
	if !ok || f.t.kind != kLong {
		return 0, false, nil
	}
	return int64(binary.LittleEndian.Uint64(c.in[s.lo:])), true, nil
}
