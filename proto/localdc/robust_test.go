package localdc

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"

	"tgpfs/model"
)

// signUp logs the client's key in with a new test phone of its DC.
func signUp(t *testing.T, rc *rawClient, phone string) {
	t.Helper()
	var sent tg.AuthSentCode
	rc.call(&tg.AuthSendCodeRequest{PhoneNumber: phone, APIID: 1, APIHash: "x"}).decode(t, &sent)
	a := rc.call(&tg.AuthSignUpRequest{PhoneNumber: phone, PhoneCodeHash: sent.PhoneCodeHash, FirstName: "T"})
	if a.rpcErr != nil {
		t.Fatalf("signUp: %v", a.rpcErr)
	}
}

func TestStateKeepsPermKeysAndLogins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dc.state")
	c1, err := Start(context.Background(), Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	p := newPFSClient(t, c1, 1, time.Hour)
	p.mustBind(t)
	signUp(t, p.rawClient, "9996610001")
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c1.StateErr(); err != nil {
		t.Fatalf("state write: %v", err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v, %v: want mode 0600", st, err)
	}

	c2 := startCluster(t, Config{StatePath: path})
	perms := c2.PermKeys(1)
	if len(perms) != 1 || perms[0].ID != model.KeyID(p.perm.IntID()) || perms[0].UserID == 0 {
		t.Fatalf("after restart: perm keys %+v", perms)
	}
	if len(c2.TempKeys(1, 0)) != 0 {
		t.Fatal("a temporary key survived a restart")
	}
	rc := dialRaw(t, c2.Addr(1))
	rc.use(p.temp, p.tempSalt)
	if a := rc.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("temp key after restart: %+v, want -404", a)
	}
	rc.use(p.perm, p.permSalt)
	rc.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).decode(t, &tg.UserClassVector{})

	// Without --state, a restart forgets the permanent key too.
	c3 := startCluster(t, Config{})
	rc3 := dialRaw(t, c3.Addr(1))
	rc3.use(p.perm, p.permSalt)
	if a := rc3.call(&tg.HelpGetConfigRequest{}); a.transport != 404 {
		t.Fatalf("perm key on a cluster without state: %+v, want -404", a)
	}
}

// closed reports whether the server closed the connection (a hang guard
// bounds the wait; it is not a timing assertion).
func closed(conn transport.Conn) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var b bin.Buffer
	for {
		err := conn.Recv(ctx, &b)
		if err == nil {
			continue
		}
		return ctx.Err() == nil
	}
}

func TestHostileInputClosesOnlyThatConnection(t *testing.T) {
	c := startCluster(t, Config{MaxFrame: 4096})
	good := permClient(t, c)

	t.Run("oversized frame", func(t *testing.T) {
		nc, err := net.Dial("tcp", c.Addr(1))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		var hdr [8]byte
		copy(hdr[:4], []byte{0xee, 0xee, 0xee, 0xee})
		binary.LittleEndian.PutUint32(hdr[4:], 1<<30)
		if _, err := nc.Write(hdr[:]); err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(20 * time.Second))
		if n, err := nc.Read(make([]byte, 1)); err == nil {
			t.Fatalf("read %d bytes, want the connection closed", n)
		}
	})
	t.Run("message that does not decrypt", func(t *testing.T) {
		rc := dialRaw(t, c.Addr(1))
		rc.use(good.key, good.salt)
		var b bin.Buffer
		id := good.key.ID
		b.Put(id[:])
		b.Put(make([]byte, 16+64)) // zero msg_key and ciphertext
		if err := rc.conn.Send(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if !closed(rc.conn) {
			t.Fatal("connection stayed open")
		}
	})
	t.Run("garbage handshake", func(t *testing.T) {
		rc := dialRaw(t, c.Addr(1))
		var b bin.Buffer
		b.Put(make([]byte, 8))
		b.PutLong(1 << 40)
		b.PutInt(4)
		b.PutID(0xdeadbeef)
		_ = rc.conn.Send(context.Background(), &b)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := rc.conn.Recv(ctx, &b); !containsCode(err, 404) {
			t.Fatalf("got %v, want -404", err)
		}
	})
	// The DC still serves the well-behaved client.
	good.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
}

func TestConnectionLimit(t *testing.T) {
	c := startCluster(t, Config{MaxConnsPerDC: 2})
	a, b := permClient(t, c), permClient(t, c)
	if err := floodAnswer(dialRaw(t, c.Addr(1))); !containsCode(err, 429) {
		t.Fatalf("third connection: %v, want -429", err)
	}
	a.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
	b.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
}

func TestInjectedFaults(t *testing.T) {
	t.Run("transport flood", func(t *testing.T) {
		c := startCluster(t, Config{Faults: Faults{TransportFloodCount: 1}})
		if err := floodAnswer(dialRaw(t, c.Addr(1))); !containsCode(err, 429) {
			t.Fatalf("first connection: %v, want -429", err)
		}
		permClient(t, c).call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
	})
	t.Run("flood wait", func(t *testing.T) {
		c := startCluster(t, Config{Faults: Faults{FloodWait: 3 * time.Second, FloodWaitCount: 1}})
		rc := permClient(t, c)
		if got := rc.call(&tg.HelpGetConfigRequest{}).errType(); got != "FLOOD_WAIT_3" {
			t.Fatalf("got %q", got)
		}
		rc.call(&tg.HelpGetConfigRequest{}).decode(t, &tg.Config{})
	})
	t.Run("phone migrate", func(t *testing.T) {
		c := startCluster(t, Config{Faults: Faults{PhoneMigrate: 2}})
		if got := permClient(t, c).call(&tg.AuthSendCodeRequest{PhoneNumber: "9996612345", APIID: 1, APIHash: "x"}).errType(); got != "PHONE_MIGRATE_2" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("auth key duplicated", func(t *testing.T) {
		c := startCluster(t, Config{Faults: Faults{AuthKeyDuplicated: true}})
		rc := permClient(t, c)
		signUp(t, rc, "9996610002")
		if got := rc.call(&tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}).errType(); got != "AUTH_KEY_DUPLICATED" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("test dc ids", func(t *testing.T) {
		c := startCluster(t, Config{TestDCIDs: true})
		if _, err := dialRaw(t, c.Addr(1)).exchange(1, 0); !containsCode(err, 444) {
			t.Fatalf("dc 1 on a test-mode DC: %v, want -444", err)
		}
		if _, err := dialRaw(t, c.Addr(1)).exchange(10001, 0); err != nil {
			t.Fatalf("dc 10001: %v", err)
		}
	})
}

// floodAnswer reads what the DC says to a connection it refuses: the
// transport error comes as soon as the transport is known.
func floodAnswer(rc *rawClient) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var b bin.Buffer
	return rc.conn.Recv(ctx, &b)
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	c, err := Start(context.Background(), Config{SweepEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	events, _ := c.Subscribe()
	nc, err := net.Dial("tcp", c.Addr(2)) // an idle connection mid-header
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rc := dialRaw(t, c.Addr(1))
	rc.mustExchange(1, 0)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-events; ok {
		for range events {
		}
	}
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i > 200 {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStateKeepsKeysOfDCsARunDoesNotHave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dc.state")
	c1, err := Start(context.Background(), Config{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	k2 := dialRaw(t, c1.Addr(2)).mustExchange(2, 0)
	_ = c1.Close()

	c2, err := Start(context.Background(), Config{DCs: 1, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	dialRaw(t, c2.Addr(1)).mustExchange(1, 0) // a change, so the one-DC run writes the file
	_ = c2.Close()
	if err := c2.StateErr(); err != nil {
		t.Fatal(err)
	}

	c3 := startCluster(t, Config{StatePath: path})
	if perms := c3.PermKeys(2); len(perms) != 1 || perms[0].ID != model.KeyID(k2.IntID()) {
		t.Fatalf("dc 2 keys after a one-DC run: %+v", perms)
	}
	if perms := c3.PermKeys(1); len(perms) != 1 {
		t.Fatalf("dc 1 keys: %+v", perms)
	}
}
