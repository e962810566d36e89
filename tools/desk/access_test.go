package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The principals of the access table: who is asking.
const (
	pVisitor   = "visitor"
	pEnrolling = "enrolling"
	pOwner     = "owner" // the storyteller whose story it is
	pOther     = "other" // another storyteller
	pEditor    = "editor"
	pPublisher = "publisher"
	pAdmin     = "admin"
)

var principals = []string{pVisitor, pEnrolling, pOwner, pOther, pEditor, pPublisher, pAdmin}

// expected is the access policy of DESIGN.md "The desk", per action: who
// may. An action missing here fails TestAccessEveryRouteEveryRole.
var expected = map[Action][]string{
	ActPublic:      principals,
	ActEnrolling:   {pEnrolling},
	ActSignedIn:    {pOwner, pOther, pEditor, pPublisher, pAdmin},
	ActListStories: {pOwner, pOther, pEditor, pPublisher, pAdmin},
	ActNewStory:    {pOwner, pOther},
	ActViewStory:   {pOwner, pEditor, pPublisher, pAdmin},
	ActPreview:     {pOwner},
	ActEditStory:   {pOwner},
	ActConsent:     {pOwner},
	ActApprove:     {pOwner},
	ActWithdraw:    {pOwner, pPublisher, pAdmin},
	ActQueue:       {pEditor, pPublisher, pAdmin},
	ActAccounts:    {pAdmin},
	ActSuggest:     {pEditor, pPublisher, pAdmin},
	ActDecide:      {pOwner},
	ActAttachPhoto: {pEditor, pPublisher, pAdmin},
	ActRegistry:    {pAdmin},
}

func TestAllowedTable(t *testing.T) {
	story := &StoryMeta{ID: "st-abcd1234", Storyteller: "a-owner"}
	acct := map[string]*Account{
		pEnrolling: {ID: "a-new", Role: Storyteller, Enrolling: true},
		pOwner:     {ID: "a-owner", Role: Storyteller},
		pOther:     {ID: "a-other", Role: Storyteller},
		pEditor:    {ID: "a-ed", Role: Editor},
		pPublisher: {ID: "a-pub", Role: Publisher},
		pAdmin:     {ID: "a-adm", Role: Admin},
	}
	for _, act := range Actions {
		want, ok := expected[act]
		if !ok {
			t.Errorf("action %s: no expected decision in the table", act)
			continue
		}
		for _, p := range principals {
			got := Allowed(acct[p], story, act)
			if got != contains(want, p) {
				t.Errorf("Allowed(%s, story, %s) = %t", p, act, got)
			}
		}
		if storyActions[act] && Allowed(acct[pOwner], nil, act) {
			t.Errorf("Allowed(owner, nil story, %s) = true", act)
		}
	}
	if Allowed(&Account{ID: "a-x", Role: "root"}, story, ActViewStory) {
		t.Error("an unknown role is allowed")
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestAccessEveryRouteEveryRole walks the router's own route table: every
// route, for every principal, over HTTP. Allowed requests are not turned
// away; denied ones get 404 (signed in), or are sent to sign in (visitor)
// or to finish enrolment. A route whose action has no row in expected
// fails.
func TestAccessEveryRouteEveryRole(t *testing.T) {
	d := newTestDesk(t)
	withRegistry(t, d)
	codes := map[string]string{}
	roles := map[string]Role{pEnrolling: Storyteller, pOwner: Storyteller, pOther: Storyteller, pEditor: Editor, pPublisher: Publisher, pAdmin: Admin}
	for p, role := range roles {
		codes[p] = d.account("a-"+p, p, role)
	}
	owner := d.client("en")
	owner.enrol(codes[pOwner], "owner phrase for tests")
	id := owner.newStory("en", "Title", "Body text.")
	owner.get("/stories/" + id + "/preview") // builds the preview the site route serves
	for p := range roles {
		if p != pOwner && p != pEnrolling {
			d.client("en").enrol(codes[p], p+" phrase for tests")
		}
	}
	signIn := func(p string) *client {
		c := d.client("en")
		switch p {
		case pVisitor:
		case pEnrolling:
			if r := c.post("/enrol", url.Values{"code": {codes[p]}}); r.status != http.StatusSeeOther {
				t.Fatalf("enrolling: %d", r.status)
			}
			// A code is single use: give the next request a new one.
			codes[p] = func() string {
				code, _ := NewCode()
				canon, _ := ParseCode(code)
				d.store.AddCode(t.Context(), "a-"+p, canon, d.clock.Now().Add(CodeLifetime))
				return code
			}()
		default:
			if r := c.post("/sign-in", url.Values{"login": {p}, "phrase": {p + " phrase for tests"}}); r.status != http.StatusSeeOther {
				t.Fatalf("sign-in %s: %d", p, r.status)
			}
		}
		return c
	}
	// A photo of the story, for the route that serves it.
	mid := "m-0123456789"
	if err := os.WriteFile(filepath.Join(d.srv.cfg.MediaDir, mid+".png"), tinyPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tinyPNG(t))
	sha := hex.EncodeToString(sum[:])
	d.store.AddPhoto(t.Context(), id, Photo{ID: mid, Ext: ".png", SHA256: sha, Alt: "a", Caption: "c"})
	fill := strings.NewReplacer("{key}", sha+".png", "{$}", "", "{id}", id, "{file}", "desk.css", "{format}", "receipt", "{path...}", "stories/"+id+"/",
		"{acct}", "a-"+pEditor, "{sid}", "sg-0001", "{mid}", mid)
	for _, rt := range d.srv.routeTable() {
		want, ok := expected[rt.action]
		if !ok {
			t.Errorf("route %q: action %q has no expected decision", rt.pattern, rt.action)
			continue
		}
		method, pattern, _ := strings.Cut(rt.pattern, " ")
		path := fill.Replace(pattern)
		for _, p := range principals {
			d.srv.limiter = newLimiter()
			c := signIn(p)
			var r resp
			if method == "POST" {
				r = c.post(path, url.Values{})
			} else {
				r = c.get(path)
			}
			allowed := contains(want, p)
			switch {
			case allowed && (r.status == http.StatusNotFound || r.status >= 500 || rt.pattern != "GET /{$}" && (r.location() == "/sign-in" || r.location() == "/enrol/phrase")):
				t.Errorf("%s as %s: turned away (%d %s), want allowed", rt.pattern, p, r.status, r.location())
			case !allowed && p == pVisitor && r.location() != "/sign-in":
				t.Errorf("%s as visitor: %d %q, want a redirect to /sign-in", rt.pattern, r.status, r.location())
			case !allowed && p == pEnrolling && r.status != http.StatusNotFound && r.location() != "/enrol/phrase":
				t.Errorf("%s as enrolling: %d %q, want 404 or a redirect to /enrol/phrase", rt.pattern, r.status, r.location())
			case !allowed && p != pVisitor && p != pEnrolling && r.status != http.StatusNotFound:
				t.Errorf("%s as %s: %d, want 404", rt.pattern, p, r.status)
			}
		}
	}
}

// TestAnotherStorytellersStoryIsNotThere: to another storyteller, a story
// that is not hers is exactly a story that does not exist, on every page
// and in her list (no title, no id, no count).
func TestAnotherStorytellersStoryIsNotThere(t *testing.T) {
	d := newTestDesk(t)
	a := d.client("es")
	a.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	b := d.client("es")
	b.enrol(d.account("a-bea", "bea", Storyteller), "bea phrase for tests")
	id := a.newStory("es", "Historia de Ana", "Texto de Ana.")
	missing := "st-0000000000"
	for _, suffix := range []string{"", "/consent", "/preview", "/stop", "/preview/site/es/stories/" + id + "/"} {
		got, none := b.get("/stories/"+id+suffix), b.get("/stories/"+missing+suffix)
		if got.status != http.StatusNotFound || got.body != strings.ReplaceAll(none.body, missing, id) && got.body != none.body {
			t.Errorf("GET %s as another storyteller: %d, want the same 404 as a missing story", suffix, got.status)
		}
		if strings.Contains(got.body, "Historia de Ana") {
			t.Errorf("GET %s as another storyteller shows the title", suffix)
		}
	}
	for _, post := range []string{"", "/consent", "/approve", "/stop"} {
		if r := b.post("/stories/"+id+post, url.Values{"title": {"x"}, "body": {"x"}, "text_lang": {"es"}}); r.status != http.StatusNotFound {
			t.Errorf("POST %s as another storyteller: %d, want 404", post, r.status)
		}
	}
	list := b.get("/stories")
	if strings.Contains(list.body, id) || strings.Contains(list.body, "Historia de Ana") || strings.Count(list.body, "<li>") != 0 {
		t.Errorf("her list shows another's story")
	}
	if !strings.Contains(list.body, d.srv.msgs.text("es", "stories_none")) {
		t.Errorf("her list does not say she has no story")
	}
	if own := a.get("/stories"); !strings.Contains(own.body, "Historia de Ana") || strings.Count(own.body, "<li>") != 1 {
		t.Errorf("the owner's list does not show exactly her story")
	}
	st, _ := d.store.Story(t.Context(), id)
	if st.Current["es"].Body != "Texto de Ana." {
		t.Errorf("another storyteller's post changed the story")
	}
}

// TestTamperedStoryIDIs404 tries ids of the wrong shape.
func TestTamperedStoryIDIs404(t *testing.T) {
	d := newTestDesk(t)
	a := d.client("en")
	a.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	for _, id := range []string{"st-", "ST-ABCD1234", "st-abcd1234%2F..", "..%2F..", "st-abcd'1234", strings.Repeat("st-a", 40)} {
		if r := a.get("/stories/" + id); r.status != http.StatusNotFound {
			t.Errorf("GET /stories/%s: %d, want 404", id, r.status)
		}
	}
}

// TestStaffNeverSeeHerPrivatePreview: an editor works on the text but
// the preview she approves from is hers alone, and no page links to it.
func TestStaffNeverSeeHerPrivatePreview(t *testing.T) {
	d := newTestDesk(t)
	ana := d.client("es")
	ana.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := ana.newStory("es", "Título", "Texto.")
	ana.get("/stories/" + id + "/preview")
	ed := d.client("es")
	ed.enrol(d.account("a-ed", "ed", Editor), "editor phrase for tests")
	for _, p := range []string{"/stories/" + id, "/stories/" + id + "/consent"} {
		r := ed.get(p)
		if r.status != http.StatusOK || strings.Contains(r.body, "/preview") {
			t.Errorf("editor on %s: %d, links to the preview: %t", p, r.status, strings.Contains(r.body, "/preview"))
		}
	}
	if r := ed.get("/stories/" + id + "/preview/site/es/stories/" + id + "/"); r.status != http.StatusNotFound {
		t.Errorf("editor opening her built preview: %d, want 404", r.status)
	}
	if r := ana.get("/stories/" + id); !strings.Contains(r.body, "/stories/"+id+"/preview") {
		t.Error("her own write page does not link to her preview")
	}
}
