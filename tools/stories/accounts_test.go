package stories

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"storyguard/tools/identity"

	"filippo.io/age"
)

func TestMigrationsAppliedInOrderAndRecorded(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		_, rc := testKeys(t)
		s := e.open(t, Options{Recipients: rc})
		got, err := s.Migrations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := migrations()
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("applied %d migrations, binary has %d", len(got), len(want))
		}
		for i := range want {
			if got[i].Version != want[i].version || got[i].Name != want[i].name || got[i].AppliedAt.IsZero() {
				t.Errorf("migration %d recorded as %+v, want %04d_%s", i, got[i], want[i].version, want[i].name)
			}
		}
		// Opening again applies nothing twice.
		s.Close()
		s2 := e.open(t, Options{Recipients: rc})
		again, err := s2.Migrations(context.Background())
		if err != nil || len(again) != len(want) || !again[0].AppliedAt.Equal(got[0].AppliedAt) {
			t.Fatalf("reopen: %v %+v", err, again)
		}
	})
}

func TestMigrationsRunInVersionOrder(t *testing.T) {
	// Two migrations where the second needs the first: applied out of
	// order, the second would fail.
	forEach(t, func(t *testing.T, e engine) {
		_, rc := testKeys(t)
		s := e.open(t, Options{Recipients: rc})
		ms := append(migrations(),
			migration{version: 9001, name: "b", sql: "CREATE TABLE t_b (x BIGINT);"},
			migration{version: 9002, name: "c", sql: "INSERT INTO t_b (x) VALUES (1);"})
		if err := s.applyMigrations(context.Background(), ms); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Migrations(context.Background())
		if n := len(got); n < 2 || got[n-2].Version != 9001 || got[n-1].Version != 9002 {
			t.Fatalf("recorded %+v", got)
		}
		// The embedded files are sorted by version whatever the directory order.
		emb := migrations()
		for i := 1; i < len(emb); i++ {
			if emb[i-1].version >= emb[i].version {
				t.Fatalf("embedded migrations out of order: %d then %d", emb[i-1].version, emb[i].version)
			}
		}
	})
}

func TestNewerDatabaseRefused(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		_, rc := testKeys(t)
		s := e.open(t, Options{Recipients: rc})
		if _, err := s.exec(context.Background(), nil, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", 9999, "from_the_future", 1); err != nil {
			t.Fatal(err)
		}
		s.Close()
		opt := e.where
		opt.Recipients = rc
		s2, err := Open(context.Background(), opt)
		if !errors.Is(err, ErrDatabaseNewer) {
			if s2 != nil {
				s2.Close()
			}
			t.Fatalf("open a database with migration 9999: err = %v, want ErrDatabaseNewer", err)
		}
	})
}

func TestSQLitePragmas(t *testing.T) {
	_, rc := testKeys(t)
	s := engines(t)[0].open(t, Options{Recipients: rc})
	// Every pooled connection, not only the first, must run with them.
	ctx := context.Background()
	var conns []interface{ Close() error }
	for range 3 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var sd int
		var jm string
		c.QueryRowContext(ctx, "PRAGMA secure_delete").Scan(&sd)
		c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&jm)
		if sd != 1 || jm != "wal" {
			t.Errorf("connection runs secure_delete=%d journal_mode=%q", sd, jm)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestAccounts(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		id, rc := testKeys(t)
		s := e.open(t, Options{Recipients: rc, Identities: []age.Identity{id}})
		if _, err := s.CreateAccount(ctx, RoleStoryteller, "", ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("storyteller without person: %v", err)
		}
		if _, err := s.CreateAccount(ctx, "owner", "", ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown role: %v", err)
		}
		if _, err := s.CreateAccount(ctx, RoleEditor, "p-0101", ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("staff with person: %v", err)
		}
		a, err := s.CreateAccount(ctx, RoleStoryteller, "p-0101", "Ana*")
		if err != nil {
			t.Fatal(err)
		}
		if !accountIDRe.MatchString(a.ID) {
			t.Errorf("account id %q", a.ID)
		}
		got, err := s.Account(ctx, a.ID)
		if err != nil || got.Label != "Ana*" || got.PersonID != "p-0101" || got.Role != RoleStoryteller {
			t.Fatalf("Account = %+v, %v", got, err)
		}
		if err := s.SetRole(ctx, a.ID, RoleAdmin); !errors.Is(err, ErrNotFound) {
			t.Errorf("a storyteller made admin: %v", err)
		}
		ed, _ := s.CreateAccount(ctx, RoleEditor, "", "")
		if err := s.SetRole(ctx, ed.ID, RolePublisher); err != nil {
			t.Fatal(err)
		}
		all, err := s.Accounts(ctx)
		roles := map[string]Role{}
		for _, x := range all {
			roles[x.ID] = x.Role
		}
		if err != nil || len(all) != 2 || roles[ed.ID] != RolePublisher || roles[a.ID] != RoleStoryteller {
			t.Fatalf("Accounts = %+v, %v", all, err)
		}
		// Locked store: no label.
		s.Close()
		locked := e.open(t, Options{Recipients: rc})
		got, err = locked.Account(ctx, a.ID)
		if err != nil || got.Label != "" {
			t.Errorf("locked Account = %+v, %v", got, err)
		}
		if _, err := locked.Account(ctx, "acct-nosuch"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing account: %v", err)
		}
	})
}

func TestEnrolmentCodeSingleUseUnderConcurrency(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		_, rc := testKeys(t)
		s := e.open(t, Options{Recipients: rc})
		// A second store on the same database: two desk instances.
		s2 := e.open(t, Options{Recipients: rc})
		a, err := s.CreateAccount(ctx, RoleStoryteller, "p-0101", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddEnrolmentCode(ctx, a.ID, "7Q2K-9MXA-44PL", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.AddEnrolmentCode(ctx, a.ID, "7Q2K-9MXA-44PL", time.Now().Add(time.Hour)); !errors.Is(err, ErrExists) {
			t.Errorf("same code twice: %v", err)
		}
		const n = 16
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, invalid := 0, 0
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := s
				if i%2 == 1 {
					st = s2
				}
				got, err := st.ConsumeEnrolmentCode(ctx, "7Q2K-9MXA-44PL")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && got == a.ID:
					wins++
				case errors.Is(err, ErrCodeInvalid):
					invalid++
				default:
					t.Errorf("consume: %q, %v", got, err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || invalid != n-1 {
			t.Fatalf("%d concurrent uses of one code: %d succeeded, %d refused; want 1 and %d", n, wins, invalid, n-1)
		}
		// Expired and unknown codes.
		if err := s.AddEnrolmentCode(ctx, a.ID, "old-code", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConsumeEnrolmentCode(ctx, "old-code"); !errors.Is(err, ErrCodeInvalid) {
			t.Errorf("expired code: %v", err)
		}
		if _, err := s.ConsumeEnrolmentCode(ctx, "never-issued"); !errors.Is(err, ErrCodeInvalid) {
			t.Errorf("unknown code: %v", err)
		}
		// The code is not stored in plaintext.
		var stored int
		s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM enrolment_codes WHERE code_hash = ?"), []byte("7Q2K-9MXA-44PL")).Scan(&stored)
		if stored != 0 {
			t.Error("enrolment code stored in plaintext")
		}
	})
}

func TestSessionsSecretsPasskeysAndReset(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		_, rc := testKeys(t)
		s := e.open(t, Options{Recipients: rc})
		a, _ := s.CreateAccount(ctx, RoleStoryteller, "p-0101", "")
		other, _ := s.CreateAccount(ctx, RoleEditor, "", "")
		later := time.Now().Add(time.Hour)
		for _, tok := range []string{"tok-1", "tok-2"} {
			if err := s.CreateSession(ctx, a.ID, tok, later); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSession(ctx, other.ID, "tok-other", later); err != nil {
			t.Fatal(err)
		}
		ss, err := s.TouchSession(ctx, "tok-1", time.Time{})
		if err != nil || ss.AccountID != a.ID || !ss.ExpiresAt.Equal(time.UnixMilli(later.UnixMilli()).UTC()) {
			t.Fatalf("TouchSession = %+v, %v", ss, err)
		}
		if err := s.CreateSessionData(ctx, a.ID, "tok-data", later, []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if ss, err := s.LookupSession(ctx, "tok-data"); err != nil || ss.AccountID != a.ID || string(ss.Data) != "\x01\x02\x03" {
			t.Fatalf("LookupSession = %+v, %v", ss, err)
		}
		if ss, err := s.TouchSession(ctx, "tok-data", time.Time{}); err != nil || string(ss.Data) != "\x01\x02\x03" {
			t.Fatalf("TouchSession kept no data: %+v, %v", ss, err)
		}
		if _, err := s.LookupSession(ctx, "tok-nope"); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("LookupSession of an unknown token: %v", err)
		}
		if err := s.RevokeSession(ctx, "tok-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TouchSession(ctx, "tok-1", time.Time{}); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("revoked session still valid: %v", err)
		}
		if err := s.CreateSession(ctx, a.ID, "tok-expired", time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TouchSession(ctx, "tok-expired", time.Time{}); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("expired session valid: %v", err)
		}
		if _, err := s.LookupSession(ctx, "tok-expired"); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("expired session found: %v", err)
		}
		if err := s.SetSecret(ctx, a.ID, []byte("argon2id$v=19$...")); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Secret(ctx, a.ID); err != nil || string(v) != "argon2id$v=19$..." {
			t.Fatalf("Secret = %q, %v", v, err)
		}
		if err := s.AddPasskey(ctx, a.ID, []byte{1, 2, 3}, []byte("pk")); err != nil {
			t.Fatal(err)
		}
		if err := s.AddPasskey(ctx, other.ID, []byte{1, 2, 3}, []byte("pk")); !errors.Is(err, ErrExists) {
			t.Errorf("one credential on two accounts: %v", err)
		}
		if err := s.UpdatePasskey(ctx, []byte{1, 2, 3}, []byte("pk2")); err != nil {
			t.Fatal(err)
		}
		if p, err := s.PasskeyByCredential(ctx, []byte{1, 2, 3}); err != nil || p.AccountID != a.ID || string(p.Data) != "pk2" {
			t.Fatalf("PasskeyByCredential = %+v, %v", p, err)
		}
		// A lost phrase: everything goes, one new code comes.
		if err := s.ResetAccess(ctx, a.ID, "NEW-CODE", later); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TouchSession(ctx, "tok-2", time.Time{}); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("session survived reset: %v", err)
		}
		if _, err := s.Secret(ctx, a.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("secret survived reset: %v", err)
		}
		if pk, _ := s.Passkeys(ctx, a.ID); len(pk) != 0 {
			t.Errorf("passkeys survived reset: %d", len(pk))
		}
		if _, err := s.TouchSession(ctx, "tok-other", time.Time{}); err != nil {
			t.Errorf("another account's session was revoked: %v", err)
		}
		if got, err := s.ConsumeEnrolmentCode(ctx, "NEW-CODE"); err != nil || got != a.ID {
			t.Errorf("new code: %q, %v", got, err)
		}
		// Sign out everywhere; a disabled account has no way in.
		if n, err := s.RevokeSessions(ctx, other.ID); err != nil || n != 1 {
			t.Errorf("RevokeSessions = %d, %v", n, err)
		}
		s.AddEnrolmentCode(ctx, a.ID, "CODE-3", later)
		s.CreateSession(ctx, a.ID, "tok-3", later)
		if err := s.DisableAccount(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TouchSession(ctx, "tok-3", time.Time{}); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("disabled account's session: %v", err)
		}
		if _, err := s.ConsumeEnrolmentCode(ctx, "CODE-3"); !errors.Is(err, ErrCodeInvalid) {
			t.Errorf("disabled account's code: %v", err)
		}
	})
}

func TestOpenRefusesTheDemoKeyAndKeepsFilesPrivate(t *testing.T) {
	demo, err := age.ParseX25519Recipient(identity.DemoRecipient)
	if err != nil {
		t.Fatal(err)
	}
	_, rc := testKeys(t)
	path := filepath.Join(t.TempDir(), FileName)
	if _, err := Open(context.Background(), Options{Path: path, Recipients: append(rc, demo)}); !errors.Is(err, identity.ErrDemoKey) {
		t.Fatalf("a real store wrapped to the public demo key: %v", err)
	}
	s, err := Open(context.Background(), Options{Path: path, Recipients: []age.Recipient{demo}, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateAccount(context.Background(), RoleEditor, "", "label"); err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files() {
		fi, err := os.Stat(f)
		if err != nil {
			continue // -shm/-wal may be absent
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want readable by its owner only", filepath.Base(f), fi.Mode().Perm())
		}
	}
	if _, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "a?b.db"), Recipients: rc}); err == nil {
		t.Error("a path with ? accepted (it would be read as DSN parameters)")
	}
}

func TestOpenForTheDemoVault(t *testing.T) {
	// The demo registry (demo: true, encrypted to the demo key) opens a
	// store in a copy of the demo vault; the demo key reads it back.
	ids, err := identity.LoadIdentities(filepath.Join(siteRoot, "examples", "vault", "demo-identity.txt"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	reg, err := identity.OpenRegistry(filepath.Join(siteRoot, "examples", "vault", "registry.age"), ids)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := OpenForVault(context.Background(), dir, reg, ids, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Files()[0] != filepath.Join(dir, FileName) {
		t.Errorf("store file %s", s.Files()[0])
	}
	res, err := s.Import(context.Background(), siteRoot, "en", SystemAccount)
	if err != nil || len(res) == 0 {
		t.Fatalf("import the demo's stories: %v", err)
	}
	if _, err := s.Get(context.Background(), res[0].StoryID); err != nil {
		t.Fatalf("the demo key cannot read the demo store: %v", err)
	}
	// The same registry marked real must not open a store on the demo key.
	real := *reg
	real.Demo = false
	if _, err := OpenForVault(context.Background(), t.TempDir(), &real, ids, func(string) string { return "" }); !errors.Is(err, identity.ErrDemoKey) {
		t.Errorf("a real registry on the demo key: %v", err)
	}
}

func TestLoginsAndEnrolling(t *testing.T) {
	forEach(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		_, rc := testKeys(t)
		s := e.open(t, Options{Recipients: rc})
		a, _ := s.CreateAccount(ctx, RoleStoryteller, "p-0101", "")
		b, _ := s.CreateAccount(ctx, RoleEditor, "", "")
		if got, _ := s.Account(ctx, a.ID); !got.Enrolling {
			t.Error("a new account is not enrolling")
		}
		if err := s.SetLogin(ctx, a.ID, "Blue-Heron"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetLogin(ctx, b.ID, " blue-heron "); !errors.Is(err, ErrExists) {
			t.Errorf("one login on two accounts: %v", err)
		}
		got, err := s.AccountByLogin(ctx, "BLUE-HERON")
		if err != nil || got.ID != a.ID {
			t.Fatalf("AccountByLogin = %+v, %v", got, err)
		}
		if _, err := s.AccountByLogin(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown login: %v", err)
		}
		var n int
		s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM account_logins WHERE login_hash = ?", []byte("blue-heron")).Scan(&n)
		if n != 0 {
			t.Error("login stored in plaintext")
		}
		// A phrase ends the enrolment and signs out everywhere.
		s.CreateSession(ctx, a.ID, "tok-a", time.Now().Add(time.Hour))
		if err := s.SetSecret(ctx, a.ID, []byte("v")); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Account(ctx, a.ID); got.Enrolling {
			t.Error("still enrolling after a secret was set")
		}
		if _, err := s.TouchSession(ctx, "tok-a", time.Time{}); !errors.Is(err, ErrSessionInvalid) {
			t.Errorf("a session survived a new phrase: %v", err)
		}
		if err := s.ResetAccess(ctx, a.ID, "CODE", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Account(ctx, a.ID); !got.Enrolling {
			t.Error("not enrolling after ResetAccess")
		}
	})
}

func TestConcurrentFirstOpens(t *testing.T) {
	// Several desk instances starting at once on one empty database: all
	// open, and every migration is applied once.
	forEach(t, func(t *testing.T, e engine) {
		_, rc := testKeys(t)
		opt := e.where
		opt.Recipients = rc
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(context.Background(), opt)
				if err == nil {
					s.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("instance %d: %v", i, err)
			}
		}
		s := e.open(t, Options{Recipients: rc})
		if got, _ := s.Migrations(context.Background()); len(got) != len(migrations()) {
			t.Errorf("%d migrations recorded, want %d", len(got), len(migrations()))
		}
	})
}
