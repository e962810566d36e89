package stories

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"storyguard/tools/identity"

	"filippo.io/age"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// EnvDatabaseURL names the PostgreSQL database of a desk that runs on
// several machines ("postgres://user@host:5432/desk?sslmode=verify-full").
// When it is empty the store is the SQLite file <vault>/desk.db.
const EnvDatabaseURL = "STORYGUARD_DATABASE_URL"

// FileName is the SQLite file's name inside the vault.
const FileName = "desk.db"

// Errors Open returns, wrapped; callers tell them apart with errors.Is.
var (
	// ErrDatabaseNewer: the database records a migration this binary does
	// not know; an older storyguard must not write to it.
	ErrDatabaseNewer = errors.New("the story store was written by a newer storyguard")
	// ErrNoRecipients: Options.Recipients is empty, so no story key could
	// be wrapped (nothing would be readable again).
	ErrNoRecipients = errors.New("no vault recipients to wrap story keys to")
)

// Options configure Open.
type Options struct {
	// DatabaseURL, when not empty, is a PostgreSQL URL (postgres:// or
	// postgresql://); otherwise Path is used.
	DatabaseURL string
	// Path is the SQLite file, normally filepath.Join(vault, FileName).
	Path string
	// Recipients are the vault's age recipients (the registry's
	// recipients): every story key and account label is wrapped to all of
	// them. Required.
	Recipients []age.Recipient
	// Identities are the vault's age identities (identity.LoadIdentities).
	// Without them the store still lists, creates and saves, but every
	// read of encrypted data fails with ErrLocked.
	Identities []age.Identity
	// Now is the clock (UTC); nil means time.Now.
	Now func() time.Time
	// Demo allows Recipients to include identity.DemoRecipient, whose
	// secret key is public (examples/vault/demo-identity.txt): only for
	// the demo store of fictional stories (storyguard desk --demo).
	Demo bool
}

// Store is the story store and the desk's account store: one database,
// SQLite or PostgreSQL, through one *sql.DB and one set of queries. It is
// safe for concurrent use by several goroutines and, on both engines, by
// several processes.
type Store struct {
	db         *sql.DB
	pg         bool
	recipients []age.Recipient
	identities []age.Identity
	now        func() time.Time
	files      []string // SQLite: the database file; empty on PostgreSQL
}

// sqliteDSN returns the modernc.org/sqlite DSN for the file at p:
// transactions take the write lock at BEGIN (_txlock=immediate) so two
// writers queue instead of failing on upgrade, secure_delete overwrites
// deleted content with zeros, the WAL keeps readers off writers' backs, and
// a writer waits up to 10 s for the lock (busy_timeout).
func sqliteDSN(p string) string {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Add("_pragma", "secure_delete(1)")
	return "file:" + p + "?" + q.Encode()
}

// Open opens (creating if needed) the store, applies the migrations the
// database lacks, in order, each recorded in schema_migrations, and checks
// that the SQLite connection really runs with secure_delete and WAL.
// Errors: ErrNoRecipients; ErrDatabaseNewer when the database records a
// migration newer than this binary's; a wrapped driver error when the
// database cannot be opened or migrated (nothing is half-applied: each
// migration runs in one transaction).
func Open(ctx context.Context, opt Options) (*Store, error) {
	if len(opt.Recipients) == 0 {
		return nil, ErrNoRecipients
	}
	for i, rc := range opt.Recipients {
		if x, ok := rc.(*age.X25519Recipient); ok && identity.IsDemoRecipient(x.String()) && !opt.Demo {
			return nil, fmt.Errorf("open story store: recipients[%d]: %w", i, identity.ErrDemoKey)
		}
	}
	s := &Store{recipients: opt.Recipients, identities: opt.Identities, now: opt.Now}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	switch {
	case opt.DatabaseURL != "":
		u, perr := url.Parse(opt.DatabaseURL)
		if perr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			// Never echo the URL: it may hold a password.
			return nil, fmt.Errorf("open story store: %s is not a postgres:// URL", EnvDatabaseURL)
		}
		s.pg = true
		s.db, err = sql.Open("pgx", opt.DatabaseURL)
	case opt.Path != "":
		if strings.ContainsAny(opt.Path, "?#") {
			return nil, fmt.Errorf("open story store: the file's path may not contain ? or #")
		}
		if err := createPrivate(opt.Path); err != nil {
			return nil, fmt.Errorf("open story store: %w", err)
		}
		s.files = []string{opt.Path, opt.Path + "-wal", opt.Path + "-shm"}
		s.db, err = sql.Open("sqlite", sqliteDSN(opt.Path))
	default:
		return nil, errors.New("open story store: neither a database URL nor a file")
	}
	if err != nil {
		return nil, fmt.Errorf("open story store: %w", err)
	}
	if err := s.ping(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open story store %s: %w", s.name(), err)
	}
	if !s.pg {
		if err := s.checkPragmas(ctx); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// ping opens the first connection. On SQLite, switching a new file to WAL
// (the DSN's journal_mode) while another process or connection does the
// same can fail with SQLITE_BUSY at once, without waiting busy_timeout
// (https://sqlite.org/wal.html, "Activating And Configuring WAL Mode"):
// several desk instances starting together on a fresh file met it. Such a
// refusal is retried for up to 10 s, like a busy lock; any other error is
// returned at once.
func (s *Store) ping(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := s.db.PingContext(ctx)
		var coded interface{ Code() int }
		if err == nil || s.pg || !errors.As(err, &coded) || coded.Code()&0xff != 5 /* SQLITE_BUSY */ || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// createPrivate creates the SQLite file, empty and readable by its owner
// only (0600), when it does not exist yet: SQLite gives the -wal and -shm
// files the database file's permissions.
func createPrivate(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Close closes the database. On SQLite it first checkpoints the WAL.
func (s *Store) Close() error {
	if !s.pg {
		_ = s.checkpoint(context.Background())
	}
	return s.db.Close()
}

// Files returns the SQLite files (database, -wal, -shm) the store writes;
// nil on PostgreSQL.
func (s *Store) Files() []string { return s.files }

// PostgreSQL reports whether the store is on PostgreSQL.
func (s *Store) PostgreSQL() bool { return s.pg }

func (s *Store) name() string {
	if s.pg {
		return "(postgresql)"
	}
	return s.files[0]
}

func (s *Store) checkPragmas(ctx context.Context) error {
	var sd int
	if err := s.db.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&sd); err != nil {
		return fmt.Errorf("open story store %s: %w", s.name(), err)
	}
	var jm string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&jm); err != nil {
		return fmt.Errorf("open story store %s: %w", s.name(), err)
	}
	if sd != 1 || !strings.EqualFold(jm, "wal") {
		return fmt.Errorf("open story store %s: secure_delete=%d journal_mode=%s, want 1 and wal", s.name(), sd, jm)
	}
	return nil
}

// checkpoint copies the SQLite WAL into the database and truncates it to
// zero bytes, so no page of a deleted row survives in the -wal file.
// It fails when a reader kept the checkpoint from completing.
func (s *Store) checkpoint(ctx context.Context) error {
	var busy, logFrames, done int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("checkpoint %s: %w", s.name(), err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint %s: a reader kept the WAL from being truncated", s.name())
	}
	return nil
}

// q rewrites a query written with ? placeholders for the engine:
// PostgreSQL numbers them ($1, $2, ...). Queries in this package never put
// a ? inside a string literal.
func (s *Store) q(query string) string {
	if !s.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if tx != nil {
		return tx.ExecContext(ctx, s.q(query), args...)
	}
	return s.db.ExecContext(ctx, s.q(query), args...)
}

// inTx runs fn in one transaction (on SQLite it holds the write lock from
// BEGIN), committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one file migrations/NNNN_name.sql.
type migration struct {
	version int64
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`)

// migrations returns the embedded migrations in version order; a file
// whose name is not NNNN_name.sql, or two files with one version, panic
// (a build mistake, caught by the tests).
func migrations() []migration {
	return parseMigrations(migrationFS, "migrations")
}

func parseMigrations(fsys fs.FS, dir string) []migration {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		panic(err)
	}
	var out []migration
	seen := map[int64]bool{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			panic("stories: migration file name not NNNN_name.sql: " + e.Name())
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		if seen[v] {
			panic("stories: two migrations with version " + m[1])
		}
		seen[v] = true
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, migration{version: v, name: m[2], sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// splitStatements splits a migration at the semicolons that end a line
// ("-- " comments dropped), so each statement runs on its own (pgx runs one
// statement per Exec with arguments, SQLite's Exec only the first).
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(line, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

// migrate applies the known migrations the database lacks, in order, one
// transaction each, recording version, name and time in schema_migrations.
// On PostgreSQL an advisory transaction lock keeps two instances starting
// at once from applying the same migration twice; on SQLite the immediate
// transaction does.
func (s *Store) migrate(ctx context.Context) error {
	return s.applyMigrations(ctx, migrations())
}

func (s *Store) applyMigrations(ctx context.Context, ms []migration) error {
	// Under the same lock as the migrations: PostgreSQL's CREATE TABLE IF
	// NOT EXISTS is not safe against a concurrent one.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.pg {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7240114)"); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate story store %s: %w", s.name(), err)
	}
	known := int64(0)
	if len(ms) > 0 {
		known = ms[len(ms)-1].version
	}
	for _, m := range ms {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if s.pg {
				if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7240114)"); err != nil {
					return err
				}
			}
			var newest sql.NullInt64
			if err := tx.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&newest); err != nil {
				return err
			}
			if newest.Valid && newest.Int64 > known {
				return fmt.Errorf("%w: it records migration %04d, this binary knows up to %04d; upgrade storyguard", ErrDatabaseNewer, newest.Int64, known)
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range splitStatements(m.sql) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
				}
			}
			_, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"), m.version, m.name, s.millis())
			return err
		})
		if err != nil {
			if errors.Is(err, ErrDatabaseNewer) {
				return fmt.Errorf("open story store %s: %w", s.name(), err)
			}
			return fmt.Errorf("migrate story store %s: %w", s.name(), err)
		}
	}
	if len(ms) == 0 {
		// Still refuse a newer database.
		var newest sql.NullInt64
		if err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&newest); err != nil {
			return err
		}
		if newest.Valid {
			return fmt.Errorf("open story store %s: %w", s.name(), ErrDatabaseNewer)
		}
	}
	return nil
}

// Migration is one applied migration as schema_migrations records it.
type Migration struct {
	Version   int64
	Name      string
	AppliedAt time.Time
}

// Migrations returns the applied migrations in version order.
func (s *Store) Migrations(ctx context.Context) ([]Migration, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Migration
	for rows.Next() {
		var m Migration
		var at int64
		if err := rows.Scan(&m.Version, &m.Name, &at); err != nil {
			return nil, err
		}
		m.AppliedAt = time.UnixMilli(at).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) millis() int64 { return s.now().UTC().UnixMilli() }

// newID returns prefix followed by 26 random lowercase letters and digits
// (crypto/rand.Text: 130 bits), never derived from anything.
func newID(prefix string) string {
	return prefix + strings.ToLower(rand.Text())
}
