package proto

import (
	"context"
	"errors"
	"testing"

	"tgpfs/model"
	"tgpfs/proto/localdc"
	"tgpfs/proto/login"
)

// TestDriverLoginMovesHomeDC runs proto/login's phone flow over the
// driver's own invoker. The phone lives on DC 3, so DC 2 answers
// PHONE_MIGRATE_3; the flow asks the driver to move, which makes a
// permanent key on DC 3, binds a temporary key to it, and the login
// finishes there.
func TestDriverLoginMovesHomeDC(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 3})
	opts := localOptions(c, 2)
	opts.Addrs = map[int]string{1: c.Addr(1), 3: c.Addr(3)}
	d := NewDriver(opts)
	defer d.Close()
	col := collect(d)
	ctx := context.Background()

	// Nothing is sent before a bound key exists.
	if err := d.Invoker().Invoke(ctx, nil, nil); err == nil {
		t.Fatal("the invoker worked with no bound temporary key")
	}
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	permDC2 := d.PermKey().ID
	flow := login.New(login.Config{AppID: opts.AppID, AppHash: opts.AppHash, DC: d.HomeDC(),
		Invoker: d.Invoker(), Mover: d, Offset: d.ClockOffset()})
	sent, err := flow.SendCode(ctx, "9996631234")
	if err != nil {
		t.Fatalf("sendCode: %v", err)
	}
	if sent.DC != 3 || d.HomeDC() != 3 {
		t.Fatalf("login continues on DC %d, driver on DC %d; want 3", sent.DC, d.HomeDC())
	}
	res, err := flow.SignIn(ctx, "33333")
	if errors.Is(err, login.ErrSignUpNeeded) {
		res, err = flow.SignUp(ctx, "Test", "Move")
	}
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if res.DC != 3 || len(res.Moves) != 1 || res.Moves[0].To != 3 {
		t.Fatalf("result %+v; want a login on DC 3 after one move", res)
	}
	if err := d.NoteLogin(res.DC, res.User); err != nil {
		t.Fatal(err)
	}
	perm := d.PermKey()
	if perm.DC != 3 || perm.ID == permDC2 {
		t.Fatalf("permanent key %s on DC %d; want a new one on DC 3", perm.ID, perm.DC)
	}
	temp, ok := d.TempKey()
	if !ok || !temp.Bound || temp.DC != 3 {
		t.Fatalf("temp key %+v; want one bound on DC 3", temp)
	}
	// The DC 3 key really is logged in: a call that needs it works.
	if err := d.Rotate(ctx); err != nil {
		t.Fatalf("rotate on DC 3: %v", err)
	}
	if err := d.Drop(ctx); err != nil {
		t.Fatalf("drop on DC 3 (DC 2's keys must not be probed here): %v", err)
	}
	d.Close()
	<-col.done
	st := model.NewState()
	for _, ev := range col.all() {
		st.Apply(ev)
	}
	if st.User == nil || st.HomeDC != 3 || st.Perm.DC != 3 {
		t.Fatalf("state: user %v home DC %d perm DC %d", st.User, st.HomeDC, st.Perm.DC)
	}
	if cur, ok := st.Current(); !ok || cur.DC != 3 || !cur.Bound {
		t.Fatalf("state's current key %+v; want bound on DC 3", cur)
	}
}

// TestDriverResetKeysAfterEncryptedMessageInvalid follows the spec's
// policy end to end: a permanent key the DC does not know fails the bind
// with ENCRYPTED_MESSAGE_INVALID, and ResetKeys drops both keys and starts
// over with a new permanent key, to which a new temporary key binds.
func TestDriverResetKeysAfterEncryptedMessageInvalid(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 1})
	opts := localOptions(c, 1)
	opts.PermKey = make([]byte, 256)
	opts.PermKey[0] = 1
	opts.PermSource = "a stale session"
	d := NewDriver(opts)
	defer d.Close()
	collect(d)
	ctx := context.Background()
	if err := d.Connect(ctx); err == nil {
		t.Fatal("a permanent key unknown to the DC bound")
	}
	stale := d.PermKey().ID
	if err := d.ResetKeys(ctx); err != nil {
		t.Fatalf("reset keys: %v", err)
	}
	perm := d.PermKey()
	if perm.ID == stale || perm.Source == "a stale session" {
		t.Fatalf("permanent key %s (%s) after the reset", perm.ID, perm.Source)
	}
	temp, ok := d.TempKey()
	if !ok || !temp.Bound {
		t.Fatalf("no bound temporary key after the reset: %+v", temp)
	}
	if err := d.GetConfig(ctx); err != nil {
		t.Fatalf("getConfig on the new keys: %v", err)
	}
}

// TestDriverExportKeepsTestDCIDs exports a login on a cluster that wants
// Telegram's test-DC dc ids (10000+n): the export's key exchange with DC 2
// must carry 10002, the rule a move uses too, or DC 2 answers -444.
func TestDriverExportKeepsTestDCIDs(t *testing.T) {
	c := startCluster(t, localdc.Config{DCs: 2, TestDCIDs: true})
	opts := localOptions(c, 1)
	opts.Addrs = map[int]string{2: c.Addr(2)}
	if opts.Target.ProtocolDC != 10001 {
		t.Fatalf("cluster's protocol dc id for DC 1 = %d", opts.Target.ProtocolDC)
	}
	d := NewDriver(opts)
	col := collect(d)
	ctx := context.Background()
	if err := d.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Login(ctx, model.TestPhone(1)); err != nil {
		t.Fatal(err)
	}
	if err := d.Export(ctx, 2); err != nil {
		t.Fatalf("export to DC 2: %v", err)
	}
	_ = d.Close()
	<-col.done
	var dcs []int
	for _, ev := range col.all() {
		if e, ok := ev.(model.HandshakeDone); ok {
			dcs = append(dcs, e.Transcript.DC)
		}
	}
	// perm and temp on DC 1, then perm and temp on DC 2.
	if len(dcs) != 4 || dcs[0] != 10001 || dcs[1] != 10001 || dcs[2] != 10002 || dcs[3] != 10002 {
		t.Fatalf("handshakes carried dc ids %v", dcs)
	}
}
