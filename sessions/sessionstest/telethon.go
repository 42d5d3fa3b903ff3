package sessionstest

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// TelethonV8 describes a Telethon 1.40+ .session file (schema 8) to build.
type TelethonV8 struct {
	DC        int
	Addr      string
	Port      int
	Key       []byte
	TmpKey    []byte // nil: none stored
	TakeoutID int64  // 0: none
	// Stored is what SQLiteSession(..., store_tmp_auth_key_on_disk) was
	// given: without it Telethon writes an empty tmp_auth_key.
	Stored bool
	// Reloaded is a file Telethon has loaded and saved once more: it reads
	// the row back with takeout_id and tmp_auth_key swapped and writes them
	// back that way, so the key lands in takeout_id.
	Reloaded bool
	// Upgraded is a schema 7 file Telethon migrated to 8 (alter table add
	// column), rather than one it created as 8.
	Upgraded bool
	// WAL leaves the file in WAL journal mode, as a library that set
	// journal_mode = WAL does.
	WAL bool
}

// telethonV8Create is the schema Telethon 1.4x's telethon/sessions/
// sqlite.py creates for a new file, statement by statement (its
// _create_table runs "create table " + each definition), and
// telethonV7Create the one before, which its migration upgrades with
// "alter table sessions add column tmp_auth_key blob".
var (
	telethonV8Create = []string{
		"create table version (version integer primary key)",
		`create table sessions (
                    dc_id integer primary key,
                    server_address text,
                    port integer,
                    auth_key blob,
                    takeout_id integer,
                    tmp_auth_key blob
                )`,
		`create table entities (
                    id integer primary key,
                    hash integer not null,
                    username text,
                    phone integer,
                    name text,
                    date integer
                )`,
		`create table sent_files (
                    md5_digest blob,
                    file_size integer,
                    type integer,
                    id integer,
                    hash integer,
                    primary key(md5_digest, file_size, type)
                )`,
		`create table update_state (
                    id integer primary key,
                    pts integer,
                    qts integer,
                    date integer,
                    seq integer
                )`,
		"insert into version values (8)",
	}
	telethonV7Create = []string{
		"create table version (version integer primary key)",
		"create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer)",
		"create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer)",
		"create table sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type))",
		"create table update_state (id integer primary key, pts integer, qts integer, date integer, seq integer)",
		"insert into version values (7)",
	}
)

// WriteTelethonV8 writes fx to path the way Telethon 1.4x would: its
// _update_session_table deletes the row and inserts six values in this
// order, (dc_id, server_address, port, auth_key, takeout_id, tmp_key or
// b”), whichever columns they land in.
func WriteTelethonV8(t testing.TB, path string, fx TelethonV8) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if fx.WAL {
		exec("pragma journal_mode = wal")
	}
	var takeout any
	if fx.TakeoutID != 0 {
		takeout = fx.TakeoutID
	}
	tmp := []byte{}
	if fx.Stored && fx.TmpKey != nil {
		tmp = fx.TmpKey
	}
	if fx.Upgraded {
		for _, q := range telethonV7Create {
			exec(q)
		}
		exec("insert or replace into sessions values (?,?,?,?,?)", fx.DC, fx.Addr, fx.Port, fx.Key, takeout)
		exec("alter table sessions add column tmp_auth_key blob")
		exec("delete from version")
		exec("insert into version values (8)")
	} else {
		for _, q := range telethonV8Create {
			exec(q)
		}
	}
	// The first save after a load writes what the swapped read gave:
	// _takeout_id holds the old tmp_auth_key column, and the new
	// tmp_auth_key (an AuthKey of the old takeout_id, empty) is b''.
	a, b := takeout, any(tmp)
	if fx.Reloaded {
		a, b = any(tmp), takeout
		if takeout == nil {
			b = []byte{}
		}
	}
	exec("delete from sessions")
	exec("insert or replace into sessions values (?,?,?,?,?,?)", fx.DC, fx.Addr, fx.Port, fx.Key, a, b)
}
