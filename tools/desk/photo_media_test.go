package desk

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/manifest"
)

var photoSuggestion = regexp.MustCompile(`action="/stories/[^/"]+/suggestions/([^"]+)"`)

// TestAttachedPhotoIsASuggestionThenInHerPageAndDigest: a photo staff
// attach is not in her page until she accepts it as a suggestion; then it
// is in the page's media: front matter with the content model's fields,
// her preview has it (placed from a data/media.json entry the desk serves
// to her session only), and the approval digest covers its alt text and
// caption.
func TestAttachedPhotoIsASuggestionThenInHerPageAndDigest(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d, ana, ed, _, id := staffDesk(t, durable)
		bea := d.client("es")
		bea.enrol(d.staffAccount("bea", Storyteller), "bea phrase for tests")
		before := Digest(d.story(id), "es", "p-ana")
		if r := ed.upload("/stories/"+id+"/photos", photoFields(), "IMG_0001.jpg", gpsJPEG(t)); r.status != http.StatusSeeOther {
			t.Fatalf("upload: %d", r.status)
		}
		photos, _ := d.ss().Photos(t.Context(), id)
		if len(photos) != 1 {
			t.Fatalf("photos: %d", len(photos))
		}
		p := photos[0]
		if m := d.story(id).Current["es"].Media; len(m) != 0 {
			t.Fatalf("the photo is in her page before she accepted it: %+v", m)
		}
		// She sees it as a suggestion, with the photo itself.
		sp := ana.get("/stories/" + id + "/suggestions")
		if !strings.Contains(sp.body, htmlEscape(d.srv.msgs.text("es", "suggestion_photo"))) || !strings.Contains(sp.body, `src="/stories/`+id+`/media/`+p.ID+`"`) {
			t.Fatalf("her suggestions page does not offer the photo:\n%s", sp.body)
		}
		img := ana.get("/stories/" + id + "/media/" + p.ID)
		stored, _ := os.ReadFile(filepath.Join(d.srv.cfg.MediaDir, p.ID+p.Ext))
		if img.status != http.StatusOK || img.body != string(stored) {
			t.Errorf("her view of the suggested photo: %d, %d bytes", img.status, len(img.body))
		}
		if r := bea.get("/stories/" + id + "/media/" + p.ID); r.status != http.StatusNotFound {
			t.Errorf("another storyteller sees the photo: %d, want 404", r.status)
		}
		m := photoSuggestion.FindStringSubmatch(sp.body)
		if m == nil {
			t.Fatal("no form to answer the suggestion")
		}
		if r := ana.post("/stories/"+id+"/suggestions/"+m[1], url.Values{"decision": {Accepted}}); !strings.HasSuffix(r.location(), "n=accepted") {
			t.Fatalf("accept: %d %s", r.status, r.location())
		}
		// In the page's front matter, as DESIGN.md's content model says.
		st := d.story(id)
		raw, _ := Materialise(st, "es", "p-ana")
		page, ds := content.LoadPage(PagePath(id, "es"), "es", raw)
		if len(ds) > 0 {
			t.Fatal(ds)
		}
		v, _ := page.Get("media")
		list, _ := v.([]any)
		if len(list) != 1 {
			t.Fatalf("media: %v\n%s", v, raw)
		}
		item, _ := list[0].(map[string]any)
		deps, _ := item["depicts"].([]any)
		if item["id"] != p.ID || item["alt"] != "Dos mujeres sentadas en un banco." || item["caption"] != "En la reunión del grupo." ||
			item["face_visible"] != false || !slices.Equal(deps, []any{"p-ana", "p-0007"}) {
			t.Errorf("media item %v", item)
		}
		if st.Current["es"].Body != "Primera línea.\nSegunda línea." {
			t.Errorf("accepting the photo changed her text: %q", st.Current["es"].Body)
		}
		// The approval digest covers it: adding it changed the digest, and
		// so would another caption.
		after := Digest(st, "es", "p-ana")
		if after == before {
			t.Error("the approval digest did not change when the photo came in")
		}
		other := st
		other.Current = map[string]Revision{"es": st.Current["es"]}
		rev := other.Current["es"]
		rev.Media = []MediaItem{rev.Media[0]}
		rev.Media[0].Caption = "Otro pie de foto."
		other.Current["es"] = rev
		if Digest(other, "es", "p-ana") == after {
			t.Error("the approval digest does not cover the caption")
		}
		if p2, _ := content.LoadPage(PagePath(id, "es"), "es", raw); consent.ApprovalDigest(p2) != after {
			t.Error("Digest is not consent.ApprovalDigest of the page")
		}
		// Her preview: the digest she approves is this one, and the stage
		// has the photo under the key the theme places it by.
		ana.post("/stories/"+id+"/consent", url.Values{"share": {"yes"}, "danger": {"no"}, "name": {"chosen"}, "chosen_name": {"Marta"},
			"channels": {"website"}, "languages": {"es"}, "term": {"1"}, "search": {"no"}})
		pv := ana.get("/stories/" + id + "/preview?lang=es")
		if dm := digestField.FindStringSubmatch(pv.body); dm == nil || dm[1] != Digest(d.story(id), "es", "p-ana") {
			t.Errorf("the preview offers another digest than the page's with its photo")
		}
		d.srv.mu.Lock()
		res := d.srv.previews[id]
		d.srv.mu.Unlock()
		if res == nil {
			t.Fatal("no preview built")
		}
		mf, mErr := manifest.Read(filepath.Join(res.dir, "stage", "data", "media.json"))
		if mErr != nil {
			t.Fatal(mErr)
		}
		e, ok := mf.Media[p.ID]
		if !ok || e.StoryID != id || e.Key != "media/"+id+"/"+p.SHA256+p.Ext || e.Width != 64 || e.Height != 48 {
			t.Fatalf("preview manifest entry %+v (%v)", e, ok)
		}
		if r := ana.get("/" + e.Key); r.status != http.StatusOK || !bytes.Equal([]byte(r.body), stored) {
			t.Errorf("the preview's photo at /%s: %d", e.Key, r.status)
		}
		if r := bea.get("/" + e.Key); r.status != http.StatusNotFound {
			t.Errorf("another storyteller gets the preview's photo: %d, want 404", r.status)
		}
	})
}
