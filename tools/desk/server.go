// Package desk is the web desk of DESIGN.md "The desk": where survivor
// leaders write their stories, answer the consent questions, read them as
// the public will, approve the exact text and stop sharing them, and where
// comms staff work with them. It is net/http with Go 1.22 route patterns,
// html/template and embedded assets; plain forms and Post/Redirect/Get;
// every page works without JavaScript, and every word comes from
// messages/<lang>.json.
//
// Who may do what is decided in one function, Allowed. The desk's logs
// carry account and story ids only, never a story's text or a name.
package desk

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// Session lifetimes (issue #15, "Safety shell").
const (
	DefaultIdleTimeout = 15 * time.Minute // without a request
	DefaultMaxSession  = 8 * time.Hour    // from sign-in, whatever happens
	idleWarning        = 2 * time.Minute  // the warning shows this long before
)

// Config configures a Server.
type Config struct {
	// Store holds accounts and stories. Required.
	Store Store
	// SiteRoot is the site folder (config.toml, themes/, static/, data/)
	// whose theme previews are built with. Required.
	SiteRoot string
	// WorkDir is where previews are staged and built; a fresh temporary
	// folder under os.TempDir when empty. Its previews are removed by
	// Close.
	WorkDir string
	// Build builds a staged site (tools/site Build). Required.
	Build BuildFunc
	// Rules adds the registry's rules to the preview's check; nil runs
	// check's default rules only.
	Rules RulesFunc
	// Withdraw, when set, runs the pipeline's withdrawal of a story at
	// the given level when she asks to stop sharing; nil records the
	// request for staff only.
	Withdraw func(ctx context.Context, storyID, level, byAccount string) error
	// MediaDir is the vault's media folder (tools/vault: <vault>/media,
	// where Originals finds media/<id>.*), where a photo uploaded in the
	// desk is stored scrubbed as <media id>.<ext> (its original never is);
	// empty: the photo form refuses every upload (fails closed).
	MediaDir string
	// Registry is the identity registry admins edit through forms; nil:
	// the registry pages fail closed.
	Registry *RegistryFile
	// QuickExitURL is where the quick exit goes: an https URL,
	// "https://www.bbc.com/weather" when empty (the public theme's
	// default, config.toml params.storyguard.quick_exit_url).
	QuickExitURL string
	// SecureCookies marks cookies Secure: set it whenever the desk is
	// served over HTTPS (always, except on localhost).
	SecureCookies bool
	// IdleTimeout and MaxSession bound sessions; zero means the defaults.
	IdleTimeout, MaxSession time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives one line per notable event (ids only); nil discards.
	Log *log.Logger
	// Phrase are the argon2id parameters of new verifiers; zero means
	// PhraseParams. Tests may lower them; nothing else should.
	Phrase Argon2Params
}

// Server is the desk. Its Handler serves every route.
type Server struct {
	cfg     Config
	msgs    messages
	pages   pageTemplates
	ownWork bool

	mu       sync.Mutex
	previews map[string]*previewResult

	argon   chan struct{} // bounds concurrent argon2id hashing
	dummy   string        // verified against for a sign-in name that has no verifier
	limiter *limiter
	guard   *signInGuard
	handler http.Handler
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("desk: field Store: nil")
	}
	if cfg.SiteRoot == "" {
		return nil, errors.New("desk: field SiteRoot: empty")
	}
	if cfg.Build == nil {
		return nil, errors.New("desk: field Build: nil")
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSession == 0 {
		cfg.MaxSession = DefaultMaxSession
	}
	if cfg.Phrase == (Argon2Params{}) {
		cfg.Phrase = PhraseParams
	}
	if cfg.QuickExitURL == "" {
		cfg.QuickExitURL = "https://www.bbc.com/weather"
	}
	if u, err := url.Parse(cfg.QuickExitURL); err != nil || u.Host == "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "localhost" || net.ParseIP(u.Hostname()).IsLoopback())) {
		return nil, errors.New("desk: field QuickExitURL: want an https URL (http only on loopback, for tests)")
	}
	s := &Server{cfg: cfg, previews: map[string]*previewResult{},
		argon: make(chan struct{}, 2), limiter: newLimiter(), guard: newSignInGuard()}
	if s.cfg.WorkDir == "" {
		d, err := os.MkdirTemp("", "storyguard-desk-")
		if err != nil {
			return nil, err
		}
		s.cfg.WorkDir, s.ownWork = d, true
	}
	var err error
	if s.dummy, err = HashPhrase("storyguard-no-such-account", s.cfg.Phrase); err != nil {
		return nil, err
	}
	if s.msgs, err = loadMessages(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the desk's handler: every route behind
// http.CrossOriginProtection (a POST from another origin is refused).
func (s *Server) Handler() http.Handler { return s.handler }

// Close removes the built previews (and the work folder New made).
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, p := range s.previews {
		os.RemoveAll(p.dir)
		delete(s.previews, k)
	}
	if s.ownWork {
		return os.RemoveAll(s.cfg.WorkDir)
	}
	return nil
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// logf logs one line. Callers pass ids and rule ids only, never text.
func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		s.cfg.Log.Printf(format, args...)
	}
}

// session is a live sign-in session as one request sees it, decoded
// from the store's Session (sessions live in the Store: a restart signs
// nobody out, and desk instances on one store share them).
type session struct {
	account  string
	created  time.Time
	seen     time.Time
	phraseFP *phraseFingerprint // from sign-in: refuses a story holding her phrase
	// enrolling: a code was checked, no phrase chosen yet
	// (Account.Enrolling).
	enrolling bool
	// code is the enrolment code of an enrolling session (canonical): it
	// is used up only with her phrase (Store.EnrolWithCode).
	code string
}

const sessionCookie = "desk_session"

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// sessionData is the desk's record of a session in Session.Data:
//
//	byte 0      version, 1
//	byte 1      flags: 1 = enrolling
//	bytes 2..   enrolling: the enrolment code, sealed (sealCode: 1 to 32
//	            bytes); else the phrase check (phraseFingerprint.encode),
//	            when she signed in with a phrase: 36 bytes
//
// Both are keyed by the session token, which the store never sees, so
// the store's copy can be used neither to guess her phrase nor to enrol
// with her code.
func sessionData(fp *phraseFingerprint, sealedCode []byte) []byte {
	b := []byte{1, 0}
	if sealedCode != nil {
		return append([]byte{1, 1}, sealedCode...)
	}
	if fp != nil {
		b = append(b, fp.encode()...)
	}
	return b
}

// sealCode returns code (canonical, at most 32 bytes) XORed with a key
// drawn from the session token (HMAC-SHA256), and openCode undoes it: the
// stored session holds the code only for whoever holds the token.
func sealCode(token, code string) []byte {
	h := hmac.New(sha256.New, []byte(token))
	h.Write([]byte("storyguard desk: enrolment code"))
	key := h.Sum(nil)
	out := []byte(code)
	for i := range out {
		out[i] ^= key[i%len(key)]
	}
	return out
}

func openCode(token string, sealed []byte) (string, error) {
	if len(sealed) == 0 || len(sealed) > sha256.Size {
		return "", errSessionData
	}
	code := string(sealCode(token, string(sealed)))
	if _, err := ParseCode(code); err != nil {
		return "", errSessionData
	}
	return code, nil
}

// errSessionData: a stored session whose data the desk cannot read. It is
// ended, never trusted.
var errSessionData = errors.New("session data: not the desk's format")

func decodeSession(tok string, ss Session) (*session, error) {
	d := ss.Data
	if len(d) < 2 || d[0] != 1 || d[1]&^1 != 0 {
		return nil, errSessionData
	}
	sess := &session{account: ss.Account, created: ss.Created, seen: ss.Seen, enrolling: d[1] == 1}
	if sess.enrolling {
		code, err := openCode(tok, d[2:])
		if err != nil {
			return nil, err
		}
		sess.code = code
		return sess, nil
	}
	if len(d) > 2 {
		fp, err := decodePhraseFingerprint(tok, d[2:])
		if err != nil {
			return nil, err
		}
		sess.phraseFP = fp
	}
	return sess, nil
}

// startSession makes a session for account in the store and sets its
// cookie: HttpOnly, SameSite=Lax, no Expires (gone when the browser
// closes), Secure when configured. phrase is the phrase she signed in
// with ("" for none): only its check, keyed by the token, is kept. code
// is the enrolment code of an enrolling session ("" for a sign-in one):
// kept sealed by the token until her phrase uses it up.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, account, phrase, code string) error {
	b := make([]byte, 32)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	var fp *phraseFingerprint
	if phrase != "" {
		fp = newPhraseFingerprint(tok, phrase)
	}
	now := s.now()
	var sealed []byte
	if code != "" {
		sealed = sealCode(tok, code)
	}
	sess := Session{Account: account, Created: now, Seen: now, Data: sessionData(fp, sealed)}
	if err := s.cfg.Store.CreateSession(r.Context(), tok, sess, s.storeExpiry(now)); err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return nil
}

// storeExpiry is the expiry the store keeps for a session created at
// created: its maximum age plus one idle timeout. The desk judges the idle
// timeout and the maximum age itself, from the stored times, and so can
// tell her that her session ended; the store's expiry is the backstop that
// refuses the session by the store's own clock even if nothing asks the
// desk.
func (s *Server) storeExpiry(created time.Time) time.Time {
	return created.Add(s.cfg.MaxSession + s.cfg.IdleTimeout)
}

// sessionOf returns the request's live session and its token, and touches
// it. The idle timeout and the maximum age are judged from the stored
// times by the desk's clock: a session past either is revoked and expired
// is true. A store that cannot answer is an error (the caller fails
// closed).
func (s *Server) sessionOf(r *http.Request) (sess *session, tok string, expired bool, err error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 64 {
		return nil, "", false, nil
	}
	tok = c.Value
	now := s.now()
	ss, err := s.cfg.Store.Session(r.Context(), tok, now)
	if errors.Is(err, ErrNotFound) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("session: %w", err)
	}
	if now.Sub(ss.Seen) >= s.cfg.IdleTimeout || now.Sub(ss.Created) >= s.cfg.MaxSession {
		if err := s.cfg.Store.RevokeSession(r.Context(), tok); err != nil {
			return nil, "", false, fmt.Errorf("session: %w", err)
		}
		return nil, "", true, nil
	}
	if sess, err = decodeSession(tok, ss); err != nil {
		s.logf("session of account %s: %v: ended", ss.Account, err)
		if err := s.cfg.Store.RevokeSession(r.Context(), tok); err != nil {
			return nil, "", false, fmt.Errorf("session: %w", err)
		}
		return nil, "", false, nil
	}
	err = s.cfg.Store.TouchSession(r.Context(), tok, now, s.storeExpiry(ss.Created))
	if errors.Is(err, ErrNotFound) { // revoked meanwhile
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("session: %w", err)
	}
	sess.seen = now
	return sess, tok, false, nil
}

// endSessions ends every session of account, on every desk instance.
func (s *Server) endSessions(r *http.Request, account string) error {
	if err := s.cfg.Store.RevokeSessions(r.Context(), account); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

func clearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode})
}

// limiter counts attempts per key in fixed one-minute windows.
type limiter struct {
	mu sync.Mutex
	w  map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter() *limiter { return &limiter{w: map[string]*window{}} }

// maxWindows bounds the limiter's memory.
const maxWindows = 100_000

// allow counts one attempt for key at now and reports whether it is within
// max attempts per minute. When maxWindows keys are in their window (a
// flood of distinct names or addresses), it drops the windows that have
// ended and, if none has, refuses every new key until one ends: it fails
// closed rather than forgetting counts, which would let a flood reset
// every limit.
func (l *limiter) allow(key string, max int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.w[key]
	if w == nil && len(l.w) >= maxWindows {
		for k, old := range l.w {
			if now.Sub(old.start) >= time.Minute {
				delete(l.w, k)
			}
		}
		if len(l.w) >= maxWindows {
			return false
		}
	}
	if w == nil || now.Sub(w.start) >= time.Minute {
		w = &window{start: now}
		l.w[key] = w
	}
	w.n++
	return w.n <= max
}

// Rate limits, attempts per minute (issue #15: rate-limited sign-in and
// code entry). Per client address and, for sign-in, per sign-in name from
// one address; many addresses guessing at one name are slowed by
// signInGuard, which never locks out the right phrase from an address
// that has not failed on that name.
const (
	signInPerIP   = 10
	signInPerPair = 5
	codePerIP     = 5
)

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// hashPhrase runs HashPhrase with at most cap(s.argon) hashes at once.
func (s *Server) hashPhrase(p string) (string, error) {
	s.argon <- struct{}{}
	defer func() { <-s.argon }()
	return HashPhrase(p, s.cfg.Phrase)
}

// verifyPhrase runs VerifyPhrase, bounded like hashPhrase.
func (s *Server) verifyPhrase(p, stored string) (bool, error) {
	s.argon <- struct{}{}
	defer func() { <-s.argon }()
	return VerifyPhrase(p, stored)
}
