package desk

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Issue #15, 5: the code was used up when she typed it, so an enrolment
// left before the phrase step stranded her ("already used"). The code is
// now checked when typed and used up only with her phrase.
func TestHalfFinishedEnrolmentDoesNotStrandHer(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d := newTestDeskOn(t, durable)
		code := d.staffAccount("ana", Storyteller)
		first := d.client("es")
		if r := first.post("/enrol", url.Values{"code": {code}}); r.status != http.StatusSeeOther || r.location() != "/enrol/phrase" {
			t.Fatalf("code: %d %s", r.status, r.location())
		}
		// She leaves the phrase page (the phone rang). Later, on another
		// phone, the same code still opens the phrase step. (The clock
		// stays: tools/stories judges sessions by its own.)
		later := d.client("es")
		later.enrol(code, "ana phrase for tests")
		if r := d.client("es").post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusSeeOther {
			t.Errorf("sign-in with the phrase she chose: %d", r.status)
		}
		// Now it is used: neither a new entry nor the first phone's
		// half-finished enrolment can set another phrase.
		if r := d.client("es").post("/enrol", url.Values{"code": {code}}); !d.fieldError(r.body, "code", "es", "enrol_code_bad") {
			t.Errorf("code after her phrase was saved: %d, want refused as used", r.status)
		}
		if r := first.post("/enrol/phrase", url.Values{"phrase": {"someone else's phrase"}, "repeat": {"someone else's phrase"}}); r.status == http.StatusSeeOther && strings.HasPrefix(r.location(), "/stories") {
			t.Errorf("the first phone set a phrase with a used code: %d %s", r.status, r.location())
		}
		if r := d.client("es").post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"someone else's phrase"}}); r.status != http.StatusUnauthorized {
			t.Errorf("the other phrase signs in: %d", r.status)
		}
	})
}

// Single use under concurrency: of several enrolment sessions finishing
// with one code at once, exactly one sets its phrase.
func TestEnrolmentCodeIsUsedOnceUnderConcurrency(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		d := newTestDeskOn(t, durable)
		code := d.staffAccount("ana", Storyteller)
		const n = 6
		clients := make([]*client, n)
		for i := range clients {
			clients[i] = d.client("es")
			if r := clients[i].post("/enrol", url.Values{"code": {code}}); r.status != http.StatusSeeOther {
				t.Fatalf("code entry %d: %d", i, r.status)
			}
			d.srv.limiter = newLimiter()
		}
		var wg sync.WaitGroup
		results := make([]resp, n)
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := "phrase number " + string(rune('a'+i)) + " for tests"
				results[i] = c.post("/enrol/phrase", url.Values{"phrase": {p}, "repeat": {p}})
			}()
		}
		wg.Wait()
		won := -1
		for i, r := range results {
			if r.status == http.StatusSeeOther && strings.HasPrefix(r.location(), "/stories") {
				if won >= 0 {
					t.Fatalf("two enrolments with one code set a phrase: %d and %d", won, i)
				}
				won = i
			}
		}
		if won < 0 {
			t.Fatal("no enrolment finished")
		}
		for i := range n {
			p := "phrase number " + string(rune('a'+i)) + " for tests"
			want := http.StatusUnauthorized
			if i == won {
				want = http.StatusSeeOther
			}
			d.srv.limiter, d.srv.guard = newLimiter(), newSignInGuard()
			if r := d.client("es").post("/sign-in", url.Values{"login": {"ana"}, "phrase": {p}}); r.status != want {
				t.Errorf("phrase %d (winner %d): sign-in %d, want %d", i, won, r.status, want)
			}
		}
	})
}
