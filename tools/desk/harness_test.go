package desk

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"storyguard/tools/stories"
)

// testPhrase keeps argon2id cheap in handler tests; PhraseParams itself is
// tested in phrase_test.go.
var testPhrase = Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// copyPageBuild stands in for Hugo in the handler tests, which are about
// access, forms and approval, not rendering: it "builds" the staged story
// pages by copying each to where Hugo would write it. The real Hugo build
// with the real theme runs in tools/desk/journey.
func copyPageBuild(_ context.Context, src, dst, _ string) error {
	return filepath.WalkDir(filepath.Join(src, "content", "stories"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		id := filepath.Base(filepath.Dir(p))
		lang := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "index."), "md")
		lang = strings.TrimSuffix(lang, ".")
		if lang == "" {
			lang = Languages[0]
		}
		out := filepath.Join(dst, filepath.FromSlash(builtPagePath(id, lang)))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, raw, 0o644)
	})
}

// testDesk is a desk on an httptest server with a MemoryStore.
type testDesk struct {
	t     testing.TB
	srv   *Server
	store *MemoryStore
	ts    *httptest.Server
	clock *testClock
	logs  *syncBuf
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newTestDesk(t testing.TB) *testDesk {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	d := &testDesk{t: t, store: NewMemoryStore(), clock: &testClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}, logs: &syncBuf{}}
	d.srv, err = New(Config{Store: d.store, SiteRoot: root, WorkDir: t.TempDir(), MediaDir: t.TempDir(), Build: copyPageBuild,
		Now: d.clock.Now, Phrase: testPhrase, Log: newTestLogger(d.logs)})
	if err != nil {
		t.Fatal(err)
	}
	d.ts = httptest.NewServer(d.srv.Handler())
	t.Cleanup(func() { d.ts.Close(); d.srv.Close() })
	return d
}

// useStoryStore puts d on a fresh story store (tools/stories on SQLite,
// one age key) and returns it; d's clock moves to now, since the store
// judges code and session expiry by its own clock.
func (d *testDesk) useStoryStore() *stories.Store {
	d.t.Helper()
	key, err := age.GenerateX25519Identity()
	if err != nil {
		d.t.Fatal(err)
	}
	ss, err := stories.Open(d.t.Context(), stories.Options{Path: filepath.Join(d.t.TempDir(), stories.FileName),
		Recipients: []age.Recipient{key.Recipient()}, Identities: []age.Identity{key}})
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { ss.Close() })
	d.srv.cfg.Store = StoryStore{S: ss}
	d.clock.now = time.Now().UTC()
	return ss
}

// newTestDeskOn is newTestDesk, on the story store when durable.
func newTestDeskOn(t testing.TB, durable bool) *testDesk {
	d := newTestDesk(t)
	if durable {
		d.useStoryStore()
	}
	return d
}

// account adds an account with a code and returns the code.
func (d *testDesk) account(id, login string, role Role) string {
	d.t.Helper()
	person := ""
	if role == Storyteller {
		person = "p-" + strings.TrimPrefix(id, "a-")
	}
	if _, err := d.store.AddAccount(d.t.Context(), Account{ID: id, Login: login, Role: role, Person: person}); err != nil {
		d.t.Fatal(err)
	}
	code, _ := NewCode()
	canon, _ := ParseCode(code)
	if err := d.store.AddCode(d.t.Context(), id, canon, d.clock.Now().Add(CodeLifetime)); err != nil {
		d.t.Fatal(err)
	}
	return code
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed.
type client struct {
	d    *testDesk
	hc   *http.Client
	lang string
}

func (d *testDesk) client(lang string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{d: d, lang: lang, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(method, path string, form url.Values, hdr ...string) resp {
	c.d.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.d.ts.URL+path, body)
	if err != nil {
		c.d.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", c.lang)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, string(b)}
}

func (c *client) get(path string) resp                { return c.do("GET", path, nil) }
func (c *client) post(path string, f url.Values) resp { return c.do("POST", path, f) }
func (r resp) location() string                       { return r.header.Get("Location") }

// enrol redeems code and sets phrase; it fails the test unless both work.
func (c *client) enrol(code, phrase string) {
	c.d.t.Helper()
	if r := c.post("/enrol", url.Values{"code": {code}}); r.status != http.StatusSeeOther || r.location() != "/enrol/phrase" {
		c.d.t.Fatalf("enrol: %d %s", r.status, r.location())
	}
	if r := c.post("/enrol/phrase", url.Values{"phrase": {phrase}, "repeat": {phrase}}); r.status != http.StatusSeeOther {
		c.d.t.Fatalf("phrase: %d", r.status)
	}
}

// newStory starts a story and saves text in lang; it returns the id.
func (c *client) newStory(lang, title, body string) string {
	c.d.t.Helper()
	r := c.post("/stories", url.Values{})
	id := strings.TrimPrefix(r.location(), "/stories/")
	if r.status != http.StatusSeeOther || !validStoryID(id) {
		c.d.t.Fatalf("new story: %d %q", r.status, r.location())
	}
	if r := c.post("/stories/"+id, url.Values{"text_lang": {lang}, "title": {title}, "summary": {"A summary."}, "body": {body}}); r.status != http.StatusSeeOther {
		c.d.t.Fatalf("save: %d", r.status)
	}
	return id
}

// save posts f to her write form of story id, with the base the form
// carries now (as her browser would), unless f has one.
func (c *client) save(id string, f url.Values, hdr ...string) resp {
	c.d.t.Helper()
	if !f.Has("base") {
		f.Set("base", c.base(id, f.Get("text_lang")))
	}
	return c.do("POST", "/stories/"+id, f, hdr...)
}

var digestField = regexp.MustCompile(`name="digest" value="([0-9a-f]{64})"`)

func newTestLogger(w io.Writer) *log.Logger { return log.New(w, "", 0) }
