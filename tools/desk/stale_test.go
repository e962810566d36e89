package desk

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestTwoTabsSavingOnOneBase: her story open in two tabs, each saves on
// the base it was opened on. The first goes in; the second is refused,
// nothing of it stored, with her text still in the form, the plain
// message that the story changed elsewhere, and what differs; saved
// again from that page (on the new base) it goes in. The same holds for
// an autosave, and for a form with no base at all.
func TestTwoTabsSavingOnOneBase(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d := newTestDeskOn(t, durable)
		ana := d.client("es")
		ana.enrol(d.staffAccount("ana", Storyteller), "ana phrase for tests")
		id := ana.newStory("es", "Mi camino", "Primer texto.")
		base := ana.base(id, "es") // both tabs open the page now
		if r := ana.save(id, url.Values{"base": {base}, "text_lang": {"es"}, "title": {"Mi camino"}, "body": {"Texto de la pestaña uno."}}); r.status != http.StatusSeeOther {
			t.Fatalf("first tab: %d, want 303", r.status)
		}
		r := ana.save(id, url.Values{"base": {base}, "text_lang": {"es"}, "title": {"Mi camino"}, "body": {"Texto de la pestaña dos."}})
		if r.status != http.StatusConflict {
			t.Fatalf("second tab on the same base: %d, want 409", r.status)
		}
		if got := d.story(id).Current["es"].Body; got != "Texto de la pestaña uno." {
			t.Errorf("after the refused save the story is %q, want the first tab's", got)
		}
		if !strings.Contains(r.body, htmlEscape(d.srv.msgs.text("es", "write_stale"))) {
			t.Error("no plain message that the story changed elsewhere")
		}
		if !strings.Contains(r.body, ">Texto de la pestaña dos.</textarea>") {
			t.Error("her text is not kept in the form")
		}
		if !strings.Contains(r.body, "<del>") || !strings.Contains(r.body, "Texto de la pestaña uno.") {
			t.Error("the page does not show what the saved story says")
		}
		m := baseField.FindStringSubmatch(r.body)
		if m == nil || m[1] == base {
			t.Fatalf("the refused form is not on the new base")
		}
		if r := ana.save(id, url.Values{"base": {m[1]}, "text_lang": {"es"}, "title": {"Mi camino"}, "body": {"Texto de la pestaña dos."}}); r.status != http.StatusSeeOther {
			t.Fatalf("saved again from the refused page: %d, want 303", r.status)
		}
		if got := d.story(id).Current["es"].Body; got != "Texto de la pestaña dos." {
			t.Errorf("after saving again the story is %q", got)
		}
		// An autosave on an old base, and a form with no base.
		for name, f := range map[string]url.Values{
			"autosave on an old base": {"base": {base}, "text_lang": {"es"}, "title": {"Mi camino"}, "body": {"Autoguardado viejo."}},
			"no base":                 {"base": {""}, "text_lang": {"es"}, "title": {"Mi camino"}, "body": {"Sin base."}},
		} {
			r := ana.save(id, f, "X-Desk-Fetch", "1")
			if r.status != http.StatusConflict {
				t.Errorf("%s: %d, want 409", name, r.status)
			}
			if got := d.story(id).Current["es"].Body; got != "Texto de la pestaña dos." {
				t.Errorf("%s: the story is now %q", name, got)
			}
		}
		// The same text sent twice (a double click) is no conflict.
		if r := ana.save(id, url.Values{"base": {base}, "text_lang": {"es"}, "title": {"Mi camino"}, "body": {"Texto de la pestaña dos."}}); r.status != http.StatusSeeOther {
			t.Errorf("the saved text sent again: %d, want 303", r.status)
		}
	})
}

// TestConcurrentSavesOfOneText: her autosave and her Save button send the
// same text on the same base at once (what the browser journey met): that
// is one save, never a conflict. Different texts at once: exactly one
// goes in, the others are refused as stale.
func TestConcurrentSavesOfOneText(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d := newTestDeskOn(t, durable)
		ana := d.client("es")
		ana.enrol(d.staffAccount("ana", Storyteller), "ana phrase for tests")
		id := ana.newStory("es", "Mi camino", "Primer texto.")
		for _, same := range []bool{true, false} {
			base := ana.base(id, "es")
			const n = 6
			codes := make(chan int, n)
			var wg sync.WaitGroup
			for i := range n {
				body := "Texto enviado a la vez."
				if !same {
					body = fmt.Sprintf("Texto distinto %d.", i)
				}
				wg.Go(func() {
					codes <- ana.save(id, url.Values{"base": {base}, "text_lang": {"es"}, "title": {"Mi camino"}, "body": {body}}).status
				})
			}
			wg.Wait()
			close(codes)
			saved := 0
			for c := range codes {
				if c == http.StatusSeeOther {
					saved++
				} else if c != http.StatusConflict {
					t.Errorf("a concurrent save: %d", c)
				}
			}
			if same && saved != n {
				t.Errorf("the same text sent %d times at once: %d saved, the rest refused", n, saved)
			}
			if !same && saved != 1 {
				t.Errorf("%d different texts at once: %d saved, want exactly 1", n, saved)
			}
		}
	})
}
