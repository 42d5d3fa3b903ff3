package sessions

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"tgpfs/sessions/safetext"

	"github.com/gotd/td/bin"
)

// MtcuteSQLite is mtcute's SqliteStorage (@mtcute/core storage/sqlite,
// written by @mtcute/node with better-sqlite3, in WAL mode): every
// repository creates its tables by a numbered migration recorded in
// mtcute_migrations(repo, version):
//
//	auth_keys(dc, key)                                     auth_keys 1
//	temp_auth_keys(dc, idx, key, expires)                  auth_keys 1
//	key_value(key, value): dc_main, dc_media, current_user kv 1
//	peers(...), message_refs(...)                          peers 2, ref_messages 1
//
// temp_auth_keys is the point of reading it: with network.usePfs mtcute
// stores each main connection's bound temporary key on disk.
const MtcuteSQLite Format = "mtcute-sqlite"

var mtcuteSQLiteFormat = &Descriptor{
	Format:  MtcuteSQLite,
	Name:    "mtcute SqliteStorage",
	Kind:    KindFile,
	Records: Recorded{Addr: true, TestMode: true, UserID: true, IsBot: true, TempKeys: true},
	Needs:   []Field{FieldAddr, FieldPort},
	sqlite: &sqliteCodec{
		detect: func(sc schema) bool {
			return sc.has("auth_keys", "dc", "key") && sc.has("key_value", "key", "value")
		},
		read: readMtcuteSQLite,
		check: func(s *Session) error {
			_, err := dcOptionOf(MtcuteSQLite, s)
			return err
		},
		write: writeMtcuteSQLite,
	},
}

func readMtcuteSQLite(q querier, sc schema) (*Session, error) {
	s := &Session{Format: MtcuteSQLite}
	rec := Recorded{TempKeys: sc.has("temp_auth_keys", "dc", "idx", "key", "expires")}
	keys := map[int][]byte{}
	var dcs []int
	rows, err := q.Query(`select dc, key from auth_keys order by dc limit ?`, maxSQLiteRows)
	if err != nil {
		return nil, formatErr(MtcuteSQLite, "read auth_keys: %v", err)
	}
	for rows.Next() {
		var dc int
		var key any
		if err := rows.Scan(&dc, &key); err != nil {
			rows.Close()
			return nil, formatErr(MtcuteSQLite, "read auth_keys row: %v", err)
		}
		keys[dc] = blob(key)
		dcs = append(dcs, dc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, formatErr(MtcuteSQLite, "read auth_keys: %v", err)
	}

	main, err := kvValue(q, "dc_main")
	if err != nil {
		return nil, err
	}
	if main != nil {
		o, err := parseDCOption(main)
		if err != nil {
			return nil, formatErr(MtcuteSQLite, "key_value dc_main: %v", err)
		}
		s.applyDCOption(o)
		rec.Addr, rec.TestMode = true, true
	}
	switch {
	case len(dcs) == 0:
		return nil, formatErr(MtcuteSQLite, "no permanent key in auth_keys: the storage never connected")
	case main == nil:
		// mtcute takes the DC from the client's defaultDcs until the
		// first login or import stores dc_main.
		s.DC = dcs[0]
		s.Extra = append(s.Extra, fmt.Sprintf("no dc_main in key_value (mtcute uses the client's defaultDcs until a login stores it): DC %d is the first with a key", s.DC))
	case keys[s.DC] == nil:
		return nil, formatErr(MtcuteSQLite, "no permanent key for the home DC %d in auth_keys (keys for DC %s)", s.DC, dcList(keys))
	}
	s.AuthKey = keys[s.DC]
	if len(s.AuthKey) != KeySize {
		return nil, formatErr(MtcuteSQLite, "auth_keys holds a %d-byte key for DC %d, want %d", len(s.AuthKey), s.DC, KeySize)
	}
	if len(dcs) > 1 {
		s.Extra = append(s.Extra, fmt.Sprintf("permanent keys for DC %s; the home DC %d is shown", dcList(keys), s.DC))
	}

	user, err := kvValue(q, "current_user")
	if err != nil {
		return nil, err
	}
	if len(user) > 0 {
		u, err := parseMtcuteUser(user)
		if err != nil {
			return nil, formatErr(MtcuteSQLite, "key_value current_user: %v", err)
		}
		s.UserID, s.IsBot = u.id, u.bot
		rec.UserID, rec.IsBot = true, true
	}
	if rec.TempKeys {
		if s.TempKeys, err = readMtcuteTempKeys(q); err != nil {
			return nil, err
		}
	}
	s.recorded = &rec
	s.Version = "migrations " + migrations(q)
	s.Why = "SQLite with auth_keys(dc, key), temp_auth_keys and key_value(key, value): mtcute SqliteStorage"
	s.fillAddr()
	return s, nil
}

func kvValue(q querier, key string) ([]byte, error) {
	var v any
	err := q.QueryRow(`select value from key_value where key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, formatErr(MtcuteSQLite, "read key_value %s: %v", key, err)
	}
	return blob(v), nil
}

// readMtcuteTempKeys reads every stored temporary key, expired or not:
// mtcute never deletes an expired one, it only stops asking for it.
func readMtcuteTempKeys(q querier) ([]TempKey, error) {
	rows, err := q.Query(`select dc, idx, key, expires from temp_auth_keys order by dc, idx limit ?`, maxSQLiteRows)
	if err != nil {
		return nil, formatErr(MtcuteSQLite, "read temp_auth_keys: %v", err)
	}
	defer rows.Close()
	var out []TempKey
	for rows.Next() {
		var (
			dc, idx int
			key     any
			expires int64
		)
		if err := rows.Scan(&dc, &idx, &key, &expires); err != nil {
			return nil, formatErr(MtcuteSQLite, "read temp_auth_keys row: %v", err)
		}
		k := blob(key)
		if len(k) != KeySize {
			return nil, formatErr(MtcuteSQLite, "temp_auth_keys holds a %d-byte key for DC %d, want %d", len(k), dc, KeySize)
		}
		out = append(out, TempKey{DC: dc, Index: idx, Key: k, ExpiresAt: mtcuteExpiry(expires)})
	}
	return out, rows.Err()
}

// mtcuteExpiry reads temp_auth_keys.expires. mtcute's network manager
// stores expires_at * 1000, milliseconds since the epoch (network-manager:
// setTemp(dcId, idx, key, expires * 1e3)), though the repository interface
// documents seconds; a value below 10^11 (the year 5138 in seconds, 1973 in
// milliseconds) is taken as seconds, as another writer of the interface
// would store it.
//
// mtcute 0.30 then looks a key up with getTemp(dc, idx, performance.now()),
// milliseconds since the process started, so to mtcute itself a stored key
// never expires: after a restart it reuses one the DC has forgotten and
// learns so from a -404.
func mtcuteExpiry(v int64) time.Time {
	if v < 1e11 {
		return time.Unix(v, 0).UTC()
	}
	return time.UnixMilli(v).UTC()
}

// migrations lists mtcute_migrations: "auth_keys 1, kv 1, peers 2".
func migrations(q querier) string {
	rows, err := q.Query(`select repo, version from mtcute_migrations order by repo limit ?`, maxSQLiteRows)
	if err != nil {
		return "not recorded"
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var repo string
		var v int
		if rows.Scan(&repo, &v) == nil {
			parts = append(parts, fmt.Sprintf("%s %d", safetext.Line(repo, 32), v))
		}
	}
	if len(parts) == 0 {
		return "not recorded"
	}
	return strings.Join(parts, ", ")
}

// parseMtcuteUser reads key_value current_user: int32 version 1, int32
// flags (1: bot, 2: usernames, 4: premium), int53 user id, [usernames].
func parseMtcuteUser(raw []byte) (mtcuteUser, error) {
	b := &bin.Buffer{Buf: raw}
	v, err := b.Int32()
	if err != nil || v != 1 {
		return mtcuteUser{}, fmt.Errorf("version %d, mtcute reads 1", v)
	}
	flags, err := b.Int32()
	if err != nil {
		return mtcuteUser{}, fmt.Errorf("flags: %w", err)
	}
	id, err := b.Int53()
	if err != nil {
		return mtcuteUser{}, fmt.Errorf("user id: %w", err)
	}
	return mtcuteUser{id: id, bot: flags&1 != 0}, nil
}

func (u mtcuteUser) encode() []byte {
	b := &bin.Buffer{}
	b.PutInt32(1)
	var flags int32
	if u.bot {
		flags |= 1
	}
	b.PutInt32(flags)
	b.PutInt53(u.id)
	return b.Buf
}

// The tables mtcute's migrations create, and the versions they record, so
// that mtcute opens our file without migrating it.
var mtcuteSchema = []string{
	`create table mtcute_migrations (repo text not null primary key, version integer not null)`,
	`create table auth_keys (dc integer primary key, key blob not null)`,
	`create table temp_auth_keys (dc integer not null, idx integer not null, key blob not null, expires integer not null, primary key (dc, idx))`,
	`create table key_value (key text primary key, value blob not null)`,
	`create table message_refs (peer_id integer not null, chat_id integer not null, msg_id integer not null)`,
	`create index idx_message_refs_peer on message_refs (peer_id)`,
	`create index idx_message_refs on message_refs (chat_id, msg_id)`,
	`create table peers (id integer primary key, hash text not null, usernames json not null, updated integer not null, phone text, complete blob, isMin integer not null default false)`,
	`create index idx_peers_usernames on peers (usernames)`,
	`create index idx_peers_phone on peers (phone)`,
	`insert into mtcute_migrations (repo, version) values ('auth_keys', 1), ('kv', 1), ('ref_messages', 1), ('peers', 2)`,
}

// writeMtcuteSQLite stores the permanent key, the DC and the user; never a
// temporary key.
func writeMtcuteSQLite(tx *sql.Tx, s *Session, _ time.Time) error {
	opt, err := dcOptionOf(MtcuteSQLite, s)
	if err != nil {
		return err
	}
	if err := execAll(tx, mtcuteSchema); err != nil {
		return err
	}
	if _, err := tx.Exec(`insert into auth_keys (dc, key) values (?, ?)`, s.DC, s.AuthKey); err != nil {
		return err
	}
	if _, err := tx.Exec(`insert into key_value (key, value) values ('dc_main', ?)`, opt.encode()); err != nil {
		return err
	}
	if s.UserID != 0 {
		u := mtcuteUser{id: s.UserID, bot: s.IsBot}
		if _, err := tx.Exec(`insert into key_value (key, value) values ('current_user', ?)`, u.encode()); err != nil {
			return err
		}
	}
	return nil
}
