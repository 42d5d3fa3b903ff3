package tlayer

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

func encode(t testing.TB, v bin.Encoder) []byte {
	t.Helper()
	var b bin.Buffer
	if err := v.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Buf
}

// write encodes a generic value by a layer's lines.
func write(t testing.TB, layer int, o *tobj) []byte {
	t.Helper()
	b, err := schemaAt(t, layer).writeObj(nil, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func obj(name string, kv ...any) *tobj {
	o := &tobj{name: name, f: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.f[kv[i].(string)] = kv[i+1]
	}
	return o
}

func TestCheckLayers(t *testing.T) {
	for _, tc := range []struct {
		layer int
		ok    bool
	}{{0, true}, {1, false}, {132, false}, {133, true}, {144, true}, {229, true}, {230, true}, {-5, false}} {
		err := Check(tc.layer)
		var le *LayerError
		if tc.ok != (err == nil) || err != nil && (!errors.As(err, &le) || le.Layer != tc.layer) {
			t.Errorf("Check(%d) = %v", tc.layer, err)
		}
	}
}

// sendCode144 is auth.sendCode as Telethon 1.25 writes it in layer 144.
func sendCode144(t testing.TB) []byte {
	return write(t, 144, obj("auth.sendCode", "phone_number", "9996621234", "api_id", int32(6), "api_hash", "eb06d4ab",
		"settings", obj("codeSettings", "current_number", true, "logout_tokens", []any{"tok"})))
}

// TestTelethonSendCode: the request of issue 11 that got 400
// INPUT_FETCH_ERROR decodes as gotd's auth.sendCode, settings included.
func TestTelethonSendCode(t *testing.T) {
	out, err := TranscodeRequest(144, sendCode144(t))
	if err != nil {
		t.Fatal(err)
	}
	var r tg.AuthSendCodeRequest
	if err := r.Decode(&bin.Buffer{Buf: out}); err != nil {
		t.Fatal(err)
	}
	if r.PhoneNumber != "9996621234" || r.APIID != 6 || r.APIHash != "eb06d4ab" || !r.Settings.CurrentNumber ||
		len(r.Settings.LogoutTokens) != 1 || string(r.Settings.LogoutTokens[0]) != "tok" || r.Settings.AllowFirebase {
		t.Errorf("decoded %+v", r)
	}
}

// TestRequestErrors: what cannot be read in the announced layer is a
// typed error, answered as Telegram answers it.
func TestRequestErrors(t *testing.T) {
	getConfig := encode(t, &tg.HelpGetConfigRequest{})
	sendMessage := binary.LittleEndian.AppendUint32(nil, 0xd9d75a4) // messages.sendMessage of layer 144
	// auth.sendCode with layer 229's codeSettings, in layer 133 where it
	// was codeSettings#debebe83.
	newSettings := write(t, 133, obj("auth.sendCode", "phone_number", "1", "api_id", int32(1), "api_hash", "h",
		"settings", obj("codeSettings")))
	copy(newSettings[len(newSettings)-8:], binary.LittleEndian.AppendUint32(nil, 0xad253d78))
	// The settings a message, of no type tlayer serves.
	unserved := write(t, 144, obj("auth.sendCode", "phone_number", "1", "api_id", int32(1), "api_hash", "h",
		"settings", obj("codeSettings")))
	copy(unserved[len(unserved)-8:], binary.LittleEndian.AppendUint32(nil, 0x38116ee0)) // message#38116ee0 of layer 144
	// The settings a Bool.
	wrongType := write(t, 144, obj("auth.sendCode", "phone_number", "1", "api_id", int32(1), "api_hash", "h",
		"settings", obj("codeSettings")))
	copy(wrongType[len(wrongType)-8:], binary.LittleEndian.AppendUint32(nil, 0x997275b5))
	wrapped := func(layer int, q []byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, 0xda9b0d0d)
		return append(binary.LittleEndian.AppendUint32(b, uint32(layer)), q...)
	}
	withoutUpdates := append(binary.LittleEndian.AppendUint32(nil, 0xbf9459b7), getConfig...)

	for _, tc := range []struct {
		name  string
		layer int
		body  []byte
		check func(error) bool
		rpc   string
	}{
		{"unserved method", 144, sendMessage, func(err error) bool {
			var e *UnknownConstructorError
			return errors.As(err, &e) && e.Method && e.Unserved && e.Name == "messages.sendMessage" && e.Layer == 144
		}, "INPUT_METHOD_INVALID_228423076_0"},
		{"unknown method", 144, []byte{1, 2, 3, 4}, func(err error) bool {
			var e *UnknownConstructorError
			return errors.As(err, &e) && e.Method && e.Name == "" && e.ID == 0x04030201
		}, "INPUT_METHOD_INVALID_67305985_0"},
		{"constructor of other layers", 133, newSettings, func(err error) bool {
			var e *UnknownConstructorError
			return errors.As(err, &e) && !e.Method && e.Name == "codeSettings" && e.Layers == "152-229" && e.Layer == 133
		}, "INPUT_CONSTRUCTOR_INVALID_AD253D78"},
		{"constructor not served", 144, unserved, func(err error) bool {
			var e *UnknownConstructorError
			return errors.As(err, &e) && !e.Method && e.Unserved && e.Name == "message"
		}, "INPUT_CONSTRUCTOR_INVALID_38116EE0"},
		{"constructor of another type", 144, wrongType, func(err error) bool {
			var e *TypeError
			return errors.As(err, &e) && e.Got == "Bool" && e.Want == "CodeSettings"
		}, "INPUT_CONSTRUCTOR_INVALID_997275B5"},
		{"truncated", 144, sendCode144(t)[:20], func(err error) bool {
			return errors.Is(err, ErrTruncated)
		}, "INPUT_FETCH_ERROR"},
		{"empty", 144, nil, func(err error) bool { return errors.Is(err, ErrTruncated) }, "INPUT_FETCH_ERROR"},
		{"layer below 133", 132, getConfig, func(err error) bool {
			var e *LayerError
			return errors.As(err, &e) && e.Layer == 132
		}, "CONNECTION_LAYER_INVALID"},
		{"invokeWithLayer below 133", 0, wrapped(100, getConfig), func(err error) bool {
			var e *LayerError
			return errors.As(err, &e) && e.Layer == 100
		}, "CONNECTION_LAYER_INVALID"},
		{"no invokeWithLayer on an old layer", 100, withoutUpdates, func(err error) bool {
			var e *LayerError
			return errors.As(err, &e) && e.Layer == 100
		}, "CONNECTION_LAYER_INVALID"},
		{"an unknown method on an old layer", 100, []byte{1, 2, 3, 4}, func(err error) bool {
			var e *LayerError
			return errors.As(err, &e) && e.Layer == 100
		}, "CONNECTION_LAYER_INVALID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TranscodeRequest(tc.layer, tc.body)
			if !tc.check(err) {
				t.Fatalf("got %v", err)
			}
			if code, msg, ok := RPCError(err); !ok || code != 400 || msg != tc.rpc {
				t.Errorf("RPCError = %d %s %v, want 400 %s", code, msg, ok, tc.rpc)
			}
		})
	}
	if _, _, ok := RPCError(errors.New("other")); ok {
		t.Error("RPCError claims an error not its own")
	}
	// An old connection layer is fine once invokeWithLayer names a
	// served one.
	if _, err := TranscodeRequest(100, wrapped(144, sendCode144(t))); err != nil {
		t.Error(err)
	}
}

// TestResultErrors: an answer with no form in the target layer is a
// typed error that names what the DC must change.
func TestResultErrors(t *testing.T) {
	smsWord := encode(t, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMSWord{}, PhoneCodeHash: "h"})
	big := encode(t, &tg.Document{ID: 1, Size: 1 << 40, MimeType: "x"})
	story := encode(t, &tg.User{ID: 1, StoriesMaxID: tg.RecentStory{MaxID: 5}})
	story0 := encode(t, &tg.User{ID: 1})
	for _, tc := range []struct {
		name   string
		layer  int
		method uint32
		body   []byte
		check  func(error) bool
	}{
		{"constructor the layer lacks", 144, tg.AuthSendCodeRequestTypeID, smsWord, func(err error) bool {
			var e *NotInLayerError
			return errors.As(err, &e) && e.Name == "auth.sentCodeTypeSmsWord" && e.Layer == 144
		}},
		{"long to int out of range", 142, 0, big, func(err error) bool {
			var e *FieldError
			return errors.As(err, &e) && e.Constructor == "document" && e.Field == "size" && errors.Is(err, ErrRange)
		}},
		{"field of another type, set", 200, 0, story, func(err error) bool {
			var e *FieldError
			return errors.As(err, &e) && e.Field == "stories_max_id" && errors.Is(err, ErrIncompatible)
		}},
		{"field of another type, unset", 200, 0, story0, func(err error) bool { return err == nil }},
		{"unknown method", 144, 0x01020304, smsWord, func(err error) bool {
			var e *UnknownConstructorError
			return errors.As(err, &e) && e.Method && e.Layer == MaxLayer
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.method == 0 {
				_, err = TranscodeObject(tc.layer, tc.body)
			} else {
				_, err = TranscodeResult(tc.layer, tc.method, tc.body)
			}
			if !tc.check(err) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// TestLookup names ids of any layer.
func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		id     uint32
		name   string
		layers string
		served bool
	}{
		{tg.ConfigTypeID, "config", "154-229", true},
		{0x330b4067, "config", "133-144", true},
		{0xd9d75a4, "messages.sendMessage", "", false},
		{tg.MessagesSendMessageRequestTypeID, "messages.sendMessage", "", false},
		{tg.AuthSendCodeRequestTypeID, "auth.sendCode", "133-229", true},
		{tg.MessageTypeID, "message", "", false},
	} {
		info, ok := Lookup(tc.id)
		method := tc.name != "config" && tc.name != "message"
		if !ok || info.Name != tc.name || info.Served != tc.served || info.Method != method || tc.layers != "" && info.Layers != tc.layers {
			t.Errorf("Lookup(%08x) = %+v %v", tc.id, info, ok)
		}
	}
	if info, ok := Lookup(0xffffffff); ok {
		t.Errorf("Lookup(ffffffff) = %+v", info)
	}
}

// TestResultEncoder: Result hands gotd's value through in 229 and the
// layer's bytes otherwise.
func TestResultEncoder(t *testing.T) {
	cfg := &tg.Config{ThisDC: 2, DCOptions: []tg.DCOption{{ID: 2, IPAddress: "127.0.0.1", Port: 1}}}
	for _, layer := range []int{0, 229, 230} {
		if enc, err := Result(layer, tg.HelpGetConfigRequestTypeID, cfg); err != nil || enc != bin.Encoder(cfg) {
			t.Errorf("layer %d: %v %T", layer, err, enc)
		}
	}
	enc, err := Result(144, tg.HelpGetConfigRequestTypeID, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if b := encode(t, enc); binary.LittleEndian.Uint32(b) != 0x330b4067 {
		t.Errorf("layer 144 config is #%08x", binary.LittleEndian.Uint32(b))
	}
	if _, err := Result(144, tg.AuthSendCodeRequestTypeID, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMSWord{}}); err == nil {
		t.Error("no error for a constructor layer 144 lacks")
	}
	up, err := Object(144, &tg.UpdateShort{Update: &tg.UpdateLoginToken{}, Date: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schemaAt(t, 144).readAll(encode(t, up), "Updates"); err != nil {
		t.Error(err)
	}
	if _, err := Result(100, tg.HelpGetConfigRequestTypeID, cfg); err == nil {
		t.Error("no error for layer 100")
	}
}

// synthetic builds a universe of lines made up for one rule each.
func synthetic(t *testing.T, text string) *universe {
	t.Helper()
	u, err := parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func transcodeIn(u *universe, src, dst int, body []byte) ([]byte, error) {
	c := &coder{u: u, in: body, src: src - MinLayer, dst: dst - MinLayer}
	_, err := c.object(0, nil, nil)
	return c.out, err
}

// TestNumbers: int, long and double carry over with range checks.
func TestNumbers(t *testing.T) {
	u := synthetic(t, `---types---
133-228 num#00000001 i:int l:long d:double = Num;
229 num#00000002 i:long l:int d:int = Num;
`)
	le := binary.LittleEndian
	old := func(i int32, l int64, d float64) []byte {
		b := le.AppendUint32(le.AppendUint32(nil, 1), uint32(i))
		return le.AppendUint64(le.AppendUint64(b, uint64(l)), math.Float64bits(d))
	}
	neu := func(i int64, l, d int32) []byte {
		b := le.AppendUint64(le.AppendUint32(nil, 2), uint64(i))
		return le.AppendUint32(le.AppendUint32(b, uint32(l)), uint32(d))
	}
	for _, tc := range []struct {
		name     string
		from, to int
		in, want []byte
		field    string // "" for no error
	}{
		{"widen, narrow, truncate", 133, 229, old(-7, -9, 2.9), neu(-7, -9, 2), ""},
		{"long out of int", 133, 229, old(1, 1<<40, 0), nil, "l"},
		{"double out of int", 133, 229, old(1, 1, 1e300), nil, "d"},
		{"NaN", 133, 229, old(1, 1, math.NaN()), nil, "d"},
		{"back", 229, 133, neu(-3, -4, -5), old(-3, -4, -5), ""},
		{"long out of int, back", 229, 133, neu(math.MinInt32-1, 0, 0), nil, "i"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := transcodeIn(u, tc.from, tc.to, tc.in)
			var fe *FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatal(err)
			case tc.field == "" && string(out) != string(tc.want):
				t.Errorf("got %x, want %x", out, tc.want)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrRange)):
				t.Errorf("got %v, want ErrRange on %s", err, tc.field)
			}
		})
	}
}

// TestZeroValues: a field the source lacks gets the type's zero, the
// ...Empty or ...Default constructor, and none where there is no such
// constructor.
func TestZeroValues(t *testing.T) {
	u := synthetic(t, `---types---
133 holder#00000001 flags:# a:int s:string v:Vector<long> b:Bool z:Z o:flags.3?int = Holder;
229 holder#00000002 flags:# = Holder;
133 picky#00000003 n:Need = Picky;
229 picky#00000004 = Picky;
133-229 boolFalse#bc799737 = Bool;
133-229 boolTrue#997275b5 = Bool;
133-229 zDefault#00000005 = Z;
133-229 zOther#00000006 = Z;
133-229 needA#00000007 = Need;
133-229 needB#00000008 = Need;
`)
	le := binary.LittleEndian
	out, err := transcodeIn(u, 229, 133, le.AppendUint32(le.AppendUint32(nil, 2), 0))
	if err != nil {
		t.Fatal(err)
	}
	want := le.AppendUint32(le.AppendUint32(nil, 1), 0) // id, flags
	want = le.AppendUint32(want, 0)                     // a
	want = append(want, 0, 0, 0, 0)                     // s
	want = le.AppendUint32(le.AppendUint32(want, vectorID), 0)
	want = le.AppendUint32(want, 0xbc799737) // b
	want = le.AppendUint32(want, 5)          // z
	if string(out) != string(want) {
		t.Errorf("got %x, want %x", out, want)
	}
	_, err = transcodeIn(u, 229, 133, le.AppendUint32(nil, 4))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "n" || !errors.Is(err, ErrNoZero) {
		t.Errorf("got %v, want ErrNoZero on n", err)
	}
}

// TestNesting bounds what the input can make the codec do.
func TestNesting(t *testing.T) {
	le := binary.LittleEndian
	// jsonArray in jsonArray ... as help.appConfig's config, for layer 144
	// (where the answer is the JSONValue itself).
	deep := le.AppendUint32(le.AppendUint32(nil, tg.HelpAppConfigTypeID), 0)
	for range 100 {
		deep = le.AppendUint32(le.AppendUint32(le.AppendUint32(deep, tg.JSONArrayTypeID), vectorID), 1)
	}
	deep = le.AppendUint32(deep, tg.JSONNullTypeID)
	if _, err := TranscodeResult(144, tg.HelpGetAppConfigRequestTypeID, deep); !errors.Is(err, ErrTooDeep) {
		t.Errorf("100 levels: %v", err)
	}
	// A vector that claims more elements than the input could hold.
	huge := le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, tg.UsersGetUsersRequestTypeID), vectorID), 1<<30)
	if _, err := TranscodeRequest(144, huge); !errors.Is(err, ErrTruncated) {
		t.Errorf("huge vector: %v", err)
	}
	// A string length byte of 255.
	bad := append(le.AppendUint32(nil, tg.AuthImportBotAuthorizationRequestTypeID), 0, 0, 0, 0, 1, 0, 0, 0, 255, 0, 0, 0)
	if _, err := TranscodeRequest(144, bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("string 255: %v", err)
	}
}
