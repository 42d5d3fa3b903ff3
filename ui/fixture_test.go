package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"tgpfs/model"
	"tgpfs/ui/styles"
)

// Fixed ids and times for deterministic goldens.
var (
	t0      = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	permID  = kid(0x5f1c3a2e9b7d4410)
	tempA   = kid(0x8a21d0c4b3e29f11)
	tempB   = kid(0x0c9e7f3a51d2b6e8)
	tempC   = kid(0x71b4e9d2c8a3f0d5)
	tempD   = kid(0x2b7e151628aed2a6)
	tempE   = kid(0x9f4c2d7a1e6b3805) // on DC 3, for the export
	tempF   = kid(0x3a8e5f0c7d2b9146) // on DC 3, after tempE
	user    = model.User{ID: 1000021, Phone: "9996621234", FirstName: "Test", LastName: "User"}
	localDC = model.Target{Env: "local", DC: 2, Addr: "127.0.0.1:44302", Layer: 214}
)

// kid makes a KeyID from its unsigned form, as ids print.
func kid(u uint64) model.KeyID { return model.KeyID(u) }

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// goldenNow is the clock the goldens are taken at: key C has 60 s left.
var goldenNow = sec(70)

func transcript(kind model.KeyKind, id model.KeyID, start time.Time) model.Transcript {
	ms := func(n int) time.Time { return start.Add(time.Duration(n) * time.Millisecond) }
	t := model.Transcript{
		Kind: kind, DC: 2, Started: start, Duration: 38 * time.Millisecond, KeyID: id,
		Messages: []model.TranscriptMessage{
			{Dir: model.Sent, Type: "req_pq_multi", Size: 20, At: ms(0)},
			{Dir: model.Received, Type: "resPQ", Size: 84, At: ms(3)},
			{Dir: model.Sent, Type: "req_DH_params", Size: 320, At: ms(5)},
			{Dir: model.Received, Type: "server_DH_params_ok", Size: 596, At: ms(21)},
			{Dir: model.Sent, Type: "set_client_DH_params", Size: 376, At: ms(24)},
			{Dir: model.Received, Type: "dh_gen_ok", Size: 52, At: ms(38)},
		},
		Values: []model.Field{
			{Name: "server_key", Value: "fingerprint d09d1d85de64fd85"},
			{Name: "pq", Value: "17ed48941a08f981 = 494c553b × 53911073"},
			{Name: "dh_prime", Value: "2048-bit, Telegram's well-known safe prime (cached)"},
			{Name: "server_time", Value: "2026-11-23 12:00:00 UTC (offset +0.000 s)"},
		},
		Checks: []model.Check{
			{Name: "nonce_echoed", OK: true, Detail: "resPQ and server_DH_params carry our nonce"},
			{Name: "server_key_known", OK: true, Detail: "fingerprint matches a key we hold"},
			{Name: "pq_factored", OK: true, Detail: "p < q, both prime"},
			{Name: "answer_hash", OK: true, Detail: "SHA1 of server_DH_inner_data matches"},
			{Name: "dh_prime_safe", OK: true, Detail: "2048-bit safe prime, g generates the subgroup"},
			{Name: "g_a_range", OK: true, Detail: "1 < g_a < dh_prime - 1, 2^{2048-64} margins"},
			{Name: "g_b_range", OK: true, Detail: "1 < g_b < dh_prime - 1, 2^{2048-64} margins"},
			{Name: "new_nonce_hash1", OK: true, Detail: "dh_gen_ok carries the expected hash"},
		},
	}
	if kind == model.Temporary {
		t.ExpiresIn = 90 * time.Second
	}
	return t
}

func temp(id model.KeyID, at int) []model.Event {
	return []model.Event{
		model.HandshakeDone{At: sec(at), Transcript: transcript(model.Temporary, id, sec(at))},
		model.TempKeyCreated{At: sec(at), Key: model.TempKey{ID: id, DC: 2, SessionID: int64(id>>8) & 0x7fffffffffff, ExpiresIn: 90 * time.Second, CreatedAt: sec(at)}},
		model.TempKeyBound{At: sec(at), ID: id, PermID: permID, ExpiresAt: sec(at + 90), SessionID: int64(id>>8) & 0x7fffffffffff, MsgID: int64(at) << 32},
	}
}

func srv(at int, kind model.ServerEventKind, id model.KeyID, kk model.KeyKind, exp int) model.ServerEvent {
	e := model.ServerEvent{At: sec(at), DC: 2, Kind: kind, KeyID: id, KeyKind: kk}
	if kk == model.Temporary {
		e.PermID = permID
		e.ExpiresAt = sec(exp)
	}
	return e
}

// demoEvents is a session one minute in: logged in, two rotations, a drop
// with a -404 proof, an export to DC 3, and the server's view of it all.
func demoEvents() []model.Event {
	evs := []model.Event{
		model.ConnChanged{At: sec(0), Target: localDC, Phase: model.Connected},
		model.HandshakeDone{At: sec(0), Transcript: transcript(model.Permanent, permID, sec(0))},
		model.PermKeyReady{At: sec(0), Key: model.PermKey{ID: permID, Fingerprint: "3f9a0c1d7e2b5a64", DC: 2, CreatedAt: sec(0), Source: "generated"}},
		srv(0, model.SrvKeyCreated, permID, model.Permanent, 0),
	}
	evs = append(evs, temp(tempA, 1)...)
	evs = append(evs,
		srv(1, model.SrvKeyCreated, tempA, model.Temporary, 91),
		srv(1, model.SrvKeyBound, tempA, model.Temporary, 91),
		model.LoggedIn{At: sec(2), DC: 2, User: user},
		model.ServerEvent{At: sec(2), DC: 2, Kind: model.SrvLogin, UserID: user.ID, Detail: "+9996621234 code 22222"},
		model.ConfigFetched{At: sec(3), ThisDC: 2, TestMode: true, DCs: []model.DCOption{{ID: 1, Addr: "127.0.0.1:44301"}, {ID: 2, Addr: "127.0.0.1:44302"}, {ID: 3, Addr: "127.0.0.1:44303"}}},
	)
	evs = append(evs, temp(tempB, 20)...)
	evs = append(evs,
		srv(20, model.SrvKeyCreated, tempB, model.Temporary, 110),
		srv(20, model.SrvKeyBound, tempB, model.Temporary, 110),
	)
	evs = append(evs, temp(tempC, 40)...)
	evs = append(evs,
		srv(40, model.SrvKeyCreated, tempC, model.Temporary, 130),
		srv(40, model.SrvKeyBound, tempC, model.Temporary, 130),
		model.RenewalChanged{At: sec(40), RenewAt: sec(107)},
		model.ActionStarted{At: sec(45), Action: "drop"},
		srv(45, model.SrvKeyDropped, tempA, model.Temporary, 91),
		srv(45, model.SrvKeyDropped, tempB, model.Temporary, 110),
		model.ServerEvent{At: sec(45), DC: 2, Kind: model.SrvKeyNotFound, KeyID: tempB, KeyKind: model.Temporary, Detail: "transport error -404"},
		model.KeysDropped{At: sec(45), Except: []model.KeyID{tempC}, Gone: []model.KeyID{tempB}},
		model.ActionDone{At: sec(45), Action: "drop", Duration: 12 * time.Millisecond},
		model.ServerEvent{At: sec(50), DC: 2, Kind: model.SrvExport, UserID: user.ID, Detail: "to DC 3"},
		model.ServerEvent{At: sec(50), DC: 3, Kind: model.SrvImport, UserID: user.ID},
		model.Exported{At: sec(50), FromDC: 2, ToDC: 3, User: user},
	)
	return evs
}

// exportKeyEvents are what the driver reports when an export binds a
// temporary key on DC 3 to DC 3's own permanent key, then rotates it there.
func exportKeyEvents() []model.Event {
	dc3Perm := kid(0x6d3e0a91c4b2f857)
	return []model.Event{
		model.TempKeyCreated{At: sec(50), Key: model.TempKey{ID: tempE, DC: 3, ExpiresIn: 90 * time.Second, CreatedAt: sec(50)}},
		model.TempKeyBound{At: sec(50), ID: tempE, PermID: dc3Perm, ExpiresAt: sec(140)},
		model.TempKeyEnded{At: sec(55), ID: tempE, How: model.Rotated, Detail: "replaced by " + tempF.String()},
		model.TempKeyCreated{At: sec(55), Key: model.TempKey{ID: tempF, DC: 3, ExpiresIn: 90 * time.Second, CreatedAt: sec(55)}},
		model.TempKeyBound{At: sec(55), ID: tempF, PermID: dc3Perm, ExpiresAt: sec(145)},
	}
}

func demoFrames() []Frame {
	return []Frame{
		{Seq: 1, At: sec(0), Dir: model.Sent, Size: 40, Type: "req_pq_multi"},
		{Seq: 2, At: sec(0), Dir: model.Received, Size: 84, Type: "resPQ"},
		{Seq: 3, At: sec(1), Dir: model.Sent, KeyID: tempA, Size: 264, Type: "auth.bindTempAuthKey"},
		{Seq: 4, At: sec(1), Dir: model.Received, KeyID: tempA, Size: 88, Type: "rpc_result", Note: "boolTrue"},
		{Seq: 5, At: sec(2), Dir: model.Sent, KeyID: tempA, Size: 152, Type: "invokeWithLayer"},
		{Seq: 6, At: sec(20), Dir: model.Sent, KeyID: tempB, Size: 264, Type: "auth.bindTempAuthKey"},
		{Seq: 7, At: sec(40), Dir: model.Sent, KeyID: tempC, Size: 264, Type: "auth.bindTempAuthKey"},
		{Seq: 8, At: sec(45), Dir: model.Sent, KeyID: tempC, Size: 72, Type: "auth.dropTempAuthKeys"},
		{Seq: 9, At: sec(45), Dir: model.Sent, KeyID: tempB, Size: 56, Type: "ping"},
		{Seq: 10, At: sec(45), Dir: model.Received, Size: 4, Type: "transport error", Note: "-404"},
	}
}

func demoCatalog() []Method {
	return []Method{
		{
			Name: "auth.bindTempAuthKey", Result: "Bool", Bots: true, Action: "bind",
			Description: "Binds a temporary authorization key temp_auth_key_id to the permanent authorization key perm_auth_key_id. Each permanent key may only be bound to one temporary key at a time, binding a new temporary key overwrites the previous one.",
			Params: []MethodParam{
				{Name: "perm_auth_key_id", Type: "long", Description: "Permanent auth_key_id to bind to"},
				{Name: "nonce", Type: "long", Description: "Random long from Binding message contents"},
				{Name: "expires_at", Type: "int", Description: "Unix timestamp to invalidate temporary key"},
				{Name: "encrypted_message", Type: "bytes", Description: "See Generating encrypted_message"},
			},
			Errors: []MethodError{
				{Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID", Description: "Encrypted message is invalid."},
				{Code: 400, Type: "TEMP_AUTH_KEY_ALREADY_BOUND", Description: "The passed temporary key is already bound to another perm_auth_key_id."},
				{Code: 400, Type: "TEMP_AUTH_KEY_EMPTY", Description: "No temporary auth key provided."},
			},
			TL:        "auth.bindTempAuthKey#cdd42a05 perm_auth_key_id:long nonce:long expires_at:int encrypted_message:bytes = Bool",
			Reference: "https://core.telegram.org/method/auth.bindTempAuthKey",
			Snippet:   "ok, err := api.AuthBindTempAuthKey(ctx, &tg.AuthBindTempAuthKeyRequest{\n\tPermAuthKeyID:    permID,\n\tNonce:            nonce,\n\tExpiresAt:        expiresAt,\n\tEncryptedMessage: encrypted,\n})",
		},
		{
			Name: "auth.dropTempAuthKeys", Result: "Bool", Bots: true, Action: "drop",
			Description: "Delete all temporary authorization keys except for the ones specified",
			Params:      []MethodParam{{Name: "except_auth_keys", Type: "Vector<long>", Description: "The auth keys that shouldn't be dropped."}},
			TL:          "auth.dropTempAuthKeys#8e48a188 except_auth_keys:Vector<long> = Bool",
			Snippet:     "ok, err := api.AuthDropTempAuthKeys(ctx, []int64{current})",
		},
		{
			Name: "auth.exportAuthorization", Result: "auth.ExportedAuthorization", Bots: true, Action: "export",
			Description: "Returns data for copying authorization to another data-center.",
			Params:      []MethodParam{{Name: "dc_id", Type: "int", Description: "Number of a target data-center"}},
			Errors:      []MethodError{{Code: 400, Type: "DC_ID_INVALID", Description: "The provided DC ID is invalid."}},
			TL:          "auth.exportAuthorization#e5bfffcd dc_id:int = auth.ExportedAuthorization",
			Snippet:     "exp, err := api.AuthExportAuthorization(ctx, 3)",
		},
		{
			Name: "auth.logOut", Result: "auth.LoggedOut", Bots: true, Action: "logout",
			Description: "Logs out the user.",
			TL:          "auth.logOut#3e72ba19 = auth.LoggedOut",
			Snippet:     "out, err := api.AuthLogOut(ctx)",
		},
		{
			Name: "auth.sendCode", Result: "auth.SentCode", Action: "login",
			Description: "Send the verification code for login",
			Params: []MethodParam{
				{Name: "phone_number", Type: "string", Description: "Phone number in international format"},
				{Name: "api_id", Type: "int", Description: "Application identifier"},
				{Name: "api_hash", Type: "string", Description: "Application secret hash"},
				{Name: "settings", Type: "CodeSettings", Description: "Settings for the code type to send"},
			},
			Errors: []MethodError{{Code: 400, Type: "PHONE_NUMBER_INVALID", Description: "The phone number is invalid."}},
			TL:     "auth.sendCode#a677244f phone_number:string api_id:int api_hash:string settings:CodeSettings = auth.SentCode",
		},
		{
			Name: "auth.signIn", Result: "auth.Authorization",
			Description: "Signs in a user with a validated phone number.",
			TL:          "auth.signIn#8d52a951 flags:# phone_number:string phone_code_hash:string phone_code:flags.0?string email_verification:flags.1?EmailVerification = auth.Authorization",
		},
	}
}

// fakeBackend is a test double for the driver: it records calls and reports
// what a driver would report, with fixed ids and times.
type fakeBackend struct {
	events chan model.Event
	frames []Frame

	mu       sync.Mutex
	calls    []string
	loginErr error
	paused   atomic.Bool
	next     []model.KeyID // ids handed out by Rotate
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		events: make(chan model.Event, 256),
		frames: demoFrames(),
		next:   []model.KeyID{tempD},
	}
}

func (b *fakeBackend) record(call string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, call)
}

func (b *fakeBackend) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.calls)
}

func (b *fakeBackend) Events() <-chan model.Event { return b.events }

// act reports an action the way the driver does.
func (b *fakeBackend) act(name string, f func() error) error {
	b.record(name)
	b.events <- model.ActionStarted{At: sec(60), Action: name}
	err := f()
	done := model.ActionDone{At: sec(60), Action: name, Duration: 5 * time.Millisecond}
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
		done.Err = err.Error()
	}
	b.events <- done
	return err
}

func (b *fakeBackend) Connect(context.Context) error { b.record("connect"); return nil }

func (b *fakeBackend) Rotate(context.Context) error {
	return b.act("rotate", func() error {
		b.mu.Lock()
		if len(b.next) == 0 {
			b.mu.Unlock()
			return errors.New("no more keys")
		}
		id := b.next[0]
		b.next = b.next[1:]
		b.mu.Unlock()
		for _, ev := range temp(id, 60) {
			b.events <- ev
		}
		return nil
	})
}

func (b *fakeBackend) Drop(context.Context) error {
	return b.act("drop", func() error {
		b.events <- model.KeysDropped{At: sec(61), Except: []model.KeyID{tempC}}
		return nil
	})
}

func (b *fakeBackend) Export(_ context.Context, dc int) error {
	b.record(fmt.Sprintf("export %d", dc))
	return b.act("export", func() error {
		b.events <- model.Exported{At: sec(62), FromDC: 2, ToDC: dc, User: user}
		return nil
	})
}

func (b *fakeBackend) Login(_ context.Context, phone string) error {
	b.record("login " + phone)
	return b.act("login", func() error {
		if b.loginErr != nil {
			return b.loginErr
		}
		b.events <- model.LoggedIn{At: sec(63), DC: 2, User: user}
		return nil
	})
}

func (b *fakeBackend) SetRenewalPaused(p bool) {
	b.record(fmt.Sprintf("paused %v", p))
	b.paused.Store(p)
}

func (b *fakeBackend) Frames() []Frame { return slices.Clone(b.frames) }

func (b *fakeBackend) OpenFrame(f Frame) OpenResult {
	b.record(fmt.Sprintf("open %d", f.Seq))
	if !f.Encrypted() {
		return OpenResult{Frame: f, Conclusion: "unencrypted handshake message: readable by anyone on the wire"}
	}
	return OpenResult{Frame: f, Attempts: []OpenAttempt{
		{With: "permanent key", KeyID: permID, Detail: "msg_key does not match"},
		{With: "its temporary key", KeyID: f.KeyID, OK: true, Type: f.Type},
	}, Conclusion: "opens only with its own temp key"}
}

// RevealKey returns a recognisable fake key: 0x5a or 0xa5 repeated.
func (b *fakeBackend) RevealKey(kind model.KeyKind) []byte {
	b.record("reveal " + kind.String())
	fill := byte(0x5a)
	if kind == model.Temporary {
		fill = 0xa5
	}
	k := make([]byte, 256)
	for i := range k {
		k[i] = fill
	}
	return k
}

// memClipboard records what was copied.
type memClipboard struct {
	mu     sync.Mutex
	copied []string
}

func (c *memClipboard) Copy(text string, _ bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.copied = append(c.copied, text)
	return "test clipboard", nil
}

func (c *memClipboard) Copied() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.copied)
}

// testClock is a settable clock.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.Set(t)
	return c
}

func (c *testClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

func stylesForBench() styles.Styles { return styles.Default() }

// refusedBind is the BindFailed the driver reports when the DC does not know
// an old permanent key that holds the login: ENCRYPTED_MESSAGE_INVALID, with
// the verdict the driver acted on (drop both keys, which logs the user out).
func refusedBind() model.BindFailed {
	err := &model.RPCError{Code: 400, Message: "ENCRYPTED_MESSAGE_INVALID", Type: "ENCRYPTED_MESSAGE_INVALID"}
	return model.BindFailed{At: sec(66), ID: tempD, Code: 400, Type: "ENCRYPTED_MESSAGE_INVALID",
		Verdict: model.Classify(err, model.KeyState{PermAge: time.Hour, HomeDC: true})}
}
