package localdc

import (
	"crypto/aes"
	"crypto/rand"
	"crypto/sha1" // #nosec G505 -- the key exchange's answer is hashed with SHA1
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/gotd/ige"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"

	"tgpfs/model"
	"tgpfs/proto/dh"
)

// The hostile-handshake scenario: the first five key exchanges the cluster
// runs each get one hostile answer, in the order of model.HostileChecks,
// so a client that starts over after refusing one walks through all five
// and then gets honest answers:
//
//	check                            answer
//	checks_server_dh.nonce           resPQ with a nonce the client did not send
//	checks_server_dh.answer_sha1     server_DH_params_ok whose answer's SHA1 is wrong
//	checks_server_dh.dh_prime        server_DH_inner_data with hostilePrime as dh_prime
//	checks_server_dh.g_a_range       server_DH_inner_data with g_a = 3^1000
//	checks_server_dh.new_nonce_hash  dh_gen_ok with a wrong new_nonce_hash1
//
// A client that checks stops: it sends no further step on that exchange
// (a new req_pq, or a closed connection, is what it should do). One that
// does not sends the next step, which the DC refuses (-404) after noting
// it; for new_nonce_hash1 it sends a message under the key, which the DC
// never stored (-404). Either way the DC never keeps a key a hostile answer
// went into. The count is the cluster's, not a client's: the scenario is
// meant for one client at a time, as `tgpfs conform` runs them.

// hostilePrime is a 2048-bit prime p with p mod 3 = 2, so that g = 3 meets
// its quadratic-residue condition, whose (p-1)/2 is not prime: it passes
// every check of dh_prime except that it be a safe prime (and that it be
// Telegram's). TestHostilePrime proves each property.
var hostilePrime, _ = new(big.Int).SetString(""+
	"e616d1b7f8b0bbb29dd6a9c3980060cff0c3dc2d8481c0c87856903ff8ff4a26ebfa143925ea0e2f5f0b254ea7eaddb9825f375d6cf2025e58325dee1b1e16ac5"+
	"36afde96561f73d1c70b709f9a180bd6b7c920be774a741ed2e8c71747624c5e7607a22519d5a6895bf9747dda71c7111113ad670ed5d0db824d86d3c81bf0db9"+
	"08ec72b28367d26b632408e131ce179984a50cc57544b2351cb149af7e2e5463999b7f91474d2fff5cb01ce06db09fe4af5b7f7818046841be3ab1095388d79a7"+
	"c0042668fc542f1a3e72018d29e6fc9c24d4b5a87dd2a6a172808a103e69fd3f1cf135ab70723974848b603a4ff6739448379729458e373a3a3d0a9b820e1", 16)

// hostileGA is 3^1000: above 1 and below dh_prime - 1, a member of the
// group, but far below 2^(2048-64), so only the recommended range check
// refuses it.
var hostileGA = new(big.Int).Exp(big.NewInt(dhG), big.NewInt(1000), nil)

// refuseHostile: the client sent the next step of an exchange that got a
// hostile answer.
const refuseHostile refusal = "went on after a hostile answer"

// connProbe is the hostile answer a connection's key exchange got, while
// the client has not answered it.
type connProbe struct {
	check model.VerdictName
	next  uint32 // the step that means the client went on
}

// hostileStage is the answer a check's hostile value goes into.
func hostileStage(check model.VerdictName) uint32 {
	switch check {
	case model.VerdictChecksNonce:
		return mt.ResPQTypeID
	case model.VerdictChecksNewNonceHash:
		return mt.DhGenOkTypeID
	}
	return mt.ServerDHParamsOkTypeID
}

// takeHostile returns the check whose hostile answer goes into this
// exchange's answer of type stage, and counts it sent; "" when none does.
func (c *Cluster) takeHostile(stage uint32) model.VerdictName {
	c.mu.Lock()
	defer c.mu.Unlock()
	checks := model.HostileChecks()
	sc := &c.scen
	if sc.hostileNext >= len(checks) || hostileStage(checks[sc.hostileNext]) != stage {
		return ""
	}
	sc.hostileNext++
	return checks[sc.hostileNext-1]
}

// exchangeStepProbed is exchangeStep with the hostile-handshake scenario
// around it.
func (s *serverConn) exchangeStepProbed(frame []byte) (bin.Encoder, *madeKey, error) {
	if !s.c.scen.hostile { // set at Start, read-only after
		return s.exchangeStep(frame)
	}
	var step uint32
	if len(frame) >= 24 {
		step = binary.LittleEndian.Uint32(frame[20:])
	}
	if p := s.probe; p.check != "" {
		s.probe = connProbe{}
		if step == p.next {
			s.hostileAnswered(true, "sent "+stepName(step)+" after it")
			return nil, nil, refused(stepName(step), refuseHostile, "%s", p.check)
		}
		s.hostileAnswered(false, "sent "+stepName(step)+" instead of going on")
	}
	answer, made, err := s.exchangeStep(frame)
	if err != nil {
		return nil, nil, err
	}
	switch a := answer.(type) {
	case *mt.ResPQ:
		if check := s.c.takeHostile(mt.ResPQTypeID); check != "" {
			a.Nonce[0] ^= 0xff
			s.hostileSent(check, mt.ReqDHParamsRequestTypeID, 0)
		}
	case *mt.ServerDHParamsOk:
		if check := s.c.takeHostile(mt.ServerDHParamsOkTypeID); check != "" {
			if err := s.x.spoil(a, check); err != nil {
				return nil, nil, err
			}
			s.hostileSent(check, mt.SetClientDHParamsRequestTypeID, 0)
		}
	case *mt.DhGenOk:
		if check := s.c.takeHostile(mt.DhGenOkTypeID); check != "" && made != nil {
			a.NewNonceHash1[0] ^= 0xff
			s.hostileSent(check, 0, model.KeyID(made.key.IntID()))
			made = nil // never stored: a client that uses it gets -404
		}
	}
	return answer, made, nil
}

// spoil makes server_DH_params_ok's encrypted answer hostile for check.
func (x *serverExchange) spoil(a *mt.ServerDHParamsOk, check model.VerdictName) error {
	plain, err := decryptIGE(a.EncryptedAnswer, x.aesKey, x.aesIV)
	if err != nil {
		return err
	}
	if check == model.VerdictChecksAnswerSHA1 {
		plain[0] ^= 0xff // the first byte of SHA1(answer)
		a.EncryptedAnswer, err = encryptIGE(plain, x.aesKey, x.aesIV)
		return err
	}
	var inner mt.ServerDHInnerData
	if err := inner.Decode(&bin.Buffer{Buf: plain[sha1.Size:]}); err != nil {
		return fmt.Errorf("hostile answer: decode server_DH_inner_data: %w", err)
	}
	switch check {
	case model.VerdictChecksDHPrime:
		secret, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), dh.Bits))
		if err != nil {
			return fmt.Errorf("hostile answer: %w", err)
		}
		inner.DhPrime = hostilePrime.Bytes()
		inner.GA = new(big.Int).Exp(big.NewInt(dhG), secret, hostilePrime).Bytes()
	case model.VerdictChecksGARange:
		inner.GA = hostileGA.Bytes()
	}
	var b bin.Buffer
	if err := inner.Encode(&b); err != nil {
		return fmt.Errorf("hostile answer: encode server_DH_inner_data: %w", err)
	}
	a.EncryptedAnswer, err = crypto.EncryptExchangeAnswer(rand.Reader, b.Raw(), x.aesKey, x.aesIV)
	return err
}

// encryptIGE is AES-256-IGE encryption of a whole number of blocks.
func encryptIGE(plain, key, iv []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	out := make([]byte, len(plain))
	ige.EncryptBlocks(block, iv, out, plain)
	return out, nil
}

// stepName is the TL name of a key exchange step.
func stepName(id uint32) string {
	switch id {
	case mt.ReqPqMultiRequestTypeID:
		return "req_pq_multi"
	case mt.ReqPqRequestTypeID:
		return "req_pq"
	case mt.ReqDHParamsRequestTypeID:
		return "req_DH_params"
	case mt.SetClientDHParamsRequestTypeID:
		return "set_client_DH_params"
	}
	return fmt.Sprintf("#%08x", id)
}

// hostileSent notes a hostile answer: the connection waits for the
// client's next move (next), or, for new_nonce_hash1, the key is watched.
func (s *serverConn) hostileSent(check model.VerdictName, next uint32, key model.KeyID) {
	if next != 0 {
		s.probe = connProbe{check: check, next: next}
	}
	s.c.emit(model.ServerEvent{DC: s.d.id, Kind: model.SrvProbe, KeyID: key, Client: s.clientNumber(),
		Detail: "hostile answer for " + string(check) + " (scenario hostile-handshake)"})
	if s.c.obs == nil {
		return
	}
	o := s.c.lockObs()
	o.HostileSent(s.c.now(), s.obsConn(), check, key)
	s.c.unlockObs()
}

func (s *serverConn) hostileAnswered(continued bool, how string) {
	if s.c.obs == nil {
		return
	}
	o := s.c.lockObs()
	o.HostileAnswered(s.c.now(), s.obsConn(), continued, how)
	s.c.unlockObs()
}
