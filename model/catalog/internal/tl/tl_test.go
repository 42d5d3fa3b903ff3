package tl

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line string
		want Combinator
	}{
		{
			line: "auth.bindTempAuthKey#cdd42a05 perm_auth_key_id:long nonce:long expires_at:int encrypted_message:bytes = Bool;",
			want: Combinator{Name: "auth.bindTempAuthKey", ID: 0xcdd42a05, Result: "Bool", Params: []Param{
				{Name: "perm_auth_key_id", Type: "long"},
				{Name: "nonce", Type: "long"},
				{Name: "expires_at", Type: "int"},
				{Name: "encrypted_message", Type: "bytes"},
			}},
		},
		{
			line: "auth.logOut#3e72ba19 = auth.LoggedOut;",
			want: Combinator{Name: "auth.logOut", ID: 0x3e72ba19, Result: "auth.LoggedOut"},
		},
		{
			line: "auth.dropTempAuthKeys#8e48a188 except_auth_keys:Vector<long> = Bool",
			want: Combinator{Name: "auth.dropTempAuthKeys", ID: 0x8e48a188, Result: "Bool", Params: []Param{
				{Name: "except_auth_keys", Type: "Vector<long>"},
			}},
		},
		{
			line: "auth.signIn#8d52a951 flags:# phone_number:string phone_code_hash:string phone_code:flags.0?string email_verification:flags.1?EmailVerification = auth.Authorization;",
			want: Combinator{Name: "auth.signIn", ID: 0x8d52a951, Result: "auth.Authorization", Params: []Param{
				{Name: "flags", Type: "#"},
				{Name: "phone_number", Type: "string"},
				{Name: "phone_code_hash", Type: "string"},
				{Name: "phone_code", Type: "string", FlagField: "flags", FlagBit: 0},
				{Name: "email_verification", Type: "EmailVerification", FlagField: "flags", FlagBit: 1},
			}},
		},
		{
			// A flags field declared as a plain int is just an int.
			line: "auth.importBotAuthorization#67a3ff2c flags:int api_id:int api_hash:string bot_auth_token:string = auth.Authorization;",
			want: Combinator{Name: "auth.importBotAuthorization", ID: 0x67a3ff2c, Result: "auth.Authorization", Params: []Param{
				{Name: "flags", Type: "int"},
				{Name: "api_id", Type: "int"},
				{Name: "api_hash", Type: "string"},
				{Name: "bot_auth_token", Type: "string"},
			}},
		},
		{
			line: "auth.checkRecoveryPassword#d36bf79 code:string = Bool;",
			want: Combinator{Name: "auth.checkRecoveryPassword", ID: 0xd36bf79, Result: "Bool", Params: []Param{
				{Name: "code", Type: "string"},
			}},
		},
	}
	for _, tt := range tests {
		got, err := Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
		}
		again, err := Parse(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("round trip of %q via %q: %+v, %v", tt.line, got.String(), again, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, line := range []string{
		"",
		";",
		"auth.logOut = auth.LoggedOut;",          // no id
		"auth.logOut#3e72ba19;",                  // no result
		"auth.logOut#xyz = auth.LoggedOut;",      // id not hex
		"auth.logOut#3E72BA19 = auth.LoggedOut;", // id not canonical
		"auth.logOut#03e72ba19 = auth.LoggedOut;",            // id not canonical
		"auth.logOut#123456789 = auth.LoggedOut;",            // id wider than 32 bits
		"auth.logOut#3e72ba19 = auth LoggedOut;",             // two result words
		"auth.signIn#1 code:flags.0?string = Bool;",          // flags field never declared
		"auth.signIn#1 code:string x:code.0?string = Bool;",  // condition on a non-# field
		"auth.signIn#1 flags:# code:flags.32?string = Bool;", // bit out of range
		"auth.signIn#1 flags:# code:flags.01?string = Bool;", // bit not canonical
		"auth.signIn#1 flags:# code:flags.0?# = Bool;",       // conditional flags field
		"auth.signIn#1 code:string code:string = Bool;",      // repeated parameter
		"auth.signIn#1 code = Bool;",                         // parameter without type
		"auth.signIn#1 1code:string = Bool;",                 // bad identifier
		"auth.signIn#1 code:Vector<long = Bool;",             // unclosed generic
		"a.b.c#1 = Bool;",                                    // two namespaces
	} {
		if c, err := Parse(line); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", line, c)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("auth.bindTempAuthKey#cdd42a05 perm_auth_key_id:long nonce:long expires_at:int encrypted_message:bytes = Bool;")
	f.Add("auth.signIn#8d52a951 flags:# phone_number:string phone_code_hash:string phone_code:flags.0?string email_verification:flags.1?EmailVerification = auth.Authorization;")
	f.Add("auth.dropTempAuthKeys#8e48a188 except_auth_keys:Vector<long> = Bool")
	f.Add("x#0 = Vector<Vector<y.Z>>")
	f.Add("a#1 f:# g:f.31?true = B;")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := Parse(line)
		if err != nil {
			return
		}
		// Whatever parses must print back to a line that parses to the
		// same combinator.
		again, err := Parse(c.String())
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q does not parse: %v", line, c.String(), err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip changed %q:\n%+v\n%+v", line, c, again)
		}
	})
}
