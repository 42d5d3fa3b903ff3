package sessions

import (
	"database/sql"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"tgpfs/sessions/atomicfile"
)

// sqliteMagic starts every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// sqliteFile is the name used in errors before we know whose file it is.
const sqliteFile Format = "sqlite"

// openReadOnly opens a database without ever creating or changing it.
func openReadOnly(path string) (*sql.DB, error) {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+esc+"?mode=ro")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// schema is the part of a database's schema that tells session files apart.
type schema struct {
	tables  []string
	columns map[string][]string // table -> column names
}

func (s schema) has(table string, cols ...string) bool {
	have, ok := s.columns[table]
	if !ok {
		return false
	}
	for _, c := range cols {
		if !slices.Contains(have, c) {
			return false
		}
	}
	return true
}

func readSchema(db *sql.DB) (schema, error) {
	s := schema{columns: map[string][]string{}}
	rows, err := db.Query(`select name from sqlite_master where type = 'table' order by name`)
	if err != nil {
		return s, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return s, err
		}
		s.tables = append(s.tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, err
	}
	for _, t := range s.tables {
		cols, err := db.Query(`select name from pragma_table_info(?)`, t)
		if err != nil {
			return s, err
		}
		for cols.Next() {
			var c string
			if err := cols.Scan(&c); err != nil {
				cols.Close()
				return s, err
			}
			s.columns[t] = append(s.columns[t], c)
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// decodeSQLite reads a Telethon or Pyrogram .session file. Columns are read
// by name: Pyrogram's v2->v3 migration appends api_id at the end of the
// table, so positions differ between fresh and upgraded files.
func decodeSQLite(path string, want Format) (*Session, error) {
	db, err := openReadOnly(path)
	if err != nil {
		return nil, formatErr(sqliteFile, "open: %v", err)
	}
	defer db.Close()
	sc, err := readSchema(db)
	if err != nil {
		return nil, formatErr(sqliteFile, "truncated or not a database (%v)", err)
	}
	var got Format
	switch {
	case sc.has("sessions", "server_address", "port"):
		got = TelethonSQLite
	case sc.has("sessions", "test_mode") || sc.has("sessions", "api_id"):
		got = PyrogramSQLite
	case sc.has("datacenter", "id", "auth") && sc.has("version", "version"):
		got = telethonV2
	default:
		return nil, formatErr(sqliteFile, "no Telethon or Pyrogram sessions table in this database (tables: %s)", strings.Join(sc.tables, ", "))
	}
	if want != "" && want != got && !(want == TelethonSQLite && got == telethonV2) {
		return nil, formatErr(want, "the file has the %s schema", got)
	}
	switch got {
	case TelethonSQLite:
		return readTelethonSQLite(db, sc)
	case telethonV2:
		return readTelethonV2(db, sc)
	}
	return readPyrogramSQLite(db, sc)
}

// telethonV2 names Telethon 2's schema in errors; it reads as TelethonSQLite.
const telethonV2 Format = "telethon-sqlite (Telethon 2)"

// Telethon 2 (client/src/telethon/_impl/session/storage/sqlite.py, still a
// pre-release): version(version) = 10, datacenter(id, addr | ipv4_addr,
// [ipv6_addr,] auth) with one row per DC, user(id, dc, bot, ...) naming
// the home DC. The column names moved between its commits, so only the
// ones that matter are looked up, by name.
func readTelethonV2(db *sql.DB, sc schema) (*Session, error) {
	var version int
	if err := db.QueryRow(`select version from version`).Scan(&version); err != nil {
		return nil, formatErr(telethonV2, "read schema version: %v", noRows(err))
	}
	addrCol := ""
	for _, c := range []string{"addr", "ipv4_addr"} {
		if sc.has("datacenter", c) {
			addrCol = c
			break
		}
	}
	if addrCol == "" {
		return nil, formatErr(telethonV2, "datacenter table has neither addr nor ipv4_addr")
	}
	home, userID, bot := 0, int64(0), false
	if sc.has("user", "id", "dc") {
		botCol := "0"
		if sc.has("user", "bot") {
			botCol = "bot"
		}
		var b sql.NullInt64
		err := db.QueryRow(`select id, dc, `+botCol+` from user`).Scan(&userID, &home, &b)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, formatErr(telethonV2, "read user: %v", err)
		}
		bot = b.Int64 != 0
	}
	// The home DC's key; without a user row, the only DC that has one.
	rows, err := db.Query(`select id, ` + addrCol + `, auth from datacenter where auth is not null and length(auth) > 0 order by id`)
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
			key  []byte
		)
		if err := rows.Scan(&id, &addr, &key); err != nil {
			return nil, formatErr(telethonV2, "read datacenter row: %v", err)
		}
		withKeys++
		if s != nil && id != home {
			continue
		}
		s = &Session{DC: id, AuthKey: key}
		if host, port, err := net.SplitHostPort(addr.String); err == nil {
			s.Addr = host
			s.Port, _ = strconv.Atoi(port)
		} else {
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
	if withKeys > 1 {
		s.Extra = append(s.Extra, fmt.Sprintf("keys for %d DCs; the home DC %d is shown", withKeys, s.DC))
	}
	s.fillAddr()
	return s, nil
}

// Telethon 1.x: version(version), sessions(dc_id, server_address, port,
// auth_key, takeout_id [, tmp_auth_key]) with one row (telethon/sessions/sqlite.py).
const telethonSchemaMax = 8

func readTelethonSQLite(db *sql.DB, sc schema) (*Session, error) {
	if !sc.has("version", "version") {
		return nil, formatErr(TelethonSQLite, "no version(version) table")
	}
	var version int
	if err := db.QueryRow(`select version from version`).Scan(&version); err != nil {
		return nil, formatErr(TelethonSQLite, "read schema version: %v", noRows(err))
	}
	if version < 1 || version > telethonSchemaMax {
		return nil, formatErr(TelethonSQLite, "schema version %d; this reader knows versions 1 to %d", version, telethonSchemaMax)
	}
	if !sc.has("sessions", "dc_id", "auth_key") {
		return nil, formatErr(TelethonSQLite, "sessions table lacks dc_id or auth_key")
	}
	cols := []string{"dc_id", "server_address", "port", "auth_key"}
	hasTakeout, hasTmp := sc.has("sessions", "takeout_id"), sc.has("sessions", "tmp_auth_key")
	if hasTakeout {
		cols = append(cols, "takeout_id")
	}
	if hasTmp {
		cols = append(cols, "tmp_auth_key")
	}
	rows, err := db.Query(`select ` + strings.Join(cols, ", ") + ` from sessions`)
	if err != nil {
		return nil, formatErr(TelethonSQLite, "read sessions: %v", err)
	}
	defer rows.Close()
	var (
		s     *Session
		nrows int
	)
	for rows.Next() {
		nrows++
		var (
			dc      int
			addr    sql.NullString
			port    sql.NullInt64
			key     []byte
			takeout sql.NullInt64
			tmp     []byte
		)
		dest := []any{&dc, &addr, &port, &key}
		if hasTakeout {
			dest = append(dest, &takeout)
		}
		if hasTmp {
			dest = append(dest, &tmp)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, formatErr(TelethonSQLite, "read sessions row: %v", err)
		}
		if len(key) == 0 || s != nil {
			continue // Telethon keeps one row; skip empty ones
		}
		s = &Session{
			Format:     TelethonSQLite,
			Version:    fmt.Sprintf("schema %d", version),
			DC:         dc,
			Addr:       addr.String,
			Port:       int(port.Int64),
			AuthKey:    key,
			TakeoutID:  takeout.Int64,
			HasTempKey: len(tmp) > 0,
		}
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
	detail := "sessions(dc_id, server_address, port, auth_key"
	if hasTakeout {
		detail += ", takeout_id"
	}
	if hasTmp {
		detail += ", tmp_auth_key"
	}
	s.Why = fmt.Sprintf("SQLite with version(version) = %d and %s): Telethon 1.x .session", version, detail)
	s.fillAddr()
	return s, nil
}

// Pyrogram: version(number), sessions(dc_id, api_id, test_mode, auth_key,
// date, user_id, is_bot) (pyrogram/storage/sqlite_storage.py, VERSION = 3).
func readPyrogramSQLite(db *sql.DB, sc schema) (*Session, error) {
	version := 0
	if sc.has("version", "number") {
		if err := db.QueryRow(`select number from version`).Scan(&version); err != nil {
			return nil, formatErr(PyrogramSQLite, "read schema version: %v", noRows(err))
		}
	} else {
		return nil, formatErr(PyrogramSQLite, "no version(number) table")
	}
	if !sc.has("sessions", "dc_id", "auth_key") {
		return nil, formatErr(PyrogramSQLite, "sessions table lacks dc_id or auth_key")
	}
	// Optional columns are selected as NULL when absent (api_id before v3).
	col := func(name string) string {
		if sc.has("sessions", name) {
			return name
		}
		return "null"
	}
	q := fmt.Sprintf(`select dc_id, %s, %s, auth_key, %s, %s from sessions`,
		col("api_id"), col("test_mode"), col("user_id"), col("is_bot"))
	var (
		dc                         int
		apiID, test, userID, isBot sql.NullInt64
		key                        []byte
	)
	if err := db.QueryRow(q).Scan(&dc, &apiID, &test, &key, &userID, &isBot); err != nil {
		return nil, formatErr(PyrogramSQLite, "read sessions: %v", noRows(err))
	}
	if len(key) == 0 {
		return nil, formatErr(PyrogramSQLite, "no auth key in the sessions table: the session never logged in")
	}
	if len(key) != KeySize {
		return nil, formatErr(PyrogramSQLite, "auth_key is %d bytes, want %d", len(key), KeySize)
	}
	s := &Session{
		Format:        PyrogramSQLite,
		Version:       fmt.Sprintf("schema %d", version),
		Why:           fmt.Sprintf("SQLite with version(number) = %d and sessions(dc_id, api_id, test_mode, auth_key, date, user_id, is_bot): Pyrogram .session", version),
		DC:            dc,
		APIID:         int(apiID.Int64),
		TestMode:      test.Int64 != 0,
		TestModeKnown: test.Valid,
		UserID:        userID.Int64,
		IsBot:         isBot.Int64 != 0,
		AuthKey:       key,
	}
	s.fillAddr()
	return s, nil
}

func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("the table is empty")
	}
	return err
}

// Writers. Each creates the schema its library creates for a new file, so
// the library opens the file as its own without migrating it.

var telethonV7 = []string{
	`create table version (version integer primary key) without rowid`,
	`create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer) without rowid`,
	`create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer) without rowid`,
	`create table sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type)) without rowid`,
	`create table update_state (id integer primary key, pts integer, qts integer, date integer, seq integer) without rowid`,
	`insert into version values (7)`,
}

var pyrogramV3 = []string{
	`CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY, api_id INTEGER, test_mode INTEGER, auth_key BLOB, date INTEGER NOT NULL, user_id INTEGER, is_bot INTEGER)`,
	`CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER, type INTEGER NOT NULL, username TEXT, phone_number TEXT, last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER)))`,
	`CREATE TABLE version (number INTEGER PRIMARY KEY)`,
	`CREATE INDEX idx_peers_id ON peers (id)`,
	`CREATE INDEX idx_peers_username ON peers (username)`,
	`CREATE INDEX idx_peers_phone_number ON peers (phone_number)`,
	`CREATE TRIGGER trg_peers_last_update_on AFTER UPDATE ON peers BEGIN UPDATE peers SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER) WHERE id = NEW.id; END`,
	`INSERT INTO version VALUES (3)`,
}

func writeSQLite(path string, force bool, s *Session, f Format, now time.Time) error {
	var (
		stmts []string
		row   string
		args  []any
	)
	switch f {
	case TelethonSQLite:
		if s.Addr == "" {
			return &MissingFieldError{Target: f, Field: "addr"}
		}
		if err := checkPort(f, s.Port, 0xffff); err != nil {
			return err
		}
		stmts, row = telethonV7, `insert into sessions values (?, ?, ?, ?, ?)`
		var takeout any
		if s.TakeoutID != 0 {
			takeout = s.TakeoutID
		}
		args = []any{s.DC, s.Addr, s.Port, s.AuthKey, takeout}
	case PyrogramSQLite:
		if err := needPyrogramFields(f, s); err != nil {
			return err
		}
		stmts, row = pyrogramV3, `INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)`
		args = []any{s.DC, s.APIID, boolByte(s.TestMode), s.AuthKey, now.Unix(), s.UserID, boolByte(s.IsBot)}
	default:
		return fmt.Errorf("%s is not a SQLite format", f)
	}
	return atomicfile.Fill(path, force, func(tmp string) error {
		esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(tmp)
		db, err := sql.Open("sqlite", "file:"+esc)
		if err != nil {
			return err
		}
		defer db.Close()
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, q := range stmts {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("create %s schema: %w", f, err)
			}
		}
		if _, err := tx.Exec(row, args...); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		return db.Close()
	})
}
