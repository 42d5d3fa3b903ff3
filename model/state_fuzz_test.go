package model

import (
	"slices"
	"testing"
	"time"
)

// FuzzApply feeds arbitrary event sequences (each byte picks an event and
// the keys it names from a small set) and checks what must always hold:
// the current key is one of ours, live and bound or pending; history never
// holds it; the bounded lists stay bounded; Busy only holds started actions.
func FuzzApply(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{0, 1, 2, 1, 2, 5, 6, 7})
	f.Add([]byte{0, 1, 2, 4, 9, 10, 11, 8, 3, 3})
	f.Add([]byte{1, 13, 2, 12, 14, 0, 1, 2, 6})
	ids := []KeyID{0x11, 0x22, 0x33, 0x44}
	f.Fuzz(func(t *testing.T, ops []byte) {
		s := NewState()
		s.Apply(PermKeyReady{At: t0, Key: PermKey{ID: perm, DC: 2}})
		for i, op := range ops {
			at := t0.Add(time.Duration(i) * time.Second)
			id := ids[int(op>>4)%len(ids)]
			switch op % 16 {
			case 0:
				s.Apply(TempKeyCreated{At: at, Key: TempKey{ID: id, DC: 2, ExpiresIn: 90 * time.Second}})
			case 1:
				s.Apply(TempKeyBound{At: at, ID: id, PermID: perm, ExpiresAt: at.Add(90 * time.Second)})
			case 2:
				s.Apply(TempKeyEnded{At: at, ID: id, How: TempEnd(1 + int(op>>6)%5)})
			case 3:
				s.Apply(KeysDropped{At: at, Except: []KeyID{id}, Gone: ids[:int(op>>6)%3]})
			case 4:
				s.Apply(BindFailed{At: at, ID: id, Type: "ENCRYPTED_MESSAGE_INVALID"})
			case 5:
				s.Expire(at.Add(time.Duration(op>>4) * 10 * time.Second))
			case 6:
				s.Apply(TempKeyCreated{At: at, Key: TempKey{ID: id, DC: 3}})
			case 7:
				s.Apply(TempKeyBound{At: at, ID: id, PermID: 0x9999, ExpiresAt: at.Add(time.Minute)})
			case 8:
				s.Apply(ActionStarted{At: at, Action: "rotate"})
			case 9:
				s.Apply(ActionDone{At: at, Action: "rotate", Err: "boom"})
			case 10:
				s.Apply(LoggedIn{At: at, DC: 2, User: User{ID: 1}})
			case 11:
				s.Apply(LoggedOut{At: at, DC: 2})
			case 12:
				s.Apply(ClockSynced{At: at, Offset: time.Duration(op) * time.Millisecond})
			case 13:
				s.Apply(ServerEvent{At: at, DC: 2, Kind: ServerEventKind(int(op>>4) % 10), KeyID: id, KeyKind: Temporary})
			case 14:
				s.Apply(RenewalChanged{At: at, Paused: op&0x10 != 0})
			case 15:
				s.Apply(Exported{At: at, FromDC: 2, ToDC: 3})
			}
			if cur, ok := s.Current(); ok {
				if cur.End != Live {
					t.Fatalf("op %d: current key %s has ended (%s)", i, cur.ID, cur.End)
				}
				if s.Foreign(cur.ID) {
					t.Fatalf("op %d: current key %s belongs to another DC", i, cur.ID)
				}
				if slices.ContainsFunc(s.History(), func(k TempKey) bool { return k.ID == cur.ID }) {
					t.Fatalf("op %d: current key %s is in the history", i, cur.ID)
				}
			}
			if len(s.Log) > MaxLog || len(s.ServerEvents) > MaxServerEvents || len(s.Transcripts) > MaxTranscripts {
				t.Fatalf("op %d: unbounded lists", i)
			}
			for name := range s.Busy {
				if name != "rotate" {
					t.Fatalf("op %d: busy with %q", i, name)
				}
			}
		}
	})
}
