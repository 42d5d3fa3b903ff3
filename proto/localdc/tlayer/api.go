package tlayer

import (
	"sync"

	"github.com/gotd/td/bin"
)

// coders keeps coders with their span stacks between calls.
var coders = sync.Pool{New: func() any { return &coder{spans: make([]span, 0, 256)} }}

// maxBody bounds the input: spans hold 32-bit offsets, and no MTProto
// message comes near it.
const maxBody = 1 << 30

func tooLong(body []byte) error {
	if len(body) > maxBody {
		return &DecodeError{Offset: maxBody, Err: ErrMalformed}
	}
	return nil
}

// newCoder returns a pooled coder for in, appending to out.
func newCoder(in, out []byte, src, dst int) *coder {
	c := coders.Get().(*coder)
	*c = coder{u: data(), in: in, out: out, src: src, dst: dst, spans: c.spans[:0], walked: c.walked[:0]}
	return c
}

// done returns c to the pool and its output.
func (c *coder) done() []byte {
	out := c.out
	*c = coder{spans: c.spans[:0], walked: c.walked[:0]}
	coders.Put(c)
	return out
}

// index turns a layer into a table index: 0 (no invokeWithLayer yet) and
// anything above MaxLayer mean MaxLayer.
func index(layer int) (int, error) {
	switch {
	case layer == 0 || layer > MaxLayer:
		return newest, nil
	case layer < MinLayer:
		return 0, &LayerError{Layer: layer}
	}
	return layer - MinLayer, nil
}

// Load parses the embedded data now, so the first call need not (it
// takes some tens of milliseconds); the DC may call it when it starts.
func Load() { data() }

// Check reports whether tlayer speaks layer: nil for 0 and for every
// layer from MinLayer up, a *LayerError below.
func Check(layer int) error {
	_, err := index(layer)
	return err
}

// TranscodeRequest rewrites a call the client wrote in layer into
// MaxLayer's encoding, which gotd's tg types decode. body is the call as
// it arrived, wrappers included: invokeWithLayer switches the layer its
// query is read in (so a body that starts with it can be passed with
// layer 0), initConnection, invokeWithoutUpdates and invokeAfterMsg(s)
// are carried over, and the innermost method is rewritten field by field.
// The wrappers keep their values, so the DC reads the client's layer from
// the result as it did from the body.
func TranscodeRequest(layer int, body []byte) ([]byte, error) {
	return AppendRequest(nil, layer, body)
}

// AppendRequest is TranscodeRequest appending to dst.
func AppendRequest(dst []byte, layer int, body []byte) ([]byte, error) {
	if err := tooLong(body); err != nil {
		return dst, err
	}
	idx, err := index(layer)
	c := newCoder(body, dst, idx, newest)
	if err != nil {
		c.src, c.bad = newest, layer
	}
	err = c.call(0)
	out := c.done()
	if err != nil {
		return dst, err
	}
	return out, nil
}

// TranscodeResult rewrites the answer to a method, encoded by gotd in
// MaxLayer, into layer. method is the MaxLayer id of the method answered
// (the innermost one, not a wrapper's). Where the method returns another
// type in layer (users.getFullUser gave UserFull before layer 135,
// auth.logOut Bool, help.getAppConfig JSONValue before 154) the answer is
// carried over as those layers had it. A constructor the layer lacks is a
// *NotInLayerError: the DC must answer with one the layer has.
func TranscodeResult(layer int, method uint32, body []byte) ([]byte, error) {
	return AppendResult(nil, layer, method, body)
}

// AppendResult is TranscodeResult appending to dst.
func AppendResult(dst []byte, layer int, method uint32, body []byte) ([]byte, error) {
	idx, err := index(layer)
	if err != nil {
		return dst, err
	}
	if idx == newest {
		return append(dst, body...), nil
	}
	if err := tooLong(body); err != nil {
		return dst, err
	}
	c := newCoder(body, dst, newest, idx)
	defer c.done()
	m := c.u.lookup(method, newest)
	if m == nil || !m.method {
		return dst, c.unknown(method, true)
	}
	if m.down[idx] == nil {
		return dst, &NotInLayerError{Name: m.name, ID: m.id, Layer: layer, Method: true}
	}
	ml := m.down[idx].dst
	if m.result != ml.result {
		a := adapters[[2]string{m.result.name, ml.result.name}]
		if a == nil {
			return dst, &TypeError{ID: m.id, Name: m.name, Got: m.result.name, Want: ml.result.name, Layer: layer}
		}
		err = a(c, m.result, ml.result)
	} else {
		_, err = c.value(m.result, ml.result, 0, nil)
	}
	if err != nil {
		return dst, err
	}
	return c.out, nil
}

// TranscodeObject rewrites one boxed object encoded in MaxLayer into
// layer: for what the DC sends outside an RPC result, such as updateShort.
func TranscodeObject(layer int, body []byte) ([]byte, error) {
	idx, err := index(layer)
	if err != nil {
		return nil, err
	}
	if idx == newest {
		return append([]byte(nil), body...), nil
	}
	if err := tooLong(body); err != nil {
		return nil, err
	}
	c := newCoder(body, nil, newest, idx)
	_, err = c.object(0, nil, nil)
	out := c.done()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Raw is an encoded value; Encode writes it as it is.
type Raw []byte

// Encode implements bin.Encoder.
func (r Raw) Encode(b *bin.Buffer) error {
	b.Put(r)
	return nil
}

// Result encodes v, the DC's answer to method, in layer: v itself for
// MaxLayer, else the transcoded bytes as Raw. An error means the answer
// has no form in layer (see TranscodeResult); nothing is sent then.
func Result(layer int, method uint32, v bin.Encoder) (bin.Encoder, error) {
	return encodeIn(layer, v, func(b []byte) ([]byte, error) { return AppendResult(nil, layer, method, b) })
}

// Object is Result for an object sent outside an RPC result.
func Object(layer int, v bin.Encoder) (bin.Encoder, error) {
	return encodeIn(layer, v, func(b []byte) ([]byte, error) { return TranscodeObject(layer, b) })
}

func encodeIn(layer int, v bin.Encoder, transcode func([]byte) ([]byte, error)) (bin.Encoder, error) {
	idx, err := index(layer)
	if err != nil || idx == newest {
		return v, err
	}
	var b bin.Buffer
	if err := v.Encode(&b); err != nil {
		return nil, err
	}
	out, err := transcode(b.Buf)
	if err != nil {
		return nil, err
	}
	return Raw(out), nil
}

// Info is what tlayer knows of an id.
type Info struct {
	Name   string
	Method bool
	// Served: tlayer transcodes it (in Layers); otherwise it is a method
	// of those layers the DC does not serve.
	Served bool
	Layers string // "133-151,160-229"
	set    layerSet
}

func (i Info) in(idx int) bool { return i.set.Has(idx) }

// Lookup names any constructor or method id of layers
// MinLayer..MaxLayer: those tlayer transcodes, and every other one.
func Lookup(id uint32) (Info, bool) {
	u := data()
	var info Info
	for _, c := range u.byID[id] {
		info.Name, info.Method, info.Served = c.name, c.method, true
		info.set.Union(&c.layers)
	}
	if !info.Served {
		for _, n := range u.unserved[id] {
			info.Name, info.Method = n.name, n.method
			info.set.Union(&n.layers)
		}
	}
	if info.Name == "" {
		return info, false
	}
	info.Layers = info.set.String()
	return info, true
}
