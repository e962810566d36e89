package desk

import (
	"errors"
	"net/http"
	"strings"
)

// route is one entry of the desk's route table: a Go 1.22 pattern, the
// action the access decision is asked about, and the handler.
type route struct {
	pattern string
	action  Action
	h       func(w http.ResponseWriter, r *http.Request, q *req)
}

// req is what the wrapper found out about a request.
type req struct {
	acct  *Account
	key   string // the session's token (from her cookie; never stored)
	sess  *session
	lang  string
	story *Story // loaded for story actions
}

// routeTable is every route of the desk. Each names one Action, and the
// access test walks this table for every role.
func (s *Server) routeTable() []route {
	return []route{
		{"GET /{$}", ActPublic, s.home},
		{"GET /assets/{file}", ActPublic, s.asset},
		{"POST /language", ActPublic, s.setLanguage},
		{"GET /sign-in", ActPublic, s.signInPage},
		{"POST /sign-in", ActPublic, s.signIn},
		{"GET /enrol", ActPublic, s.enrolPage},
		{"POST /enrol", ActPublic, s.enrol},
		{"GET /enrol/phrase", ActEnrolling, s.phrasePage},
		{"POST /enrol/phrase", ActEnrolling, s.setPhrase},
		{"POST /sign-out", ActSignedIn, s.signOut},
		{"POST /sign-out/everywhere", ActSignedIn, s.signOutEverywhere},
		{"POST /session/extend", ActSignedIn, s.extend},
		{"GET /stories", ActListStories, s.listStories},
		{"POST /stories", ActNewStory, s.newStory},
		{"GET /stories/{id}", ActViewStory, s.writePage},
		{"POST /stories/{id}", ActEditStory, s.saveStory},
		{"GET /stories/{id}/consent", ActViewStory, s.consentPage},
		{"POST /stories/{id}/consent", ActConsent, s.saveConsent},
		{"GET /stories/{id}/preview", ActPreview, s.previewPage},
		{"GET /stories/{id}/preview/site/{path...}", ActPreview, s.previewSite},
		{"POST /stories/{id}/approve", ActApprove, s.approve},
		{"GET /stories/{id}/{format}", ActViewStory, s.receiptRoute},
		{"GET /stories/{id}/stop", ActWithdraw, s.stopPage},
		{"POST /stories/{id}/stop", ActWithdraw, s.stop},
		// The staff side (issue #16, staff_*.go).
		{"GET /queue", ActQueue, s.queue},
		{"GET /staff/accounts", ActAccounts, s.accountsPage},
		{"POST /staff/accounts", ActAccounts, s.createAccount},
		{"POST /staff/accounts/{acct}/reset", ActAccounts, s.resetAccount},
		{"POST /staff/accounts/{acct}/role", ActAccounts, s.setRole},
		{"POST /stories/{id}/suggest", ActSuggest, s.suggest},
		{"GET /stories/{id}/suggestions", ActDecide, s.suggestionsPage},
		{"POST /stories/{id}/suggestions/{sid}", ActDecide, s.decide},
		{"GET /stories/{id}/photos", ActAttachPhoto, s.photosPage},
		{"POST /stories/{id}/photos", ActAttachPhoto, s.uploadPhoto},
		{"GET /stories/{id}/photos/{mid}", ActAttachPhoto, s.photoFile},
		{"GET /stories/{id}/media/{mid}", ActViewStory, s.photoFile},
		{"GET /media/{id}/{key}", ActPreview, s.previewMedia},
		{"GET /staff/registry", ActRegistry, s.registryPage},
		{"POST /staff/registry", ActRegistry, s.addPerson},
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		mux.Handle(rt.pattern, s.wrap(rt))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		safetyHeaders(w.Header(), deskCSP)
		q := &req{lang: pickLanguage(r)}
		if sess, key, _, _ := s.sessionOf(r); sess != nil {
			q.sess, q.key = sess, key
			if a, err := s.cfg.Store.Account(r.Context(), sess.account); err == nil {
				q.acct = &a
			}
		}
		s.notFound(w, r, q)
	}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		safetyHeaders(w.Header(), deskCSP)
		s.logf("refused a cross-origin %s", r.Method)
		s.render(w, r, http.StatusForbidden, "message", &view{Lang: pickLanguage(r), Notice: "forbidden_origin"})
	}))
	return cop.Handler(mux)
}

// wrap is the one place where a route meets the access decision: it sets
// the safety headers, finds the session and its account, loads the story
// of a story route, and asks Allowed. A visitor who is not signed in is
// sent to sign in; a signed-in account that may not do it gets 404, the
// same page as a story that does not exist.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		safetyHeaders(w.Header(), deskCSP)
		q := &req{lang: pickLanguage(r)}
		sess, key, expired, err := s.sessionOf(r)
		if err != nil {
			s.failed(w, r, q, "session", err)
			return
		}
		if sess != nil {
			a, err := s.cfg.Store.Account(r.Context(), sess.account)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					err = s.cfg.Store.RevokeSession(r.Context(), key)
				}
				if err != nil {
					s.failed(w, r, q, "account", err)
					return
				}
			} else {
				a.Enrolling = sess.enrolling
				q.acct, q.sess, q.key = &a, sess, key
			}
		}
		if rt.action == ActPublic {
			rt.h(w, r, q)
			return
		}
		if q.acct == nil {
			to := "/sign-in"
			if expired {
				to += "?n=expired"
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if q.acct.Enrolling && rt.action != ActEnrolling {
			http.Redirect(w, r, "/enrol/phrase", http.StatusSeeOther)
			return
		}
		var meta *StoryMeta
		if storyActions[rt.action] {
			id := r.PathValue("id")
			if !validStoryID(id) {
				s.notFound(w, r, q)
				return
			}
			st, err := s.cfg.Store.Story(r.Context(), id)
			if errors.Is(err, ErrNotFound) {
				s.notFound(w, r, q)
				return
			}
			if err != nil {
				s.failed(w, r, q, "story", err)
				return
			}
			meta, q.story = &st.StoryMeta, &st
		}
		if !Allowed(q.acct, meta, rt.action) {
			s.notFound(w, r, q)
			return
		}
		rt.h(w, r, q)
	})
}

// validStoryID reports whether id has the shape of a story id
// (consent's story-id rule: "st-" and 4 to 32 lowercase letters or digits).
func validStoryID(id string) bool {
	rest, ok := strings.CutPrefix(id, "st-")
	if !ok || len(rest) < 4 || len(rest) > 32 {
		return false
	}
	for _, c := range rest {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, q *req) {
	s.render(w, r, http.StatusNotFound, "message", &view{Lang: q.lang, Account: q.acct, Notice: "not_found_heading", Data: "not_found_text"})
}

// refusedWithdrawn answers a change to a story taken down: 409 and the
// message that she already stopped sharing it.
func (s *Server) refusedWithdrawn(w http.ResponseWriter, r *http.Request, q *req) {
	s.logf("%s %s: refused, story taken down", r.Method, r.Pattern)
	s.render(w, r, http.StatusConflict, "message", &view{Lang: q.lang, Account: q.acct, Notice: "stop_heading", Data: "stop_already"})
}

// failed answers 500 and logs what failed by kind, never the error's text
// (it may quote a story).
func (s *Server) failed(w http.ResponseWriter, r *http.Request, q *req, what string, err error) {
	s.logf("%s %s: %s failed (%T)", r.Method, r.Pattern, what, err)
	s.render(w, r, http.StatusInternalServerError, "message", &view{Lang: q.lang, Account: q.acct, Notice: "error_heading", Data: "error_text"})
}
