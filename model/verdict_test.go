package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func rpc(code int, typ string, arg int) *RPCError {
	msg := typ
	if arg != 0 {
		msg = fmt.Sprintf("%s_%d", typ, arg)
	}
	return &RPCError{Code: code, Message: msg, Type: typ, Argument: arg}
}

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("auth.sendCode on DC 2: %w", err) }
	emi := rpc(400, "ENCRYPTED_MESSAGE_INVALID", 0)
	emiWant := func(v Verdict) Verdict {
		v.Kind, v.Code, v.Type = EncryptedMessageInvalid, 400, "ENCRYPTED_MESSAGE_INVALID"
		return v
	}
	for _, tc := range []struct {
		name string
		err  error
		ks   KeyState
		want Verdict // Advice is checked separately
	}{
		{name: "phone migrate", err: wrap(rpc(303, "PHONE_MIGRATE", 4)), want: Verdict{Kind: Migrate, Code: 303, Type: "PHONE_MIGRATE", DC: 4, Retry: true}},
		{name: "user migrate", err: rpc(303, "USER_MIGRATE", 1), want: Verdict{Kind: Migrate, Code: 303, Type: "USER_MIGRATE", DC: 1, Retry: true}},
		{name: "network migrate", err: rpc(303, "NETWORK_MIGRATE", 5), want: Verdict{Kind: Migrate, Code: 303, Type: "NETWORK_MIGRATE", DC: 5, Retry: true}},
		{name: "file migrate is not a login move", err: rpc(303, "FILE_MIGRATE", 2), want: Verdict{Kind: OtherError, Code: 303, Type: "FILE_MIGRATE"}},
		{name: "migrate without dc", err: rpc(303, "PHONE_MIGRATE", 0), want: Verdict{Kind: OtherError, Code: 303, Type: "PHONE_MIGRATE"}},
		{name: "flood wait", err: wrap(rpc(420, "FLOOD_WAIT", 86400)), want: Verdict{Kind: FloodWait, Code: 420, Type: "FLOOD_WAIT", Wait: 24 * time.Hour, Retry: true}},
		{name: "premium flood wait", err: rpc(420, "FLOOD_PREMIUM_WAIT", 7), want: Verdict{Kind: FloodWait, Code: 420, Type: "FLOOD_PREMIUM_WAIT", Wait: 7 * time.Second, Retry: true}},
		{name: "flood wait capped", err: rpc(420, "FLOOD_WAIT", 1<<40), want: Verdict{Kind: FloodWait, Code: 420, Type: "FLOOD_WAIT", Wait: maxFloodWait, Retry: true}},
		{name: "duplicated", err: rpc(406, "AUTH_KEY_DUPLICATED", 0), want: Verdict{Kind: AuthKeyDuplicated, Code: 406, Type: "AUTH_KEY_DUPLICATED", DropKeys: true, LoggedOut: true}},
		{name: "unregistered", err: rpc(401, "AUTH_KEY_UNREGISTERED", 0), want: Verdict{Kind: AuthKeyUnregistered, Code: 401, Type: "AUTH_KEY_UNREGISTERED"}},
		{name: "revoked", err: rpc(401, "SESSION_REVOKED", 0), want: Verdict{Kind: SessionRevoked, Code: 401, Type: "SESSION_REVOKED", DropKeys: true, LoggedOut: true}},
		{name: "expired", err: rpc(401, "SESSION_EXPIRED", 0), want: Verdict{Kind: SessionRevoked, Code: 401, Type: "SESSION_EXPIRED", DropKeys: true, LoggedOut: true}},
		{name: "perm empty", err: rpc(401, "AUTH_KEY_PERM_EMPTY", 0), want: Verdict{Kind: AuthKeyPermEmpty, Code: 401, Type: "AUTH_KEY_PERM_EMPTY"}},
		{name: "password", err: rpc(401, "SESSION_PASSWORD_NEEDED", 0), want: Verdict{Kind: PasswordRequired, Code: 401, Type: "SESSION_PASSWORD_NEEDED"}},
		{name: "wrong password", err: rpc(400, "PASSWORD_HASH_INVALID", 0), want: Verdict{Kind: OtherError, Code: 400, Type: "PASSWORD_HASH_INVALID"}},
		// ENCRYPTED_MESSAGE_INVALID: the spec's policy turns on the permanent key's age.
		{name: "emi young key", err: emi, ks: KeyState{PermAge: 10 * time.Second, HomeDC: true}, want: emiWant(Verdict{Retry: true})},
		{name: "emi young key, last retry", err: emi, ks: KeyState{PermAge: 10 * time.Second, Retried: YoungBindRetries - 1}, want: emiWant(Verdict{Retry: true})},
		{name: "emi young key, retries spent", err: emi, ks: KeyState{PermAge: 10 * time.Second, Retried: YoungBindRetries}, want: emiWant(Verdict{DropKeys: true})},
		{name: "emi young home key, retries spent", err: emi, ks: KeyState{PermAge: time.Second, HomeDC: true, Retried: YoungBindRetries},
			want: emiWant(Verdict{DropKeys: true, LoggedOut: true})},
		{name: "emi old home key", err: emi, ks: KeyState{PermAge: 61 * time.Second, HomeDC: true}, want: emiWant(Verdict{DropKeys: true, LoggedOut: true})},
		{name: "emi old other key", err: emi, ks: KeyState{PermAge: time.Hour}, want: emiWant(Verdict{DropKeys: true})},
		{name: "emi key of unknown age", err: emi, ks: KeyState{HomeDC: true}, want: emiWant(Verdict{DropKeys: true, LoggedOut: true})},
		{name: "emi at exactly 60 s", err: emi, ks: KeyState{PermAge: PermYoung}, want: emiWant(Verdict{DropKeys: true})},
		// Transport errors.
		{name: "-404", err: wrap(&TransportError{Code: 404}), want: Verdict{Kind: TransportNotFound, Code: 404, DropKeys: true}},
		{name: "-429", err: &TransportError{Code: 429}, want: Verdict{Kind: TransportFlood, Code: 429, Retry: true}},
		{name: "-444", err: wrap(&TransportError{Code: CodeWrongDC}), want: Verdict{Kind: TransportBadDC, Code: 444}},
		{name: "negative code", err: &TransportError{Code: -429}, want: Verdict{Kind: TransportFlood, Code: 429, Retry: true}},
		{name: "other transport", err: &TransportError{Code: 500}, want: Verdict{Kind: OtherError, Code: 500}},
		{name: "plain error", err: errors.New("dial tcp: connection refused\nmore"), want: Verdict{Kind: OtherError}},
		{name: "other rpc", err: rpc(400, "PHONE_CODE_INVALID", 0), want: Verdict{Kind: OtherError, Code: 400, Type: "PHONE_CODE_INVALID"}},
		{name: "unknown rpc", err: rpc(400, "SOMETHING_NEW", 0), want: Verdict{Kind: OtherError, Code: 400, Type: "SOMETHING_NEW"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.err, tc.ks)
			if got.Advice == "" || strings.Contains(got.Advice, "\n") {
				t.Errorf("advice %q: want one line", got.Advice)
			}
			got.Advice = ""
			if got != tc.want {
				t.Errorf("Classify(%v) =\n %+v\nwant\n %+v", tc.err, got, tc.want)
			}
			if got.Destructive() != (tc.want.DropKeys && tc.want.LoggedOut) {
				t.Errorf("Destructive = %v", got.Destructive())
			}
		})
	}
	if v := Classify(nil, KeyState{}); v != (Verdict{}) {
		t.Errorf("Classify(nil) = %+v", v)
	}
}

// TestClassifyAdvice pins the advice lines that others build on: the bind's
// BindFailed events, the audit report and the UI's dialogs quote them.
func TestClassifyAdvice(t *testing.T) {
	emi := rpc(400, "ENCRYPTED_MESSAGE_INVALID", 0)
	for _, tc := range []struct {
		name      string
		err       error
		ks        KeyState
		contains  string
		explained bool
	}{
		{"known rpc names its type", rpc(400, "PHONE_CODE_INVALID", 0), KeyState{}, "PHONE_CODE_INVALID: wrong code", true},
		{"unknown rpc is quoted", rpc(400, "SOMETHING_NEW", 0), KeyState{}, "SOMETHING_NEW", false},
		{"plain error is its text", errors.New("dial tcp: refused"), KeyState{}, "dial tcp: refused", false},
		{"wrong password", rpc(400, "PASSWORD_HASH_INVALID", 0), KeyState{}, "wrong two-step verification password: try again (the hint may help)", true},
		{"young key is retried", emi, KeyState{PermAge: time.Second}, "retrying the bind", true},
		{"young key gives up", emi, KeyState{PermAge: time.Second, Retried: 3}, "still invalid after 3 retries", true},
		{"old key elsewhere", emi, KeyState{PermAge: time.Hour}, "drop both keys", true},
		{"old home key", emi, KeyState{PermAge: time.Hour, HomeDC: true}, "the user will be logged out", true},
		{"already bound", rpc(400, "TEMP_AUTH_KEY_ALREADY_BOUND", 0), KeyState{}, "make a new temp key", true},
		{"expires_at", rpc(400, "EXPIRES_AT_INVALID", 0), KeyState{}, "clock offset", true},
		{"-404", &TransportError{Code: 404}, KeyState{}, "make a new temp key and bind it", true},
		{"control characters", errors.New("a\x1bb\tc"), KeyState{}, "a b c", false},
		{"empty error text", errors.New(""), KeyState{}, "unexplained error", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Classify(tc.err, tc.ks)
			if !strings.Contains(v.Advice, tc.contains) {
				t.Errorf("advice %q does not contain %q", v.Advice, tc.contains)
			}
			if v.Explained() != tc.explained {
				t.Errorf("Explained = %v, want %v", v.Explained(), tc.explained)
			}
		})
	}
}

func TestFloodUntil(t *testing.T) {
	at := time.Unix(1000, 0)
	if until, ok := FloodUntil(fmt.Errorf("x: %w", rpc(420, "FLOOD_WAIT", 30)), at); !ok || !until.Equal(at.Add(30*time.Second)) {
		t.Fatalf("FloodUntil = %v, %v", until, ok)
	}
	if _, ok := FloodUntil(rpc(400, "PHONE_CODE_INVALID", 0), at); ok {
		t.Fatal("FloodUntil of another error")
	}
}

func TestErrorKindString(t *testing.T) {
	seen := map[string]bool{}
	for k := OtherError; k <= TransportBadDC; k++ {
		s := k.String()
		if s == "" || seen[s] || strings.HasPrefix(s, "kind(") {
			t.Errorf("%d: name %q", int(k), s)
		}
		seen[s] = true
	}
	if got := ErrorKind(99).String(); got != "kind(99)" {
		t.Errorf("ErrorKind(99) = %q", got)
	}
}

func TestTransportCode(t *testing.T) {
	for _, tc := range []struct {
		err      error
		code     int32
		ok, k404 bool
	}{
		{&TransportError{Code: 404}, 404, true, true},
		{fmt.Errorf("call: %w", &TransportError{Code: -404}), 404, true, true},
		{&TransportError{Code: 429}, 429, true, false},
		{errors.New("transport error -404"), 0, false, false}, // text is never read
		{rpc(404, "NOT_FOUND", 0), 0, false, false},
		{nil, 0, false, false},
	} {
		code, ok := TransportCode(tc.err)
		if code != tc.code || ok != tc.ok || IsKeyNotFound(tc.err) != tc.k404 {
			t.Errorf("%v: code %d ok %v 404 %v", tc.err, code, ok, IsKeyNotFound(tc.err))
		}
	}
	if got := (&TransportError{Code: -444}).Error(); got != "transport error -444" {
		t.Errorf("Error() = %q", got)
	}
}

func TestRPCErrorText(t *testing.T) {
	// The text gotd's tgerr.Error gives for the same error.
	if got := rpc(420, "FLOOD_WAIT", 30).Error(); got != "rpc error code 420: FLOOD_WAIT (30)" {
		t.Errorf("%q", got)
	}
	if got := rpc(400, "ENCRYPTED_MESSAGE_INVALID", 0).Error(); got != "rpc error code 400: ENCRYPTED_MESSAGE_INVALID" {
		t.Errorf("%q", got)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []struct {
		code int
		typ  string
		arg  int
	}{{303, "PHONE_MIGRATE", 4}, {420, "FLOOD_WAIT", 30}, {406, "AUTH_KEY_DUPLICATED", 0}, {303, "USER_MIGRATE", -1},
		{420, "FLOOD_WAIT", 1 << 62}, {400, "ENCRYPTED_MESSAGE_INVALID", 0}, {-404, "", 0}, {429, "x\ny", 0}} {
		f.Add(s.code, s.typ, s.arg, int64(30), 1)
	}
	f.Fuzz(func(t *testing.T, code int, typ string, arg int, ageSec int64, retried int) {
		ks := KeyState{PermAge: time.Duration(ageSec) * time.Second, HomeDC: ageSec%2 == 0, Retried: retried}
		for _, err := range []error{&RPCError{Code: code, Message: typ, Type: typ, Argument: arg}, &TransportError{Code: int32(code)}} {
			v := Classify(err, ks)
			if v.Advice == "" || strings.Contains(v.Advice, "\n") {
				t.Fatalf("Classify(%v): advice %q", err, v.Advice)
			}
			if v.Kind == Migrate && v.DC <= 0 {
				t.Fatalf("Classify(%v): migrate to DC %d", err, v.DC)
			}
			if v.Kind == FloodWait && v.Wait < 0 {
				t.Fatalf("Classify(%v): wait %v", err, v.Wait)
			}
			if v.LoggedOut && !v.DropKeys {
				t.Fatalf("Classify(%v): logged out without dropping keys", err)
			}
			if v.Retry && v.DropKeys && v.Kind == EncryptedMessageInvalid {
				t.Fatalf("Classify(%v): both retry and drop", err)
			}
		}
	})
}
