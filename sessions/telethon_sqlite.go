package sessions

import (
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// TelethonSQLite is Telethon's .session file: 1.x schemas 1 to 8
// (telethon/sessions/sqlite.py) and Telethon 2's (read only).
const TelethonSQLite Format = "telethon-sqlite"

var telethonSQLiteFormat = &Descriptor{
	Format:  TelethonSQLite,
	Name:    "Telethon .session (SQLite)",
	Kind:    KindFile,
	Records: Recorded{Addr: true, TempKeys: true},
	Needs:   []Field{FieldAddr, FieldPort},
	sqlite: &sqliteCodec{
		detect: func(sc schema) bool {
			return sc.has("sessions", "server_address", "port") || isTelethonV2(sc)
		},
		read: func(q querier, sc schema) (*Session, error) {
			if isTelethonV2(sc) {
				return readTelethonV2(q, sc)
			}
			return readTelethonSQLite(q, sc)
		},
		check: func(s *Session) error { return checkPort(TelethonSQLite, s.Port, 0xffff) },
		write: writeTelethonSQLite,
	},
}

// Telethon 1.x: version(version), sessions(dc_id, server_address, port,
// auth_key, takeout_id [, tmp_auth_key]) with one row. Schema 8 (Telethon
// 1.40 and later) adds tmp_auth_key, filled only with
// SQLiteSession(..., store_tmp_auth_key_on_disk=True).
//
// The schema 8 text is Telethon 1.4x's sqlite.py (read in a fork that
// carries it, hairpin01/Telethon-MCUB, as this machine's mirror of
// LonamiWebs/Telethon stops at 1.37 and PyPI is out of reach). That code
// creates the columns in the order above and inserts its six values in the
// same order, but unpacks `select *` as (dc_id, server_address, port,
// auth_key, tmp_auth_key, takeout_id): after a load and a save the two last
// values trade columns, so a stored temporary key can sit in takeout_id and
// a takeout id in tmp_auth_key. Both columns are read by type, not name.
const telethonSchemaMax = 8

func readTelethonSQLite(q querier, sc schema) (*Session, error) {
	if !sc.has("version", "version") {
		return nil, formatErr(TelethonSQLite, "no version(version) table")
	}
	var version int
	if err := q.QueryRow(`select version from version`).Scan(&version); err != nil {
		return nil, formatErr(TelethonSQLite, "read schema version: %v", noRows(err))
	}
	if version < 1 || version > telethonSchemaMax {
		return nil, formatErr(TelethonSQLite, "schema version %d; this reader knows versions 1 to %d", version, telethonSchemaMax)
	}
	if !sc.has("sessions", "dc_id", "auth_key") {
		return nil, formatErr(TelethonSQLite, "sessions table lacks dc_id or auth_key")
	}
	hasTakeout, hasTmp := sc.has("sessions", "takeout_id"), sc.has("sessions", "tmp_auth_key")
	col := func(has bool, name string) string {
		if has {
			return name
		}
		return "null"
	}
	rows, err := q.Query(`select dc_id, server_address, port, auth_key, `+
		col(hasTakeout, "takeout_id")+`, `+col(hasTmp, "tmp_auth_key")+` from sessions limit ?`, maxSQLiteRows)
	if err != nil {
		return nil, formatErr(TelethonSQLite, "read sessions: %v", err)
	}
	defer rows.Close()
	var (
		s     *Session
		nrows int
		last2 [2]any
	)
	for rows.Next() {
		nrows++
		var (
			dc   int
			addr sql.NullString
			port sql.NullInt64
			key  any
			a, b any
		)
		if err := rows.Scan(&dc, &addr, &port, &key, &a, &b); err != nil {
			return nil, formatErr(TelethonSQLite, "read sessions row: %v", err)
		}
		if len(blob(key)) == 0 || s != nil {
			continue // Telethon keeps one row; skip empty ones
		}
		s = &Session{
			Format:  TelethonSQLite,
			Version: fmt.Sprintf("schema %d", version),
			DC:      dc,
			Addr:    addr.String,
			Port:    int(port.Int64),
			AuthKey: blob(key),
		}
		last2 = [2]any{a, b}
	}
	if err := rows.Err(); err != nil {
		return nil, formatErr(TelethonSQLite, "read sessions: %v", err)
	}
	if s == nil {
		return nil, formatErr(TelethonSQLite, "no auth key in the sessions table (%d rows): the session never logged in", nrows)
	}
	if len(s.AuthKey) != KeySize {
		return nil, formatErr(TelethonSQLite, "auth_key is %d bytes, want %d", len(s.AuthKey), KeySize)
	}
	if err := s.telethonTail(last2, hasTmp); err != nil {
		return nil, err
	}
	detail := "sessions(dc_id, server_address, port, auth_key"
	if hasTakeout {
		detail += ", takeout_id"
	}
	if hasTmp {
		detail += ", tmp_auth_key"
	}
	s.Why = fmt.Sprintf("SQLite with version(version) = %d and %s): Telethon 1.x .session", version, detail)
	s.recorded = &Recorded{Addr: true, TempKeys: hasTmp}
	s.fillAddr()
	return s, nil
}

// telethonTail sorts the values of the takeout_id and tmp_auth_key columns
// by what they are: an integer is the takeout id, a 256-byte blob the
// temporary key, an empty blob or NULL nothing.
func (s *Session) telethonTail(vals [2]any, hasTmp bool) error {
	names := [2]string{"takeout_id", "tmp_auth_key"}
	for i, v := range vals {
		switch x := v.(type) {
		case nil:
		case int64:
			s.TakeoutID = x
			if i == 1 {
				s.Extra = append(s.Extra, "the takeout id sits in the tmp_auth_key column (Telethon 1.4x reads the two columns swapped and writes them back that way)")
			}
		case []byte, string:
			k := blob(x)
			switch {
			case len(k) == 0:
			case len(k) == KeySize:
				s.TempKeys = append(s.TempKeys, TempKey{DC: s.DC, Key: k})
				if i == 0 {
					s.Extra = append(s.Extra, "the temporary key sits in the takeout_id column (Telethon 1.4x reads the two columns swapped and writes them back that way)")
				}
			default:
				return formatErr(TelethonSQLite, "%s holds %d bytes: neither a takeout id nor a %d-byte key", names[i], len(k), KeySize)
			}
		default:
			return formatErr(TelethonSQLite, "%s holds a %T: neither a takeout id nor a key", names[i], v)
		}
	}
	if len(s.TempKeys) > 0 && !hasTmp {
		return formatErr(TelethonSQLite, "a key in takeout_id of a schema without tmp_auth_key")
	}
	return nil
}

// Telethon 2 (client/src/telethon/_impl/session/storage/sqlite.py, still a
// pre-release): version(version) = 10, datacenter(id, addr | ipv4_addr |
// ipv4, [ipv6...,] [port,] auth) with one row per DC, user(id, dc, bot, ...)
// naming the home DC. The column names moved between its commits, so only
// the ones that matter are looked up, by name.
func isTelethonV2(sc schema) bool {
	return sc.has("datacenter", "id", "auth") && sc.has("version", "version")
}

const telethonV2 Format = "telethon-sqlite (Telethon 2)"

func readTelethonV2(q querier, sc schema) (*Session, error) {
	var version int
	if err := q.QueryRow(`select version from version`).Scan(&version); err != nil {
		return nil, formatErr(telethonV2, "read schema version: %v", noRows(err))
	}
	addrCol := ""
	for _, c := range []string{"addr", "ipv4_addr", "ipv4"} {
		if sc.has("datacenter", c) {
			addrCol = c
			break
		}
	}
	if addrCol == "" {
		return nil, formatErr(telethonV2, "datacenter table has neither addr nor ipv4_addr")
	}
	portCol := "null"
	if sc.has("datacenter", "port") {
		portCol = "port"
	}
	home, userID, bot := 0, int64(0), false
	if sc.has("user", "id", "dc") {
		botCol := "0"
		if sc.has("user", "bot") {
			botCol = "bot"
		}
		var b sql.NullInt64
		err := q.QueryRow(`select id, dc, `+botCol+` from user`).Scan(&userID, &home, &b)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, formatErr(telethonV2, "read user: %v", err)
		}
		bot = b.Int64 != 0
	}
	// The home DC's key; without a user row, the first DC that has one.
	rows, err := q.Query(`select id, `+addrCol+`, `+portCol+`, auth from datacenter where auth is not null and length(auth) > 0 order by id limit ?`, maxSQLiteRows)
	if err != nil {
		return nil, formatErr(telethonV2, "read datacenter: %v", err)
	}
	defer rows.Close()
	var s *Session
	withKeys := 0
	for rows.Next() {
		var (
			id   int
			addr sql.NullString
			port sql.NullInt64
			key  any
		)
		if err := rows.Scan(&id, &addr, &port, &key); err != nil {
			return nil, formatErr(telethonV2, "read datacenter row: %v", err)
		}
		withKeys++
		if s != nil && id != home {
			continue
		}
		s = &Session{DC: id, AuthKey: blob(key)}
		host, p, err := net.SplitHostPort(addr.String)
		switch {
		case err == nil:
			s.Addr = host
			s.Port, _ = strconv.Atoi(p)
		case port.Valid:
			s.Addr, s.Port = addr.String, int(port.Int64)
		default:
			s.Addr, s.Port = addr.String, 443
		}
	}
	if err := rows.Err(); err != nil {
		return nil, formatErr(telethonV2, "read datacenter: %v", err)
	}
	if s == nil {
		return nil, formatErr(telethonV2, "no auth key in the datacenter table: the session never logged in")
	}
	if len(s.AuthKey) != KeySize {
		return nil, formatErr(telethonV2, "auth is %d bytes, want %d", len(s.AuthKey), KeySize)
	}
	s.Format = TelethonSQLite
	s.Version = fmt.Sprintf("Telethon 2, schema %d", version)
	s.Why = fmt.Sprintf("SQLite with version(version) = %d and datacenter(id, %s, auth): Telethon 2 .session (read only; converting to telethon-sqlite writes schema 7, which Telethon 2 migrates)", version, addrCol)
	s.UserID, s.IsBot = userID, bot
	s.recorded = &Recorded{Addr: true, UserID: true, IsBot: true}
	if withKeys > 1 {
		s.Extra = append(s.Extra, fmt.Sprintf("keys for %d DCs; the home DC %d is shown", withKeys, s.DC))
	}
	s.fillAddr()
	return s, nil
}

// The writer creates Telethon 1.x's schema 7, the one every 1.x reads and
// 1.40+ upgrades to 8 by adding tmp_auth_key.
var telethonV7 = []string{
	`create table version (version integer primary key) without rowid`,
	`create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer) without rowid`,
	`create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer) without rowid`,
	`create table sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type)) without rowid`,
	`create table update_state (id integer primary key, pts integer, qts integer, date integer, seq integer) without rowid`,
	`insert into version values (7)`,
}

func writeTelethonSQLite(tx *sql.Tx, s *Session, _ time.Time) error {
	if err := execAll(tx, telethonV7); err != nil {
		return err
	}
	var takeout any
	if s.TakeoutID != 0 {
		takeout = s.TakeoutID
	}
	_, err := tx.Exec(`insert into sessions values (?, ?, ?, ?, ?)`, s.DC, s.Addr, s.Port, s.AuthKey, takeout)
	return err
}
