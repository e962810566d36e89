package desk

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"storyguard/tools/stories"
)

// TestThinPathOnTheStoryStore runs the storyteller's path over HTTP on
// the durable store (tools/stories on SQLite): what she saves, answers
// and approves is in the store, encrypted, as the page the pipeline
// materialises; another storyteller still gets 404; a stale approval is
// still refused.
func TestThinPathOnTheStoryStore(t *testing.T) {
	d := newTestDesk(t)
	ss := d.useStoryStore()
	store := StoryStore{S: ss}
	add := func(login string, role Role, person string) string {
		id, err := store.AddAccount(t.Context(), Account{Login: login, Role: role, Person: person})
		if err != nil {
			t.Fatal(err)
		}
		code, _ := NewCode()
		canon, _ := ParseCode(code)
		if err := store.AddCode(t.Context(), id, canon, time.Now().Add(CodeLifetime)); err != nil {
			t.Fatal(err)
		}
		return code
	}
	ana := d.client("es")
	ana.enrol(add("Ana", Storyteller, "p-0004"), "ana phrase for tests")
	bea := d.client("es")
	bea.enrol(add("Bea", Storyteller, "p-0003"), "bea phrase for tests")
	if r := d.client("es").post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in on the store: %d", r.status)
	}
	id := ana.newStory("es", "Mi camino", "Texto guardado en el almacén.")
	if r := bea.get("/stories/" + id); r.status != http.StatusNotFound {
		t.Errorf("another storyteller: %d, want 404", r.status)
	}
	if l := bea.get("/stories"); strings.Contains(l.body, id) {
		t.Error("another storyteller's list shows the story")
	}
	ana.post("/stories/"+id+"/consent", url.Values{"share": {"yes"}, "danger": {"no"}, "name": {"chosen"}, "chosen_name": {"Marta"},
		"channels": {"website"}, "languages": {"es"}, "term": {"1"}, "search": {"no"}})
	p := ana.get("/stories/" + id + "/preview?lang=es")
	m := digestField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no approve form: %d", p.status)
	}
	if r := ana.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {m[1]}}); !strings.HasSuffix(r.location(), "n=approved") {
		t.Fatalf("approve: %s", r.location())
	}
	g, err := ss.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	src := string(g.Current["es"].Source())
	for _, want := range []string{"status: given", `display_name: "Marta*"`, `approved_sha256: "` + m[1] + `"`, "Texto guardado en el almacén."} {
		if !strings.Contains(src, want) {
			t.Errorf("the stored page lacks %q:\n%s", want, src)
		}
	}
	// Staff change the text: the stored page loses the approval, and her
	// old digest is refused.
	ed := d.client("es")
	ed.enrol(add("Editora", Editor, ""), "editor phrase for tests")
	ed.suggestAccepted(ana, id, "es", "Mi camino", "Texto cambiado.")
	g, _ = ss.Get(t.Context(), id)
	if strings.Contains(string(g.Current["es"].Source()), m[1]) || !g.Current["es"].TypedByStaff {
		t.Error("a staff change kept the approval or was not marked as typed by staff")
	}
	if r := ana.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {m[1]}}); !strings.HasSuffix(r.location(), "n=stale") {
		t.Errorf("stale approval on the store: %s", r.location())
	}
	if r := ana.post("/stories/"+id+"/stop", url.Values{"level": {StopNewUses}, "confirm": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("stop: %d", r.status)
	}
	st, err := store.Story(t.Context(), id)
	if err != nil || st.Withdrawal == nil || st.Withdrawal.Level != StopNewUses {
		t.Fatalf("withdrawal read back: %+v, %v", st.Withdrawal, err)
	}
	if sum, _ := ss.List(t.Context()); len(sum) != 1 || sum[0].State != stories.StateStopped {
		t.Errorf("store state: %+v", sum)
	}
}
