package desk

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Issue #15, 6: after she asked to stop sharing, the write page still
// let her type and its autosave failed silently.
func TestTakenDownStoryIsShownReadOnly(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", "Texto que ella escribió.")
	if r := c.post("/stories/"+id+"/stop", url.Values{"level": {StopNewUses}, "confirm": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("stop new uses: %d", r.status)
	}
	w := c.get("/stories/" + id)
	if !strings.Contains(w.body, htmlEscape(d.srv.msgs.text("es", "write_stopped_new_uses"))) || !strings.Contains(w.body, "data-autosave") {
		t.Error("after stop-new-uses the write page should say so and still let her write")
	}
	if r := c.post("/stories/"+id+"/stop", url.Values{"level": {TakeDown}, "confirm": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("take down: %d", r.status)
	}
	w = c.get("/stories/" + id)
	if w.status != http.StatusOK || !strings.Contains(w.body, htmlEscape(d.srv.msgs.text("es", "write_taken_down"))) {
		t.Errorf("the write page does not say the story is taken down: %d", w.status)
	}
	if strings.Contains(w.body, "<textarea") || strings.Contains(w.body, "data-autosave") || strings.Contains(w.body, `action="/stories/`+id+`"`) {
		t.Error("the write page of a taken-down story still has a form to type into")
	}
	if !strings.Contains(w.body, "Texto que ella escribió.") {
		t.Error("her text is not shown")
	}
}

var levelRadio = regexp.MustCompile(`name="level" value="([a-z-]+)"`)

// After "Dejar de compartir" is sent, the page shows what she asked, not
// the empty form again; only levels that go further are offered.
func TestStopPageShowsTheResult(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", "Texto.")
	levels := func(body string) (out []string) {
		for _, m := range levelRadio.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	if got := levels(c.get("/stories/" + id + "/stop").body); strings.Join(got, ",") != strings.Join(WithdrawalLevels, ",") {
		t.Fatalf("levels before: %v", got)
	}
	r := c.post("/stories/"+id+"/stop", url.Values{"level": {StopNewUses}, "confirm": {"1"}})
	p := c.get(r.location())
	for _, key := range []string{"stop_result_heading", "stop_level_stop_new_uses", "stop_pending_pipeline", "stop_more_heading"} {
		if !strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", key))) {
			t.Errorf("after stop-new-uses the page lacks %s", key)
		}
	}
	if !strings.Contains(p.body, "2026-12-01 10:00:00 UTC") {
		t.Error("the page does not say when she asked")
	}
	if got := levels(p.body); strings.Join(got, ",") != TakeDown+","+TakeDownDelete {
		t.Errorf("after stop-new-uses it offers %v, want only the levels that go further", got)
	}
	if r := c.post("/stories/"+id+"/stop", url.Values{"level": {StopNewUses}, "confirm": {"1"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("the same level again: %d, want 422", r.status)
	}
	r = c.post("/stories/"+id+"/stop", url.Values{"level": {TakeDownDelete}, "confirm": {"1"}})
	p = c.get(r.location())
	if !strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", "stop_level_take_down_delete"))) || len(levels(p.body)) != 0 || strings.Contains(p.body, `name="confirm"`) {
		t.Error("after take-down-delete the page should show the result and no form")
	}
}

// The list said "La aprobaste" after the text changed since.
func TestListSaysChangedTextNeedsApprovalAgain(t *testing.T) {
	d := newTestDesk(t)
	c, id, digest := approveFlow(t, d)
	c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {digest}})
	approved, again := htmlEscape(d.srv.msgs.text("es", "state_approved")), htmlEscape(d.srv.msgs.text("es", "state_reapprove"))
	if l := c.get("/stories"); !strings.Contains(l.body, approved) {
		t.Fatal("the list does not say she approved it")
	}
	c.post("/stories/"+id, url.Values{"text_lang": {"es"}, "title": {"Título"}, "body": {"Otro texto."}, "base": {c.base(id, "es")}})
	l := c.get("/stories")
	if strings.Contains(l.body, approved) || !strings.Contains(l.body, again) {
		t.Error("after a change the list should say it needs approval again")
	}
}

// The quick exit's keyboard hint (Esc, Shift) is hidden where there is
// no keyboard to hover with: touch-only screens.
func TestQuickExitKeyHintHiddenOnTouchScreens(t *testing.T) {
	d := newTestDesk(t)
	css := d.client("es").get("/assets/desk.css").body
	rule := regexp.MustCompile(`@media \(hover: none\) \{\s*\.quick-exit__hint \{ display: none; \}`)
	if !rule.MatchString(css) {
		t.Error("desk.css does not hide .quick-exit__hint on touch-only screens")
	}
}
