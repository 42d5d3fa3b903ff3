package handshake

import (
	"reflect"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"

	"tgpfs/model"
)

// TestTranscriptShape pins the order and names of an honest exchange's
// values and verdicts: the Handshake screen and `audit --json` show them
// as they are, so a change here is a change users see.
func TestTranscriptShape(t *testing.T) {
	checks := []string{
		CheckResPQNonce, CheckRSAFingerprint, CheckPQ, CheckDHParamsNonce, CheckDHParamsSrvNonce,
		CheckAnswerBlocks, CheckAnswerSHA1, CheckAnswerPadding, CheckInnerNonce, CheckInnerServerNonce,
		CheckDHPrime, CheckG, CheckGARange, CheckGASafe, CheckGBRange, CheckGBSafe,
		CheckDHGenNonce, CheckDHGenServerNonce, CheckNewNonceHash1,
	}
	for _, tc := range []struct {
		kind   model.KeyKind
		values []string
	}{
		{model.Permanent, []string{"nonce", "server_nonce", "rsa_fingerprint", "pq", "p", "q", "dc",
			"server_time", "time_offset", "dh_prime", "g", "auth_key_id"}},
		{model.Temporary, []string{"nonce", "server_nonce", "rsa_fingerprint", "pq", "p", "q", "expires_in", "dc",
			"server_time", "time_offset", "dh_prime", "g", "auth_key_id", "expires_at"}},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			res, err, serr := runPair(t, Config{Kind: tc.kind, DC: 2, ExpiresIn: time.Hour}, &script{})
			if err != nil || serr != nil {
				t.Fatalf("client: %v; server: %v", err, serr)
			}
			var gotChecks, gotValues []string
			for _, c := range res.Transcript.Checks {
				gotChecks = append(gotChecks, c.Name)
				if c.Detail == "" {
					t.Errorf("check %s has no detail", c.Name)
				}
			}
			for _, v := range res.Transcript.Values {
				gotValues = append(gotValues, v.Name)
			}
			if !reflect.DeepEqual(gotChecks, checks) {
				t.Errorf("checks\n %v\nwant\n %v", gotChecks, checks)
			}
			if !reflect.DeepEqual(gotValues, tc.values) {
				t.Errorf("values\n %v\nwant\n %v", gotValues, tc.values)
			}
		})
	}
}

// TestTranscriptOfRetry pins what a dh_gen_retry round adds: the retry's
// verdicts, its retry_id, and a second round of g_b and dh_gen checks.
func TestTranscriptOfRetry(t *testing.T) {
	s := &script{dhGen: func(nn bin.Int256, aux [8]byte, n, sn bin.Int128, round int) bin.Object {
		if round == 0 {
			return &mt.DhGenRetry{Nonce: n, ServerNonce: sn, NewNonceHash2: NewNonceHash(nn, 2, aux)}
		}
		return &mt.DhGenOk{Nonce: n, ServerNonce: sn, NewNonceHash1: NewNonceHash(nn, 1, aux)}
	}}
	res, err, _ := runPair(t, Config{Kind: model.Permanent, DC: 2}, s)
	if err != nil {
		t.Fatal(err)
	}
	var tail []string
	for _, c := range res.Transcript.Checks[14:] {
		tail = append(tail, c.Name)
	}
	want := []string{CheckGBRange, CheckGBSafe, CheckDHGenNonce, CheckDHGenServerNonce, CheckNewNonceHash2,
		CheckGBRange, CheckGBSafe, CheckDHGenNonce, CheckDHGenServerNonce, CheckNewNonceHash1}
	if !reflect.DeepEqual(tail, want) {
		t.Errorf("checks after g_a\n %v\nwant\n %v", tail, want)
	}
	n := 0
	for _, v := range res.Transcript.Values {
		if v.Name == "retry_id" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d retry_id values, want 1", n)
	}
}
