package sessions

import (
	"database/sql"
	"fmt"
	"time"
)

// PyrogramSQLite is Pyrogram's .session file: version(number),
// sessions(dc_id, api_id, test_mode, auth_key, date, user_id, is_bot)
// (pyrogram/storage/sqlite_storage.py, VERSION = 3). Its v2->v3 migration
// appends api_id at the end of the table, so positions differ between
// fresh and upgraded files: columns are read by name.
const PyrogramSQLite Format = "pyrogram-sqlite"

var pyrogramSQLiteFormat = &Descriptor{
	Format:  PyrogramSQLite,
	Name:    "Pyrogram .session (SQLite)",
	Kind:    KindFile,
	Records: Recorded{TestMode: true, UserID: true, APIID: true, IsBot: true},
	Needs:   []Field{FieldAPIID, FieldUserID},
	sqlite: &sqliteCodec{
		detect: func(sc schema) bool {
			return !sc.has("sessions", "server_address") && (sc.has("sessions", "test_mode") || sc.has("sessions", "api_id"))
		},
		read:  readPyrogramSQLite,
		check: func(s *Session) error { return checkPyrogramFields(PyrogramSQLite, s) },
		write: writePyrogramSQLite,
	},
}

func readPyrogramSQLite(q querier, sc schema) (*Session, error) {
	if !sc.has("version", "number") {
		return nil, formatErr(PyrogramSQLite, "no version(number) table")
	}
	version := 0
	if err := q.QueryRow(`select number from version`).Scan(&version); err != nil {
		return nil, formatErr(PyrogramSQLite, "read schema version: %v", noRows(err))
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
	query := fmt.Sprintf(`select dc_id, %s, %s, auth_key, %s, %s from sessions`,
		col("api_id"), col("test_mode"), col("user_id"), col("is_bot"))
	var (
		dc                         int
		apiID, test, userID, isBot sql.NullInt64
		key                        any
	)
	if err := q.QueryRow(query).Scan(&dc, &apiID, &test, &key, &userID, &isBot); err != nil {
		return nil, formatErr(PyrogramSQLite, "read sessions: %v", noRows(err))
	}
	k := blob(key)
	if len(k) == 0 {
		return nil, formatErr(PyrogramSQLite, "no auth key in the sessions table: the session never logged in")
	}
	if len(k) != KeySize {
		return nil, formatErr(PyrogramSQLite, "auth_key is %d bytes, want %d", len(k), KeySize)
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
		AuthKey:       k,
	}
	s.fillAddr()
	return s, nil
}

// The schema Pyrogram creates for a new file, so that Pyrogram opens ours
// as its own without migrating it.
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

func writePyrogramSQLite(tx *sql.Tx, s *Session, now time.Time) error {
	if err := execAll(tx, pyrogramV3); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.DC, s.APIID, boolByte(s.TestMode), s.AuthKey, now.Unix(), s.UserID, boolByte(s.IsBot))
	return err
}
