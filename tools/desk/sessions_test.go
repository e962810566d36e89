package desk

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// twin is a second desk Server on d's store and clock, as a restarted
// desk or another instance behind the same load balancer would be.
func (d *testDesk) twin() *testDesk {
	d.t.Helper()
	cfg := d.srv.cfg
	cfg.WorkDir = d.t.TempDir()
	srv, err := New(cfg)
	if err != nil {
		d.t.Fatal(err)
	}
	t := &testDesk{t: d.t, srv: srv, store: d.store, clock: d.clock, logs: d.logs}
	t.ts = httptest.NewServer(srv.Handler())
	d.t.Cleanup(func() { t.ts.Close(); srv.Close() })
	return t
}

// on is the same browser (its cookies) talking to desk e: cookies do not
// depend on the port, so both loopback test servers get them.
func (c *client) on(e *testDesk) *client { return &client{d: e, hc: c.hc, lang: c.lang} }

// TestSessionSurvivesARestartAndIsSharedByInstances: a session started
// on one desk is still hers on a new desk.Server over the same store (a
// restart) and on a second instance; what the session knows (her phrase,
// to refuse a story holding it) comes along; sign out everywhere on one
// instance ends it on every other.
func TestSessionSurvivesARestartAndIsSharedByInstances(t *testing.T) {
	both(t, func(t *testing.T, durable bool) {
		a := newTestDeskOn(t, durable)
		ana := a.client("es")
		ana.enrol(a.staffAccount("ana", Storyteller), "mi frase secreta larga")
		id := ana.newStory("es", "Mi título", "Mi borrador guardado.")
		other := a.client("es") // her second device
		if r := other.post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"mi frase secreta larga"}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign-in on a second device: %d", r.status)
		}
		a.srv.Close()
		b, c := a.twin(), a.twin() // the desk restarted, and a second instance
		for name, d := range map[string]*testDesk{"restarted desk": b, "second instance": c} {
			if r := ana.on(d).get("/stories/" + id); r.status != http.StatusOK || !strings.Contains(r.body, "Mi borrador guardado.") {
				t.Fatalf("%s: her story: %d %s, want 200 and her draft", name, r.status, r.location())
			}
			r := ana.on(d).post("/stories/"+id, url.Values{"text_lang": {"es"}, "title": {"Mi título"}, "body": {"Mi clave es MI FRASE\nsecreta larga."}})
			if r.status != http.StatusUnprocessableEntity || !d.fieldError(r.body, "body", "es", "field_has_phrase") {
				t.Errorf("%s: a story holding her phrase: %d, want 422 field_has_phrase", name, r.status)
			}
		}
		if r := other.on(c).post("/sign-out/everywhere", url.Values{}); r.status != http.StatusOK {
			t.Fatalf("sign out everywhere: %d", r.status)
		}
		for name, cl := range map[string]*client{"this device on the restarted desk": ana.on(b), "this device on the second instance": ana.on(c), "the other device": other.on(b)} {
			if r := cl.get("/stories"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/sign-in") {
				t.Errorf("%s after sign-out everywhere: %d %s, want a redirect to sign in", name, r.status, r.location())
			}
		}
	})
}

// TestEnrolmentSessionStaysOneOnAnotherInstance: a redeemed code's
// session lets her choose a phrase and nothing else, on every instance.
func TestEnrolmentSessionStaysOneOnAnotherInstance(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	if r := c.post("/enrol", url.Values{"code": {d.account("a-ana", "ana", Storyteller)}}); r.status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", r.status)
	}
	e := d.twin()
	if r := c.on(e).get("/stories"); r.status != http.StatusSeeOther || r.location() != "/enrol/phrase" {
		t.Errorf("enrolling session on another instance: %d %s, want a redirect to /enrol/phrase", r.status, r.location())
	}
}

// TestSessionTimesAreTheStoredOnes: the idle timeout is judged from the
// last request any instance saw, and the maximum age from the sign-in,
// whichever instance she signed in on.
func TestSessionTimesAreTheStoredOnes(t *testing.T) {
	d := newTestDesk(t)
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	e := d.twin()
	// Requests alternate between the instances, each within the idle
	// timeout of the last: she stays signed in until the maximum age.
	step := DefaultIdleTimeout - time.Minute
	var elapsed time.Duration
	for i := 0; elapsed < DefaultMaxSession+step; i++ {
		d.clock.Add(step)
		elapsed += step
		inst := d
		if i%2 == 1 {
			inst = e
		}
		r := c.on(inst).get("/stories")
		if r.status == http.StatusOK {
			if elapsed >= DefaultMaxSession {
				t.Fatalf("still signed in after %v, past the maximum age", elapsed)
			}
			continue
		}
		if r.location() != "/sign-in?n=expired" || elapsed < DefaultMaxSession {
			t.Fatalf("after %v: %d %s, want signed in until %v, then the expired notice", elapsed, r.status, r.location(), DefaultMaxSession)
		}
		break
	}
	// A new sign-in, then one idle timeout without a request anywhere.
	if r := c.on(e).post("/sign-in", url.Values{"login": {"ana"}, "phrase": {"ana phrase for tests"}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.status)
	}
	d.clock.Add(DefaultIdleTimeout)
	if r := c.on(d).get("/stories"); r.location() != "/sign-in?n=expired" {
		t.Errorf("idle on both instances: %d %s, want the expired notice", r.status, r.location())
	}
}

// TestPreviewServedByAnotherInstance: her preview page came from one
// desk; its frame and files are asked of another (a restart, or the next
// instance behind the load balancer): they are served there too, not 404.
func TestPreviewServedByAnotherInstance(t *testing.T) {
	d := newTestDesk(t)
	ana := d.client("es")
	ana.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := ana.newStory("es", "Mi camino", "Mi texto para la vista previa.")
	if r := ana.get("/stories/" + id + "/preview?lang=es"); r.status != http.StatusOK {
		t.Fatalf("preview: %d", r.status)
	}
	e := d.twin()
	r := ana.on(e).get("/stories/" + id + "/preview/site/" + strings.TrimSuffix(builtPagePath(id, "es"), "index.html"))
	if r.status != http.StatusOK || !strings.Contains(r.body, "Mi texto para la vista previa.") {
		t.Errorf("the preview's page on another instance: %d, want 200 with her text", r.status)
	}
	other := e.client("es")
	other.enrol(e.account("a-bea", "bea", Storyteller), "bea phrase for tests")
	if r := other.get("/stories/" + id + "/preview/site/" + strings.TrimSuffix(builtPagePath(id, "es"), "index.html")); r.status != http.StatusNotFound {
		t.Errorf("another storyteller: %d, want 404", r.status)
	}
}
