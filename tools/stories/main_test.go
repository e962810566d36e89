package stories

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// envTestDatabaseURL names the PostgreSQL server the tests use (a throwaway
// cluster: scripts/test.sh starts one with scripts/pg-throwaway.sh). When it
// is empty, TestMain starts its own throwaway cluster if initdb is
// installed; with neither, the PostgreSQL half of every test fails when
// CI=true or STORYGUARD_REQUIRE_TOOLS=1 (scripts/test.sh) and is left out
// otherwise.
const envTestDatabaseURL = "STORYGUARD_TEST_DATABASE_URL"

var pgURL string

// pgData is the throwaway cluster's data folder, when known (TestMain
// started it, or STORYGUARD_TEST_PGDATA names it): the raw-file tests
// grep it.
var pgData string

func TestMain(m *testing.M) {
	pgURL = os.Getenv(envTestDatabaseURL)
	pgData = os.Getenv("STORYGUARD_TEST_PGDATA")
	stop := func() {}
	if pgURL == "" {
		if dir, err := os.MkdirTemp("", "sg-pg-"); err == nil {
			script := filepath.Join("..", "..", "scripts", "pg-throwaway.sh")
			out, err := exec.Command("bash", script, "start", dir).Output()
			if err == nil {
				pgURL = strings.TrimSpace(string(out))
				pgData = filepath.Join(dir, "data")
				stop = func() { exec.Command("bash", script, "stop", dir).Run() }
			} else {
				os.RemoveAll(dir)
			}
		}
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// testKeys returns a fresh vault identity and its recipient.
func testKeys(t testing.TB) (*age.X25519Identity, []age.Recipient) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id, []age.Recipient{id.Recipient()}
}

// engine opens fresh stores on one database engine.
type engine struct {
	name string
	open func(t testing.TB, opt Options) *Store
	// where returns the Options that reopen the same database.
	where Options
}

// engines returns SQLite and PostgreSQL, each on a fresh, empty database
// (PostgreSQL: a schema of its own, dropped after the test). Without a
// PostgreSQL server the PostgreSQL engine fails the test when CI=true and
// is left out otherwise (logged).
func engines(t *testing.T) []engine {
	t.Helper()
	dir := t.TempDir()
	lite := Options{Path: filepath.Join(dir, FileName)}
	out := []engine{{name: "sqlite", where: lite}}
	if pgURL == "" {
		if os.Getenv("CI") == "true" || os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("CI=true or STORYGUARD_REQUIRE_TOOLS=1, and no PostgreSQL: set %s or install postgresql (scripts/install-test-deps.sh)", envTestDatabaseURL)
		}
		t.Logf("no PostgreSQL (%s unset, no initdb): testing SQLite only", envTestDatabaseURL)
	} else {
		out = append(out, engine{name: "postgres", where: Options{DatabaseURL: pgSchema(t)}})
	}
	for i := range out {
		e := &out[i]
		e.open = func(t testing.TB, opt Options) *Store {
			t.Helper()
			opt.DatabaseURL, opt.Path = e.where.DatabaseURL, e.where.Path
			s, err := Open(context.Background(), opt)
			if err != nil {
				t.Fatalf("open %s: %v", e.name, err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}
	return out
}

// pgSchema creates a schema of its own for the test and returns the URL
// that uses it (search_path).
func pgSchema(t *testing.T) string {
	t.Helper()
	db, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("t_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("postgres at %s: %v", envTestDatabaseURL, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", pgURL)
		if err == nil {
			db.Exec("DROP SCHEMA " + name + " CASCADE")
			db.Close()
		}
	})
	sep := "?"
	if strings.Contains(pgURL, "?") {
		sep = "&"
	}
	return pgURL + sep + "search_path=" + name
}

// forEach runs fn as a subtest on each engine.
func forEach(t *testing.T, fn func(t *testing.T, e engine)) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) { fn(t, e) })
	}
}
