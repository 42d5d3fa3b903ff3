package localdc

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/tg"

	"tgpfs/model"
)

// Every p_q_inner_data constructor under both RSA schemes makes a working
// key, and the key's event says which constructor and which scheme the
// client used. Telethon 1.x is the legacy p_q_inner_data under rsa_sha1.
func TestKeyExchangeConstructorsAndSchemes(t *testing.T) {
	c := startCluster(t, Config{})
	events := recordEvents(t, c)
	for _, inner := range []string{"p_q_inner_data_dc", "p_q_inner_data_temp_dc", "p_q_inner_data"} {
		for _, scheme := range []rsaScheme{schemeRSAPad, schemeRSASHA1} {
			t.Run(inner+"/"+string(scheme), func(t *testing.T) {
				x := newSpecClient(t, c, 2)
				x.inner, x.scheme, x.expiresIn = inner, scheme, 3600
				key, salt, err := x.run()
				if err != nil {
					t.Fatalf("key exchange: %v", err)
				}
				ev := events.waitFor(t, "the key's event", func(ev model.ServerEvent) bool {
					return ev.Kind == model.SrvKeyCreated && ev.KeyID == model.KeyID(key.IntID())
				})
				if want := inner + ", " + string(scheme) + ", intermediate"; ev.Detail != want {
					t.Fatalf("event detail %q, want %q", ev.Detail, want)
				}
				wantKind := model.Permanent
				if inner == "p_q_inner_data_temp_dc" {
					wantKind = model.Temporary
				}
				if ev.KeyKind != wantKind || ev.DC != 2 {
					t.Fatalf("event %+v, want a %v key on dc 2", ev, wantKind)
				}
				if wantKind == model.Permanent {
					rc := dialRaw(t, c.Addr(2))
					rc.use(key, salt)
					rc.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
				}
			})
		}
	}
}

// The SHA1 scheme as gotd writes it (crypto.RSAEncryptHashed) opens too:
// the test's own encryption is not the only one the DC agrees with.
func TestOldRSASchemeMatchesGotd(t *testing.T) {
	key := TestPrivateKey()
	data := bytes.Repeat([]byte{0x5a}, 96)
	inner := encode(t, &mt.PQInnerData{Pq: []byte{1, 2, 3, 4, 5, 6, 7, 8}, P: []byte{1, 2, 3, 4}, Q: []byte{5, 6, 7, 8}})
	for name, enc := range map[string]func([]byte) []byte{
		"spec": func(d []byte) []byte { return encryptRSASHA1(t, d, &key.PublicKey) },
		"gotd": func(d []byte) []byte {
			e, err := crypto.RSAEncryptHashed(d, &key.PublicKey, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return e
		},
	} {
		plain, scheme, err := decryptInnerData(enc(inner), key)
		if err != nil || scheme != schemeRSASHA1 || !bytes.Equal(plain, inner) {
			t.Fatalf("%s: %v %q %x", name, err, scheme, plain)
		}
		// Not p_q_inner_data: the scheme cannot tell how long it is.
		if _, _, err := decryptInnerData(enc(data), key); !isRefusal(err, refuseHash) {
			t.Fatalf("%s, no TL inside: %v", name, err)
		}
	}
}

// The CRT decryption agrees with the plain one, and with gotd's RSA_PAD
// decoder.
func TestRSADecryptRaw(t *testing.T) {
	key := TestPrivateKey()
	for range 8 {
		c, _ := rand.Int(rand.Reader, key.N)
		if got, want := rsaDecryptRaw(key, c), new(big.Int).Exp(c, key.D, key.N); got.Cmp(want) != 0 {
			t.Fatal("CRT and plain decryption differ")
		}
		data := make([]byte, 100)
		_, _ = rand.Read(data)
		enc, err := crypto.RSAPad(data, &key.PublicKey, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ours, scheme, err := decryptInnerData(enc, key)
		gotds, gerr := crypto.DecodeRSAPad(enc, key)
		if err != nil || gerr != nil || scheme != schemeRSAPad || !bytes.Equal(ours, gotds) {
			t.Fatalf("ours %v %q, gotd's %v", err, scheme, gerr)
		}
	}
}

func isRefusal(err error, why refusal) bool {
	var xe *exchangeError
	return errors.As(err, &xe) && xe.reason == why
}

// Every refused step answers the client with its transport error and
// leaves an event that names the step and the reason: `tgpfs dc -v`
// explains every client that cannot make a key.
func TestKeyExchangeRefusals(t *testing.T) {
	c := startCluster(t, Config{DCs: 2})
	notPQ := func([]byte) []byte { return encode(t, &mt.ClientDHInnerData{GB: []byte{1}}) }
	tests := []struct {
		name string
		why  refusal
		step string
		code int32
		run  func(x *specClient) error
	}{
		{"unknown fingerprint", refuseFingerprint, "req_DH_params", 404, func(x *specClient) error {
			x.editReqDH = func(r *mt.ReqDHParamsRequest) { r.PublicKeyFingerprint ^= 1 }
			_, _, err := x.run()
			return err
		}},
		{"encrypted_data of 255 bytes", refusePadding, "req_DH_params", 404, func(x *specClient) error {
			x.editReqDH = func(r *mt.ReqDHParamsRequest) { r.EncryptedData = r.EncryptedData[1:] }
			_, _, err := x.run()
			return err
		}},
		{"encrypted_data above the modulus", refusePadding, "req_DH_params", 404, func(x *specClient) error {
			x.editReqDH = func(r *mt.ReqDHParamsRequest) { r.EncryptedData = bytes.Repeat([]byte{0xff}, 256) }
			_, _, err := x.run()
			return err
		}},
		{"bad hash, RSA_PAD", refuseHash, "req_DH_params", 404, func(x *specClient) error {
			x.editReqDH = func(r *mt.ReqDHParamsRequest) { r.EncryptedData[200] ^= 1 }
			_, _, err := x.run()
			return err
		}},
		{"bad hash, SHA1 scheme", refuseHash, "req_DH_params", 404, func(x *specClient) error {
			x.inner, x.scheme = "p_q_inner_data", schemeRSASHA1
			x.editReqDH = func(r *mt.ReqDHParamsRequest) {
				r.EncryptedData = encryptRSASHA1Broken(t, r, x)
			}
			_, _, err := x.run()
			return err
		}},
		{"bad inner data", refuseInner, "req_DH_params", 404, func(x *specClient) error {
			x.editInner = notPQ
			_, _, err := x.run()
			return err
		}},
		{"nonce mismatch", refuseNonce, "req_DH_params", 404, func(x *specClient) error {
			x.editReqDH = func(r *mt.ReqDHParamsRequest) { r.ServerNonce[3] ^= 1 }
			_, _, err := x.run()
			return err
		}},
		{"nonce mismatch inside p_q_inner_data", refuseNonce, "req_DH_params", 404, func(x *specClient) error {
			x.editInner = func(d []byte) []byte {
				var in mt.PQInnerDataDC
				_ = in.Decode(&bin.Buffer{Buf: d})
				in.Nonce[0] ^= 1
				return encode(t, &in)
			}
			_, _, err := x.run()
			return err
		}},
		{"wrong factors", refuseFactors, "req_DH_params", 404, func(x *specClient) error {
			x.editReqDH = func(r *mt.ReqDHParamsRequest) { r.P = big.NewInt(3).Bytes() }
			_, _, err := x.run()
			return err
		}},
		{"wrong dc", refuseWrongDC, "req_DH_params", 444, func(x *specClient) error {
			x.dc = 7
			_, _, err := x.run()
			return err
		}},
		{"temporary key without a lifetime", refuseExpiresIn, "req_DH_params", 404, func(x *specClient) error {
			x.inner, x.expiresIn = "p_q_inner_data_temp_dc", 0
			_, _, err := x.run()
			return err
		}},
		{"req_DH_params first", refuseOrder, "req_DH_params", 404, func(x *specClient) error {
			x.pq = 1513098571 * 1780931429 // no resPQ came: any pq will do
			return x.reqDH()
		}},
		{"set_client_DH_params after resPQ", refuseOrder, "set_client_DH_params", 404, func(x *specClient) error {
			if err := x.reqPQ(); err != nil {
				return err
			}
			x.aesKey, x.aesIV = make([]byte, 32), make([]byte, 32)
			_, _, err := x.setClientDH()
			return err
		}},
		{"client DH data not a multiple of 16", refusePadding, "set_client_DH_params", 404, func(x *specClient) error {
			x.editSetDH = func(r *mt.SetClientDHParamsRequest) { r.EncryptedData = r.EncryptedData[:len(r.EncryptedData)-1] }
			_, _, err := x.run()
			return err
		}},
		{"client DH data with a bad hash", refuseHash, "set_client_DH_params", 404, func(x *specClient) error {
			x.editSetDH = func(r *mt.SetClientDHParamsRequest) { r.EncryptedData[5] ^= 1 }
			_, _, err := x.run()
			return err
		}},
		{"client DH data that is not client_DH_inner_data", refuseInner, "set_client_DH_params", 404, func(x *specClient) error {
			x.editSetDH = func(r *mt.SetClientDHParamsRequest) {
				enc, _ := crypto.EncryptExchangeAnswer(rand.Reader, encode(t, &mt.PingRequest{PingID: 1}), x.aesKey, x.aesIV)
				r.EncryptedData = enc
			}
			_, _, err := x.run()
			return err
		}},
		{"nonce mismatch in set_client_DH_params", refuseNonce, "set_client_DH_params", 404, func(x *specClient) error {
			x.editSetDH = func(r *mt.SetClientDHParamsRequest) { r.Nonce[0] ^= 1 }
			_, _, err := x.run()
			return err
		}},
		{"nonce mismatch inside client_DH_inner_data", refuseNonce, "set_client_DH_params", 404, func(x *specClient) error {
			x.editClientDH = func(d *mt.ClientDHInnerData) { d.ServerNonce[0] ^= 1 }
			_, _, err := x.run()
			return err
		}},
		{"g_b out of the safe range", refuseGB, "set_client_DH_params", 404, func(x *specClient) error {
			x.editClientDH = func(d *mt.ClientDHInnerData) { d.GB = []byte{2} }
			_, _, err := x.run()
			return err
		}},
		{"a step that does not decode", refuseDecode, "req_pq_multi", 404, func(x *specClient) error {
			return x.sendAndWait([]byte{0xf1, 0x8e, 0x7e, 0xbe, 1, 2, 3, 4}) // a nonce of 4 bytes, not 16
		}},
		{"an unknown message", refuseUnknown, "message", 404, func(x *specClient) error {
			return x.sendAndWait([]byte{0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0})
		}},
		{"a message shorter than its header", refuseEnvelope, "message", 404, func(x *specClient) error {
			var b bin.Buffer
			b.Put(make([]byte, 8))
			b.PutLong(1 << 40)
			return x.sendFrame(&b)
		}},
		{"a message longer than its frame", refuseEnvelope, "message", 404, func(x *specClient) error {
			var b bin.Buffer
			b.Put(make([]byte, 8))
			b.PutLong(1 << 40)
			b.PutInt(64)
			b.PutID(mt.ReqPqMultiRequestTypeID)
			return x.sendFrame(&b)
		}},
		{"a msg_id not divisible by 4", refuseEnvelope, "message", 404, func(x *specClient) error {
			var b bin.Buffer
			b.Put(make([]byte, 8))
			b.PutLong(1<<40 + 1)
			b.PutInt(20)
			_ = (&mt.ReqPqMultiRequest{}).Encode(&b)
			return x.sendFrame(&b)
		}},
	}
	seen := map[refusal]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := recordEvents(t, c) // this case's events only
			x := newSpecClient(t, c, 1)
			err := tt.run(x)
			var re *errRefused
			if !errors.As(err, &re) || re.code != tt.code {
				t.Fatalf("got %v, want transport error -%d", err, tt.code)
			}
			want := tt.step + ": " + string(tt.why)
			ev := events.waitFor(t, want, func(ev model.ServerEvent) bool {
				return ev.Kind == model.SrvHandshakeFailed && ev.DC == 1 && strings.HasPrefix(ev.Detail, want)
			})
			if !strings.Contains(ev.Detail, "answered -"+strconv.Itoa(int(tt.code))) || !strings.HasSuffix(ev.Detail, "over intermediate") {
				t.Fatalf("event %q", ev.Detail)
			}
			seen[tt.why] = true
		})
	}
	for _, why := range []refusal{refuseEnvelope, refuseUnknown, refuseDecode, refuseOrder, refuseNonce, refuseFingerprint,
		refusePadding, refuseHash, refuseInner, refuseFactors, refuseWrongDC, refuseExpiresIn, refuseGB} {
		if !seen[why] {
			t.Errorf("no test refuses with %q", why)
		}
	}
}

// sendAndWait sends a raw handshake body and reads the answer.
func (x *specClient) sendAndWait(body []byte) error {
	if err := x.sendRaw(body); err != nil {
		return err
	}
	return x.recv(&mt.ResPQ{})
}

// sendFrame sends a whole frame as is and reads the answer.
func (x *specClient) sendFrame(b *bin.Buffer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := x.conn.Send(ctx, b); err != nil {
		return err
	}
	return x.recv(&mt.ResPQ{})
}

// encryptRSASHA1Broken is the SHA1 scheme over the exchange's
// p_q_inner_data with a wrong SHA1 in front.
func encryptRSASHA1Broken(t testing.TB, r *mt.ReqDHParamsRequest, x *specClient) []byte {
	data := encode(t, &mt.PQInnerData{Pq: new(big.Int).SetUint64(x.pq).Bytes(), P: r.P, Q: r.Q, Nonce: x.nonce, ServerNonce: x.serverNonce, NewNonce: x.newNonce})
	block := make([]byte, 255)
	_, _ = rand.Read(block)
	copy(block[20:], data) // the first 20 bytes stay random: no SHA1 of anything
	c := new(big.Int).Exp(new(big.Int).SetBytes(block), big.NewInt(int64(x.pub.E)), x.pub.N)
	return c.FillBytes(make([]byte, 256))
}

// A client that pauses between steps longer than KeyExchangeTimeout in
// all, but less than it between any two, still makes its key: the deadline
// runs from the last step the DC answered.
func TestSlowKeyExchangeWithinTheDeadline(t *testing.T) {
	const timeout = 2 * time.Second
	c := startCluster(t, Config{DCs: 1, KeyExchangeTimeout: timeout})
	x := newSpecClient(t, c, 1)
	x.pause = timeout * 6 / 10 // before each of the three steps: 3.6 s in all
	if _, _, err := x.run(); err != nil {
		t.Fatalf("slow client: %v", err)
	}
}
