package localdc

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/dh"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ToLower(s))
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

// The official handshake sample, https://core.telegram.org/mtproto/samples-auth_key
// (pfs-protocol.md §8.1).
const (
	sampleNonce       = "406709F612FADFBEC3F0289D0AA67EEF"
	sampleServerNonce = "E11DBC3BC97D91A26154F932AF019943"
	sampleNewNonce    = "A8BBC849512DAC6C67B6EFD9157D6CA7377A1776307D84265C6BE9BDCF802AC1"
	samplePQInnerDC   = "955FF5A908256595EDB7766797000000045A300D4B000000046A26DB65000000406709F612FADFBEC3F0289D0AA67EEFE11DBC3BC97D91A26154F932AF019943A8BBC849512DAC6C67B6EFD9157D6CA7377A1776307D84265C6BE9BDCF802AC102000000"
	sampleTmpAESKey   = "5EA702F743E850F5546E857F08B7D5337BBAEDF9B61248751594851BE2E8C297"
	sampleTmpAESIV    = "1CEF8E372A63D97EBFA805C0DBB018BC7C1E0931693FBCB1A1AFC0C0A8BBC849"
	sampleDHPrime     = "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C3720FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F642477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B"
	sampleAuthKey     = "ACA2547BAA3B4B3E6AD9129ADEE796042FC4ACAAABA40DCE7A1196640595829E2BA85C5E68E5D2B7B713B28720CCD0E65DA3B80CD8A9282BDE895755B924F4CBBCED119DEE057D3066D7095C25771A53D9AD6EC3464EE0E7FE1A4D9851F17B6CC7D6E636E0BDEA7D66153CF37005835A528E65673C1F5ADAA27465964BA89AA6FD045108B25B1DC9AB2D979864858C9EACBFA4A399CDBF2154D2CC6743C5CAA40683343D80A36C7F1289DC5AC5EE585DEA1E1CD296444EA6CD8F6C3564B2D355B310A3C02608EEA5EC36D38E941BF811489AB7A24C069E44FF54714CB4A45EEE2F310FDDC0A1B08BD3DFF8801E27C8508EFD7AD51EF3C13EF1D9A02EE4601741"
	sampleNonceHash1  = "1142871352165E59E1124036B48B97D3"
	sampleKeyIDWire   = "65588B3350EF784E"
	sampleSaltWire    = "49A6747298503DCE"
)

func sampleKey(t testing.TB) crypto.AuthKey {
	var k crypto.Key
	copy(k[:], unhex(t, sampleAuthKey))
	return k.WithID()
}

// sampleExchange is a server exchange standing where the sample's server
// stood after sending resPQ.
func sampleExchange(t testing.TB, dc int) *serverExchange {
	x := &serverExchange{dc: dc, key: TestPrivateKey(), fp: crypto.RSAFingerprint(&TestPrivateKey().PublicKey), now: time.Now,
		step: awaitReqDH, pq: 2694724800268887959}
	copy(x.nonce[:], unhex(t, sampleNonce))
	copy(x.serverNonce[:], unhex(t, sampleServerNonce))
	return x
}

// sampleReqDH wraps the sample's p_q_inner_data_dc in RSA_PAD for the
// local DC's key, as a client would.
func sampleReqDH(t testing.TB, x *serverExchange, inner []byte) *mt.ReqDHParamsRequest {
	enc, err := crypto.RSAPad(inner, &TestPrivateKey().PublicKey, rand.Reader)
	if err != nil {
		t.Fatalf("RSA_PAD: %v", err)
	}
	return &mt.ReqDHParamsRequest{Nonce: x.nonce, ServerNonce: x.serverNonce,
		P: big.NewInt(1513098571).Bytes(), Q: big.NewInt(1780931429).Bytes(),
		PublicKeyFingerprint: x.fp, EncryptedData: enc}
}

func TestOfficialHandshakeSample(t *testing.T) {
	if got := strings.ToUpper(hex.EncodeToString(dhPrime.Bytes())); got != sampleDHPrime {
		t.Fatalf("dh_prime differs from the sample's")
	}
	if err := crypto.CheckDH(dhG, dhPrime); err != nil {
		t.Fatalf("dh_prime with g=3: %v", err)
	}

	// The server reads the sample's p_q_inner_data_dc for dc 2 and derives
	// the sample's tmp_aes_key and tmp_aes_iv.
	x := sampleExchange(t, 2)
	ans, err := x.serverDHParams(sampleReqDH(t, x, unhex(t, samplePQInnerDC)))
	if err != nil {
		t.Fatalf("server_DH_params: %v", err)
	}
	if x.kind != model.Permanent || x.expiresIn != 0 {
		t.Fatalf("kind %v expires_in %v, want a permanent key", x.kind, x.expiresIn)
	}
	if !bytes.Equal(x.aesKey, unhex(t, sampleTmpAESKey)) || !bytes.Equal(x.aesIV, unhex(t, sampleTmpAESIV)) {
		t.Fatalf("tmp_aes_key/iv differ from the sample")
	}
	// The answer decrypts with the sample's keys to server_DH_inner_data
	// with the sample's prime and g = 3.
	ok := ans.(*mt.ServerDHParamsOk)
	plain, err := crypto.DecryptExchangeAnswer(ok.EncryptedAnswer, unhex(t, sampleTmpAESKey), unhex(t, sampleTmpAESIV))
	if err != nil || plain == nil {
		t.Fatalf("decrypt answer: %v", err)
	}
	var inner mt.ServerDHInnerData
	if err := inner.Decode(&bin.Buffer{Buf: plain}); err != nil {
		t.Fatalf("decode server_DH_inner_data: %v", err)
	}
	if inner.G != 3 || !bytes.Equal(inner.DhPrime, unhex(t, sampleDHPrime)) || dh.CheckSafeRange(new(big.Int).SetBytes(inner.GA), dhPrime) != nil {
		t.Fatalf("server_DH_inner_data: g %d", inner.G)
	}

	// The values derived from the sample's auth_key.
	key := sampleKey(t)
	var newNonce bin.Int256
	copy(newNonce[:], unhex(t, sampleNewNonce))
	var sn bin.Int128
	copy(sn[:], unhex(t, sampleServerNonce))
	if h := crypto.NonceHash1(newNonce, key.Value); !bytes.Equal(h[:], unhex(t, sampleNonceHash1)) {
		t.Fatalf("new_nonce_hash1 %x", h)
	}
	if !bytes.Equal(key.ID[:], unhex(t, sampleKeyIDWire)) || model.KeyID(key.IntID()) != 5654532459904850021 {
		t.Fatalf("auth_key_id %x", key.ID)
	}
	var salt [8]byte
	binary.LittleEndian.PutUint64(salt[:], uint64(crypto.ServerSalt(newNonce, sn)))
	if !bytes.Equal(salt[:], unhex(t, sampleSaltWire)) {
		t.Fatalf("server_salt %x", salt)
	}
}

func TestSampleForWrongDCGets444(t *testing.T) {
	x := sampleExchange(t, 1) // the sample names dc 2
	_, err := x.serverDHParams(sampleReqDH(t, x, unhex(t, samplePQInnerDC)))
	var xe *exchangeError
	if !errors.As(err, &xe) || xe.code != 444 {
		t.Fatalf("err %v, want -444", err)
	}
}

func TestSampleWithCorruptedFieldGets404(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(r *mt.ReqDHParamsRequest)
	}{
		{"nonce", func(r *mt.ReqDHParamsRequest) { r.Nonce[0] ^= 1 }},
		{"server_nonce", func(r *mt.ReqDHParamsRequest) { r.ServerNonce[0] ^= 1 }},
		{"p", func(r *mt.ReqDHParamsRequest) { r.P = big.NewInt(1513098573).Bytes() }},
		{"fingerprint", func(r *mt.ReqDHParamsRequest) { r.PublicKeyFingerprint++ }},
		{"encrypted_data", func(r *mt.ReqDHParamsRequest) { r.EncryptedData[100] ^= 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := sampleExchange(t, 2)
			r := sampleReqDH(t, x, unhex(t, samplePQInnerDC))
			tc.edit(r)
			_, err := x.serverDHParams(r)
			var xe *exchangeError
			if !errors.As(err, &xe) || xe.code != 404 {
				t.Fatalf("err %v, want -404", err)
			}
		})
	}
}

// The bind vector of pfs-protocol.md §8.4 (not official; built from the
// spec with the §8.1 auth_key as the permanent key).
const (
	vecEncryptedMessage = "65588b3350ef784e5b43a7cd09e5e0311f5d0d17554c1f8aa98950ad04a7647e64d22aedcb1117c5db9a27ca9adcb16570aed68999482969d5dddc0dfe8aeb867fb426a220b66068fb320ec3c58e817a8b136a78c821837a98b3cbb7d4b3b59c6ab2bb9d71714e7c"
	vecBindBody         = "052ad4cd65588b3350ef784e8877665544332211804255656865588b3350ef784e5b43a7cd09e5e0311f5d0d17554c1f8aa98950ad04a7647e64d22aedcb1117c5db9a27ca9adcb16570aed68999482969d5dddc0dfe8aeb867fb426a220b66068fb320ec3c58e817a8b136a78c821837a98b3cbb7d4b3b59c6ab2bb9d71714e7c000000"
)

func vecCarrier() bindCarrier {
	return bindCarrier{MsgID: 0x6555C0DE00000004, SessionID: 0x0807060504030201, TempKeyID: 0x0123456789ABCDEF,
		PermKeyID: 5654532459904850021, Nonce: 0x1122334455667788, ExpiresAt: 1700086400}
}

func TestBindVector(t *testing.T) {
	var req tg.AuthBindTempAuthKeyRequest
	if err := req.Decode(&bin.Buffer{Buf: unhex(t, vecBindBody)}); err != nil {
		t.Fatalf("decode auth.bindTempAuthKey: %v", err)
	}
	if !bytes.Equal(req.EncryptedMessage, unhex(t, vecEncryptedMessage)) {
		t.Fatalf("encrypted_message differs inside the request body")
	}
	env, err := openBindMessage(sampleKey(t), req.EncryptedMessage)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	want := crypto.BindAuthKeyInner{Nonce: 0x1122334455667788, TempAuthKeyID: 0x0123456789ABCDEF,
		PermAuthKeyID: 5654532459904850021, TempSessionID: 0x0807060504030201, ExpiresAt: 1700086400}
	if env.Inner != want || env.MsgID != 0x6555C0DE00000004 || env.SeqNo != 0 {
		t.Fatalf("opened %+v", env)
	}
	c := vecCarrier()
	c.PermKeyID, c.Nonce, c.ExpiresAt = model.KeyID(req.PermAuthKeyID), req.Nonce, req.ExpiresAt
	if err := checkBindEnvelope(env, c); err != nil {
		t.Fatalf("check: %v", err)
	}
}

func TestBindVectorOneFieldWrong(t *testing.T) {
	env, err := openBindMessage(sampleKey(t), unhex(t, vecEncryptedMessage))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(c *bindCarrier)
	}{
		{"msg_id", func(c *bindCarrier) { c.MsgID += 4 }},
		{"session", func(c *bindCarrier) { c.SessionID++ }},
		{"temp key", func(c *bindCarrier) { c.TempKeyID++ }},
		{"perm key", func(c *bindCarrier) { c.PermKeyID++ }},
		{"nonce", func(c *bindCarrier) { c.Nonce++ }},
		{"expires_at", func(c *bindCarrier) { c.ExpiresAt++ }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := vecCarrier()
			tc.edit(&c)
			if err := checkBindEnvelope(env, c); err == nil {
				t.Fatal("a carrier differing in one field was accepted")
			}
		})
	}
	// Every single-bit change of the ciphertext or msg_key is refused.
	enc := unhex(t, vecEncryptedMessage)
	for i := 8; i < len(enc); i++ {
		bad := bytes.Clone(enc)
		bad[i] ^= 0x01
		if _, err := openBindMessage(sampleKey(t), bad); err == nil {
			t.Fatalf("flipping byte %d still opened", i)
		}
	}
	// And another permanent key does not open it.
	var other crypto.Key
	other[0] = 1
	if _, err := openBindMessage(other.WithID(), enc); err == nil {
		t.Fatal("opened with the wrong permanent key")
	}
}

// TestLegacyAndTempInnerData: the legacy p_q_inner_data (no dc field) still
// makes a permanent key, and p_q_inner_data_temp_dc a temporary one with
// its expires_in.
func TestLegacyAndTempInnerData(t *testing.T) {
	var in mt.PQInnerDataDC
	if err := in.Decode(&bin.Buffer{Buf: unhex(t, samplePQInnerDC)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		inner bin.Encoder
		kind  model.KeyKind
		ttl   time.Duration
	}{
		{"p_q_inner_data", &mt.PQInnerData{Pq: in.Pq, P: in.P, Q: in.Q, Nonce: in.Nonce, ServerNonce: in.ServerNonce, NewNonce: in.NewNonce}, model.Permanent, 0},
		{"p_q_inner_data_temp_dc", &mt.PQInnerDataTempDC{Pq: in.Pq, P: in.P, Q: in.Q, Nonce: in.Nonce, ServerNonce: in.ServerNonce, NewNonce: in.NewNonce, DC: 2, ExpiresIn: 3600}, model.Temporary, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := sampleExchange(t, 2)
			if _, err := x.serverDHParams(sampleReqDH(t, x, encode(t, tc.inner))); err != nil {
				t.Fatalf("server_DH_params: %v", err)
			}
			if x.kind != tc.kind || x.expiresIn != tc.ttl {
				t.Fatalf("kind %v expires_in %v, want %v %v", x.kind, x.expiresIn, tc.kind, tc.ttl)
			}
		})
	}
}
