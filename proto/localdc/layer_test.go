package localdc

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// rawObj is a call already encoded, to put inside gotd's wrappers.
type rawObj []byte

func (r rawObj) Encode(b *bin.Buffer) error { b.Put(r); return nil }
func (r rawObj) Decode(*bin.Buffer) error   { return fmt.Errorf("rawObj is write-only") }

// tlBody writes a TL object by hand: its id, then each field (int is a
// TL int, int64 a long, string a string, rawObj an object written
// already), as a published line of some layer has it.
func tlBody(t testing.TB, id uint32, fields ...any) rawObj {
	t.Helper()
	var b bin.Buffer
	b.PutID(id)
	for _, f := range fields {
		switch v := f.(type) {
		case int:
			b.PutInt(v)
		case int64:
			b.PutLong(v)
		case string:
			b.PutString(v)
		case rawObj:
			b.Put(v)
		default:
			t.Fatalf("tlBody: field of type %T", f)
		}
	}
	return rawObj(b.Buf)
}

// inLayer wraps a call as a client of layer sends it: invokeWithLayer
// (initConnection (call)), both the same in every layer 133..229.
func inLayer(layer int, call rawObj) bin.Encoder {
	return withLayer(layer, call)
}

// layerCalls are the calls of the login path, written by hand from the
// published line of each layer (tlayer/testdata/ids.txt lists the ids).
type layerCalls struct {
	layer                             int
	sendCode, signIn, signUp, getDiff func(t testing.TB, phone, hash string) rawObj
	appConfig                         func(t testing.TB, hash int) rawObj
	logOutID, getFullUserID           uint32
}

func callsOf(layer int) layerCalls {
	lc := layerCalls{layer: layer, logOutID: 0x3e72ba19, getFullUserID: 0xb60f5918}
	settings := func(t testing.TB) rawObj {
		switch {
		case layer <= 134:
			return tlBody(t, 0xdebebe83, 0)
		case layer <= 151:
			return tlBody(t, 0x8a6469c2, 0)
		}
		return tlBody(t, 0xad253d78, 0)
	}
	lc.sendCode = func(t testing.TB, phone, _ string) rawObj {
		return tlBody(t, 0xa677244f, phone, 17349, "x", settings(t))
	}
	code := testCode
	if layer <= 144 {
		lc.signIn = func(t testing.TB, phone, hash string) rawObj { return tlBody(t, 0xbcd51581, phone, hash, code(phone)) }
	} else {
		lc.signIn = func(t testing.TB, phone, hash string) rawObj {
			return tlBody(t, 0x8d52a951, 1, phone, hash, code(phone))
		}
	}
	if layer <= 172 {
		lc.signUp = func(t testing.TB, phone, hash string) rawObj { return tlBody(t, 0x80eee427, phone, hash, "Ada", "L") }
	} else {
		lc.signUp = func(t testing.TB, phone, hash string) rawObj {
			return tlBody(t, 0xaac7b717, 0, phone, hash, "Ada", "L")
		}
	}
	if layer <= 158 {
		lc.getDiff = func(t testing.TB, _, _ string) rawObj { return tlBody(t, 0x25939651, 0, 1, 5, 0) }
	} else {
		lc.getDiff = func(t testing.TB, _, _ string) rawObj { return tlBody(t, 0x19c2f763, 0, 1, 5, 0) }
	}
	if layer <= 153 {
		lc.appConfig = func(t testing.TB, _ int) rawObj { return tlBody(t, 0x98914110) }
	} else {
		lc.appConfig = func(t testing.TB, hash int) rawObj { return tlBody(t, 0x61e3f854, hash) }
	}
	if layer <= 134 {
		lc.logOutID, lc.getFullUserID = 0x5717da40, 0xca30a5b1
	}
	return lc
}

// head reads the constructor of an answer and checks it is name's in
// layer by the published schemas.
func head(t testing.TB, a answer, name string, layer int) *bin.Buffer {
	t.Helper()
	if a.rpcErr != nil || a.transport != 0 || a.badMsg != 0 {
		t.Fatalf("layer %d: want %s, got %+v", layer, name, a)
	}
	b := &bin.Buffer{Buf: a.result}
	id, err := b.ID()
	if err != nil {
		t.Fatalf("layer %d: %s: %v", layer, name, err)
	}
	checkPublished(t, name, layer, id)
	return b
}

// A client of each layer logs in, signs up, reads itself back and calls
// what clients call at start, each call written as its layer writes it
// and each answer read as its layer reads it, constructor ids checked
// against the published schemas: layer 133 (the oldest served), 144
// (Telethon 1.25), 198 (GramJS 2.26), 227 (mtcute 0.30) and 229.
func TestLoginInEveryLayer(t *testing.T) {
	c := startCluster(t, Config{})
	for i, layer := range []int{133, 144, 198, 227, 229} {
		t.Run(fmt.Sprint("layer ", layer), func(t *testing.T) {
			lc := callsOf(layer)
			p := newPFSClient(t, c, 1, time.Hour)
			p.mustBind(t)
			call := func(body rawObj) answer { return p.call(inLayer(layer, body)) }
			phone := fmt.Sprintf("99966100%02d", i)

			if got := call(tlBody(t, tg.UpdatesGetStateRequestTypeID)).errType(); got != "AUTH_KEY_UNREGISTERED" {
				t.Fatalf("updates.getState before login: %q", got)
			}
			b := head(t, call(lc.sendCode(t, "+"+phone, "")), "auth.sentCode", layer)
			var sent tg.AuthSentCode
			if err := sent.Decode(&bin.Buffer{Buf: append(tlBody(t, tg.AuthSentCodeTypeID), b.Buf...)}); err != nil || sent.PhoneCodeHash == "" {
				t.Fatalf("auth.sentCode: %+v, %v", sent, err)
			}
			head(t, call(lc.signIn(t, phone, sent.PhoneCodeHash)), "auth.authorizationSignUpRequired", layer)
			a := call(lc.signUp(t, phone, sent.PhoneCodeHash))
			if a.rpcErr != nil {
				t.Fatalf("signUp: %v", a.rpcErr)
			}
			u := readAuthorizationIn(t, a.result, layer)
			if !u.Self || u.Phone != phone || u.FirstName != "Ada" || u.LastName != "L" || u.ID == 0 {
				t.Fatalf("signed up as %+v", u)
			}

			vb := &bin.Buffer{Buf: call(tlBody(t, tg.UsersGetUsersRequestTypeID, tlBody(t, 0x1cb5c415, 1, tlBody(t, 0xf7c1b13f)))).result}
			if n, err := vb.VectorHeader(); err != nil || n != 1 {
				t.Fatalf("users.getUsers: %d, %v", n, err)
			}
			if got := readUserIn(t, vb, layer); got.ID != u.ID || vb.Len() != 0 {
				t.Fatalf("users.getUsers: %+v, %d bytes left", got, vb.Len())
			}
			full := call(tlBody(t, lc.getFullUserID, tlBody(t, 0xf7c1b13f)))
			if layer <= 134 {
				head(t, full, "userFull", layer)
			} else {
				fb := head(t, full, "users.userFull", layer)
				id, _ := fb.ID()
				checkPublished(t, "userFull", layer, id)
			}

			st := head(t, call(tlBody(t, tg.UpdatesGetStateRequestTypeID)), "updates.state", layer)
			if pts, _ := st.Int(); pts != 1 {
				t.Fatalf("updates.state pts %d", pts)
			}
			head(t, call(lc.getDiff(t, "", "")), "updates.differenceEmpty", layer)
			head(t, call(tlBody(t, tg.AccountUpdateStatusRequestTypeID, rawObj(encode(t, &tg.BoolFalse{})))), "boolTrue", layer)
			head(t, call(tlBody(t, tg.HelpGetConfigRequestTypeID)), "config", layer)
			head(t, call(tlBody(t, tg.HelpGetNearestDCRequestTypeID)), "nearestDc", layer)
			if layer <= 153 {
				head(t, call(lc.appConfig(t, 0)), "jsonObject", layer)
			} else {
				ab := head(t, call(lc.appConfig(t, 0)), "help.appConfig", layer)
				hash, _ := ab.Int()
				head(t, call(lc.appConfig(t, hash)), "help.appConfigNotModified", layer)
			}
			logOut := "auth.loggedOut"
			if layer <= 134 {
				logOut = "boolTrue"
			}
			head(t, call(tlBody(t, lc.logOutID)), logOut, layer)
		})
	}
}

// A call that cannot be read in its layer gets the error Telegram gives
// and an event naming the id and the layer; a layer below 133 is refused.
func TestUnreadableInLayer(t *testing.T) {
	c := startCluster(t, Config{})
	events := recordEvents(t, c)
	p := newPFSClient(t, c, 1, time.Hour)
	p.mustBind(t)
	for _, tt := range []struct {
		name        string
		body        bin.Encoder
		code        int
		err, detail string
	}{
		{"layer 100", inLayer(100, tlBody(t, tg.HelpGetConfigRequestTypeID)), 400, "CONNECTION_LAYER_INVALID", "layer 100 is not served"},
		{"layer 132", inLayer(132, tlBody(t, tg.HelpGetConfigRequestTypeID)), 400, "CONNECTION_LAYER_INVALID", "layer 132 is not served"},
		{"a method of later layers", inLayer(144, tlBody(t, 0x61e3f854, 0)), 400, "INPUT_METHOD_INVALID_1642330196_0", "help.getAppConfig#61e3f854"},
		{"a constructor of no layer", inLayer(198, tlBody(t, tg.UsersGetUsersRequestTypeID, tlBody(t, 0x1cb5c415, 1, tlBody(t, 0xdeadbeef)))), 400, "INPUT_CONSTRUCTOR_INVALID_DEADBEEF", "#deadbeef"},
		{"a value that ends early", inLayer(144, tlBody(t, 0xbcd51581, "9996610001")), 400, "INPUT_FETCH_ERROR", "layer 144"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := p.call(tt.body)
			if a.rpcErr == nil || a.rpcErr.Code != tt.code || a.rpcErr.Message != tt.err {
				t.Fatalf("got %+v, want %d %s", a, tt.code, tt.err)
			}
			events.waitFor(t, "the refusal's event", func(ev model.ServerEvent) bool {
				return ev.Kind == model.SrvRPCError && strings.Contains(ev.Detail, tt.err) && strings.Contains(ev.Detail, tt.detail)
			})
		})
	}
	// The PFS rule comes first: an unbound temporary key gets 401 for a
	// call it may not make, readable or not.
	u := newTempClient(t, c, 1, time.Hour, p.perm, p.permSalt, nil)
	if got := u.call(inLayer(144, tlBody(t, 0x61e3f854, 0))).errType(); got != "AUTH_KEY_PERM_EMPTY" {
		t.Fatalf("unreadable call on an unbound key: %q", got)
	}
	if got := u.call(inLayer(100, tlBody(t, tg.UsersGetUsersRequestTypeID))).errType(); got != "AUTH_KEY_PERM_EMPTY" {
		t.Fatalf("layer 100 on an unbound key: %q", got)
	}
	if got := u.call(inLayer(100, tlBody(t, tg.HelpGetConfigRequestTypeID))).errType(); got != "CONNECTION_LAYER_INVALID" {
		t.Fatalf("help.getConfig in layer 100 on an unbound key: %q", got)
	}
}

// An answer with a constructor the client's layer lacks is built again
// with one it has, in one place (olderForm); one with no older form is
// the DC's fault: 500 and an event.
func TestAnswerInOlderForm(t *testing.T) {
	fc := newFuzzConn(t)
	events := recordEvents(t, fc.s.c)
	m := inMsg{key: fc.perm, sess: &session{id: 1}}
	for _, tt := range []struct {
		name   string
		layer  int
		method uint32
		res    bin.Encoder
		want   []byte
	}{
		{"sentCodeTypeSmsWord in layer 144", 144, tg.AuthSendCodeRequestTypeID,
			&tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMSWord{}, PhoneCodeHash: "h"},
			encode(t, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMS{Length: 5}, PhoneCodeHash: "h"})},
		{"sentCodeTypeFirebaseSms in layer 144", 144, tg.AuthSendCodeRequestTypeID,
			&tg.AuthSentCode{Type: &tg.AuthSentCodeTypeFirebaseSMS{Length: 6}, PhoneCodeHash: "h"},
			encode(t, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMS{Length: 6}, PhoneCodeHash: "h"})},
		{"codeTypeFragmentSms next in layer 144", 144, tg.AuthSendCodeRequestTypeID,
			&tg.AuthSentCode{Type: &tg.AuthSentCodeTypeApp{Length: 5}, PhoneCodeHash: "h", NextType: &tg.AuthCodeTypeFragmentSMS{}},
			encode(t, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeApp{Length: 5}, PhoneCodeHash: "h"})},
		{"sentCodeTypeSmsWord in layer 229", 229, tg.AuthSendCodeRequestTypeID,
			&tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMSWord{}, PhoneCodeHash: "h"},
			encode(t, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMSWord{}, PhoneCodeHash: "h"})},
		{"help.appConfigNotModified in layer 144", 144, tg.HelpGetAppConfigRequestTypeID, &tg.HelpAppConfigNotModified{},
			encode(t, &mt.RPCError{ErrorCode: 500, ErrorMessage: "INTERNAL"})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fc.s.layer.Store(int32(tt.layer))
			if got := encode(t, fc.s.answerInLayer(m, tt.method, tt.res)); string(got) != string(tt.want) {
				t.Fatalf("got %x, want %x", got, tt.want)
			}
		})
	}
	events.waitFor(t, "the fault's event", func(ev model.ServerEvent) bool {
		return ev.Kind == model.SrvRPCError && strings.Contains(ev.Detail, "no form in layer 144") && strings.Contains(ev.Detail, "help.appConfigNotModified")
	})
}
