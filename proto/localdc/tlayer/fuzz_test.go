package tlayer

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gotd/td/tg"
)

// fuzzLayer maps any int onto the layers worth trying: 0, every served
// one, and some outside.
func fuzzLayer(l int) int {
	l %= 260
	if l < 0 {
		l = -l
	}
	if l > 0 && l < 120 {
		l += MinLayer
	}
	return l
}

// readsBy reports whether out reads, whole, by layer's lines as typ.
func readsBy(t *testing.T, layer int, typ string, out []byte) {
	t.Helper()
	if layer == 0 || layer > MaxLayer {
		layer = MaxLayer
	}
	if _, err := schemaAt(t, layer).readAll(out, typ); err != nil {
		t.Fatalf("layer %d: output does not read as %s: %v\n%x", layer, typ, err, out)
	}
}

func FuzzTranscodeRequest(f *testing.F) {
	f.Add(144, sendCode144(f))
	f.Add(0, write(f, 144, obj("invokeWithLayer", "layer", int32(144), "query", obj("initConnection",
		"api_id", int32(6), "device_model", "d", "system_version", "s", "app_version", "a",
		"system_lang_code", "en", "lang_pack", "", "lang_code", "en", "query", obj("help.getConfig")))))
	f.Add(133, write(f, 133, obj("auth.signUp", "phone_number", "1", "phone_code_hash", "h", "first_name", "A", "last_name", "")))
	f.Add(229, encode(f, &tg.AuthCheckPasswordRequest{Password: &tg.InputCheckPasswordSRP{SRPID: 1, A: []byte{1}, M1: []byte{2}}}))
	f.Add(158, encode(f, &tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}))
	f.Fuzz(func(t *testing.T, layer int, body []byte) {
		layer = fuzzLayer(layer)
		out, err := TranscodeRequest(layer, body)
		if err != nil {
			if _, _, ok := RPCError(err); !ok {
				t.Fatalf("an error RPCError cannot answer: %v", err)
			}
			return
		}
		if bytes.Equal(out, body) {
			return // a call already in 229's form is passed through unread; gotd reads it
		}
		readsBy(t, MaxLayer, "!X", out)
	})
}

func FuzzTranscodeResult(f *testing.F) {
	f.Add(144, uint32(tg.HelpGetConfigRequestTypeID), encode(f, dcConfig()))
	f.Add(133, uint32(tg.UsersGetFullUserRequestTypeID), encode(f, &tg.UsersUserFull{FullUser: tg.UserFull{ID: 5}, Users: []tg.UserClass{&tg.User{ID: 5}}}))
	f.Add(140, uint32(tg.HelpGetAppConfigRequestTypeID), encode(f, &tg.HelpAppConfig{Config: &tg.JSONObject{Value: []tg.JSONObjectValue{{Key: "k", Value: &tg.JSONBool{Value: true}}}}}))
	f.Add(198, uint32(tg.UsersGetUsersRequestTypeID), encode(f, &tg.UserClassVector{Elems: []tg.UserClass{dcUser()}}))
	f.Add(160, uint32(tg.AuthSendCodeRequestTypeID), encode(f, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeApp{Length: 5}, PhoneCodeHash: "h"}))
	f.Fuzz(func(t *testing.T, layer int, method uint32, body []byte) {
		layer = fuzzLayer(layer)
		out, err := TranscodeResult(layer, method, body)
		if err != nil || layer == 0 || layer >= MaxLayer {
			return // 229 is passed through unread
		}
		m := schemaAt(t, MaxLayer).byID[method]
		readsBy(t, layer, schemaAt(t, layer).byName[m.name].result, out)
	})
}

func FuzzTranscodeObject(f *testing.F) {
	f.Add(144, encode(f, dcUser()))
	f.Add(144, encode(f, &tg.UpdateShort{Update: &tg.UpdateLoginToken{}, Date: 1}))
	f.Add(135, encode(f, &tg.AccountPassword{CurrentAlgo: &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{Salt1: []byte{1}, Salt2: []byte{2}, G: 3, P: []byte{4}}, NewAlgo: &tg.PasswordKdfAlgoUnknown{}, NewSecureAlgo: &tg.SecurePasswordKdfAlgoUnknown{}, SecureRandom: []byte{5}}))
	f.Fuzz(func(t *testing.T, layer int, body []byte) {
		layer = fuzzLayer(layer)
		out, err := TranscodeObject(layer, body)
		if err != nil || layer == 0 || layer >= MaxLayer {
			return
		}
		l := schemaAt(t, MaxLayer).byID[binary.LittleEndian.Uint32(body)]
		readsBy(t, layer, schemaAt(t, layer).byName[l.name].result, out)
	})
}
