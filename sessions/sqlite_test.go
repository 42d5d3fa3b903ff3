package sessions

import (
	"database/sql"
	"encoding/hex"
	"testing"
)

func execSQLite(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
