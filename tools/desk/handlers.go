package desk

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"storyguard/tools/consent"
)

// Form limits.
const (
	maxFormBytes  = 8 << 10   // sign-in, enrolment, consent, approval
	maxStoryBytes = 256 << 10 // the story form
	maxTitle      = 200       // runes
	maxSummary    = 600       // runes
	maxBody       = 100_000   // bytes: a long story is some tens of kilobytes
	maxChosenName = 40        // runes
)

// notices are the ?n= values a redirect may carry, and their message keys.
var notices = map[string]string{
	"expired": "signin_expired", "out": "signed_out", "phrase": "phrase_saved", "saved": "write_saved",
	"answers": "consent_saved", "reapprove": "consent_reapprove", "stale": "approve_stale", "approved": "approved_text",
	"consent": "approve_needs_consent", "not_ready": "approve_not_ready", "stopped": "stop_done",
	// After Config.Withdraw: done at each level, or still pending.
	"done-" + StopNewUses: "stop_done_stop_new_uses", "done-" + TakeDown: "stop_done_take_down",
	"done-" + TakeDownDelete: "stop_done_take_down_delete", "stop-pending": "stop_pending",
	// staff side (staff_*.go)
	"suggested": "suggest_saved", "accepted": "suggestion_accepted", "rejected": "suggestion_rejected",
	"choose": "suggestion_choose", "suggestion_stale": "suggestion_stale", "photo": "photo_saved",
	"registry_added": "registry_added", "role": "account_role_saved",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("n")] }

// parseForm reads a urlencoded form of at most limit bytes. ok is false
// (and the field "form" set) when it is larger or malformed.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	return r.ParseForm() == nil
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, q *req) {
	if q.acct != nil {
		http.Redirect(w, r, landing(q.acct), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

func (s *Server) asset(w http.ResponseWriter, r *http.Request, q *req) {
	name := r.PathValue("file")
	data, err := fs.ReadFile(assetFiles, "assets/"+name)
	if err != nil || strings.Contains(name, "/") {
		s.notFound(w, r, q)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Write(data)
}

// localPath returns p when it is a path on this desk ("/stories/..."),
// else "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	return p
}

func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request, q *req) {
	if !parseForm(w, r, maxFormBytes) {
		s.notFound(w, r, q)
		return
	}
	if lang := r.PostForm.Get("lang"); slices.Contains(Languages, lang) {
		// A session cookie: a language remembered on a shared phone
		// would show that someone used the desk.
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", HttpOnly: true,
			Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, localPath(r.PostForm.Get("back")), http.StatusSeeOther)
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, q *req) {
	if q.acct != nil && !q.acct.Enrolling {
		http.Redirect(w, r, landing(q.acct), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", &view{Lang: q.lang, Notice: notice(r)})
}

// signIn checks a sign-in name and phrase. Every failure (no such name,
// an account still enrolling, a wrong phrase) gives the same answer after
// the same argon2id work, so the page never says whether an account
// exists.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, q *req) {
	fail := func(status int, key string) {
		s.render(w, r, status, "signin", &view{Lang: q.lang, Notice: key})
	}
	if !parseForm(w, r, maxFormBytes) {
		fail(http.StatusBadRequest, "signin_failed")
		return
	}
	login := strings.ToLower(strings.TrimSpace(r.PostForm.Get("login")))
	phrase := r.PostForm.Get("phrase")
	now, addr := s.now(), clientIP(r)
	if !s.limiter.allow("signin-ip:"+addr, signInPerIP, now) ||
		!s.limiter.allow("signin-pair:"+pairKey(login, addr), signInPerPair, now) ||
		!s.guard.allow(login, addr, now) {
		s.logf("sign-in refused: rate limit")
		fail(http.StatusTooManyRequests, "too_many")
		return
	}
	verifier := s.dummy
	acct, err := s.cfg.Store.AccountByLogin(r.Context(), login)
	found := err == nil && login != "" && utf8.ValidString(login) && len(login) <= 64
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.failed(w, r, q, "sign-in", err)
		return
	}
	if found {
		v, err := s.cfg.Store.Verifier(r.Context(), acct.ID)
		switch {
		case err == nil:
			verifier = v
		case errors.Is(err, ErrNotFound):
			found = false
		default:
			s.failed(w, r, q, "sign-in", err)
			return
		}
	}
	ok, err := s.verifyPhrase(phrase, verifier)
	if err != nil || !ok || !found {
		s.guard.failure(login, addr, now)
		s.logf("sign-in failed")
		fail(http.StatusUnauthorized, "signin_failed")
		return
	}
	s.guard.success(login, addr)
	if err := s.startSession(w, r, acct.ID, phrase, ""); err != nil {
		s.failed(w, r, q, "sign-in", err)
		return
	}
	s.logf("sign-in account %s", acct.ID)
	http.Redirect(w, r, landing(&acct), http.StatusSeeOther)
}

func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request, q *req) {
	s.render(w, r, http.StatusOK, "enrol", &view{Lang: q.lang})
}

// enrol checks an enrolment code: single use, within 48 hours. It ends
// every session of the account (a new code replaces every sign-in
// method) and starts an enrolling one that keeps the code: the code is
// used up only when her phrase is saved (setPhrase), so leaving half-way
// does not strand her.
func (s *Server) enrol(w http.ResponseWriter, r *http.Request, q *req) {
	bad := func(status int, field, key string) {
		s.render(w, r, status, "enrol", &view{Lang: q.lang, Errors: map[string]string{field: key}})
	}
	if !s.limiter.allow("code-ip:"+clientIP(r), codePerIP, s.now()) {
		s.logf("enrolment refused: rate limit")
		bad(http.StatusTooManyRequests, "code", "too_many")
		return
	}
	if !parseForm(w, r, maxFormBytes) {
		bad(http.StatusBadRequest, "code", "enrol_code_format")
		return
	}
	code, err := ParseCode(r.PostForm.Get("code"))
	if err != nil {
		bad(http.StatusUnprocessableEntity, "code", "enrol_code_format")
		return
	}
	acct, err := s.cfg.Store.CodeAccount(r.Context(), code, s.now())
	if errors.Is(err, ErrNotFound) {
		s.logf("enrolment failed: no usable code")
		bad(http.StatusUnprocessableEntity, "code", "enrol_code_bad")
		return
	}
	if err != nil {
		s.failed(w, r, q, "enrolment", err)
		return
	}
	if err := s.endSessions(r, acct.ID); err != nil {
		s.failed(w, r, q, "enrolment", err)
		return
	}
	if err := s.startSession(w, r, acct.ID, "", code); err != nil {
		s.failed(w, r, q, "enrolment", err)
		return
	}
	s.logf("enrolment account %s: code accepted", acct.ID)
	http.Redirect(w, r, "/enrol/phrase", http.StatusSeeOther)
}

func (s *Server) phrasePage(w http.ResponseWriter, r *http.Request, q *req) {
	s.render(w, r, http.StatusOK, "phrase", &view{Lang: q.lang, Account: q.acct})
}

func (s *Server) setPhrase(w http.ResponseWriter, r *http.Request, q *req) {
	bad := func(field, key string) {
		s.render(w, r, http.StatusUnprocessableEntity, "phrase", &view{Lang: q.lang, Account: q.acct, Errors: map[string]string{field: key}})
	}
	if !parseForm(w, r, maxFormBytes) {
		bad("phrase", "phrase_long")
		return
	}
	p, again := r.PostForm.Get("phrase"), r.PostForm.Get("repeat")
	switch err := CheckPhrase(p); {
	case errors.Is(err, ErrPhraseShort):
		bad("phrase", "phrase_short")
		return
	case errors.Is(err, ErrPhraseLong):
		bad("phrase", "phrase_long")
		return
	case err != nil:
		bad("phrase", "field_not_text")
		return
	}
	if NormalizePhrase(p) != NormalizePhrase(again) {
		bad("repeat", "phrase_mismatch")
		return
	}
	v, err := s.hashPhrase(p)
	if err != nil {
		s.failed(w, r, q, "phrase", err)
		return
	}
	// The code is used up with the phrase, in one step: of two tabs (or
	// two people) finishing with one code, one wins; the other is told
	// the code is used, and nothing of hers is set.
	acct, err := s.cfg.Store.EnrolWithCode(r.Context(), q.sess.code, v, s.now())
	if errors.Is(err, ErrNotFound) {
		s.logf("enrolment account %s: code used or expired before the phrase", q.acct.ID)
		if err := s.cfg.Store.RevokeSession(r.Context(), q.key); err != nil {
			s.failed(w, r, q, "phrase", err)
			return
		}
		clearSessionCookie(w, s.cfg.SecureCookies)
		s.render(w, r, http.StatusConflict, "enrol", &view{Lang: q.lang, Errors: map[string]string{"code": "enrol_code_bad"}})
		return
	}
	if err == nil && acct.ID != q.acct.ID {
		err = errors.New("the code belongs to another account")
	}
	if err != nil {
		s.failed(w, r, q, "phrase", err)
		return
	}
	if err := s.endSessions(r, q.acct.ID); err != nil {
		s.failed(w, r, q, "phrase", err)
		return
	}
	if err := s.startSession(w, r, q.acct.ID, p, ""); err != nil {
		s.failed(w, r, q, "phrase", err)
		return
	}
	s.logf("enrolment account %s: phrase set", q.acct.ID)
	http.Redirect(w, r, "/stories?n=phrase", http.StatusSeeOther)
}

// signOut ends the session and tells the browser to drop this site's
// cache, cookies and storage (Clear-Site-Data), so Back shows nothing.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, q *req) {
	if err := s.cfg.Store.RevokeSession(r.Context(), q.key); err != nil {
		s.failed(w, r, q, "sign-out", err)
		return
	}
	clearSessionCookie(w, s.cfg.SecureCookies)
	w.Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	s.logf("sign-out account %s", q.acct.ID)
	s.render(w, r, http.StatusOK, "signin", &view{Lang: q.lang, Notice: "signed_out"})
}

// signOutEverywhere ends every session of the account, on every device,
// then signs this one out as signOut does.
func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request, q *req) {
	if err := s.endSessions(r, q.acct.ID); err != nil {
		s.failed(w, r, q, "sign-out", err)
		return
	}
	s.logf("sign-out everywhere account %s", q.acct.ID)
	s.signOut(w, r, q)
}

// extend keeps the session alive (the idle warning's button). The wrapper
// already touched it.
func (s *Server) extend(w http.ResponseWriter, r *http.Request, q *req) {
	if r.Header.Get("X-Desk-Fetch") == "1" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	parseForm(w, r, maxFormBytes)
	http.Redirect(w, r, localPath(r.PostForm.Get("back")), http.StatusSeeOther)
}

// storyItem is one row of the story list.
type storyItem struct {
	ID, Title string // Title "" means untitled
	State     string // message key
}

func (s *Server) listStories(w http.ResponseWriter, r *http.Request, q *req) {
	metas, err := s.cfg.Store.Stories(r.Context())
	if err != nil {
		s.failed(w, r, q, "list", err)
		return
	}
	var items []storyItem
	for _, m := range metas {
		if !Allowed(q.acct, &m, ActViewStory) {
			continue // not hers: not listed, not counted
		}
		st, err := s.cfg.Store.Story(r.Context(), m.ID)
		if err != nil {
			s.failed(w, r, q, "list", err)
			return
		}
		it := storyItem{ID: m.ID, State: "state_drafting"}
		for _, l := range Languages {
			if rev, ok := st.Current[l]; ok && it.Title == "" {
				it.Title = rev.Title
			}
		}
		if len(st.Approvals) > 0 {
			it.State = "state_approved"
			person, err := s.person(r, &st)
			if err != nil {
				s.failed(w, r, q, "list", err)
				return
			}
			// Approved only while every text she approved still holds
			// (the same text, the same answers); else she must approve
			// again, and the list says so.
			for _, l := range Languages {
				if _, ok := st.Current[l]; !ok {
					continue
				}
				if _, ok := st.approved(l, person); !ok {
					it.State = "state_reapprove"
				}
			}
		}
		if st.Withdrawal != nil {
			it.State = "state_stopped"
		}
		items = append(items, it)
	}
	s.render(w, r, http.StatusOK, "stories", &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: items})
}

func (s *Server) newStory(w http.ResponseWriter, r *http.Request, q *req) {
	id, err := NewStoryID()
	if err == nil {
		err = s.cfg.Store.CreateStory(r.Context(), StoryMeta{ID: id, Storyteller: q.acct.ID, Created: s.now()})
	}
	if err != nil {
		s.failed(w, r, q, "new story", err)
		return
	}
	s.logf("story %s: created by %s", id, q.acct.ID)
	http.Redirect(w, r, "/stories/"+id, http.StatusSeeOther)
}

// storyLang is the language of the story text a page works on: ?lang=
// when it is one of Languages, else the first language the story has
// text in, else the page's language.
func storyLang(r *http.Request, st *Story, fallback string) string {
	if l := r.URL.Query().Get("lang"); slices.Contains(Languages, l) {
		return l
	}
	for _, l := range Languages {
		if _, ok := st.Current[l]; ok {
			return l
		}
	}
	return fallback
}

// writeData is the write page's data.
type writeData struct {
	ID, TextLang         string
	Base                 string // TextBase of the saved text the form is on
	Title, Summary, Body string
	Saved                bool
	Stale                *comparison // set when a save was refused as stale: the text now vs hers
	// What the page links to, from Allowed.
	CanPreview, CanWithdraw bool
	// Suggestions is how many staff suggestions wait for her answer.
	Suggestions int
	// Stopped is her request to stop sharing, nil when none; ReadOnly is
	// true once the story is taken down (nothing new is saved on it):
	// the page shows the text without a form to change it.
	Stopped  *Withdrawal
	ReadOnly bool
}

// links fills the write page's links from the access decision, and what
// the page says of a request to stop sharing.
func (d writeData) links(a *Account, st *Story) writeData {
	d.CanPreview, d.CanWithdraw = Allowed(a, &st.StoryMeta, ActPreview), Allowed(a, &st.StoryMeta, ActWithdraw)
	d.Stopped, d.ReadOnly = st.Withdrawal, takenDown(st)
	return d
}

func (s *Server) writePage(w http.ResponseWriter, r *http.Request, q *req) {
	if q.acct.Role != Storyteller {
		s.staffEditPage(w, r, q) // staff suggest; only she writes
		return
	}
	lang := storyLang(r, q.story, q.lang)
	rev := q.story.Current[lang]
	d := writeData{ID: q.story.ID, TextLang: lang, Base: TextBase(rev), Title: rev.Title, Summary: rev.Summary, Body: rev.Body, Saved: !rev.At.IsZero()}.links(q.acct, q.story)
	n, err := s.openSuggestions(r, q.story.ID)
	if err != nil {
		s.failed(w, r, q, "write", err)
		return
	}
	d.Suggestions = n
	s.render(w, r, http.StatusOK, "write", &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d})
}

// checkText validates one text field: valid UTF-8, no control characters
// but tab and line breaks (none at all when !multiline), at most max
// (runes, or bytes when bytes is true). It returns a message key or "".
func checkText(v string, required, multiline bool, max int, bytes bool) string {
	if !utf8.ValidString(v) {
		return "field_not_text"
	}
	for _, c := range v {
		if c == '\n' || c == '\r' || c == '\t' {
			if !multiline && c != '\t' {
				return "field_not_text"
			}
			continue
		}
		if unicode.IsControl(c) || c == '\uFFFD' || c == '\uFEFF' {
			return "field_not_text"
		}
	}
	n := utf8.RuneCountInString(v)
	if bytes {
		n = len(v)
	}
	if n > max {
		return "field_too_long"
	}
	if required && strings.TrimSpace(v) == "" {
		return "field_required"
	}
	return ""
}

// saveStory stores a new revision. A field that fails is marked on the
// page in her language and shown with the text saved before (never the
// value that failed); the fields that passed keep what she typed.
func (s *Server) saveStory(w http.ResponseWriter, r *http.Request, q *req) {
	autosave := r.Header.Get("X-Desk-Fetch") == "1"
	if !parseForm(w, r, maxStoryBytes) {
		if autosave {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		lang := storyLang(r, q.story, q.lang)
		rev := q.story.Current[lang]
		s.render(w, r, http.StatusRequestEntityTooLarge, "write", &view{Lang: q.lang, Account: q.acct,
			Errors: map[string]string{"body": "body_too_long"},
			Data:   writeData{ID: q.story.ID, TextLang: lang, Base: TextBase(rev), Title: rev.Title, Summary: rev.Summary, Body: rev.Body, Saved: !rev.At.IsZero()}.links(q.acct, q.story)})
		return
	}
	lang := r.PostForm.Get("text_lang")
	errs := map[string]string{}
	if !slices.Contains(Languages, lang) {
		errs["text_lang"] = "field_bad_choice"
		lang = storyLang(r, q.story, q.lang)
	}
	old := q.story.Current[lang]
	d := writeData{ID: q.story.ID, TextLang: lang, Base: TextBase(old), Saved: !old.At.IsZero()}.links(q.acct, q.story)
	got := textFields(r.PostForm, q.sess.phraseFP, old, errs)
	d.Title, d.Summary, d.Body = got.Title, got.Summary, got.Body
	if errs["body"] == "field_too_long" {
		errs["body"] = "body_too_long" // says the limit and what to do
	}
	if len(errs) > 0 {
		s.logf("story %s: save refused (%d fields)", q.story.ID, len(errs))
		if autosave {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, "write", &view{Lang: q.lang, Account: q.acct, Errors: errs, Data: d})
		return
	}
	// The media list is not in her form: it stays as it stands on the
	// base (a photo accepted since makes the base stale).
	rev := Revision{Lang: lang, Title: d.Title, Summary: d.Summary, Body: cleanBody(d.Body), Media: old.Media, By: q.acct.ID, At: s.now()}
	base := r.PostForm.Get("base")
	if base != d.Base && TextBase(rev) == d.Base {
		base = d.Base // the very text already saved (a double submit): nothing is lost
	}
	ss, err := s.staffStore()
	if err == nil {
		err = ss.SaveRevisionOn(r.Context(), q.story.ID, rev, base)
	}
	if errors.Is(err, ErrStale) {
		// The text saved meanwhile, read again: when it is hers (her
		// autosave and her Save button carrying the same text at once),
		// it is saved, not a conflict.
		now, rerr := s.cfg.Store.Story(r.Context(), q.story.ID)
		switch {
		case rerr != nil:
			err = rerr
		case TextBase(now.Current[lang]) == TextBase(rev):
			err = nil
		default:
			old = now.Current[lang]
			d.Base = TextBase(old)
		}
	}
	switch {
	case errors.Is(err, ErrStale):
		// Saved elsewhere since this form was opened (another tab, a
		// suggestion she accepted): nothing is written; the page shows the
		// text now against hers, hers kept in the form, on the new base.
		s.logf("story %s: stale %s save refused", q.story.ID, lang)
		if autosave {
			w.WriteHeader(http.StatusConflict)
			return
		}
		c := compare(old, rev)
		d.Stale = &c
		s.render(w, r, http.StatusConflict, "write", &view{Lang: q.lang, Account: q.acct, Notice: "write_stale", Data: d})
		return
	case errors.Is(err, ErrWithdrawn):
		s.refusedWithdrawn(w, r, q)
		return
	case err != nil:
		s.failed(w, r, q, "save", err)
		return
	}
	s.logf("story %s: %s revision saved by %s", q.story.ID, lang, q.acct.ID)
	if autosave {
		// The form's next autosave is based on this text.
		w.Header().Set("X-Desk-Base", TextBase(rev))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/stories/"+q.story.ID+"?lang="+lang+"&n=saved", http.StatusSeeOther)
}

// cleanBody is the body as stored: LF line ends and no blank lines or
// spaces at the end (they change neither the page nor the approval
// digest, and the page file ends the body with one line end).
func cleanBody(b string) string {
	return strings.TrimRight(strings.ReplaceAll(b, "\r\n", "\n"), " \t\r\n")
}

// The consent form's choices.
var (
	choiceYesNo = []string{"yes", "no", "unsure"}
	choiceName  = []string{"chosen", "none", "first", "full", "unsure"}
	choiceTerm  = []string{"3", "2", "1"}
)

// consentData is the consent page's data.
type consentData struct {
	ID         string
	CanPreview bool
	A          Answers
	Channels   []string
	Langs      []string
	// ReadOnly is true for staff: the answers are hers (Allowed refuses
	// them ActConsent), so they see them and cannot change them.
	ReadOnly bool
}

func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, q *req) {
	d := consentData{ID: q.story.ID, Channels: consent.Channels, Langs: Languages, ReadOnly: !Allowed(q.acct, &q.story.StoryMeta, ActConsent),
		CanPreview: Allowed(q.acct, &q.story.StoryMeta, ActPreview)}
	if q.story.Answers != nil {
		d.A = *q.story.Answers
	}
	s.render(w, r, http.StatusOK, "consent", &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d})
}

func (s *Server) saveConsent(w http.ResponseWriter, r *http.Request, q *req) {
	errs := map[string]string{}
	d := consentData{ID: q.story.ID, Channels: consent.Channels, Langs: Languages, ReadOnly: !Allowed(q.acct, &q.story.StoryMeta, ActConsent),
		CanPreview: Allowed(q.acct, &q.story.StoryMeta, ActPreview)}
	if !parseForm(w, r, maxFormBytes) {
		errs["share"] = "field_too_long"
		s.render(w, r, http.StatusRequestEntityTooLarge, "consent", &view{Lang: q.lang, Account: q.acct, Errors: errs, Data: d})
		return
	}
	f := r.PostForm
	a := Answers{By: q.acct.ID, At: s.now(), WithStaff: f.Get("with_staff") == "1"}
	pick := func(name string, from []string, dst *string) {
		v := f.Get(name)
		if !slices.Contains(from, v) {
			errs[name] = "field_bad_choice"
			return
		}
		*dst = v
	}
	pick("share", choiceYesNo, &a.Share)
	pick("name", choiceName, &a.Name)
	pick("danger", choiceYesNo, &a.Danger)
	pick("search", choiceYesNo, &a.Search)
	var term string
	pick("term", choiceTerm, &term)
	a.TermYears, _ = strconv.Atoi(term)
	// The byline she types: a name she chooses (the desk adds the
	// pseudonym's "*", DESIGN.md "Content model"), or her name as she
	// wants it shown when she chose her first or full name (the registry
	// rule then checks it is the public name staff recorded).
	switch a.Name {
	case "chosen":
		a.ChosenName = bylineField(f.Get("chosen_name"), true, q.sess.phraseFP, "chosen_name", errs)
	case "first", "full":
		a.ShownName = bylineField(f.Get("shown_name"), false, q.sess.phraseFP, "shown_name", errs)
	}
	for _, c := range f["channels"] {
		if !slices.Contains(consent.Channels, c) {
			errs["channels"] = "field_bad_choice"
		} else if !slices.Contains(a.Channels, c) {
			a.Channels = append(a.Channels, c)
		}
	}
	for _, l := range f["languages"] {
		if !slices.Contains(Languages, l) {
			errs["languages"] = "field_bad_choice"
		} else if !slices.Contains(a.Languages, l) {
			a.Languages = append(a.Languages, l)
		}
	}
	if len(errs) > 0 {
		d.A = a
		s.render(w, r, http.StatusUnprocessableEntity, "consent", &view{Lang: q.lang, Account: q.acct, Errors: errs, Data: d})
		return
	}
	person, err := s.person(r, q.story)
	if err != nil {
		s.failed(w, r, q, "consent", err)
		return
	}
	wasApproved := false
	for _, l := range Languages {
		if _, ok := q.story.approved(l, person); ok {
			wasApproved = true
		}
	}
	if err := s.cfg.Store.SaveAnswers(r.Context(), q.story.ID, a); err != nil {
		if errors.Is(err, ErrWithdrawn) {
			s.refusedWithdrawn(w, r, q)
			return
		}
		s.failed(w, r, q, "consent", err)
		return
	}
	s.logf("story %s: consent answered by %s (status %s, with staff %t)", q.story.ID, q.acct.ID, a.status(), a.WithStaff)
	if wasApproved {
		// Any change of her answers cancels her approval (Story.approved):
		// say so, and send her back to read it again.
		s.logf("story %s: approval reopened by new consent answers", q.story.ID)
		http.Redirect(w, r, "/stories/"+q.story.ID+"/consent?n=reapprove", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/stories/"+q.story.ID+"/consent?n=answers", http.StatusSeeOther)
}

// bylineField validates a byline she typed into field and returns it as
// stored, or "" with errs[field] set: one line of at most maxChosenName
// runes, not her phrase, none of the characters that would break out of
// the byline in Markdown or HTML. For a pseudonym (pseudonym true) the
// "*" the site prints after it is the desk's to add: one typed at the end
// is dropped, and a "*" anywhere else is refused, as is any "*" on a real
// name (check's byline-pseudonym rule: the marker only on pseudonyms).
func bylineField(v string, pseudonym bool, fp *phraseFingerprint, field string, errs map[string]string) string {
	v = strings.TrimSpace(v)
	if pseudonym {
		v = strings.TrimSpace(strings.TrimRight(v, "*"))
	}
	switch key := checkText(v, true, false, maxChosenName, false); {
	case key != "":
		errs[field] = key
	case strings.ContainsAny(v, "*<>{}[]\"`\\"):
		errs[field] = "field_name_chars"
	case fp.containedIn(v):
		errs[field] = "field_has_phrase"
	default:
		return v
	}
	return ""
}

// person returns the registry id a story is attributed to: its
// storyteller's account's Person.
func (s *Server) person(r *http.Request, st *Story) (string, error) {
	a, err := s.cfg.Store.Account(r.Context(), st.Storyteller)
	if err != nil {
		return "", err
	}
	return a.Person, nil
}

func (s *Server) baseURL(r *http.Request, id string) string {
	scheme := "http"
	if s.cfg.SecureCookies || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/stories/" + id + "/preview/site/"
}

// preview returns the story's current preview, building it when the
// materialised text, consent or base URL changed since the last build.
func (s *Server) preview(r *http.Request, st *Story) (*previewResult, error) {
	person, err := s.person(r, st)
	if err != nil {
		return nil, err
	}
	base := s.baseURL(r, st.ID)
	_, key := previewInputs(*st, person, base)
	s.mu.Lock()
	cur := s.previews[st.ID]
	s.mu.Unlock()
	if cur != nil && cur.key == key {
		return cur, nil
	}
	res, err := s.buildPreview(r.Context(), *st, person, base)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if old := s.previews[st.ID]; old != nil {
		os.RemoveAll(old.dir)
	}
	s.previews[st.ID] = res
	s.mu.Unlock()
	return res, nil
}

// previewData is the preview page's data.
type previewData struct {
	ID, TextLang string
	Langs        []string // languages with text
	Frame        string   // the frame's URL; "" when there is no page
	Failed       bool
	Digest       string
	Fingerprint  string
	Findings     []Finding
	Blocked      bool
	Approved     bool // she approved exactly this text
	CanApprove   bool
	NeedsConsent bool // she could approve once her consent covers this language
	NotReady     bool // consent covers it, but the build failed or a finding blocks it
	Stopped      bool
}

func (s *Server) previewPage(w http.ResponseWriter, r *http.Request, q *req) {
	v := &view{Lang: q.lang, Account: q.acct, Notice: notice(r)}
	res, err := s.preview(r, q.story)
	if errors.Is(err, errNoText) {
		v.Notice = "preview_no_text"
		v.Data = previewData{ID: q.story.ID}
		s.render(w, r, http.StatusOK, "preview", v)
		return
	}
	if err != nil {
		s.failed(w, r, q, "preview", err)
		return
	}
	person, err := s.person(r, q.story)
	if err != nil {
		s.failed(w, r, q, "preview", err)
		return
	}
	lang := storyLang(r, q.story, q.lang)
	pl := res.langs[lang]
	if pl == nil {
		s.notFound(w, r, q)
		return
	}
	d := previewData{ID: q.story.ID, TextLang: lang, Digest: pl.digest, Fingerprint: Fingerprint(pl.digest),
		Findings: pl.findings, Failed: res.buildErr != nil, Stopped: q.story.Withdrawal != nil}
	for _, l := range Languages {
		if _, ok := res.langs[l]; ok {
			d.Langs = append(d.Langs, l)
		}
	}
	if !d.Failed {
		d.Frame = "/stories/" + q.story.ID + "/preview/site/" + strings.TrimSuffix(pl.page, "index.html")
	}
	d.Blocked = pl.blocked()
	ap, ok := q.story.approved(lang, person)
	d.Approved = ok && ap.Digest == pl.digest
	mine := Allowed(q.acct, &q.story.StoryMeta, ActApprove) && !d.Approved && !d.Stopped
	covered := q.story.Answers.status() == consent.Given && slices.Contains(q.story.Answers.Languages, lang)
	// She approves only what she saw: a preview built without error,
	// with nothing that blocks it (approvable checks it again on post).
	d.CanApprove, d.NeedsConsent = mine && covered && !d.Failed && !d.Blocked, mine && !covered
	d.NotReady = mine && covered && !d.CanApprove
	s.render(w, r, http.StatusOK, "preview", v.with(d))
}

func (v *view) with(d any) *view { v.Data = d; return v }

// previewSite serves the built preview to the story's storyteller only
// (the wrapper checked ActPreview), under the theme's own policy.
func (s *Server) previewSite(w http.ResponseWriter, r *http.Request, q *req) {
	// Built here when this desk has none (a restart, another instance
	// behind the same store: her session is valid on both) or the story
	// changed since; what it shows is then the current text, whose digest
	// an approval must carry.
	res, err := s.preview(r, q.story)
	if err != nil && !errors.Is(err, errNoText) {
		s.failed(w, r, q, "preview", err)
		return
	}
	if res == nil || res.buildErr != nil {
		s.notFound(w, r, q)
		return
	}
	p := r.PathValue("path")
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	if !fs.ValidPath(p) {
		s.notFound(w, r, q)
		return
	}
	root := os.DirFS(filepath.Join(res.dir, "out"))
	fi, err := fs.Stat(root, p)
	if err != nil || fi.IsDir() {
		s.notFound(w, r, q)
		return
	}
	safetyHeaders(w.Header(), previewCSP)
	http.ServeFileFS(w, r, root, p)
}

// approve records her approval of the exact text she was shown: the form
// carries the digest of the preview, and a story changed since (by anyone)
// has another digest, so the approval is refused as stale.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, q *req) {
	if !parseForm(w, r, maxFormBytes) {
		s.notFound(w, r, q)
		return
	}
	lang := r.PostForm.Get("text_lang")
	if !slices.Contains(Languages, lang) {
		s.render(w, r, http.StatusUnprocessableEntity, "message", &view{Lang: q.lang, Account: q.acct, Notice: "form_has_errors", Data: "field_bad_choice"})
		return
	}
	back := "/stories/" + q.story.ID + "/preview?lang=" + lang
	person, err := s.person(r, q.story)
	if err != nil {
		if errors.Is(err, ErrWithdrawn) {
			s.refusedWithdrawn(w, r, q)
			return
		}
		s.failed(w, r, q, "approve", err)
		return
	}
	s.mu.Lock()
	res := s.previews[q.story.ID]
	s.mu.Unlock()
	cur := r.PostForm.Get("digest")
	if why := approvable(res, *q.story, person, s.baseURL(r, q.story.ID), lang, cur); why != "" {
		s.logf("story %s: approval refused (%s)", q.story.ID, why)
		http.Redirect(w, r, back+"&n="+why, http.StatusSeeOther)
		return
	}
	shown := *q.story.Answers
	shown.Channels, shown.Languages = slices.Clone(shown.Channels), slices.Clone(shown.Languages)
	ap := Approval{Lang: lang, Digest: cur, By: q.acct.ID, At: s.now(), ReadAloud: r.PostForm.Get("read_aloud") == "1", Answers: &shown}
	if err := s.cfg.Store.SaveApproval(r.Context(), q.story.ID, ap); err != nil {
		if errors.Is(err, ErrWithdrawn) {
			s.refusedWithdrawn(w, r, q)
			return
		}
		s.failed(w, r, q, "approve", err)
		return
	}
	s.logf("story %s: %s text approved by %s (digest %s, read aloud %t)", q.story.ID, lang, q.acct.ID, Fingerprint(cur), ap.ReadAloud)
	http.Redirect(w, r, back+"&n=approved", http.StatusSeeOther)
}

// stopData is the stop page's data.
type stopData struct {
	ID     string
	Levels []string
	Level  string
	Done   *Withdrawal
	When   string // of Done, "2026-12-01 10:00:00 UTC"
	// Recorded is true when no pipeline withdrawal is configured: the
	// request is recorded for staff, and the page says so.
	Recorded bool
}

// newStopData is the stop page's data for st: once she asked, the page
// shows what she asked and when, and offers only the levels that go
// further (none once it is taken down: that is final).
func (s *Server) newStopData(st *Story) stopData {
	d := stopData{ID: st.ID, Levels: WithdrawalLevels, Done: st.Withdrawal, Recorded: s.cfg.Withdraw == nil}
	if d.Done != nil {
		d.When = d.Done.At.UTC().Format(time.DateTime) + " UTC"
		d.Levels = WithdrawalLevels[slices.Index(WithdrawalLevels, d.Done.Level)+1:]
	}
	if takenDown(st) {
		d.Levels = nil // final: the store takes nothing more on it
	}
	return d
}

func (s *Server) stopPage(w http.ResponseWriter, r *http.Request, q *req) {
	v := &view{Lang: q.lang, Account: q.acct, Notice: notice(r)}
	s.render(w, r, http.StatusOK, "stop", v.with(s.newStopData(q.story)))
}

// stop records her request to stop sharing at the level she chose, and
// runs the pipeline's withdrawal when one is configured.
func (s *Server) stop(w http.ResponseWriter, r *http.Request, q *req) {
	if takenDown(q.story) {
		s.refusedWithdrawn(w, r, q)
		return
	}
	d := s.newStopData(q.story)
	errs := map[string]string{}
	if !parseForm(w, r, maxFormBytes) {
		errs["level"] = "field_bad_choice"
	}
	level := r.PostForm.Get("level")
	if !slices.Contains(d.Levels, level) {
		errs["level"] = "field_bad_choice"
	} else {
		d.Level = level
	}
	if r.PostForm.Get("confirm") != "1" {
		errs["confirm"] = "field_required"
	}
	if len(errs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "stop", &view{Lang: q.lang, Account: q.acct, Errors: errs, Data: d})
		return
	}
	wd := Withdrawal{Level: level, By: q.acct.ID, At: s.now()}
	if err := s.cfg.Store.SaveWithdrawal(r.Context(), q.story.ID, wd); err != nil {
		if errors.Is(err, ErrWithdrawn) {
			s.refusedWithdrawn(w, r, q)
			return
		}
		s.failed(w, r, q, "stop", err)
		return
	}
	s.logf("story %s: stop sharing (%s) asked by %s", q.story.ID, level, q.acct.ID)
	if s.cfg.Withdraw == nil {
		http.Redirect(w, r, "/stories/"+q.story.ID+"/stop?n=stopped", http.StatusSeeOther)
		return
	}
	// Her request is recorded above, whatever happens next; she is told
	// whether the withdrawal is done or still pending (staff see it).
	if err := s.cfg.Withdraw(r.Context(), q.story.ID, level, q.acct.ID); err != nil {
		s.logf("story %s: withdrawal (%s) not finished (%T); staff must run it again", q.story.ID, level, err)
		http.Redirect(w, r, "/stories/"+q.story.ID+"/stop?n=stop-pending", http.StatusSeeOther)
		return
	}
	s.logf("story %s: withdrawal (%s) done", q.story.ID, level)
	if level == TakeDownDelete {
		// Erased: the story is no more, not even its stop page.
		http.Redirect(w, r, "/stories?n=done-"+level, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/stories/"+q.story.ID+"/stop?n=done-"+level, http.StatusSeeOther)
}
