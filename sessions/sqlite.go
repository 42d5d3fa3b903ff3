package sessions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"tgpfs/sessions/atomicfile"
	"tgpfs/sessions/safetext"
)

// sqliteMagic starts every SQLite 3 database file.
const sqliteMagic = "SQLite format 3\x00"

// sqliteFile is the name used in errors before we know whose file it is.
const sqliteFile Format = "sqlite"

// Bounds on what a SQLite session file may make us hold. Every value a
// session format keeps is small (a key is 256 bytes, mtcute's DC option 23),
// so SQLite itself refuses any longer value; schemas have a handful of
// tables and columns; one row is read per session.
const (
	maxSQLiteValue   = 64 << 10
	maxSQLiteTables  = 64
	maxSQLiteColumns = 64
	maxSQLiteRows    = 64
	sqliteLimitLen   = 0 // SQLITE_LIMIT_LENGTH
)

// querier is what the readers need of a database: a read-only connection.
type querier interface {
	QueryRow(query string, args ...any) *sql.Row
	Query(query string, args ...any) (*sql.Rows, error)
}

// roConn is one connection opened read-only and immutable.
type roConn struct {
	db *sql.DB
	c  *sql.Conn
}

func (r roConn) QueryRow(q string, args ...any) *sql.Row {
	return r.c.QueryRowContext(context.Background(), q, args...)
}

func (r roConn) Query(q string, args ...any) (*sql.Rows, error) {
	return r.c.QueryContext(context.Background(), q, args...)
}

func (r roConn) Close() {
	r.c.Close()
	r.db.Close()
}

// openImmutable opens a database so that nothing is ever written anywhere:
// mode=ro refuses writes, and immutable=1 tells SQLite the file cannot
// change, so it takes no locks and creates no -journal, -wal or -shm file
// next to it (a Telethon or mtcute file in WAL mode otherwise gets both).
// The price: changes still in a -wal file that was never checkpointed (the
// library is running, or crashed) are not seen; the caller says so.
func openImmutable(path string) (roConn, error) {
	dsn := "file:" + escapeSQLitePath(path) + "?mode=ro&immutable=1&_pragma=trusted_schema(0)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return roConn{}, err
	}
	db.SetMaxOpenConns(1)
	c, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return roConn{}, err
	}
	if _, err := sqlite.Limit(c, sqliteLimitLen, maxSQLiteValue); err != nil {
		c.Close()
		db.Close()
		return roConn{}, err
	}
	return roConn{db: db, c: c}, nil
}

func escapeSQLitePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
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

func readSchema(q querier) (schema, error) {
	s := schema{columns: map[string][]string{}}
	var err error
	s.tables, err = strings1(q, `select name from sqlite_master where type = 'table' order by name limit ?`, maxSQLiteTables)
	if err != nil {
		return s, err
	}
	for _, t := range s.tables {
		cols, err := strings1(q, `select name from pragma_table_info(?) limit ?`, t, maxSQLiteColumns)
		if err != nil {
			return s, err
		}
		s.columns[t] = cols
	}
	return s, nil
}

// strings1 runs a query of one text column.
func strings1(q querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// decodeSQLite reads a SQLite session file with the format whose schema it
// has. Columns are always read by name: libraries add them by migration, so
// positions differ between fresh and upgraded files.
func decodeSQLite(path string, want Format) (*Session, error) {
	db, err := openImmutable(path)
	if err != nil {
		return nil, formatErr(sqliteFile, "open: %v", err)
	}
	defer db.Close()
	sc, err := readSchema(db)
	if err != nil {
		return nil, formatErr(sqliteFile, "truncated or not a database (%v)", err)
	}
	var got *Descriptor
	for _, d := range registry {
		if d.sqlite != nil && d.sqlite.detect(sc) {
			got = d
			break
		}
	}
	if got == nil {
		return nil, formatErr(sqliteFile, "no session tables of a known library in this database (tables: %s)", safetext.Line(strings.Join(sc.tables, ", "), safetext.MaxQuoted))
	}
	if want != "" && want != got.Format {
		return nil, formatErr(want, "the file has the %s schema", got.Format)
	}
	s, err := got.sqlite.read(db, sc)
	if err != nil {
		return nil, err
	}
	if len(s.AuthKey) != KeySize {
		return nil, formatErr(got.Format, "the permanent key is %d bytes, want %d", len(s.AuthKey), KeySize)
	}
	if hasUncheckpointedWAL(path) {
		s.Extra = append(s.Extra, "a -wal file lies next to this file: changes not yet checkpointed into it are not shown (read-only, tgpfs never replays a journal)")
	}
	return s, nil
}

// blob reads a value that should be a key; SQLite refuses any value longer
// than maxSQLiteValue, so what comes back is small.
func blob(v any) []byte {
	switch b := v.(type) {
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	return nil
}

func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("the table is empty")
	}
	return err
}

// writeSQLite writes s in SQLite format f to path, atomically and 0600.
func writeSQLite(path string, force bool, s *Session, d *Descriptor, now time.Time) error {
	return atomicfile.Fill(path, force, func(tmp string) error {
		db, err := sql.Open("sqlite", "file:"+escapeSQLitePath(tmp))
		if err != nil {
			return err
		}
		defer db.Close()
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := d.sqlite.write(tx, s, now); err != nil {
			return fmt.Errorf("write %s file: %w", d.Format, err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		return db.Close()
	})
}

// execAll runs a library's schema statements.
func execAll(tx *sql.Tx, stmts []string) error {
	for _, q := range stmts {
		if _, err := tx.Exec(q); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	return nil
}

// hasUncheckpointedWAL reports whether a non-empty -wal file lies next to
// path: the library wrote changes that an immutable reader does not see.
func hasUncheckpointedWAL(path string) bool {
	fi, err := os.Lstat(path + "-wal")
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}
