package tlayer

import (
	"errors"
	"fmt"
	"strconv"
)

// Reasons inside a *DecodeError or *FieldError.
var (
	ErrTruncated    = errors.New("input ends inside a value")
	ErrMalformed    = errors.New("malformed value")
	ErrTooDeep      = errors.New("objects nest too deeply")
	ErrRange        = errors.New("number out of the target type's range")
	ErrIncompatible = errors.New("the field has another type in the target layer")
	ErrNoZero       = errors.New("the target layer requires the field and it has no zero value")
)

// LayerError is a layer tlayer does not speak: below MinLayer (a
// client's invokeWithLayer, or the layer the DC passed in).
type LayerError struct{ Layer int }

func (e *LayerError) Error() string {
	return fmt.Sprintf("layer %d is not served (layers %d to %d are)", e.Layer, MinLayer, MaxLayer)
}

// UnknownConstructorError is an id that is no constructor (Method: no
// method) of the layer the input is read in. Name and Layers say what the
// id is elsewhere, when tlayer knows it: a method the DC does not serve,
// or a constructor of other layers.
type UnknownConstructorError struct {
	ID     uint32
	Layer  int
	Method bool   // the id stands where a method call belongs
	Name   string // its TL name, "" when no layer MinLayer..MaxLayer has it
	Layers string // the layers in which Name has this id, "133-151,160-229"
	// Unserved: the id is a constructor or method of Layer that tlayer
	// does not serve.
	Unserved bool
}

func (e *UnknownConstructorError) Error() string {
	what := "constructor"
	if e.Method {
		what = "method"
	}
	switch {
	case e.Unserved && e.Method:
		return fmt.Sprintf("layer %d: method %s#%08x is not served", e.Layer, e.Name, e.ID)
	case e.Unserved:
		return fmt.Sprintf("layer %d: %s#%08x where a %s belongs", e.Layer, e.Name, e.ID, what)
	case e.Name != "":
		return fmt.Sprintf("layer %d: no %s #%08x (%s#%08x is of layers %s)", e.Layer, what, e.ID, e.Name, e.ID, e.Layers)
	}
	return fmt.Sprintf("layer %d: unknown %s #%08x", e.Layer, what, e.ID)
}

// NotInLayerError is a constructor or method of the source layer that
// the target layer does not have under its name: a result the DC must
// build another way for that layer, or a request for something MaxLayer
// lacks.
type NotInLayerError struct {
	Name   string
	ID     uint32 // its id in the source layer
	Layer  int    // the target layer
	Method bool
}

func (e *NotInLayerError) Error() string {
	return fmt.Sprintf("layer %d has no %s (#%08x)", e.Layer, e.Name, e.ID)
}

// TypeError is a constructor of another type where the line says Want.
type TypeError struct {
	ID        uint32
	Name      string
	Got, Want string
	Layer     int
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("layer %d: %s#%08x is a %s where a %s belongs", e.Layer, e.Name, e.ID, e.Got, e.Want)
}

// FieldError is a field whose value cannot be written in the target
// layer: ErrRange, ErrIncompatible or ErrNoZero.
type FieldError struct {
	Constructor, Field string
	Layer              int // the target layer
	Err                error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("layer %d: %s.%s: %v", e.Layer, e.Constructor, e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// DecodeError is input that is not a value at all: it ends early, a
// string or vector length is impossible, or it nests too deeply.
type DecodeError struct {
	Offset int
	Err    error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("offset %d: %v", e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// unknown builds the error for an id the source layer lacks, naming it
// if the data knows it from elsewhere.
func (c *coder) unknown(id uint32, method bool) error {
	e := &UnknownConstructorError{ID: id, Layer: MinLayer + c.src, Method: method}
	if info, ok := Lookup(id); ok {
		e.Name, e.Layers = info.Name, info.Layers
		e.Unserved = !info.Served && info.in(c.src)
	}
	return e
}

// RPCError is the error Telegram answers a request with when err is why
// it could not be read: 400 and
//
//   - CONNECTION_LAYER_INVALID for a *LayerError;
//   - INPUT_METHOD_INVALID_<id>_0 for an unknown or unserved method,
//     the id in decimal, as Telegram writes it (its last number is an
//     internal one; 0 here);
//   - INPUT_CONSTRUCTOR_INVALID_<ID> for an unknown constructor, one of
//     another type, or one MaxLayer lacks, the id in eight upper-case hex
//     digits, as Telegram writes it;
//   - INPUT_FETCH_ERROR for input that ends early or a value that cannot
//     be carried into MaxLayer.
//
// ok is false when err holds none of tlayer's errors.
func RPCError(err error) (code int, message string, ok bool) {
	method := func(id uint32) (int, string, bool) {
		return 400, "INPUT_METHOD_INVALID_" + strconv.FormatUint(uint64(id), 10) + "_0", true
	}
	constructor := func(id uint32) (int, string, bool) {
		return 400, fmt.Sprintf("INPUT_CONSTRUCTOR_INVALID_%08X", id), true
	}
	var (
		le *LayerError
		ue *UnknownConstructorError
		ne *NotInLayerError
		te *TypeError
		fe *FieldError
		de *DecodeError
	)
	switch {
	case errors.As(err, &le):
		return 400, "CONNECTION_LAYER_INVALID", true
	case errors.As(err, &ue) && ue.Method:
		return method(ue.ID)
	case ue != nil:
		return constructor(ue.ID)
	case errors.As(err, &ne) && ne.Method:
		return method(ne.ID)
	case ne != nil:
		return constructor(ne.ID)
	case errors.As(err, &te):
		return constructor(te.ID)
	case errors.As(err, &fe), errors.As(err, &de), errors.Is(err, ErrRange):
		return 400, "INPUT_FETCH_ERROR", true
	}
	return 0, "", false
}
