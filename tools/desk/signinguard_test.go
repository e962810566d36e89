package desk

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// signInFrom posts the sign-in form from the client address addr and
// returns the status.
func (d *testDesk) signInFrom(addr, login, phrase string) int {
	d.t.Helper()
	r := httptest.NewRequest("POST", "/sign-in", strings.NewReader(url.Values{"login": {login}, "phrase": {phrase}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = addr + ":40000"
	w := httptest.NewRecorder()
	d.srv.Handler().ServeHTTP(w, r)
	return w.Code
}

const anaPhrase = "ana phrase for tests"

// Issue #15, 4: five wrong tries a minute on her sign-in name, from
// anywhere, locked her out. The limit is now per name and address: the
// address that guesses is held back, she signs in from hers.
func TestWrongPhrasesFromOneAddressDoNotLockHerOut(t *testing.T) {
	d := newTestDesk(t)
	d.client("es").enrol(d.account("a-ana", "ana", Storyteller), anaPhrase)
	for i := range signInPerPair {
		if got := d.signInFrom("203.0.113.7", "ana", "not her phrase"); got != http.StatusUnauthorized {
			t.Fatalf("wrong phrase %d: %d", i+1, got)
		}
	}
	if got := d.signInFrom("203.0.113.7", "ana", "not her phrase"); got != http.StatusTooManyRequests {
		t.Errorf("the guessing address, after %d tries: %d, want 429", signInPerPair, got)
	}
	if got := d.signInFrom("203.0.113.7", "ana", anaPhrase); got != http.StatusTooManyRequests {
		t.Errorf("the guessing address with the right phrase within the minute: %d, want 429", got)
	}
	if got := d.signInFrom("198.51.100.20", "ana", anaPhrase); got != http.StatusSeeOther {
		t.Errorf("her phrase from her own address: %d, want 303 (signed in)", got)
	}
}

// Many addresses guessing at one name are slowed down together (the
// per-name back-off), and still the right phrase from an address that
// has not failed signs in at once.
func TestManyAddressesGuessingAreSlowedNeverLockingHerOut(t *testing.T) {
	d := newTestDesk(t)
	d.client("es").enrol(d.account("a-ana", "ana", Storyteller), anaPhrase)
	addr := func(i int) string { return "203.0.113." + string(rune('0'+i/10)) + string(rune('0'+i%10)) }
	for i := range nameBackoffAfter + 5 {
		if got := d.signInFrom(addr(i), "ana", "not her phrase"); got != http.StatusUnauthorized {
			t.Fatalf("wrong phrase from address %d: %d, want 401", i, got)
		}
	}
	// A failed address tries again at once: held back by the name's back-off.
	if got := d.signInFrom(addr(0), "ana", "another guess"); got != http.StatusTooManyRequests {
		t.Errorf("a failed address within the back-off: %d, want 429", got)
	}
	// Even with her phrase, from an address that failed (she will not be there).
	if got := d.signInFrom(addr(1), "ana", anaPhrase); got != http.StatusTooManyRequests {
		t.Errorf("right phrase from a failed address within the back-off: %d, want 429", got)
	}
	// She, from an address with no failures: signed in.
	if got := d.signInFrom("198.51.100.20", "ana", anaPhrase); got != http.StatusSeeOther {
		t.Fatalf("her phrase from a new address during the attack: %d, want 303", got)
	}
	// The back-off ends: the failed addresses may try again, slowly.
	d.clock.Add(nameBackoffMax)
	if got := d.signInFrom(addr(0), "ana", "another guess"); got != http.StatusUnauthorized {
		t.Errorf("a failed address after the back-off: %d, want 401", got)
	}
	if got := d.signInFrom(addr(2), "ana", "and another"); got != http.StatusTooManyRequests {
		t.Errorf("the next guess right after: %d, want 429", got)
	}
	// A name under attack does not hold back another name.
	d.client("es").enrol(d.account("a-bea", "bea", Storyteller), "bea phrase for tests")
	if got := d.signInFrom(addr(3), "bea", "bea phrase for tests"); got != http.StatusSeeOther {
		t.Errorf("another storyteller from a failed address: %d, want 303", got)
	}
}

// The back-off delay doubles and is bounded; its memory is bounded and
// closed when full.
func TestSignInGuardBackoff(t *testing.T) {
	g := newSignInGuard()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i := range nameBackoffAfter + 30 {
		g.failure("ana", "a", now)
		if i+1 >= nameBackoffAfter {
			want := min(time.Second<<(i+1-nameBackoffAfter), nameBackoffMax)
			if got := g.names["ana"].next.Sub(now); got != want {
				t.Fatalf("after %d failures: delay %v, want %v", i+1, got, want)
			}
		}
	}
	if g.allow("ana", "a", now) || !g.allow("ana", "b", now) {
		t.Error("the failed address is allowed, or a new one is not")
	}
	if !g.allow("ana", "a", now.Add(nameBackoffMax)) {
		t.Error("the failed address is held back beyond the longest delay")
	}
	g.success("ana", "a")
	if !g.allow("ana", "a", now) {
		t.Error("after she signed in from there, the address is still held back")
	}
}

// When the guard's memory is full of live failures, it cannot tell a new
// address from one that failed: it holds back every address on a name in
// back-off (closed), instead of forgetting failures.
func TestSignInGuardFullIsClosed(t *testing.T) {
	g := newSignInGuard()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i := range nameBackoffAfter {
		g.failure("ana", "a"+string(rune('a'+i)), now)
	}
	for i := len(g.failed); i < maxWindows; i++ {
		g.failed[pairKey("flood", time.Duration(i).String())] = now
	}
	g.failure("ana", "unrecorded", now)
	if g.allow("ana", "unrecorded", now) || g.allow("ana", "new", now) {
		t.Error("with its memory full, the guard lets an address through the back-off")
	}
	if !g.allow("bea", "new", now) {
		t.Error("a name with no failures is held back")
	}
}
