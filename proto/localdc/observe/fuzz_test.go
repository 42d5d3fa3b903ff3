package observe

import (
	"encoding/json"
	"testing"
	"time"

	"tgpfs/model"
)

// FuzzObserver plays any sequence of observations, two bytes each (what,
// and which connection and key), into a small observer: it never panics,
// keeps its bounds, and always reports every verdict of the catalog.
func FuzzObserver(f *testing.F) {
	f.Add([]byte{0, 0x11, 1, 0x12, 4, 0x12, 3, 0x11, 2, 0x12})                   // perm, temp, bind, perm call
	f.Add([]byte{0, 0x01, 1, 0x02, 4, 0x02, 7, 0x02, 5, 0x12, 0, 0x13, 9, 0x03}) // forget, -404, new perm
	f.Add([]byte{10, 0x40, 11, 0x40, 12, 0x41, 0, 0x51, 6, 0x51, 8, 0x52})       // hostile, identity merges
	f.Fuzz(func(t *testing.T, script []byte) {
		o := New(Config{MaxClients: 3, MaxEvents: 4, MaxKeys: 2})
		now := t0
		for i := 0; i+1 < len(script); i += 2 {
			now = now.Add(time.Duration(script[i+1]&3) * 20 * time.Second)
			c := cn(int(script[i+1]>>4) % 4)
			k := model.KeyID(script[i+1]&0x0f) + 1
			switch script[i] % 14 {
			case 0:
				o.KeyMade(now, c, KeyMade{ID: k, Kind: model.Permanent})
			case 1:
				o.KeyMade(now, c, KeyMade{ID: k, Kind: model.Temporary, ExpiresIn: time.Minute})
			case 2:
				o.Call(now, c, Call{Key: k, Kind: model.Permanent, Method: "help.getConfig"})
			case 3:
				o.Call(now, c, Call{Key: k, Kind: model.Temporary, Method: "users.getUsers", Unbound: true})
			case 4:
				o.Bind(now, c, Bind{Temp: k, Perm: k ^ 1, PermCreated: t0, ExpiresAt: now.Add(time.Minute)})
			case 5:
				o.Bind(now, c, Bind{Temp: k, Perm: k ^ 1, PermCreated: t0, Outcome: BindRefused, Err: errEncryptedMessageInvalid})
			case 6:
				o.Bind(now, c, Bind{Temp: k, Perm: k ^ 1, MsgID: int64(k), Digest: uint64(k), Outcome: BindSalted})
			case 7:
				o.KeyEnded(now, k, Forgotten)
			case 8:
				o.KeyEnded(now, k, Restart)
			case 9:
				o.UnknownKey(now, c, k)
			case 10:
				o.HostileSent(now, c, model.HostileChecks()[int(k)%5], k)
			case 11:
				o.HostileAnswered(now, c, k%2 == 0, "sent something")
			case 12:
				o.ConnClosed(now, c.ID)
			case 13:
				o.Identity(now, c, model.ClientIdentity{APIID: int(k % 2)})
			}
			o.DrainNotices(nil)
		}
		r := o.Report(now)
		if len(r.Clients) > 4 {
			t.Fatalf("%d clients, bound 3 (+ client 0)", len(r.Clients))
		}
		for _, c := range r.Clients {
			if len(c.Events) > 4 || len(c.PermKeys) > 2 || len(c.TempKeys) > 2 || len(c.Verdicts) != len(model.VerdictCatalog()) {
				t.Fatalf("bounds: %+v", c)
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}
