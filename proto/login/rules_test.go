package login

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/proto/codec"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"tgpfs/model"
)

// TestModelErrorClassify reads gotd's errors (tgerr, codec, the auth
// sentinels) through the bridge into model.Classify's verdicts.
func TestModelErrorClassify(t *testing.T) {
	classify := func(err error, ks model.KeyState) model.Verdict { return model.Classify(modelError(err), ks) }
	wrap := func(err error) error { return fmt.Errorf("auth.sendCode on DC 2: %w", err) }
	for _, tc := range []struct {
		name string
		err  error
		ks   model.KeyState
		want model.Verdict // Advice is only checked for being set
	}{
		{name: "phone migrate", err: wrap(tgerr.New(303, "PHONE_MIGRATE_4")), want: model.Verdict{Kind: model.Migrate, Code: 303, Type: "PHONE_MIGRATE", DC: 4, Retry: true}},
		{name: "user migrate", err: tgerr.New(303, "USER_MIGRATE_1"), want: model.Verdict{Kind: model.Migrate, Code: 303, Type: "USER_MIGRATE", DC: 1, Retry: true}},
		{name: "network migrate", err: tgerr.New(303, "NETWORK_MIGRATE_5"), want: model.Verdict{Kind: model.Migrate, Code: 303, Type: "NETWORK_MIGRATE", DC: 5, Retry: true}},
		{name: "file migrate is not a login move", err: tgerr.New(303, "FILE_MIGRATE_2"), want: model.Verdict{Kind: model.OtherError, Code: 303, Type: "FILE_MIGRATE"}},
		{name: "migrate without dc", err: tgerr.New(303, "PHONE_MIGRATE_X"), want: model.Verdict{Kind: model.OtherError, Code: 303, Type: "PHONE_MIGRATE_X"}},
		{name: "flood wait", err: wrap(tgerr.New(420, "FLOOD_WAIT_86400")), want: model.Verdict{Kind: model.FloodWait, Code: 420, Type: "FLOOD_WAIT", Wait: 24 * time.Hour, Retry: true}},
		{name: "premium flood wait", err: tgerr.New(420, "FLOOD_PREMIUM_WAIT_7"), want: model.Verdict{Kind: model.FloodWait, Code: 420, Type: "FLOOD_PREMIUM_WAIT", Wait: 7 * time.Second, Retry: true}},
		{name: "duplicated", err: tgerr.New(406, "AUTH_KEY_DUPLICATED"), want: model.Verdict{Kind: model.AuthKeyDuplicated, Code: 406, Type: "AUTH_KEY_DUPLICATED", DropKeys: true, LoggedOut: true}},
		{name: "unregistered", err: tgerr.New(401, "AUTH_KEY_UNREGISTERED"), want: model.Verdict{Kind: model.AuthKeyUnregistered, Code: 401, Type: "AUTH_KEY_UNREGISTERED"}},
		{name: "revoked", err: tgerr.New(401, "SESSION_REVOKED"), want: model.Verdict{Kind: model.SessionRevoked, Code: 401, Type: "SESSION_REVOKED", DropKeys: true, LoggedOut: true}},
		{name: "expired", err: tgerr.New(401, "SESSION_EXPIRED"), want: model.Verdict{Kind: model.SessionRevoked, Code: 401, Type: "SESSION_EXPIRED", DropKeys: true, LoggedOut: true}},
		{name: "perm empty", err: tgerr.New(401, "AUTH_KEY_PERM_EMPTY"), want: model.Verdict{Kind: model.AuthKeyPermEmpty, Code: 401, Type: "AUTH_KEY_PERM_EMPTY"}},
		{name: "password", err: &PasswordNeeded{Hint: "cat"}, want: model.Verdict{Kind: model.PasswordRequired, Code: 401, Type: "SESSION_PASSWORD_NEEDED"}},
		{name: "wrong password", err: fmt.Errorf("auth.checkPassword on DC 2: %w", auth.ErrPasswordInvalid), want: model.Verdict{Kind: model.OtherError, Code: 400, Type: "PASSWORD_HASH_INVALID"}},
		{name: "password rpc", err: tgerr.New(401, "SESSION_PASSWORD_NEEDED"), want: model.Verdict{Kind: model.PasswordRequired, Code: 401, Type: "SESSION_PASSWORD_NEEDED"}},
		// ENCRYPTED_MESSAGE_INVALID: the spec's policy turns on the permanent key's age.
		{name: "emi young key", err: tgerr.New(400, "ENCRYPTED_MESSAGE_INVALID"), ks: model.KeyState{PermAge: 10 * time.Second, HomeDC: true},
			want: model.Verdict{Kind: model.EncryptedMessageInvalid, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID", Retry: true}},
		{name: "emi old home key", err: tgerr.New(400, "ENCRYPTED_MESSAGE_INVALID"), ks: model.KeyState{PermAge: 61 * time.Second, HomeDC: true},
			want: model.Verdict{Kind: model.EncryptedMessageInvalid, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID", DropKeys: true, LoggedOut: true}},
		{name: "emi old other key", err: tgerr.New(400, "ENCRYPTED_MESSAGE_INVALID"), ks: model.KeyState{PermAge: time.Hour},
			want: model.Verdict{Kind: model.EncryptedMessageInvalid, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID", DropKeys: true}},
		{name: "emi key of unknown age", err: tgerr.New(400, "ENCRYPTED_MESSAGE_INVALID"), ks: model.KeyState{HomeDC: true},
			want: model.Verdict{Kind: model.EncryptedMessageInvalid, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID", DropKeys: true, LoggedOut: true}},
		{name: "emi at exactly 60 s", err: tgerr.New(400, "ENCRYPTED_MESSAGE_INVALID"), ks: model.KeyState{PermAge: model.PermYoung},
			want: model.Verdict{Kind: model.EncryptedMessageInvalid, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID", DropKeys: true}},
		// Transport errors, from each layer that reports them.
		{name: "session -404", err: wrap(&model.TransportError{Code: 404}), want: model.Verdict{Kind: model.TransportNotFound, Code: 404, DropKeys: true}},
		{name: "handshake -429", err: &model.TransportError{Code: 429}, want: model.Verdict{Kind: model.TransportFlood, Code: 429, Retry: true}},
		{name: "codec -444", err: wrap(&codec.ProtocolErr{Code: codec.CodeWrongDC}), want: model.Verdict{Kind: model.TransportBadDC, Code: 444}},
		{name: "negative code", err: &model.TransportError{Code: -429}, want: model.Verdict{Kind: model.TransportFlood, Code: 429, Retry: true}},
		{name: "other transport", err: &model.TransportError{Code: 500}, want: model.Verdict{Kind: model.OtherError, Code: 500}},
		{name: "plain error", err: errors.New("dial tcp: connection refused\nmore"), want: model.Verdict{Kind: model.OtherError}},
		{name: "other rpc", err: tgerr.New(400, "PHONE_CODE_INVALID"), want: model.Verdict{Kind: model.OtherError, Code: 400, Type: "PHONE_CODE_INVALID"}},
		{name: "unknown rpc", err: tgerr.New(400, "SOMETHING_NEW"), want: model.Verdict{Kind: model.OtherError, Code: 400, Type: "SOMETHING_NEW"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err, tc.ks)
			if got.Advice == "" || strings.Contains(got.Advice, "\n") {
				t.Errorf("advice %q: want one line", got.Advice)
			}
			got.Advice = ""
			if got != tc.want {
				t.Errorf("classify(%v) =\n %+v\nwant\n %+v", tc.err, got, tc.want)
			}
			if got.Destructive() != (tc.want.DropKeys && tc.want.LoggedOut) {
				t.Errorf("Destructive = %v", got.Destructive())
			}
		})
	}
	if v := classify(tgerr.New(400, "PHONE_CODE_INVALID"), model.KeyState{}); !strings.HasPrefix(v.Advice, "PHONE_CODE_INVALID: wrong code") {
		t.Errorf("advice %q", v.Advice)
	}
	if v := classify(tgerr.New(400, "SOMETHING_NEW"), model.KeyState{}); !strings.Contains(v.Advice, "SOMETHING_NEW") {
		t.Errorf("an unknown error's advice %q does not name it", v.Advice)
	}
	if v := classify(nil, model.KeyState{}); v != (model.Verdict{}) {
		t.Errorf("classify(nil) = %+v", v)
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+99966 2 1234":     "9996621234",
		"9996621234":        "9996621234",
		"+1 (555) 010-9999": "15550109999",
		" 44.20.7946.0000 ": "442079460000",
		"12":                "",
		"1234567890123456":  "",
		"99966x21234":       "",
		"999+6621234":       "",
		"":                  "",
	} {
		got, err := NormalizePhone(in)
		if (err == nil) != (want != "") || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseBotToken(t *testing.T) {
	for in, want := range map[string]int64{
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw": 123456789,
		"1:abcdefghijklmnopqrst-_":                     1,
		"123456789":                                    0,
		"0:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw":         0,
		"-5:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw":        0,
		"+5:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw":        0,
		"bot:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw":       0,
		"5:short":                                      0,
		"5:AAHdqTcvCH1vGWJxfSeofSAs0K5PALD saw":        0,
	} {
		got, err := ParseBotToken(in)
		if (err == nil) != (want != 0) || got != want {
			t.Errorf("ParseBotToken(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// FuzzClassify feeds gotd's parse of any rpc_error through the bridge: the
// verdict is the one model gives the same error in its own form (model's
// FuzzClassify checks the verdicts' invariants).
func FuzzClassify(f *testing.F) {
	for _, s := range []struct {
		code int
		msg  string
	}{{303, "PHONE_MIGRATE_4"}, {420, "FLOOD_WAIT_30"}, {406, "AUTH_KEY_DUPLICATED"}, {303, "USER_MIGRATE_-1"},
		{420, "FLOOD_WAIT_99999999999999999999"}, {400, "ENCRYPTED_MESSAGE_INVALID"}, {-404, ""}, {429, "x"}} {
		f.Add(s.code, s.msg, int64(30))
	}
	f.Fuzz(func(t *testing.T, code int, msg string, ageSec int64) {
		ks := model.KeyState{PermAge: time.Duration(ageSec) * time.Second, HomeDC: ageSec%2 == 0}
		g := tgerr.New(code, msg)
		got := model.Classify(modelError(g), ks)
		want := model.Classify(&model.RPCError{Code: g.Code, Message: g.Message, Type: g.Type, Argument: g.Argument}, ks)
		if got != want {
			t.Fatalf("model.Classify(modelError(%v)) = %+v, model reads %+v", g, got, want)
		}
		if got.Advice == "" || strings.Contains(got.Advice, "\n") {
			t.Fatalf("model.Classify(modelError(%v)): advice %q", g, got.Advice)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+99966 2 1234", "+1 (555) 010-9999", "12", "+", "٣٣٣٣٣٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := NormalizePhone(s)
		if err != nil {
			return
		}
		if len(d) < 5 || len(d) > 15 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q", s, d)
		}
		if again, err := NormalizePhone(d); err != nil || again != d {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, d, again, err)
		}
	})
}

func FuzzParseBotToken(f *testing.F) {
	for _, s := range []string{"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "1:", ":", "9223372036854775808:aaaaaaaaaaaaaaaaaaaaaa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseBotToken(s)
		if err != nil {
			return
		}
		if id <= 0 || !strings.HasPrefix(s, strconv.FormatInt(id, 10)+":") {
			t.Fatalf("ParseBotToken(%q) = %d", s, id)
		}
	})
}

// TestFlowErrorsReadByModel checks the bridge: what gotd's auth client and
// tgerr give is readable by model.Classify once it has passed modelError,
// and gotd can still read it as before.
func TestFlowErrorsReadByModel(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		kind model.ErrorKind
		typ  string
	}{
		{"tgerr", tgerr.New(420, "FLOOD_WAIT_3"), model.FloodWait, "FLOOD_WAIT"},
		{"wrong password", auth.ErrPasswordInvalid, model.OtherError, "PASSWORD_HASH_INVALID"},
		{"password needed", auth.ErrPasswordAuthNeeded, model.PasswordRequired, "SESSION_PASSWORD_NEEDED"},
		{"password needed, with hint", &PasswordNeeded{Hint: "cat"}, model.PasswordRequired, "SESSION_PASSWORD_NEEDED"},
		{"codec", &codec.ProtocolErr{Code: codec.CodeTransportFlood}, model.TransportFlood, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := modelError(fmt.Errorf("auth.signIn on DC 2: %w", tc.err))
			if v := model.Classify(err, model.KeyState{}); v.Kind != tc.kind || v.Type != tc.typ {
				t.Fatalf("model.Classify = %+v, want %v %q", v, tc.kind, tc.typ)
			}
			if !errors.Is(err, tc.err) {
				t.Fatal("the bridge lost the original error")
			}
			if !strings.HasPrefix(err.Error(), "auth.signIn on DC 2: ") {
				t.Fatalf("text %q", err.Error())
			}
		})
	}
	if err := modelError(nil); err != nil {
		t.Fatalf("modelError(nil) = %v", err)
	}
	if err := errors.New("plain"); modelError(err) != err {
		t.Fatal("a plain error was wrapped")
	}
}

func TestLoginURL(t *testing.T) {
	if got := LoginURL([]byte{0xfb, 0xff, 0x01}); got != "tg://login?token=-_8B" {
		t.Fatalf("LoginURL = %q", got)
	}
}

func TestSentCodeType(t *testing.T) {
	for _, tc := range []struct {
		in     tg.AuthSentCodeTypeClass
		via    string
		length int
	}{
		{&tg.AuthSentCodeTypeApp{Length: 5}, "app", 5},
		{&tg.AuthSentCodeTypeSMS{Length: 6}, "sms", 6},
		{&tg.AuthSentCodeTypeFirebaseSMS{Length: 6}, "sms", 6},
		{&tg.AuthSentCodeTypeFlashCall{Pattern: "123*"}, "flash call", 0},
		{&tg.AuthSentCodeTypeSMSWord{}, "sms word", 0},
		{&tg.AuthSentCodeTypeSetUpEmailRequired{}, "auth.sentCodeTypeSetUpEmailRequired", 0},
		{nil, "unknown", 0},
	} {
		if via, n := sentCodeType(tc.in); via != tc.via || n != tc.length {
			t.Errorf("sentCodeType(%T) = %q, %d; want %q, %d", tc.in, via, n, tc.via, tc.length)
		}
	}
	if got := codeTypeName(&tg.AuthCodeTypeMissedCall{}); got != "missed call" {
		t.Errorf("codeTypeName = %q", got)
	}
}
