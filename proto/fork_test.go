package proto

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
	"tgpfs/proto/session"
	"tgpfs/proto/tap"
)

// accountLayers are the API layers the account tests run in, each test once
// per layer: the layer the driver names in invokeWithLayer. An older layer
// joins where the DC serves it and the driver reads its answers (gotd's
// types are layer 229's; the user constructor of the logins changed at 228).
var accountLayers = []int{tg.Layer, 228}

func forLayers(t *testing.T, f func(t *testing.T, layer int)) {
	for _, layer := range accountLayers {
		t.Run("layer "+strconv.Itoa(layer), func(t *testing.T) { f(t, layer) })
	}
}

// device is a driver of its own, connected in layer on DC dc of c, its
// events drained.
func device(t *testing.T, c *localdc.Cluster, dc, layer int, name string) *Driver {
	t.Helper()
	opts := localOptions(c, dc)
	opts.Layer, opts.DeviceModel = layer, name
	opts.Addrs = map[int]string{}
	for _, id := range c.DCs() {
		opts.Addrs[id] = c.Addr(id)
	}
	d := NewDriver(opts)
	col := collect(d)
	t.Cleanup(func() { _ = d.Close(); <-col.done })
	if err := d.Connect(context.Background()); err != nil {
		t.Fatalf("%s: connect: %v", name, err)
	}
	return d
}

// loggedIn is a device logged in with a test phone.
func loggedIn(t *testing.T, c *localdc.Cluster, dc, layer int, name, phone string) *Driver {
	t.Helper()
	d := device(t, c, dc, layer, name)
	if err := d.Login(context.Background(), phone); err != nil {
		t.Fatalf("%s: login: %v", name, err)
	}
	return d
}

// sourceOf is d's permanent key as a fork's source, on d's DC.
func sourceOf(t *testing.T, newDevice, src *Driver) *SourceKey {
	t.Helper()
	key := src.RevealKey(model.Permanent)
	defer clear(key)
	sk, err := newDevice.SourceKey(key, src.HomeDC(), "")
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func list(t *testing.T, d *Driver) []Authorization {
	t.Helper()
	as, err := d.Authorizations(context.Background())
	if err != nil {
		t.Fatalf("account.getAuthorizations: %v", err)
	}
	if len(as) == 0 || !as[0].Current || as[0].Hash != 0 {
		t.Fatalf("list %+v: want the caller's own session first, with hash 0", as)
	}
	for _, a := range as[1:] {
		if a.Current || a.Hash == 0 {
			t.Fatalf("list %+v: only the first is current, every other has a hash", as)
		}
	}
	return as
}

// hashOf finds the session of device model name in a list.
func hashOf(t *testing.T, as []Authorization, name string) int64 {
	t.Helper()
	for _, a := range as {
		if a.DeviceModel == name {
			return a.Hash
		}
	}
	t.Fatalf("no session of %q in %+v", name, as)
	return 0
}

// loggedOut checks that d's key no longer acts for the account: the DC
// dropped its temporary keys with its session (-404), and a new one bound
// to the same permanent key gets 401 AUTH_KEY_UNREGISTERED.
func loggedOut(t *testing.T, d *Driver) {
	t.Helper()
	ctx := context.Background()
	_, err := d.Authorizations(ctx)
	if model.IsKeyNotFound(err) {
		if err := d.Rotate(ctx); err != nil {
			t.Fatalf("bind a new temporary key after the -404: %v", err)
		}
		_, err = d.Authorizations(ctx)
	}
	if k := model.Classify(err, model.KeyState{}).Kind; k != model.AuthKeyUnregistered {
		t.Fatalf("after its session ended: %v (%s), want AUTH_KEY_UNREGISTERED", err, k)
	}
}

// TestAuthorizations lists an account's sessions from two devices and ends
// them: one by its hash, then all others.
func TestAuthorizations(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		c := startCluster(t, localdc.Config{DCs: 2})
		phone := loggedIn(t, c, 2, layer, "phone", "9996621234")
		desk := loggedIn(t, c, 2, layer, "desktop", "9996621234")
		third := loggedIn(t, c, 2, layer, "third", "9996621234")
		as := list(t, phone)
		if len(as) != 3 || as[0].DeviceModel != "phone" || as[0].APIID != 1 || as[0].Created.IsZero() || as[0].Active.IsZero() {
			t.Fatalf("phone lists %+v", as)
		}
		ctx := context.Background()
		if err := phone.TerminateAuthorization(ctx, hashOf(t, as, "desktop")); err != nil {
			t.Fatal(err)
		}
		loggedOut(t, desk)
		if as := list(t, third); len(as) != 2 || hashOf(t, as, "phone") == 0 {
			t.Fatalf("after the desktop ended, third lists %+v", as)
		}
		if err := third.TerminateOtherAuthorizations(ctx); err != nil {
			t.Fatal(err)
		}
		loggedOut(t, phone)
		if as := list(t, third); len(as) != 1 {
			t.Fatalf("after ending the others, third lists %+v", as)
		}
		// An unknown hash is refused, and so is the caller's own 0.
		for _, h := range []int64{0, 12345} {
			err := third.TerminateAuthorization(ctx, h)
			if v := model.Classify(err, model.KeyState{}); v.Type != "HASH_INVALID" {
				t.Errorf("account.resetAuthorization(%d): %v, want HASH_INVALID", h, err)
			}
		}
	})
}

// TestAuthorizationsFreshReset: a session younger than --fresh-reset may
// not end others, and the error reads as one clear line.
func TestAuthorizationsFreshReset(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1, FreshReset: 24 * time.Hour})
	old := loggedIn(t, c, 1, tg.Layer, "old", "9996611234")
	loggedIn(t, c, 1, tg.Layer, "young", "9996611234")
	young := loggedIn(t, c, 1, tg.Layer, "younger", "9996611234")
	ctx := context.Background()
	for name, err := range map[string]error{
		"resetAuthorizations": young.TerminateOtherAuthorizations(ctx),
		"resetAuthorization":  young.TerminateAuthorization(ctx, hashOf(t, list(t, young), "old")),
	} {
		v := model.Classify(err, model.KeyState{})
		if v.Type != "FRESH_RESET_AUTHORISATION_FORBIDDEN" || !v.Explained() {
			t.Errorf("%s: %v (%+v), want FRESH_RESET_AUTHORISATION_FORBIDDEN explained", name, err, v)
		}
	}
	if n := len(list(t, old)); n != 3 {
		t.Fatalf("after refused resets the account lists %d sessions, want 3", n)
	}
}

// TestFork makes a fork of a logged-in session and checks that it is a
// device of its own: the account lists two sessions, each works alone, and
// ending either leaves the other logged in.
func TestFork(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		for _, end := range []string{"source", "fork"} {
			t.Run("end the "+end, func(t *testing.T) {
				c := startCluster(t, localdc.Config{DCs: 3})
				src := loggedIn(t, c, 2, layer, "source", "9996621234")
				fork := device(t, c, 2, layer, "fork")
				sk := sourceOf(t, fork, src)
				f, err := fork.Fork(context.Background(), sk)
				if err != nil {
					t.Fatalf("fork: %v", err)
				}
				res := f.Result()
				if !f.Done() || res.DC != 2 || res.User.Phone != "9996621234" || res.Hash == 0 || len(res.Moves) != 0 {
					t.Fatalf("fork result %+v", res)
				}
				if fork.PermKey().ID == src.PermKey().ID || !fork.Status().LoggedIn {
					t.Fatal("the fork is not a logged-in key of its own")
				}
				// The fork lists first: the accept left the source's
				// device as the source described it.
				fromFork, fromSrc := list(t, fork), list(t, src)
				if len(fromSrc) != 2 || len(fromFork) != 2 || hashOf(t, fromSrc, "fork") != res.Hash {
					t.Fatalf("source lists %+v, fork lists %+v; want two sessions, the fork's hash %d", fromSrc, fromFork, res.Hash)
				}
				// Both work, in turns, with no AUTH_KEY_DUPLICATED.
				for range 2 {
					list(t, src)
					list(t, fork)
				}
				ctx := context.Background()
				switch end {
				case "source":
					if err := fork.TerminateAuthorization(ctx, hashOf(t, fromFork, "source")); err != nil {
						t.Fatal(err)
					}
					loggedOut(t, src)
					if as := list(t, fork); len(as) != 1 {
						t.Fatalf("the fork lists %+v after ending the source", as)
					}
				case "fork":
					if err := src.TerminateAuthorization(ctx, res.Hash); err != nil {
						t.Fatal(err)
					}
					loggedOut(t, fork)
					if as := list(t, src); len(as) != 1 {
						t.Fatalf("the source lists %+v after ending the fork", as)
					}
				}
			})
		}
	})
}

// TestForkUsesTheSourceKeyForTheAcceptOnly opens every frame the fork sent:
// none goes under the source's permanent key, and under the temporary key
// bound to it go exactly the bind and auth.acceptLoginToken (and acks).
func TestForkUsesTheSourceKeyForTheAcceptOnly(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 2})
	src := loggedIn(t, c, 2, tg.Layer, "source", "9996621234")
	fork := device(t, c, 2, tg.Layer, "fork")
	sk := sourceOf(t, fork, src)
	if _, err := fork.Fork(context.Background(), sk); err != nil {
		t.Fatal(err)
	}
	temp := sk.TempKeyID()
	if temp == 0 || temp != model.KeyIDFromWire(sk.temp.ID) {
		t.Fatalf("source temp key %s", temp)
	}
	var calls []uint32
	for _, f := range fork.Frames() {
		if f.AuthKeyID == sk.KeyID() {
			t.Fatalf("frame #%d went under the source's permanent key", f.Seq)
		}
		if f.AuthKeyID != temp || f.Dir != model.Sent {
			continue
		}
		body, err := tap.Open(f, sk.temp)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, queries(t, body)...)
	}
	want := []uint32{tg.AuthBindTempAuthKeyRequestTypeID, tg.AuthAcceptLoginTokenRequestTypeID}
	if !slices.Equal(calls, want) {
		t.Fatalf("queries under the source's temporary key: %#x, want %#x", calls, want)
	}
	// And a second accept is refused before any I/O.
	n := len(fork.Frames())
	if _, err := sk.AcceptLoginToken(context.Background(), []byte("again")); !errors.Is(err, errSourceUsed) {
		t.Fatalf("second accept: %v", err)
	}
	if len(fork.Frames()) != n {
		t.Fatal("the refused second accept sent frames")
	}
}

// queries lists the constructor ids of the queries in a client message:
// containers opened, invokeWithLayer and initConnection unwrapped, acks
// (not queries) left out.
func queries(t *testing.T, body []byte) []uint32 {
	t.Helper()
	b := &bin.Buffer{Buf: body}
	id, err := b.PeekID()
	if err != nil {
		t.Fatal(err)
	}
	switch id {
	case proto.MessageContainerTypeID:
		var mc proto.MessageContainer
		if err := mc.Decode(b); err != nil {
			t.Fatal(err)
		}
		var out []uint32
		for _, m := range mc.Messages {
			out = append(out, queries(t, m.Body)...)
		}
		return out
	case mt.MsgsAckTypeID:
		return nil
	case tg.InvokeWithLayerRequestTypeID:
		return queries(t, body[8:]) // its id and the layer
	case tg.InitConnectionRequestTypeID:
		init := tg.InitConnectionRequest{Query: &rest{}}
		if err := init.Decode(b); err != nil {
			t.Fatal(err)
		}
		return queries(t, init.Query.(*rest).b)
	}
	return []uint32{id}
}

// TestAcceptOnWrapsAsTelegramAsks: the source's accept goes in
// invokeWithLayer alone; only CONNECTION_NOT_INITED brings initConnection,
// naming tgpfs, and the query is the accept both times.
func TestAcceptOnWrapsAsTelegramAsks(t *testing.T) {
	d := NewDriver(Options{Layer: 228, DeviceModel: "tgpfs fork", AppID: 7})
	defer d.Close()
	for _, tc := range []struct {
		name    string
		answers []error
		want    []string
	}{
		{"accepted", []error{nil}, []string{"layer"}},
		{"not inited", []error{session.NewRPCError(400, "CONNECTION_NOT_INITED"), nil}, []string{"layer", "layer+init tgpfs"}},
		{"other error", []error{session.NewRPCError(400, "AUTH_TOKEN_EXPIRED")}, []string{"layer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent []string
			invoke := func(_ context.Context, in bin.Encoder, _ bin.Decoder) error {
				var b bin.Buffer
				if err := in.Encode(&b); err != nil {
					t.Fatal(err)
				}
				var q []uint32
				q = append(q, queries(t, b.Buf)...)
				if !slices.Equal(q, []uint32{tg.AuthAcceptLoginTokenRequestTypeID}) {
					t.Fatalf("sent %#x, want the accept", q)
				}
				layer := tg.InvokeWithLayerRequest{Query: &rest{}}
				if err := layer.Decode(&bin.Buffer{Buf: b.Buf}); err != nil || layer.Layer != 228 {
					t.Fatalf("not in invokeWithLayer(228): %v", err)
				}
				kind := "layer"
				init := tg.InitConnectionRequest{Query: &rest{}}
				if init.Decode(&bin.Buffer{Buf: layer.Query.(*rest).b}) == nil {
					kind += "+init " + init.DeviceModel
				}
				sent = append(sent, kind)
				err := tc.answers[0]
				tc.answers = tc.answers[1:]
				return err
			}
			_, err := d.acceptOn(context.Background(), invoke, []byte("token"))
			if !slices.Equal(sent, tc.want) || (err == nil) != (tc.name != "other error") {
				t.Fatalf("sent %q, err %v; want %q", sent, err, tc.want)
			}
		})
	}
}

// TestForkMigrates: the new device starts on DC 1, the account lives on
// DC 2. Its second export is answered loginTokenMigrateTo; the driver moves
// to DC 2 (a new permanent key there) and imports the token.
func TestForkMigrates(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		c := startCluster(t, localdc.Config{DCs: 3})
		src := loggedIn(t, c, 2, layer, "source", "9996621234")
		fork := device(t, c, 1, layer, "fork")
		first := fork.PermKey()
		f, err := fork.Fork(context.Background(), sourceOf(t, fork, src))
		if err != nil {
			t.Fatal(err)
		}
		res := f.Result()
		if res.DC != 2 || len(res.Moves) != 1 || res.Moves[0] != (login.Move{From: 1, To: 2, Reason: "loginTokenMigrateTo"}) {
			t.Fatalf("fork result %+v; want a move from DC 1 to DC 2", res)
		}
		if p := fork.PermKey(); p.DC != 2 || p.ID == first.ID || p.ID == src.PermKey().ID {
			t.Fatalf("fork's permanent key %+v", p)
		}
		if as := list(t, src); len(as) != 2 || hashOf(t, as, "fork") != res.Hash {
			t.Fatalf("source lists %+v", as)
		}
	})
}

// TestForkPassword: an account with a 2FA password. The fork waits for it;
// a wrong one is refused and the fork waits on; the right one finishes it.
// An abandoned fork leaves no session behind.
func TestForkPassword(t *testing.T) {
	forLayers(t, func(t *testing.T, layer int) {
		const phone, password = "9996621234", "correct horse"
		c := startCluster(t, localdc.Config{DCs: 2, Passwords: map[string]string{phone: password}})
		ctx := context.Background()
		// A new number signs up without the password, as on Telegram.
		src := loggedIn(t, c, 2, layer, "source", phone)

		for _, finish := range []string{"password", "abandon"} {
			fork := device(t, c, 2, layer, "fork by "+finish)
			f, err := fork.Fork(ctx, sourceOf(t, fork, src))
			var need *login.PasswordNeeded
			if !errors.As(err, &need) || f.Done() || f.Hash() == 0 {
				t.Fatalf("fork: %v, want the password asked", err)
			}
			if finish == "abandon" {
				if err := f.Abandon(ctx); err != nil {
					t.Fatal(err)
				}
				if as := list(t, src); len(as) != 2 {
					t.Fatalf("after an abandoned fork the account lists %+v, want the source and the first fork", as)
				}
				continue
			}
			err = f.Password(ctx, "wrong")
			if v := model.Classify(err, model.KeyState{}); v.Type != "PASSWORD_HASH_INVALID" || f.Done() {
				t.Fatalf("wrong password: %v", err)
			}
			if err := f.Password(ctx, password); err != nil || !f.Done() {
				t.Fatalf("password: %v", err)
			}
			if as := list(t, fork); len(as) != 2 || as[0].PasswordPending {
				t.Fatalf("the fork lists %+v", as)
			}
		}
	})
}

// TestForkRefusals: a bot cannot accept (its kind, ErrBotSource); a key
// the DC does not know cannot be bound; a logged-in key is no new device.
func TestForkRefusals(t *testing.T) {
	const token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	c := startCluster(t, localdc.Config{DCs: 2, Bots: map[string]int{token: 2}})
	ctx := context.Background()

	bot := device(t, c, 2, tg.Layer, "bot")
	flow := login.New(login.Config{AppID: 1, AppHash: "tgpfs-local", DC: 2, Invoker: bot.Invoker(), Mover: bot})
	r, err := flow.Bot(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if err := bot.NoteLogin(r.DC, r.User); err != nil {
		t.Fatal(err)
	}
	fork := device(t, c, 2, tg.Layer, "fork")
	if _, err := fork.Fork(ctx, sourceOf(t, fork, bot)); !errors.Is(err, ErrBotSource) {
		t.Fatalf("fork of a bot: %v, want ErrBotSource", err)
	}
	if _, err := fork.Fork(ctx, bot); !errors.Is(err, ErrBotSource) {
		t.Fatalf("fork accepted by a bot's driver: %v, want ErrBotSource", err)
	}

	unknown := make([]byte, 256)
	_, _ = rand.Read(unknown)
	fresh := device(t, c, 2, tg.Layer, "fresh")
	sk, err := fresh.SourceKey(unknown, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = fresh.Fork(ctx, sk)
	if v := model.Classify(err, model.KeyState{}); v.Kind != model.EncryptedMessageInvalid {
		t.Fatalf("fork of a key the DC never made: %v, want ENCRYPTED_MESSAGE_INVALID", err)
	}

	user := loggedIn(t, c, 2, tg.Layer, "user", "9996621234")
	if _, err := user.Fork(ctx, sourceOf(t, user, user)); err == nil {
		t.Fatal("a logged-in key forked")
	}
	if _, err := fork.SourceKey(make([]byte, 32), 2, ""); err == nil {
		t.Fatal("a 32-byte source key was taken")
	}
}

// oldLayers are older layers the DC serves whose answers to the account's
// methods carry no user: the driver, whose types are layer 229's, can call
// them there on a key logged in at 229. Not below 154: the DC answers
// help.getConfig in the client's layer, as Telegram does, and config
// changed at 154, so the driver cannot read its own connect there.
var oldLayers = []int{200, 170, 154}

// reopen is another driver on d's permanent key that speaks layer.
func reopen(t *testing.T, c *localdc.Cluster, d *Driver, layer int, name string) *Driver {
	t.Helper()
	opts := localOptions(c, d.HomeDC())
	opts.Layer, opts.DeviceModel = layer, name
	opts.PermKey = d.RevealKey(model.Permanent)
	defer clear(opts.PermKey)
	o := NewDriver(opts)
	col := collect(o)
	t.Cleanup(func() { _ = o.Close(); <-col.done })
	if err := o.Connect(context.Background()); err != nil {
		t.Fatalf("%s in layer %d: connect: %v", name, layer, err)
	}
	return o
}

// TestAccountMethodsInOldLayers lists, ends and accepts in older layers,
// on keys logged in at 229.
func TestAccountMethodsInOldLayers(t *testing.T) {
	for _, layer := range oldLayers {
		t.Run("layer "+strconv.Itoa(layer), func(t *testing.T) {
			c := startCluster(t, localdc.Config{DCs: 2})
			ctx := context.Background()
			phone := reopen(t, c, loggedIn(t, c, 2, tg.Layer, "phone", "9996621234"), layer, "old phone")
			loggedIn(t, c, 2, tg.Layer, "desktop", "9996621234")
			third := loggedIn(t, c, 2, tg.Layer, "third", "9996621234")
			as := list(t, phone)
			if len(as) != 3 || as[0].DeviceModel != "old phone" {
				t.Fatalf("lists %+v", as)
			}
			if err := phone.TerminateAuthorization(ctx, hashOf(t, as, "desktop")); err != nil {
				t.Fatal(err)
			}
			fork := device(t, c, 2, tg.Layer, "fork")
			f, err := fork.Fork(ctx, phone)
			if err != nil {
				t.Fatalf("a fork accepted in layer %d: %v", layer, err)
			}
			if as := list(t, phone); len(as) != 3 || hashOf(t, as, "fork") != f.Result().Hash {
				t.Fatalf("after the fork: %+v", as)
			}
			if err := phone.TerminateOtherAuthorizations(ctx); err != nil {
				t.Fatal(err)
			}
			loggedOut(t, third)
			loggedOut(t, fork)
			if as := list(t, phone); len(as) != 1 {
				t.Fatalf("after ending the others: %+v", as)
			}
		})
	}
}
