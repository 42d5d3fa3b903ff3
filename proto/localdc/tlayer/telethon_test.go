package tlayer

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// telethonPy runs inside Debian's python3-telethon 1.25 (layer 144), a
// client nobody here wrote. Given {"results": {name: hex}} on stdin it
// reads each result with Telethon's own reader, and it writes every
// request the DC serves with Telethon's own serializer; it prints
// {"layer": N, "results": {name: dict | {"error": text}}, "requests":
// {name: {"hex": ..., "dict": ...}}}.
const telethonPy = `
import datetime, json, sys
from telethon.extensions import BinaryReader
from telethon.tl import functions as f, types as t
from telethon.tl.alltlobjects import LAYER

def plain(v):
    if hasattr(v, "to_dict"):
        return plain(v.to_dict())
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, datetime.datetime):
        return int(v.timestamp())
    return v

inp = json.load(sys.stdin)
results = {}
for name, h in inp["results"].items():
    try:
        r = BinaryReader(bytes.fromhex(h))
        o = r.tgread_object()
        if r.read(-1):
            raise ValueError("bytes left over")
        results[name] = plain(o)
    except Exception as e:
        results[name] = {"error": repr(e)}

srp = t.InputCheckPasswordSRP(srp_id=77, A=b"\x01\x02", M1=b"\x03")
reqs = {
    "auth.sendCode": f.auth.SendCodeRequest("9996621234", 6, "eb06d4ab", t.CodeSettings(current_number=True, allow_app_hash=True)),
    "auth.signIn": f.auth.SignInRequest("9996621234", "hash", "22222"),
    "auth.signUp": f.auth.SignUpRequest("9996621234", "hash", "Test", "User"),
    "auth.logOut": f.auth.LogOutRequest(),
    "auth.exportAuthorization": f.auth.ExportAuthorizationRequest(3),
    "auth.importAuthorization": f.auth.ImportAuthorizationRequest(777000123, b"0123456789abcdef"),
    "auth.importBotAuthorization": f.auth.ImportBotAuthorizationRequest(0, 6, "eb06d4ab", "1:secret"),
    "auth.bindTempAuthKey": f.auth.BindTempAuthKeyRequest(11, 22, 1800000000, b"\x05" * 40),
    "auth.dropTempAuthKeys": f.auth.DropTempAuthKeysRequest([1, 2]),
    "auth.exportLoginToken": f.auth.ExportLoginTokenRequest(6, "eb06d4ab", [5]),
    "auth.importLoginToken": f.auth.ImportLoginTokenRequest(b"\x01\x02"),
    "auth.acceptLoginToken": f.auth.AcceptLoginTokenRequest(b"\x03"),
    "auth.checkPassword": f.auth.CheckPasswordRequest(srp),
    "auth.resetAuthorizations": f.auth.ResetAuthorizationsRequest(),
    "users.getUsers": f.users.GetUsersRequest([t.InputUserSelf()]),
    "users.getFullUser": f.users.GetFullUserRequest(t.InputUserSelf()),
    "updates.getState": f.updates.GetStateRequest(),
    "updates.getDifference": f.updates.GetDifferenceRequest(pts=1, date=datetime.datetime.fromtimestamp(5, datetime.timezone.utc), qts=0),
    "account.updateStatus": f.account.UpdateStatusRequest(offline=False),
    "account.getAuthorizations": f.account.GetAuthorizationsRequest(),
    "account.resetAuthorization": f.account.ResetAuthorizationRequest(12345),
    "account.getPassword": f.account.GetPasswordRequest(),
    "help.getConfig": f.help.GetConfigRequest(),
    "help.getNearestDc": f.help.GetNearestDcRequest(),
    "help.getAppConfig": f.help.GetAppConfigRequest(),
    "help.getCountriesList": f.help.GetCountriesListRequest("en", 0),
    "help.getTermsOfServiceUpdate": f.help.GetTermsOfServiceUpdateRequest(),
    "help.getPromoData": f.help.GetPromoDataRequest(),
    "langpack.getLangPack": f.langpack.GetLangPackRequest("tdesktop", "en"),
    "langpack.getLanguages": f.langpack.GetLanguagesRequest("tdesktop"),
    "langpack.getStrings": f.langpack.GetStringsRequest("tdesktop", "en", ["k"]),
    "invokeWithLayer": f.InvokeWithLayerRequest(LAYER, f.InitConnectionRequest(6, "PC", "Linux", "1.25", "en", "", "en",
        f.InvokeWithoutUpdatesRequest(f.help.GetConfigRequest()))),
}
requests = {k: {"hex": bytes(v).hex(), "dict": plain(v)} for k, v in reqs.items()}
json.dump({"layer": LAYER, "results": results, "requests": requests}, sys.stdout)
`

// telethon runs telethonPy, or skips the test when Debian's Telethon is
// not installed.
func telethon(t *testing.T, results map[string]string) (layer int, got map[string]any, requests map[string]struct {
	Hex  string
	Dict map[string]any
}) {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"results": results})
	cmd := exec.Command("/usr/bin/python3", "-c", telethonPy)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "No module named 'telethon'") || strings.Contains(err.Error(), "no such file") {
			t.Skip("Debian's python3-telethon is not installed (apt-get install python3-telethon)")
		}
		t.Fatalf("telethon: %v\n%s", err, stderr.String())
	}
	var res struct {
		Layer    int
		Results  map[string]any
		Requests map[string]struct {
			Hex  string
			Dict map[string]any
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res.Layer, res.Results, res.Requests
}

// TestTelethonInterop: Telethon 1.25 reads every answer the DC sends, as
// tlayer writes it for layer 144, to the values the DC put in; and every
// request Telethon writes reads, through tlayer, as layer 229 with
// Telethon's values.
func TestTelethonInterop(t *testing.T) {
	answers := dcAnswers()
	sent := map[string]string{}
	originals := map[string]any{}
	s229 := schemaAt(t, MaxLayer)
	for _, a := range answers {
		b := encode(t, a.v)
		out, err := TranscodeResult(144, a.method, b)
		if err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
		sent[a.name] = hex.EncodeToString(out)
		m := s229.byID[a.method]
		if originals[a.name], err = s229.readAll(b, m.result); err != nil {
			t.Fatal(err)
		}
	}
	layer, got, requests := telethon(t, sent)
	if layer != 144 {
		t.Fatalf("Telethon speaks layer %d, the test expects 144", layer)
	}
	for _, a := range answers {
		d := got[a.name]
		if m, ok := d.(map[string]any); ok && m["error"] != nil && len(m) == 1 {
			e := m["error"]
			t.Errorf("%s: Telethon cannot read it: %v", a.name, e)
			continue
		}
		want := originals[a.name]
		if a.name == "help.appConfig" {
			want = want.(*tobj).f["config"] // layer 144 answers the JSONValue itself
		}
		if err := telethonMatches(d, want, a.name); err != nil {
			t.Error(err)
		}
	}
	names := make([]string, 0, len(requests))
	for n := range requests {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r := requests[name]
		body, err := hex.DecodeString(r.Hex)
		if err != nil {
			t.Fatal(err)
		}
		out, err := TranscodeRequest(0, body) // the first call: no layer known yet
		if name != "invokeWithLayer" {
			out, err = TranscodeRequest(144, body)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name != "invokeWithLayer" {
			gotdRoundTrip(t, name, out)
		}
		v, err := s229.readAll(out, "!X")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := telethonMatches(r.Dict, v, name); err != nil {
			t.Error(err)
		}
	}
}

// telethonMatches compares Telethon's to_dict() of a value with the value
// read by layer 229's lines: every field Telethon has, the value has,
// with the same value (Telethon's names are the TL names; true flags are
// True or None/False; a vector is a list).
func telethonMatches(py any, v any, path string) error {
	switch p := py.(type) {
	case map[string]any:
		if b, ok := p["$bytes"]; ok && len(p) == 1 {
			s, _ := v.(string)
			if hex.EncodeToString([]byte(s)) != b {
				return fmt.Errorf("%s: Telethon has %v, tlayer %x", path, b, s)
			}
			return nil
		}
		o, ok := v.(*tobj)
		if !ok {
			return fmt.Errorf("%s: Telethon has an object, tlayer %v", path, describe(v))
		}
		for k, pv := range p {
			if k == "_" {
				continue
			}
			if k == "is_self" { // Telethon's name for self, a Python keyword
				k = "self"
			}
			fv, ok := o.f[k]
			switch {
			case pv == nil || isZero(pv):
				// Telethon writes [] for a vector that is absent, and has
				// the zero of a field layer 229 lacks.
				if ok && fv != false && !isZero(fv) {
					return fmt.Errorf("%s.%s: Telethon has %v, tlayer %v", path, k, pv, describe(fv))
				}
			case !ok:
				return fmt.Errorf("%s.%s: Telethon has %v, tlayer none", path, k, pv)
			default:
				if err := telethonMatches(pv, fv, path+"."+k); err != nil {
					return err
				}
			}
		}
		return nil
	case []any:
		vs, ok := v.([]any)
		if !ok || len(vs) != len(p) {
			return fmt.Errorf("%s: Telethon has %d elements, tlayer %v", path, len(p), describe(v))
		}
		for i := range p {
			if err := telethonMatches(p[i], vs[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case float64: // JSON numbers
		if toFloat(v) != p {
			return fmt.Errorf("%s: Telethon has %v, tlayer %v", path, p, v)
		}
		return nil
	case bool:
		if o, ok := v.(*tobj); ok { // Bool
			if (o.name == "boolTrue") != p {
				return fmt.Errorf("%s: Telethon has %v, tlayer %s", path, p, o.name)
			}
			return nil
		}
		if v != p {
			return fmt.Errorf("%s: Telethon has %v, tlayer %v", path, p, v)
		}
		return nil
	case string:
		if v != p {
			return fmt.Errorf("%s: Telethon has %q, tlayer %v", path, p, v)
		}
		return nil
	}
	return fmt.Errorf("%s: cannot compare Telethon's %T", path, py)
}
