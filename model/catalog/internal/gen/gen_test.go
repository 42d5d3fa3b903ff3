package gen

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDoc(t *testing.T) {
	tests := []struct {
		name string
		text string
		want doc
	}{
		{
			name: "method with links and errors",
			text: `Binds a temporary authorization key temp_auth_key_id to the permanent authorization
key perm_auth_key_id.
For more information, see Perfect Forward Secrecy¹.

Links:
 1. https://core.telegram.org/api/pfs

Possible errors:

	400 ENCRYPTED_MESSAGE_INVALID: Encrypted message invalid.
	500 AUTH_RESTART_%d: Internal error (debug info %d), please repeat the method call.
	400 CREDENTIAL_INVALID:

See https://core.telegram.org/method/auth.bindTempAuthKey for reference.
`,
			want: doc{
				Description: "Binds a temporary authorization key temp_auth_key_id to the permanent authorization key perm_auth_key_id. For more information, see Perfect Forward Secrecy¹.",
				Links:       []string{"https://core.telegram.org/api/pfs"},
				Errors: []rpcError{
					{400, "ENCRYPTED_MESSAGE_INVALID", "Encrypted message invalid."},
					{500, "AUTH_RESTART_%d", "Internal error (debug info %d), please repeat the method call."},
					{400, "CREDENTIAL_INVALID", ""},
				},
				Reference: "https://core.telegram.org/method/auth.bindTempAuthKey",
			},
		},
		{
			name: "field with links and helper note",
			text: "DC ID used for the initial auth.initPasskeyLogin¹ request\n\nLinks:\n 1) https://core.telegram.org/method/auth.initPasskeyLogin\n\nUse SetFromDCID and GetFromDCID helpers.\n",
			want: doc{
				Description: "DC ID used for the initial auth.initPasskeyLogin¹ request",
				Links:       []string{"https://core.telegram.org/method/auth.initPasskeyLogin"},
			},
		},
		{
			name: "two paragraphs",
			text: "First line\nwrapped.\n\nSecond.\n",
			want: doc{Description: "First line wrapped.\nSecond."},
		},
		{name: "empty", text: "", want: doc{}},
	}
	for _, tt := range tests {
		got, err := parseDoc(tt.text)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tt.name, got, tt.want)
		}
	}
}

func TestParseDocRejects(t *testing.T) {
	for _, text := range []string{
		"x\n\nLinks:\n see elsewhere\n",
		"x\n\nPossible errors:\n\n\tBAD LINE\n",
		"x\n\nSee https://core.telegram.org/method/x for reference.\nmore text\n",
		"x\n\nPossible errors:\n\n\t99999999999999999999 X: y\n",
	} {
		if d, err := parseDoc(text); err == nil {
			t.Errorf("parseDoc(%q) = %+v, want an error", text, d)
		}
	}
}

func FuzzParseDoc(f *testing.F) {
	f.Add("Desc.\n\nLinks:\n 1. https://a\n\nPossible errors:\n\n\t400 X_Y: z.\n\nSee https://b for reference.\n")
	f.Add("a\nb\n\nc")
	f.Add("Use SetX and GetX helpers.")
	f.Fuzz(func(t *testing.T, text string) {
		d, err := parseDoc(text)
		if err != nil {
			return
		}
		for _, p := range strings.Split(d.Description, "\n") {
			if p != strings.TrimSpace(p) {
				t.Fatalf("paragraph %q not trimmed", p)
			}
		}
		for _, l := range d.Links {
			if l == "" || strings.ContainsAny(l, " \t\n") {
				t.Fatalf("bad link %q", l)
			}
		}
		for _, e := range d.Errors {
			if e.Type == "" {
				t.Fatalf("error without type: %+v", e)
			}
		}
	})
}

func TestParseTable(t *testing.T) {
	text := "# comment\n\nauth.a\tyes\tsource one\r\nauth.b\tno\tsource two\n"
	got, err := parseTable("t", text, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"auth.a", "yes", "source one"}, {"auth.b", "no", "source two"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{
		"auth.a\tyes\n",                   // too few fields
		"auth.a\tyes\tx\ty\n",             // too many
		"auth.a\t\tx\n",                   // empty field
		"auth.a\tyes\tx\nauth.a\tno\ty\n", // repeated
		"auth.a yes x\n",                  // spaces, not tabs
	} {
		if _, err := parseTable("t", bad, 3); err == nil {
			t.Errorf("parseTable(%q) succeeded", bad)
		}
	}
}

func FuzzParseTable(f *testing.F) {
	f.Add("auth.a\tyes\tsrc\n# c\n\nauth.b\tno\tsrc\n", 3)
	f.Add("a\tb\n", 2)
	f.Fuzz(func(t *testing.T, text string, n int) {
		if n < 1 || n > 8 {
			return
		}
		recs, err := parseTable("fuzz", text, n)
		if err != nil {
			return
		}
		seen := make(map[string]bool)
		for _, r := range recs {
			if len(r) != n {
				t.Fatalf("record %q has %d fields, want %d", r, len(r), n)
			}
			for _, f := range r {
				if f == "" || f != strings.TrimSpace(f) {
					t.Fatalf("field %q empty or untrimmed", f)
				}
			}
			if seen[r[0]] {
				t.Fatalf("key %q repeated", r[0])
			}
			seen[r[0]] = true
		}
	})
}

func TestQualify(t *testing.T) {
	for in, want := range map[string]string{
		"int64":                        "int64",
		"[]byte":                       "[]byte",
		"[]int64":                      "[]int64",
		"bin.Fields":                   "bin.Fields",
		"AuthSentCodeClass":            "tg.AuthSentCodeClass",
		"*AuthLoggedOut":               "*tg.AuthLoggedOut",
		"[]InputCheckPasswordSRPClass": "[]tg.InputCheckPasswordSRPClass",
	} {
		if got := qualify(in); got != want {
			t.Errorf("qualify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{
		"except_auth_keys": "exceptAuthKeys",
		"dc_id":            "dcID",
		"token":            "token",
		"google_token":     "googleToken",
	} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPickConstructor(t *testing.T) {
	for _, tc := range []struct {
		name, method string
		ctors        []string
		want         string
	}{
		// Named like the type: the one that carries data.
		{"InputCheckPasswordSRPClass", "AuthCheckPassword", []string{"InputCheckPasswordEmpty", "InputCheckPasswordSRP"}, "InputCheckPasswordSRP"},
		// Its own part of the name is in the method's name.
		{"InputPasskeyResponseClass", "AuthFinishPasskeyLogin", []string{"InputPasskeyResponseRegister", "InputPasskeyResponseLogin"}, "InputPasskeyResponseLogin"},
		// Otherwise the first.
		{"InputPasskeyCredentialClass", "AuthFinishPasskeyLogin", []string{"InputPasskeyCredentialPublicKey", "InputPasskeyCredentialFirebasePNV"}, "InputPasskeyCredentialPublicKey"},
	} {
		if got := pickConstructor(tc.name, tc.ctors, tc.method); got != tc.want {
			t.Errorf("pickConstructor(%s, %v, %s) = %s, want %s", tc.name, tc.ctors, tc.method, got, tc.want)
		}
	}
}
