package desk

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var baseField = regexp.MustCompile(`name="base" value="([0-9a-f]*)"`)

// suggestAccepted has staff client c suggest a text for story id in lang,
// and the storyteller her accept it: what a staff change to her text is.
func (c *client) suggestAccepted(her *client, id, lang, title, body string) {
	c.d.t.Helper()
	sid := c.suggest(id, lang, title, body)
	if r := her.post("/stories/"+id+"/suggestions/"+sid, url.Values{"decision": {Accepted}}); r.status != http.StatusSeeOther || !strings.HasSuffix(r.location(), "n=accepted") {
		c.d.t.Fatalf("accept %s: %d %s", sid, r.status, r.location())
	}
}

// suggest opens the staff edit page, sends a suggestion on the base it
// shows, and returns the new suggestion's id.
func (c *client) suggest(id, lang, title, body string) string {
	c.d.t.Helper()
	base := c.base(id, lang)
	if r := c.post("/stories/"+id+"/suggest", url.Values{"text_lang": {lang}, "base": {base}, "title": {title}, "summary": {"A summary."}, "body": {body}}); r.status != http.StatusSeeOther {
		c.d.t.Fatalf("suggest: %d", r.status)
	}
	all, err := c.d.ss().Suggestions(c.d.t.Context(), id)
	if err != nil || len(all) == 0 {
		c.d.t.Fatalf("no suggestion stored: %v", err)
	}
	return all[len(all)-1].ID
}

// base is the base that the write page of story id in lang (hers or the
// staff edit page) carries.
func (c *client) base(id, lang string) string {
	c.d.t.Helper()
	p := c.get("/stories/" + id + "?lang=" + lang)
	m := baseField.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		c.d.t.Fatalf("write page: %d, no base field", p.status)
	}
	return m[1]
}

// staffDesk is a test desk with the storyteller ana (p-ana, with a story
// in Spanish) and signed-in clients for an editor and an admin; durable
// runs it on tools/stories (SQLite) instead of the MemoryStore.
func staffDesk(t testing.TB, durable ...bool) (d *testDesk, ana, ed, adm *client, id string) {
	d = newTestDeskOn(t, len(durable) > 0 && durable[0])
	ana = d.client("es")
	ana.enrol(d.staffAccount("ana", Storyteller), "ana phrase for tests")
	id = ana.newStory("es", "Mi camino", "Primera línea.\nSegunda línea.")
	ed = d.client("es")
	ed.enrol(d.staffAccount("ed", Editor), "editor phrase for tests")
	adm = d.client("es")
	adm.enrol(d.staffAccount("adm", Admin), "admin phrase for tests")
	return d, ana, ed, adm, id
}

// both runs test on the MemoryStore and on tools/stories.
func both(t *testing.T, test func(t *testing.T, durable bool)) {
	for _, durable := range []bool{false, true} {
		name := "memory"
		if durable {
			name = "stories"
		}
		t.Run(name, func(t *testing.T) { test(t, durable) })
	}
}

// deskStore is the desk's store with its staff records.
type deskStore interface {
	Store
	StaffStore
}

func (d *testDesk) ss() deskStore { return d.srv.cfg.Store.(deskStore) }

func (d *testDesk) story(id string) Story {
	d.t.Helper()
	st, err := d.ss().Story(d.t.Context(), id)
	if err != nil {
		d.t.Fatal(err)
	}
	return st
}

// staffAccount adds an account in whichever store the desk runs on (a
// storyteller's person is "p-" and her login) and returns its code.
func (d *testDesk) staffAccount(login string, role Role) string {
	d.t.Helper()
	person := ""
	if role == Storyteller {
		person = "p-" + login
	}
	id, err := d.ss().AddAccount(d.t.Context(), Account{ID: "a-" + login, Login: login, Role: role, Person: person})
	if err != nil {
		d.t.Fatal(err)
	}
	code, canon, _ := newCodePair()
	if err := d.ss().AddCode(d.t.Context(), id, canon, d.clock.Now().Add(CodeLifetime)); err != nil {
		d.t.Fatal(err)
	}
	return code
}

func (d *testDesk) accountID(login string) string {
	d.t.Helper()
	a, err := d.ss().AccountByLogin(d.t.Context(), login)
	if err != nil {
		d.t.Fatal(err)
	}
	return a.ID
}

func TestEditorChangeIsASuggestionSheAcceptsOrRejects(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, ana, ed, _, id := staffDesk(t, durable)
		sid := ed.suggest(id, "es", "Mi camino", "Primera línea.\nSegunda línea, más clara.")
		if st := d.story(id); st.Current["es"].Body != "Primera línea.\nSegunda línea." {
			t.Fatalf("a suggestion changed her text: %q", st.Current["es"].Body)
		}
		// Her write page says a suggestion waits; the comparison is readable.
		if w := ana.get("/stories/" + id); !strings.Contains(w.body, "/stories/"+id+"/suggestions") {
			t.Error("her write page does not point to the suggestion")
		}
		p := ana.get("/stories/" + id + "/suggestions")
		if p.status != http.StatusOK || !strings.Contains(p.body, "<del><span class=\"visually-hidden\">quitado: </span>Segunda línea.</del>") ||
			!strings.Contains(p.body, "<ins><span class=\"visually-hidden\">añadido: </span>Segunda línea, más clara.</ins>") ||
			!strings.Contains(p.body, "<span>Primera línea.</span>") {
			t.Fatalf("her comparison (%d) does not show the removed and added lines:\n%s", p.status, p.body)
		}
		// The editor cannot answer for her.
		if r := ed.post("/stories/"+id+"/suggestions/"+sid, url.Values{"decision": {Accepted}}); r.status != http.StatusNotFound {
			t.Errorf("editor accepting: %d, want 404", r.status)
		}
		if r := ana.post("/stories/"+id+"/suggestions/"+sid, url.Values{"decision": {Accepted}}); !strings.HasSuffix(r.location(), "n=accepted") {
			t.Fatalf("accept: %d %s", r.status, r.location())
		}
		st := d.story(id)
		if st.Current["es"].Body != "Primera línea.\nSegunda línea, más clara." || st.Current["es"].By != d.accountID("ed") {
			t.Fatalf("after accepting: %+v", st.Current["es"])
		}
		// A second one, rejected: her text stays.
		sid2 := ed.suggest(id, "es", "Otro título", st.Current["es"].Body)
		ana.post("/stories/"+id+"/suggestions/"+sid2, url.Values{"decision": {Rejected}})
		if got := d.story(id).Current["es"].Title; got != "Mi camino" {
			t.Errorf("after rejecting, the title is %q", got)
		}
		if r := ana.post("/stories/"+id+"/suggestions/"+sid2, url.Values{"decision": {Accepted}}); r.status != http.StatusNotFound {
			t.Errorf("answering a suggestion twice: %d, want 404", r.status)
		}
		// She still edits her own text directly; staff never do.
		if r := ed.post("/stories/"+id, url.Values{"text_lang": {"es"}, "title": {"x"}, "body": {"x"}}); r.status != http.StatusNotFound {
			t.Errorf("editor writing over her text: %d, want 404", r.status)
		}
	})
}

func TestStaleSuggestionIsRefusedWithWhatChanged(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, ana, ed, _, id := staffDesk(t, durable)
		ed2 := d.client("es")
		ed2.enrol(d.staffAccount("ed2", Editor), "second editor phrase")
		oldBase := ed2.base(id, "es") // the second editor opens the form
		ed.suggestAccepted(ana, id, "es", "Mi camino", "Primera línea.\nLínea del primer editor.")
		before, _ := d.ss().Suggestions(t.Context(), id)
		r := ed2.post("/stories/"+id+"/suggest", url.Values{"text_lang": {"es"}, "base": {oldBase}, "title": {"Mi camino"},
			"body": {"Primera línea.\nSegunda línea.\nLínea del segundo editor."}})
		if r.status != http.StatusConflict {
			t.Fatalf("stale suggestion: %d, want 409", r.status)
		}
		if after, _ := d.ss().Suggestions(t.Context(), id); len(after) != len(before) {
			t.Error("a stale suggestion was stored")
		}
		for _, want := range []string{html.EscapeString(d.srv.msgs.text("es", "suggest_stale")), "Línea del primer editor.</del>",
			"Línea del segundo editor.</ins>", "Línea del segundo editor.</textarea>"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the stale page lacks %q", want)
			}
		}
		if m := baseField.FindStringSubmatch(r.body); m == nil || m[1] == oldBase || m[1] != TextBase(d.story(id).Current["es"]) {
			t.Error("the stale page does not carry the new base")
		}
		// Two suggestions on one base: once she accepts one, the other is
		// stale and cannot be accepted over her new text.
		s1 := ed.suggest(id, "es", "Título A", "Texto A.")
		s2 := ed2.suggest(id, "es", "Título B", "Texto B.")
		ana.post("/stories/"+id+"/suggestions/"+s1, url.Values{"decision": {Accepted}})
		if r := ana.post("/stories/"+id+"/suggestions/"+s2, url.Values{"decision": {Accepted}}); !strings.HasSuffix(r.location(), "n=suggestion_stale") {
			t.Errorf("accepting a stale suggestion: %s", r.location())
		}
		if st := d.story(id); st.Current["es"].Title != "Título A" {
			t.Errorf("the stale suggestion overwrote the accepted one: %q", st.Current["es"].Title)
		}
	})
}

func TestSuggestionBadInputNamesFieldNeverEchoes(t *testing.T) {
	_, _, ed, _, id := staffDesk(t)
	base := ed.base(id, "es")
	r := ed.post("/stories/"+id+"/suggest", url.Values{"text_lang": {"es"}, "base": {base}, "title": {"MARCA-NO-ECO\x01"}, "body": {"Texto."}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="title-error"`) ||
		!strings.Contains(r.body, html.EscapeString(ed.d.srv.msgs.text("es", "field_not_text"))) || strings.Contains(r.body, "MARCA-NO-ECO") {
		t.Errorf("bad title: %d, named %t, echoed %t", r.status, strings.Contains(r.body, `id="title-error"`), strings.Contains(r.body, "MARCA-NO-ECO"))
	}
}

func TestCreateAccountShowsTheCodeOnce(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, _, ed, adm, _ := staffDesk(t, durable)
		r := adm.post("/staff/accounts", url.Values{"login": {"lucia"}, "role": {"storyteller"}, "person": {"p-0009"}})
		m := regexp.MustCompile(`data-code>([0-9A-Z]{5}-[0-9A-Z]{5})<`).FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("create: %d, no code on the page", r.status)
		}
		code := m[1]
		canon, _ := ParseCode(code)
		if strings.Contains(d.logs.String(), code) || strings.Contains(d.logs.String(), canon) {
			t.Error("the code is in the log")
		}
		if p := adm.get("/staff/accounts"); strings.Contains(p.body, code) || !strings.Contains(p.body, "lucia") {
			t.Error("the accounts page shows the code again, or not the account")
		}
		// The code is real: she enrols with it, and her stories are hers.
		lucia := d.client("es")
		lucia.enrol(code, "lucia phrase for tests")
		a, err := d.ss().AccountByLogin(t.Context(), "lucia")
		if err != nil || a.Role != Storyteller || a.Person != "p-0009" {
			t.Fatalf("account: %+v, %v", a, err)
		}
		// Staff accounts with roles.
		if r := adm.post("/staff/accounts", url.Values{"login": {"pub2"}, "role": {"publisher"}}); r.status != http.StatusOK {
			t.Fatalf("create publisher: %d", r.status)
		}
		if a, err := d.ss().AccountByLogin(t.Context(), "pub2"); err != nil || a.Role != Publisher || a.Person != "" {
			t.Errorf("publisher: %+v, %v", a, err)
		}
		// Only an admin.
		if r := ed.post("/staff/accounts", url.Values{"login": {"x1"}, "role": {"admin"}}); r.status != http.StatusNotFound {
			t.Errorf("an editor creating an account: %d, want 404", r.status)
		}
	})
}

func TestAccountFormBadInput(t *testing.T) {
	d, _, _, adm, _ := staffDesk(t)
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
		key   string
	}{
		{"login format", url.Values{"login": {"ECO Nombre Real"}, "role": {"storyteller"}, "person": {"p-0009"}}, "login", "account_login_format"},
		{"login taken", url.Values{"login": {"ana"}, "role": {"storyteller"}, "person": {"p-0009"}}, "login", "account_login_taken"},
		{"role", url.Values{"login": {"nueva"}, "role": {"ECOroot"}}, "role", "field_bad_choice"},
		{"person missing", url.Values{"login": {"nueva"}, "role": {"storyteller"}}, "person", "field_required"},
		{"person format", url.Values{"login": {"nueva"}, "role": {"storyteller"}, "person": {"ECO Pérez"}}, "person", "account_person_format"},
		{"person on staff", url.Values{"login": {"nueva"}, "role": {"editor"}, "person": {"p-0009"}}, "person", "account_person_staff"},
	} {
		before, _ := d.ss().Accounts(t.Context())
		r := adm.post("/staff/accounts", c.form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="`+c.field+`-error"`) ||
			!strings.Contains(r.body, html.EscapeString(d.srv.msgs.text("es", c.key))) {
			t.Errorf("%s: %d, field %s not named with %s", c.name, r.status, c.field, c.key)
		}
		if strings.Contains(r.body, "ECO") {
			t.Errorf("%s: the refused value is echoed", c.name)
		}
		if after, _ := d.ss().Accounts(t.Context()); len(after) != len(before) {
			t.Errorf("%s: an account was created", c.name)
		}
	}
}

func TestNewCodeRevokesEveryMethodAndSession(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, ana, _, adm, id := staffDesk(t, durable)
		if r := adm.post("/staff/accounts/"+d.accountID("ana")+"/reset", url.Values{}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("reset without confirming: %d", r.status)
		}
		if r := ana.get("/stories/" + id); r.status != http.StatusOK {
			t.Fatal("an unconfirmed reset ended her session")
		}
		r := adm.post("/staff/accounts/"+d.accountID("ana")+"/reset", url.Values{"confirm": {"1"}})
		m := regexp.MustCompile(`data-code>([0-9A-Z]{5}-[0-9A-Z]{5})<`).FindStringSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("reset: %d, no code", r.status)
		}
		if r := ana.get("/stories/" + id); r.location() != "/sign-in" {
			t.Errorf("her session survived the reset: %d %s", r.status, r.location())
		}
		if r := d.client("es").post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusUnauthorized {
			t.Errorf("her old phrase still signs in: %d", r.status)
		}
		again := d.client("es")
		again.enrol(m[1], "ana new phrase for tests")
		if r := again.get("/stories/" + id); r.status != http.StatusOK {
			t.Errorf("with the new code she cannot open her story: %d", r.status)
		}
	})
}

func TestQueueByStateWithdrawalsFirst(t *testing.T) {
	d, ana, ed, _, drafting := staffDesk(t)
	// drafting: a story with text but no answers is consent pending; one
	// without text is drafting.
	r := ana.post("/stories", url.Values{})
	empty := strings.TrimPrefix(r.location(), "/stories/")
	consentForm := url.Values{"share": {"yes"}, "danger": {"no"}, "name": {"chosen"}, "chosen_name": {"Rosa"},
		"channels": {"website"}, "languages": {"es"}, "term": {"1"}, "search": {"no"}}
	approved := ana.newStory("es", "Aprobada", "Texto aprobado.")
	ana.post("/stories/"+approved+"/consent", consentForm)
	dg := digestField.FindStringSubmatch(ana.get("/stories/" + approved + "/preview?lang=es").body)
	if dg == nil {
		t.Fatal("no approve form")
	}
	ana.post("/stories/"+approved+"/approve", url.Values{"text_lang": {"es"}, "digest": {dg[1]}})
	waiting := ana.newStory("es", "Con sugerencia", "Texto.")
	ed.suggest(waiting, "es", "Con sugerencia", "Texto mejor.")
	refused := ana.newStory("es", "No", "Texto.")
	f := url.Values{}
	for k, v := range consentForm {
		f[k] = v
	}
	f.Set("share", "no")
	ana.post("/stories/"+refused+"/consent", f)
	old := ana.newStory("es", "Retirada antes", "Texto.")
	ana.post("/stories/"+old+"/stop", url.Values{"level": {TakeDown}, "confirm": {"1"}})
	d.clock.Add(20 * 24 * time.Hour)
	ana = d.client("es")
	if r := ana.post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.status)
	}
	recent := ana.newStory("es", "Retirada hoy", "Texto.")
	ana.post("/stories/"+recent+"/stop", url.Values{"level": {TakeDownDelete}, "confirm": {"1"}})

	ed = d.client("es") // 20 days later: sign in again
	if r := ed.post("/sign-in", url.Values{"login": {"ed"}, "phrase": {"editor phrase for tests"}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.status)
	}
	q := ed.get("/queue")
	if q.status != http.StatusOK {
		t.Fatalf("queue: %d", q.status)
	}
	sectionOf := func(id string) string {
		i := strings.Index(q.body, `href="/stories/`+id+`"`)
		if i < 0 {
			return ""
		}
		j := strings.LastIndex(q.body[:i], `<section`)
		m := regexp.MustCompile(`aria-labelledby="q-([a-z-]+)"`).FindStringSubmatch(q.body[j:i])
		if m == nil {
			return ""
		}
		return m[1]
	}
	for id, want := range map[string]string{empty: QDrafting, drafting: QConsentPending, approved: QApproved,
		waiting: QWithStoryteller, refused: QRefused, old: QWithdrawn, recent: "recent"} {
		if got := sectionOf(id); got != want {
			t.Errorf("story %s in section %q, want %q", id, got, want)
		}
	}
	if i, j := strings.Index(q.body, `id="q-recent"`), strings.Index(q.body, `id="q-`+QWithdrawn+`"`); i < 0 || i > j {
		t.Error("the recent withdrawals are not first")
	}
	for _, want := range []string{"Rosa*", html.EscapeString(d.srv.msgs.text("es", "queue_next_withdrawn_take_down_delete")),
		html.EscapeString(d.srv.msgs.text("es", "queue_next_suggestions"))} {
		if !strings.Contains(q.body, want) {
			t.Errorf("the queue lacks %q", want)
		}
	}
	// A storyteller has no queue.
	if r := ana.get("/queue"); r.status != http.StatusNotFound && r.location() != "/sign-in" {
		t.Errorf("storyteller on the queue: %d", r.status)
	}
}

func TestQueueStateLiveAndExpiring(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a := &Answers{Share: "yes", Name: "none", Danger: "no", Search: "no", TermYears: 1, Channels: []string{"website"}, Languages: []string{"es"}}
	st := Story{StoryMeta: StoryMeta{ID: "st-abcd1234"}, Current: map[string]Revision{"es": {Lang: "es", Title: "T", Body: "B", At: now}}, Approvals: map[string]Approval{}}
	a.At = now.AddDate(-1, 0, 59) // ends in 59 days
	st.Answers = a
	if s, _ := queueState(st, "p-1", 0, true, now); s != QExpiring {
		t.Errorf("live, ends in 59 days: %s", s)
	}
	a.At = now.AddDate(-1, 0, -1) // ended yesterday
	if s, next := queueState(st, "p-1", 0, true, now); s != QExpiring || next != "queue_next_expired" {
		t.Errorf("live, ended yesterday: %s %s", s, next)
	}
	a.At = now.AddDate(-1, 0, 61)
	if s, _ := queueState(st, "p-1", 0, true, now); s != QLive {
		t.Errorf("live, ends in 61 days: %s", s)
	}
	if s, _ := queueState(st, "p-1", 0, false, now); s != QWithStoryteller {
		t.Errorf("consent given, not approved: %s", s)
	}
	st.Approvals["es"] = Approval{Lang: "es", Digest: Digest(st, "es", "p-1"), Answers: a} // approved with these answers
	if s, _ := queueState(st, "p-1", 0, false, now); s != QApproved {
		t.Errorf("approved: %s", s)
	}
	st.Withdrawal = &Withdrawal{Level: StopNewUses}
	if s, next := queueState(st, "p-1", 0, true, now); s != QWithdrawn || next != "queue_next_withdrawn_stop_new_uses" {
		t.Errorf("withdrawn: %s %s", s, next)
	}
}

// TestStaffMessageKeysBuiltFromValues: every key the staff pages build
// from a value exists.
func TestStaffMessageKeysBuiltFromValues(t *testing.T) {
	var keys []string
	for _, s := range QueueStates {
		keys = append(keys, "queue_state_"+strings.ReplaceAll(s, "-", "_"))
	}
	for _, l := range WithdrawalLevels {
		keys = append(keys, "queue_next_withdrawn_"+strings.ReplaceAll(l, "-", "_"))
	}
	for _, r := range Roles {
		keys = append(keys, "role_"+string(r))
	}
	for _, k := range keys {
		if _, ok := loadedMessages(t)["en"][k]; !ok {
			t.Errorf("message key %q is missing", k)
		}
	}
}

func loadedMessages(t *testing.T) messages {
	m, err := loadMessages()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// multipartForm builds a photo form: fields and, when photo is non-nil,
// the file under the name "photo" with file name fname.
func multipartForm(t testing.TB, fields map[string]string, fname string, photo []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if photo != nil {
		fw, err := mw.CreateFormFile("photo", fname)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(photo)
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func (c *client) upload(path string, fields map[string]string, fname string, photo []byte) resp {
	c.d.t.Helper()
	ct, body := multipartForm(c.d.t, fields, fname, photo)
	req, err := http.NewRequest("POST", c.d.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		c.d.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept-Language", c.lang)
	res, err := c.hc.Do(req)
	if err != nil {
		c.d.t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(res.Body)
	return resp{res.StatusCode, res.Header, out.String()}
}

// gpsJPEG returns a JPEG that exiftool says carries GPS coordinates, a
// camera and a date.
func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	exif := requireExiftool(t)
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	p := filepath.Join(t.TempDir(), "IMG_0001.jpg")
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, b.Bytes(), 0o600)
	if out, err := exec.Command(exif, "-q", "-overwrite_original", "-GPSLatitude=14.6349", "-GPSLatitudeRef=N",
		"-GPSLongitude=90.5069", "-GPSLongitudeRef=W", "-Make=PhoneCo", "-Model=Phone 12", "-DateTimeOriginal=2026:11:30 10:00:00", p).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	if tags := exifTags(t, p); tags["EXIF:GPSLatitude"] == nil {
		t.Fatalf("the fixture has no GPS: %v", tags)
	}
	data, _ := os.ReadFile(p)
	return data
}

func requireExiftool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("exiftool")
	if err != nil {
		if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatal("exiftool not found: run scripts/install-test-deps.sh")
		}
		t.Skip("exiftool not found: run scripts/install-test-deps.sh")
	}
	return p
}

// exifTags returns exiftool's reading of a file, tags keyed by group.
func exifTags(t *testing.T, p string) map[string]any {
	t.Helper()
	out, err := exec.Command("exiftool", "-j", "-G", "-a", "-u", p).Output()
	if err != nil {
		t.Fatalf("exiftool %s: %v", p, err)
	}
	var res []map[string]any
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		t.Fatalf("exiftool output: %v", err)
	}
	return res[0]
}

func photoFields() map[string]string {
	return map[string]string{"text_lang": "es", "alt": "Dos mujeres sentadas en un banco.", "caption": "En la reunión del grupo.",
		"shown": "yes", "face": "no", "others": "p-0007 cr-2026-014"}
}

func TestPhotoWithGPSComesOutWithNoMetadata(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, _, ed, _, id := staffDesk(t, durable)
		orig := gpsJPEG(t)
		r := ed.upload("/stories/"+id+"/photos", photoFields(), "IMG_0001.jpg", orig)
		if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location(), "n=photo") {
			t.Fatalf("upload: %d %s\n%s", r.status, r.location(), r.body)
		}
		photos, _ := d.ss().Photos(t.Context(), id)
		if len(photos) != 1 {
			t.Fatalf("photos recorded: %d", len(photos))
		}
		p := photos[0]
		if p.Alt != "Dos mujeres sentadas en un banco." || !p.Storyteller || p.FaceVisible || p.Releases["p-0007"] != "cr-2026-014" || p.Ext != ".jpg" {
			t.Errorf("photo record: %+v", p)
		}
		files, _ := os.ReadDir(d.srv.cfg.MediaDir)
		if len(files) != 1 || files[0].Name() != p.ID+".jpg" {
			t.Fatalf("the media folder holds %v, want only %s.jpg", files, p.ID)
		}
		stored := filepath.Join(d.srv.cfg.MediaDir, files[0].Name())
		tags := exifTags(t, stored)
		for k := range tags {
			group, _, _ := strings.Cut(k, ":")
			switch group {
			case "SourceFile", "ExifTool", "System", "File", "Composite":
				continue // exiftool's own reading of the file, not metadata in it
			}
			if group == "JFIF" {
				continue // the density header every JPEG writer emits, no personal data
			}
			t.Errorf("the stored photo still carries %s = %v", k, tags[k])
		}
		// Nothing of the original anywhere the desk writes.
		for _, dir := range []string{d.srv.cfg.MediaDir, d.srv.cfg.WorkDir} {
			filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
				if err == nil && !e.IsDir() {
					if b, _ := os.ReadFile(path); bytes.Equal(b, orig) || bytes.Contains(b, []byte("PhoneCo")) {
						t.Errorf("%s holds the original or its metadata", path)
					}
				}
				return nil
			})
		}
		if strings.Contains(d.logs.String(), "IMG_0001") {
			t.Error("the log names the original file")
		}
		// Staff see the scrubbed photo on the page; a storyteller has no
		// photo page.
		if pg := ed.get("/stories/" + id + "/photos"); !strings.Contains(pg.body, `src="/stories/`+id+`/photos/`+p.ID+`"`) {
			t.Error("the photo page does not show the photo")
		}
		if img := ed.get("/stories/" + id + "/photos/" + p.ID); img.status != http.StatusOK || img.header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("the photo file: %d %s", img.status, img.header.Get("Content-Type"))
		}
	})
}

func TestPhotoFormRefusals(t *testing.T) {
	d, _, ed, _, id := staffDesk(t)
	jpg := gpsJPEG(t)
	heic := append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0}, bytes.Repeat([]byte{0}, 64)...)
	with := func(k, v string) map[string]string {
		f := photoFields()
		if v == "" {
			delete(f, k)
		} else {
			f[k] = v
		}
		return f
	}
	for _, c := range []struct {
		name   string
		fields map[string]string
		photo  []byte
		field  string
		key    string
	}{
		{"heic", photoFields(), heic, "photo", "photo_heic"},
		{"gif", photoFields(), []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "photo", "photo_unsupported"},
		{"no file", photoFields(), nil, "photo", "field_required"},
		{"broken jpeg", photoFields(), jpg[:200], "photo", "photo_bad"},
		{"no alt", with("alt", ""), jpg, "alt", "field_required"},
		{"alt not text", with("alt", "ECO-VALOR\x01"), jpg, "alt", "field_not_text"},
		{"no caption", with("caption", ""), jpg, "caption", "field_required"},
		{"shown unanswered", with("shown", ""), jpg, "shown", "field_bad_choice"},
		{"face bad", with("face", "ECO-VALOR"), jpg, "face", "field_bad_choice"},
		{"release missing", with("others", "p-0007"), jpg, "others", "photo_release_missing"},
		{"others bad", with("others", "ECO-VALOR Pérez"), jpg, "others", "photo_others_format"},
		{"storyteller as other", with("others", "p-ana cr-2026-001"), jpg, "others", "photo_others_self"},
	} {
		r := ed.upload("/stories/"+id+"/photos", c.fields, "x.jpg", c.photo)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="`+c.field+`-error"`) ||
			!strings.Contains(r.body, html.EscapeString(d.srv.msgs.text("es", c.key))) {
			t.Errorf("%s: %d, field %s not named with %s", c.name, r.status, c.field, c.key)
		}
		if strings.Contains(r.body, "ECO-VALOR") {
			t.Errorf("%s: the refused value is echoed", c.name)
		}
	}
	if files, _ := os.ReadDir(d.srv.cfg.MediaDir); len(files) != 0 {
		t.Errorf("refused uploads left %d files", len(files))
	}
	if photos, _ := d.ss().Photos(t.Context(), id); len(photos) != 0 {
		t.Errorf("refused uploads recorded %d photos", len(photos))
	}
	if pg := ed.get("/stories/" + id + "/photos"); !strings.Contains(pg.body, `accept="image/jpeg,image/png,image/webp"`) {
		t.Error("the file picker does not ask for JPEG, PNG or WebP")
	}
}

func TestTakenDownStoryTakesNoSuggestionDecisionOrPhoto(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, ana, ed, _, id := staffDesk(t, durable)
		sid := ed.suggest(id, "es", "Mi camino", "Otro texto.")
		base := ed.base(id, "es")
		if r := ana.post("/stories/"+id+"/stop", url.Values{"level": {TakeDown}, "confirm": {"1"}}); r.status != http.StatusSeeOther {
			t.Fatalf("stop: %d", r.status)
		}
		if r := ed.post("/stories/"+id+"/suggest", url.Values{"text_lang": {"es"}, "base": {base}, "title": {"T"}, "body": {"B"}}); r.status != http.StatusConflict {
			t.Errorf("suggest on a taken-down story: %d, want 409", r.status)
		}
		if r := ana.post("/stories/"+id+"/suggestions/"+sid, url.Values{"decision": {Accepted}}); r.status != http.StatusConflict {
			t.Errorf("accept on a taken-down story: %d, want 409", r.status)
		}
		if r := ed.upload("/stories/"+id+"/photos", photoFields(), "x.png", tinyPNG(t)); r.status != http.StatusConflict {
			t.Errorf("photo on a taken-down story: %d, want 409", r.status)
		}
		if sgs, _ := d.ss().Suggestions(t.Context(), id); len(sgs) != 1 || sgs[0].Decided != "" {
			t.Errorf("suggestions after take-down: %+v", sgs)
		}
		if _, err := d.ss().AddSuggestion(t.Context(), id, Suggestion{Lang: "es", By: d.accountID("ed")}); !errors.Is(err, ErrWithdrawn) {
			t.Errorf("the store took a suggestion on a taken-down story: %v", err)
		}
		if files, _ := os.ReadDir(d.srv.cfg.MediaDir); len(files) != 0 {
			t.Error("a photo was stored")
		}
	})
}

func TestStaffLandOnTheQueue(t *testing.T) {
	d, _, _, _, _ := staffDesk(t)
	for login, want := range map[string]string{"ed": "/queue", "adm": "/queue", "ana": "/stories"} {
		phrase := map[string]string{"ed": "editor phrase for tests", "adm": "admin phrase for tests", "ana": "ana phrase for tests"}[login]
		c := d.client("es")
		if r := c.post("/sign-in", url.Values{"login": {login}, "phrase": {phrase}}); r.location() != want {
			t.Errorf("%s after sign-in: %d %s, want %s", login, r.status, r.location(), want)
		}
		if r := c.get("/"); r.location() != want {
			t.Errorf("%s on /: %s, want %s", login, r.location(), want)
		}
	}
}

// TestAcceptNeverOverwritesAChangeMadeMeanwhile: the store itself refuses
// a save on a base that is no longer current, so a save of hers between
// the page's check and the store's write is never lost.
func TestAcceptNeverOverwritesAChangeMadeMeanwhile(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, ana, _, _, id := staffDesk(t, durable)
		old := TextBase(d.story(id).Current["es"])
		// Her save lands after the base was read.
		if r := ana.save(id, url.Values{"text_lang": {"es"}, "title": {"Mi camino"}, "body": {"Su cambio."}}); r.status != http.StatusSeeOther {
			t.Fatalf("her save: %d", r.status)
		}
		err := d.ss().SaveRevisionOn(t.Context(), id, Revision{Lang: "es", Title: "T", Body: "Cambio del equipo.", By: d.accountID("ed"), At: d.clock.Now()}, old)
		if !errors.Is(err, ErrStale) {
			t.Fatalf("save on an old base: %v, want ErrStale", err)
		}
		if got := d.story(id).Current["es"].Body; got != "Su cambio." {
			t.Errorf("her text is now %q", got)
		}
		// On the current base it goes in.
		cur := TextBase(d.story(id).Current["es"])
		if err := d.ss().SaveRevisionOn(t.Context(), id, Revision{Lang: "es", Title: "T", Body: "Cambio del equipo.", By: d.accountID("ed"), At: d.clock.Now()}, cur); err != nil {
			t.Fatal(err)
		}
		if got := d.story(id).Current["es"].Body; got != "Cambio del equipo." {
			t.Errorf("after a current save: %q", got)
		}
	})
}

func TestAdminChangesAStaffRole(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, ana, ed, adm, id := staffDesk(t, durable)
		if r := ed.get("/stories/" + id + "/stop"); r.status != http.StatusNotFound {
			t.Fatalf("an editor on stop: %d", r.status)
		}
		edID := d.accountID("ed")
		if r := adm.post("/staff/accounts/"+edID+"/role", url.Values{"role": {"publisher"}}); r.status != http.StatusSeeOther {
			t.Fatalf("set role: %d", r.status)
		}
		if r := ed.get("/stories/" + id + "/stop"); r.status != http.StatusOK {
			t.Errorf("a publisher now, on stop: %d, want 200", r.status)
		}
		for _, c := range []struct {
			name, acct, role string
			status           int
		}{
			{"own role", d.accountID("adm"), "editor", http.StatusUnprocessableEntity},
			{"bad role", edID, "ECOroot", http.StatusUnprocessableEntity},
			{"to storyteller", edID, "storyteller", http.StatusUnprocessableEntity},
			{"a storyteller's", d.accountID("ana"), "admin", http.StatusNotFound},
		} {
			r := adm.post("/staff/accounts/"+c.acct+"/role", url.Values{"role": {c.role}})
			if r.status != c.status || strings.Contains(r.body, "ECO") {
				t.Errorf("%s: %d, want %d (echoed %t)", c.name, r.status, c.status, strings.Contains(r.body, "ECO"))
			}
		}
		if a, _ := d.ss().Account(t.Context(), d.accountID("ana")); a.Role != Storyteller {
			t.Error("a storyteller's role changed")
		}
		if r := ana.get("/stories/" + id); r.status != http.StatusOK {
			t.Error("her account stopped working")
		}
		if r := ed.post("/staff/accounts/"+edID+"/role", url.Values{"role": {"admin"}}); r.status != http.StatusNotFound {
			t.Errorf("a publisher making herself admin: %d, want 404", r.status)
		}
	})
}

// TestQueueSurvivesAStorytellerWithoutAccount: a story whose
// storyteller's account is gone still shows in the queue, and the queue
// still answers.
func TestQueueSurvivesAStorytellerWithoutAccount(t *testing.T) {
	d, _, ed, _, id := staffDesk(t)
	orphan := "st-orphan0001"
	if err := d.store.CreateStory(t.Context(), StoryMeta{ID: orphan, Storyteller: "a-gone", Created: d.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	q := ed.get("/queue")
	if q.status != http.StatusOK || !strings.Contains(q.body, orphan) || !strings.Contains(q.body, id) {
		t.Errorf("queue: %d, lists the orphan %t", q.status, strings.Contains(q.body, orphan))
	}
}
