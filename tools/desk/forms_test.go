package desk

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fieldError reports whether body marks field with the message key in
// lang, as the templates write it.
func (d *testDesk) fieldError(body, field, lang, key string) bool {
	return strings.Contains(body, `id="`+field+`-error">`+htmlEscape(d.srv.msgs.text(lang, key)))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestSignInNeverSaysWhetherAccountExists(t *testing.T) {
	d := newTestDesk(t)
	d.client("es").enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	d.account("a-new", "nueva", Storyteller) // exists, never enrolled
	var bodies []string
	for _, login := range []string{"ana", "nadie", "nueva"} {
		r := d.client("es").post("/sign-in", url.Values{"login": {login}, "phrase": {"wrong phrase here"}})
		if r.status != http.StatusUnauthorized {
			t.Errorf("login %s: status %d, want 401", login, r.status)
		}
		if strings.Contains(r.body, login) {
			t.Errorf("login %s: the page repeats the sign-in name", login)
		}
		if !strings.Contains(r.body, d.srv.msgs.text("es", "signin_failed")) {
			t.Errorf("login %s: no failure message in Spanish", login)
		}
		bodies = append(bodies, r.body)
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Error("the answers differ between an account, no account and an account not enrolled")
	}
	if r := d.client("es").post("/sign-in", url.Values{"login": {"ANA "}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusSeeOther {
		t.Errorf("the right phrase: %d, want 303", r.status)
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	d := newTestDesk(t)
	d.client("es").enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	c := d.client("es")
	var last resp
	for range signInPerPair + 1 {
		last = c.post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"not her phrase"}})
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(last.body, d.srv.msgs.text("es", "too_many")) {
		t.Fatalf("after %d wrong phrases: %d, want 429 with the message", signInPerPair+1, last.status)
	}
	// Even the right phrase waits for the window to pass.
	if r := c.post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusTooManyRequests {
		t.Errorf("right phrase within the limit window: %d, want 429", r.status)
	}
	d.clock.Add(time.Minute)
	if r := c.post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusSeeOther {
		t.Errorf("right phrase after a minute: %d, want 303", r.status)
	}
}

func TestEnrolmentCodeBadInput(t *testing.T) {
	d := newTestDesk(t)
	code := d.account("a-ana", "ana", Storyteller)
	expired := d.account("a-eva", "eva", Storyteller)
	cases := []struct {
		name, code, key string
		before          func()
	}{
		{"not a code", "<b>hola</b>", "enrol_code_format", nil},
		{"too short", "QQQ", "enrol_code_format", nil},
		{"wrong code", "00000-00000", "enrol_code_bad", nil},
		{"expired", expired, "enrol_code_bad", func() { d.clock.Add(CodeLifetime + time.Minute) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d.srv.limiter = newLimiter()
			if c.before != nil {
				c.before()
			}
			r := d.client("es").post("/enrol", url.Values{"code": {c.code}})
			if r.status != http.StatusUnprocessableEntity || !d.fieldError(r.body, "code", "es", c.key) {
				t.Errorf("status %d; want 422 and the code field marked with %s in Spanish", r.status, c.key)
			}
			if strings.Contains(r.body, c.code) || strings.Contains(r.body, "hola") {
				t.Error("the page echoes the value that failed")
			}
		})
	}
	// Reused: the first use works (lower case, spaces), the second does not.
	d.clock.Add(-CodeLifetime - time.Minute)
	d.srv.limiter = newLimiter()
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	d.client("es").enrol(typed, "ana phrase for tests")
	if r := d.client("es").post("/enrol", url.Values{"code": {code}}); !d.fieldError(r.body, "code", "es", "enrol_code_bad") {
		t.Errorf("second use: %d, want the code refused", r.status)
	}
}

func TestEnrolmentCodeEntryIsRateLimited(t *testing.T) {
	d := newTestDesk(t)
	code := d.account("a-ana", "ana", Storyteller)
	c := d.client("en")
	for range codePerIP {
		c.post("/enrol", url.Values{"code": {"00000-00000"}})
	}
	if r := c.post("/enrol", url.Values{"code": {code}}); r.status != http.StatusTooManyRequests {
		t.Errorf("code after %d wrong ones: %d, want 429", codePerIP, r.status)
	}
}

func TestPhraseFormBadInput(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.post("/enrol", url.Values{"code": {d.account("a-ana", "ana", Storyteller)}})
	for _, tc := range []struct{ phrase, repeat, field, key string }{
		{"xyzzy", "xyzzy", "phrase", "phrase_short"},
		{strings.Repeat("larga ", 40), strings.Repeat("larga ", 40), "phrase", "phrase_long"},
		{"una frase bastante larga", "otra frase bastante larga", "repeat", "phrase_mismatch"},
		{"frase con \x00 nulo dentro", "frase con \x00 nulo dentro", "phrase", "field_not_text"},
	} {
		r := c.post("/enrol/phrase", url.Values{"phrase": {tc.phrase}, "repeat": {tc.repeat}})
		if r.status != http.StatusUnprocessableEntity || !d.fieldError(r.body, tc.field, "es", tc.key) {
			t.Errorf("phrase %q: %d, want the %s field marked %s", tc.phrase, r.status, tc.field, tc.key)
		}
		if strings.Contains(r.body, tc.phrase) || strings.Contains(r.body, "larga larga") {
			t.Errorf("phrase %q is echoed", tc.phrase)
		}
	}
	if _, err := d.store.Verifier(t.Context(), "a-ana"); err == nil {
		t.Error("a verifier was stored from bad input")
	}
}

func TestStoryFormBadInputKeepsHerDraft(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "mi frase secreta larga")
	id := c.newStory("es", "Mi título", "Mi borrador guardado.")
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		key   string
		bad   string
	}{
		{"no title", url.Values{"title": {"  "}, "body": {"Texto nuevo."}}, "title", "field_required", ""},
		{"binary paste", url.Values{"title": {"Mi título"}, "body": {"texto \x00\x01\x02 binario"}}, "body", "field_not_text", "binario"},
		{"huge paste", url.Values{"title": {"Mi título"}, "body": {strings.Repeat("enorme ", maxBody/7+10)}}, "body", "body_too_long", "enorme enorme"},
		{"title with a line break", url.Values{"title": {"uno\ndos"}, "body": {"Texto."}}, "title", "field_not_text", "uno\ndos"},
		{"her own phrase", url.Values{"title": {"Mi título"}, "body": {"Mi clave es MI FRASE\nsecreta larga, ya ves."}}, "body", "field_has_phrase", "Mi clave"},
		{"bad language", url.Values{"text_lang": {"fr"}, "title": {"Mi título"}, "body": {"Texto."}}, "text_lang", "field_bad_choice", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.form.Has("text_lang") {
				tc.form.Set("text_lang", "es")
			}
			r := c.post("/stories/"+id, tc.form)
			if r.status != http.StatusUnprocessableEntity || !d.fieldError(r.body, tc.field, "es", tc.key) {
				t.Errorf("status %d; want 422 and field %s marked %s in Spanish", r.status, tc.field, tc.key)
			}
			if tc.bad != "" && strings.Contains(r.body, htmlEscape(tc.bad)) {
				t.Error("the value that failed is echoed")
			}
			st, _ := d.store.Story(t.Context(), id)
			if st.Current["es"].Body != "Mi borrador guardado." || st.Current["es"].Title != "Mi título" {
				t.Error("the saved draft changed")
			}
			if tc.field == "body" && !strings.Contains(r.body, "Mi borrador guardado.") {
				t.Error("the page does not give her saved draft back")
			}
		})
	}
	if strings.Contains(d.logs.String(), "borrador") || strings.Contains(d.logs.String(), "título") {
		t.Error("story text in the log")
	}
}

func TestAutosaveAnswersWithoutAPage(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("en")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("en", "Title", "First.")
	r := c.save(id, url.Values{"text_lang": {"en"}, "title": {"Title"}, "body": {"Second."}}, "X-Desk-Fetch", "1")
	if r.status != http.StatusNoContent {
		t.Fatalf("autosave: %d, want 204", r.status)
	}
	if st, _ := d.store.Story(t.Context(), id); st.Current["en"].Body != "Second." {
		t.Error("autosave did not save")
	}
	// The next autosave of the same page goes on the base the last one
	// returned, and is hers, not a save from elsewhere.
	next := r.header.Get("X-Desk-Base")
	if r := c.save(id, url.Values{"base": {next}, "text_lang": {"en"}, "title": {"Title"}, "body": {"Third."}}, "X-Desk-Fetch", "1"); r.status != http.StatusNoContent {
		t.Fatalf("second autosave on the returned base: %d, want 204", r.status)
	}
	if r := c.do("POST", "/stories/"+id, url.Values{"text_lang": {"en"}, "title": {""}, "body": {"Third."}}, "X-Desk-Fetch", "1"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("bad autosave: %d, want 422", r.status)
	}
}

func TestConsentFormBadInput(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", "Texto.")
	good := url.Values{"share": {"yes"}, "danger": {"no"}, "name": {"chosen"}, "chosen_name": {"Luna"},
		"channels": {"website"}, "languages": {"es"}, "term": {"2"}, "search": {"no"}}
	for _, tc := range []struct{ field, value, key string }{
		{"share", "quizas", "field_bad_choice"},
		{"term", "10", "field_bad_choice"},
		{"channels", "billboard", "field_bad_choice"},
		{"languages", "fr", "field_bad_choice"},
		{"chosen_name", "<script>x</script>", "field_name_chars"},
		{"chosen_name", "Lu*z", "field_name_chars"},
		{"chosen_name", "\x01Luz", "field_not_text"},
		{"chosen_name", "", "field_required"},
	} {
		f := url.Values{}
		for k, v := range good {
			f[k] = v
		}
		f.Set(tc.field, tc.value)
		r := c.post("/stories/"+id+"/consent", f)
		if r.status != http.StatusUnprocessableEntity || !d.fieldError(r.body, tc.field, "es", tc.key) {
			t.Errorf("%s=%q: %d, want the field marked %s in Spanish", tc.field, tc.value, r.status, tc.key)
		}
		if tc.value != "" && strings.Contains(r.body, tc.value) || strings.Contains(r.body, "&lt;script") {
			t.Errorf("%s=%q is echoed", tc.field, tc.value)
		}
	}
	if st, _ := d.store.Story(t.Context(), id); st.Answers != nil {
		t.Error("answers were saved from bad input")
	}
	if r := c.post("/stories/"+id+"/consent", good); r.status != http.StatusSeeOther {
		t.Fatalf("good answers: %d", r.status)
	}
	st, _ := d.store.Story(t.Context(), id)
	if st.Answers == nil || st.Answers.status() != "given" || st.Answers.ChosenName != "Luna" || st.Answers.By != "a-ana" {
		t.Errorf("answers = %+v", st.Answers)
	}
}

// approveFlow signs in a storyteller with a consented story in Spanish
// and returns her client, the story id and the digest shown on the
// preview.
func approveFlow(t *testing.T, d *testDesk) (*client, string, string) {
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", "Texto que ella leyó.")
	c.post("/stories/"+id+"/consent", url.Values{"share": {"yes"}, "danger": {"no"}, "name": {"none"},
		"channels": {"website"}, "languages": {"es"}, "term": {"1"}, "search": {"no"}})
	p := c.get("/stories/" + id + "/preview?lang=es")
	m := digestField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("preview has no approve form: %d", p.status)
	}
	return c, id, m[1]
}

func TestStaleApprovalIsRefused(t *testing.T) {
	d := newTestDesk(t)
	c, id, digest := approveFlow(t, d)
	editor := d.client("es")
	editor.enrol(d.account("a-ed", "ed", Editor), "editor phrase for tests")
	editor.suggestAccepted(c, id, "es", "Título", "Texto cambiado por el equipo.")
	r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {digest}})
	if !strings.HasSuffix(r.location(), "n=stale") {
		t.Fatalf("stale approval: %d %s, want a redirect with the stale notice", r.status, r.location())
	}
	if st, _ := d.store.Story(t.Context(), id); len(st.Approvals) != 0 {
		t.Fatal("a stale approval was recorded")
	}
	if p := c.get(r.location()); !strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", "approve_stale"))) {
		t.Error("the preview does not say the text changed")
	}
	st, _ := d.store.Story(t.Context(), id)
	if st.Current["es"].By != "a-ed" {
		t.Error("the revision does not record that staff typed it")
	}
}

func TestApprovalRecordsDigestWhoWhenReadAloud(t *testing.T) {
	d := newTestDesk(t)
	c, id, digest := approveFlow(t, d)
	if r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {digest}, "read_aloud": {"1"}}); !strings.HasSuffix(r.location(), "n=approved") {
		t.Fatalf("approve: %d %s", r.status, r.location())
	}
	st, _ := d.store.Story(t.Context(), id)
	ap := st.Approvals["es"]
	if ap.Digest != digest || ap.By != "a-ana" || !ap.At.Equal(d.clock.Now()) || !ap.ReadAloud {
		t.Fatalf("approval = %+v", ap)
	}
	// The materialised page carries the pipeline's review fields.
	raw, _ := Materialise(st, "es", "p-ana")
	if !strings.Contains(string(raw), `approved_sha256: "`+digest+`"`) || !strings.Contains(string(raw), "approved: 2026-12-01") {
		t.Errorf("materialised page lacks the approval:\n%s", raw)
	}
	if p := c.get("/stories/" + id + "/preview?lang=es"); !strings.Contains(p.body, Fingerprint(digest)) || digestField.MatchString(p.body) {
		t.Error("after approval the preview should show the fingerprint and no approve form")
	}
	// A later change reopens approval.
	c.save(id, url.Values{"text_lang": {"es"}, "title": {"Título"}, "body": {"Otro texto."}})
	st, _ = d.store.Story(t.Context(), id)
	if raw, _ := Materialise(st, "es", "p-ana"); strings.Contains(string(raw), digest) {
		t.Error("a changed text still carries the old approval")
	}
}

func TestApproveNeedsConsent(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", "Texto.")
	p := c.get("/stories/" + id + "/preview?lang=es")
	if digestField.MatchString(p.body) || !strings.Contains(p.body, d.srv.msgs.text("es", "approve_needs_consent")) {
		t.Error("the preview offers approval before consent")
	}
	r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {Digest(mustStory(t, d, id), "es", "p-ana")}})
	if !strings.HasSuffix(r.location(), "n=consent") {
		t.Errorf("approve without consent: %s", r.location())
	}
}

func mustStory(t *testing.T, d *testDesk, id string) Story {
	st, err := d.store.Story(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", "Su borrador.")
	r := c.do("POST", "/stories/"+id, url.Values{"text_lang": {"es"}, "title": {"x"}, "body": {"falsificado"}}, "Sec-Fetch-Site", "cross-site")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, d.srv.msgs.text("es", "forbidden_origin")) {
		t.Errorf("forged post: %d, want 403 with the message in Spanish", r.status)
	}
	r = c.do("POST", "/stories/"+id+"/stop", url.Values{"level": {TakeDownDelete}, "confirm": {"1"}}, "Origin", "https://evil.example")
	if r.status != http.StatusForbidden {
		t.Errorf("forged stop with another Origin: %d, want 403", r.status)
	}
	st := mustStory(t, d, id)
	if st.Current["es"].Body != "Su borrador." || st.Withdrawal != nil {
		t.Error("a forged post changed the story")
	}
}

func TestSafetyHeadersOnEveryPage(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("en")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("en", "Title", "Body.")
	for _, p := range []string{"/sign-in", "/enrol", "/stories", "/stories/" + id, "/stories/" + id + "/consent",
		"/stories/" + id + "/preview", "/stories/" + id + "/stop", "/nowhere", "/assets/desk.css"} {
		r := c.get(p)
		csp := r.header.Get("Content-Security-Policy")
		if r.header.Get("Cache-Control") != "no-store" || csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Cache-Control %q, CSP %q", p, r.header.Get("Cache-Control"), csp)
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") || strings.Contains(r.body, " onclick=") {
			t.Errorf("%s: inline script or style", p)
		}
		if r.status == http.StatusOK && strings.HasPrefix(r.header.Get("Content-Type"), "text/html") && !strings.Contains(r.body, "<title>Notes</title>") {
			t.Errorf("%s: not the neutral title", p)
		}
		// Issue #15: a desk page weighs at most 50 KB without photos,
		// with its style sheet and script.
		if weight := len(r.body) + len(c.get("/assets/desk.css").body) + len(c.get("/assets/desk.js").body); weight > 50_000 {
			t.Errorf("%s: %d bytes with its assets, over 50 KB", p, weight)
		}
	}
	if r := c.get("/stories/" + id); strings.Count(r.body, `autocomplete="off"`) < 3 {
		t.Error("the story fields lack autocomplete=off")
	}
}

func TestSignOutClearsSiteDataAndSession(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("en")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	r := c.post("/sign-out", url.Values{})
	if got := r.header.Get("Clear-Site-Data"); !strings.Contains(got, `"cache"`) || !strings.Contains(got, `"cookies"`) || !strings.Contains(got, `"storage"`) {
		t.Errorf("Clear-Site-Data = %q", got)
	}
	if r := c.get("/stories"); r.location() != "/sign-in" {
		t.Errorf("after sign-out /stories: %d %s, want a redirect to sign-in", r.status, r.location())
	}
}

func TestIdleSessionExpires(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("en")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	d.clock.Add(DefaultIdleTimeout - time.Second)
	if r := c.get("/stories"); r.status != http.StatusOK {
		t.Fatalf("within the idle time: %d", r.status)
	}
	d.clock.Add(DefaultIdleTimeout)
	if r := c.get("/stories"); r.location() != "/sign-in?n=expired" {
		t.Errorf("after the idle time: %d %s", r.status, r.location())
	}
	c2 := d.client("en")
	c2.post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}})
	// Active every 14 minutes, it still ends at 8 hours.
	for i := 1; ; i++ {
		d.clock.Add(14 * time.Minute)
		r := c2.get("/stories")
		if r.status == http.StatusOK {
			continue
		}
		if elapsed := time.Duration(i) * 14 * time.Minute; r.location() != "/sign-in?n=expired" || elapsed < DefaultMaxSession || elapsed >= DefaultMaxSession+14*time.Minute {
			t.Errorf("active session ended after %v (%d %s), want at %v", elapsed, r.status, r.location(), DefaultMaxSession)
		}
		break
	}
}

func TestNewCodeRevokesEverySignIn(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("en")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	code, _ := NewCode()
	canon, _ := ParseCode(code)
	d.store.AddCode(t.Context(), "a-ana", canon, d.clock.Now().Add(CodeLifetime))
	d.client("en").enrol(code, "ana new phrase for tests")
	if r := c.get("/stories"); r.location() != "/sign-in" {
		t.Errorf("old session after a new code: %d %s", r.status, r.location())
	}
	if r := d.client("en").post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusUnauthorized {
		t.Errorf("old phrase after a new code: %d, want 401", r.status)
	}
}

func TestStopSharing(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", "Texto.")
	for _, tc := range []struct {
		form  url.Values
		field string
		key   string
	}{
		{url.Values{"level": {"everything-now"}, "confirm": {"1"}}, "level", "field_bad_choice"},
		{url.Values{"level": {TakeDown}}, "confirm", "field_required"},
	} {
		r := c.post("/stories/"+id+"/stop", tc.form)
		if r.status != http.StatusUnprocessableEntity || !d.fieldError(r.body, tc.field, "es", tc.key) {
			t.Errorf("%v: %d, want %s marked %s", tc.form, r.status, tc.field, tc.key)
		}
		if strings.Contains(r.body, "everything-now") {
			t.Error("the bad level is echoed")
		}
	}
	if mustStory(t, d, id).Withdrawal != nil {
		t.Fatal("recorded from bad input")
	}
	r := c.post("/stories/"+id+"/stop", url.Values{"level": {TakeDown}, "confirm": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("stop: %d", r.status)
	}
	w := mustStory(t, d, id).Withdrawal
	if w == nil || w.Level != TakeDown || w.By != "a-ana" || !w.At.Equal(d.clock.Now()) {
		t.Fatalf("withdrawal = %+v", w)
	}
	if p := c.get(r.location()); !strings.Contains(p.body, d.srv.msgs.text("es", "stop_result_heading")) {
		t.Error("no confirmation in Spanish")
	}
	if l := c.get("/stories"); !strings.Contains(l.body, d.srv.msgs.text("es", "state_stopped")) {
		t.Error("her list does not show she stopped sharing")
	}
}

// TestLimiterFloodDoesNotResetCounts: a flood of distinct keys must not
// wipe the count of the key under attack.
func TestLimiterFloodDoesNotResetCounts(t *testing.T) {
	l := newLimiter()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for range signInPerPair {
		l.allow("signin-login:ana", signInPerPair, now)
	}
	for i := range maxWindows {
		l.allow("flood:"+strconv.Itoa(i), 1, now)
	}
	if l.allow("signin-login:ana", signInPerPair, now) {
		t.Error("after a flood of keys, the attacked key is allowed again")
	}
	if l.allow("someone-new", 5, now) {
		t.Error("a new key is allowed while the table is full of live windows")
	}
	if !l.allow("someone-new", 5, now.Add(time.Minute)) {
		t.Error("a new key is refused after the windows ended")
	}
}

func TestConsentReceipt(t *testing.T) {
	d := newTestDesk(t)
	c, id, digest := approveFlow(t, d)
	if r := c.get("/stories/" + id + "/receipt?lang=es"); !strings.Contains(r.body, d.srv.msgs.text("es", "receipt_none")) {
		t.Error("a receipt before approval")
	}
	if r := c.get("/stories/" + id + "/receipt.json?lang=es"); r.status != http.StatusNotFound {
		t.Errorf("JSON receipt before approval: %d", r.status)
	}
	c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {digest}, "read_aloud": {"1"}})
	r := c.get("/stories/" + id + "/receipt?lang=es")
	for _, want := range []string{Fingerprint(digest), "2027-12-01", d.srv.msgs.text("es", "channel_website"), d.srv.msgs.text("es", "receipt_no_name"), d.srv.msgs.text("es", "receipt_read_aloud")} {
		if !strings.Contains(r.body, htmlEscape(want)) {
			t.Errorf("receipt lacks %q", want)
		}
	}
	if strings.Contains(r.body, "Texto que ella leyó") {
		t.Error("the receipt holds story text")
	}
	j := c.get("/stories/" + id + "/receipt.json?lang=es")
	var rc Receipt
	if err := json.Unmarshal([]byte(j.body), &rc); err != nil || rc.Version != "KI-CR-v1.1.0" || rc.Digest != digest || rc.Termination != "2027-12-01" ||
		!rc.ReadAloud || rc.Method != "desk, with staff" || !strings.HasPrefix(rc.ReceiptID, "cr-") {
		t.Errorf("JSON receipt %+v, %v", rc, err)
	}
	if r := c.get("/stories/" + id + "/receipts"); r.status != http.StatusNotFound {
		t.Errorf("another name under the story: %d", r.status)
	}
	// After any change the old approval, and its receipt, are gone.
	c.save(id, url.Values{"text_lang": {"es"}, "title": {"Título"}, "body": {"Otro."}})
	if r := c.get("/stories/" + id + "/receipt.json?lang=es"); r.status != http.StatusNotFound {
		t.Errorf("receipt of a changed text: %d", r.status)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	d := newTestDesk(t)
	phone := d.client("es")
	phone.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	office := d.client("es")
	office.post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}})
	other := d.client("es")
	other.enrol(d.account("a-bea", "bea", Storyteller), "bea phrase for tests")
	r := office.post("/sign-out/everywhere", url.Values{})
	if !strings.Contains(r.header.Get("Clear-Site-Data"), `"cookies"`) {
		t.Error("no Clear-Site-Data")
	}
	for name, c := range map[string]*client{"phone": phone, "office": office} {
		if r := c.get("/stories"); r.location() != "/sign-in" {
			t.Errorf("%s still signed in: %d", name, r.status)
		}
	}
	if r := other.get("/stories"); r.status != http.StatusOK {
		t.Errorf("another storyteller was signed out: %d", r.status)
	}
}

func TestNothingNewOnATakenDownStory(t *testing.T) {
	d := newTestDesk(t)
	c, id, digest := approveFlow(t, d)
	c.post("/stories/"+id+"/stop", url.Values{"level": {TakeDown}, "confirm": {"1"}})
	for path, form := range map[string]url.Values{
		"":         {"text_lang": {"es"}, "title": {"Título"}, "body": {"Nuevo."}},
		"/consent": {"share": {"yes"}, "danger": {"no"}, "name": {"none"}, "channels": {"website"}, "languages": {"es"}, "term": {"1"}, "search": {"no"}},
		"/approve": {"text_lang": {"es"}, "digest": {digest}},
		"/stop":    {"level": {StopNewUses}, "confirm": {"1"}},
	} {
		r := c.post("/stories/"+id+path, form)
		if r.status != http.StatusConflict || !strings.Contains(r.body, d.srv.msgs.text("es", "stop_already")) {
			t.Errorf("POST %s after take-down: %d, want 409 with the message", path, r.status)
		}
	}
	if st := mustStory(t, d, id); st.Current["es"].Body != "Texto que ella leyó." || st.Withdrawal.Level != TakeDown {
		t.Error("a taken-down story changed")
	}
}
