package desk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// consentAnswers is the consent form approveFlow posts, with changes.
func consentAnswers(change ...string) url.Values {
	// change is field, value pairs
	f := url.Values{"share": {"yes"}, "danger": {"no"}, "name": {"none"},
		"channels": {"website"}, "languages": {"es"}, "term": {"1"}, "search": {"no"}}
	for i := 0; i+1 < len(change); i += 2 {
		f[change[i]] = []string{change[i+1]}
	}
	return f
}

// anaWith signs in the storyteller Ana (Spanish) with a story of body and
// her consent answers; it returns her client and the story id.
func anaWith(d *testDesk, body string, answers url.Values) (*client, string) {
	d.t.Helper()
	c := d.client("es")
	c.enrol(d.account("a-ana", "ana", Storyteller), "ana phrase for tests")
	id := c.newStory("es", "Título", body)
	c.post("/stories/"+id+"/consent", answers)
	return c, id
}

// Issue #15, 1: an editor changed her consent answers after she approved,
// the desk took it, and her receipt showed the editor's answers.
func TestStaffCannotChangeHerConsentAnswers(t *testing.T) {
	d := newTestDesk(t)
	c, id, digest := approveFlow(t, d)
	if r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {digest}}); !strings.HasSuffix(r.location(), "n=approved") {
		t.Fatalf("approve: %d %s", r.status, r.location())
	}
	before := mustStory(t, d, id).Answers
	for _, role := range []Role{Editor, Publisher, Admin} {
		login := "staff" + string(role)
		staff := d.client("es")
		staff.enrol(d.account("a-"+string(role), login, role), "staff phrase for tests "+string(role))
		for _, change := range [][]string{{"search", "yes"}, {"channels", "social"}, {"languages", "en"}, {"term", "3"}, {"name", "full"}} {
			if r := staff.post("/stories/"+id+"/consent", consentAnswers(change...)); r.status != http.StatusNotFound {
				t.Errorf("%s changing %s: %d, want 404", role, change[0], r.status)
			}
		}
		p := staff.get("/stories/" + id + "/consent")
		if p.status != http.StatusOK || strings.Contains(p.body, `action="/stories/`+id+`/consent"`) ||
			!strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", "consent_readonly"))) {
			t.Errorf("%s's consent page: %d, a form to change her answers or no read-only note", role, p.status)
		}
	}
	st := mustStory(t, d, id)
	if !sameAnswers(before, st.Answers) {
		t.Fatalf("staff changed her answers: %+v", st.Answers)
	}
	if _, ok := st.approved("es", "p-ana"); !ok {
		t.Error("her approval was lost")
	}
	var rc Receipt
	j := c.get("/stories/" + id + "/receipt.json?lang=es")
	if err := json.Unmarshal([]byte(j.body), &rc); err != nil || rc.SearchEngines || len(rc.Channels) != 1 || rc.Channels[0] != "website" || rc.Termination != "2027-12-01" {
		t.Errorf("receipt %+v, %v: not what she approved", rc, err)
	}
}

// Issue #15, 1: any change of her answers after approval cancels it; she
// must approve again, and no receipt shows answers she did not approve.
func TestChangedAnswersCancelTheApproval(t *testing.T) {
	for _, change := range [][]string{{"search", "yes"}, {"channels", "social"}, {"term", "3"}, {"name", "chosen", "chosen_name", "Luz"}, {"languages", "en"}, {}} {
		t.Run(strings.Join(change, "="), func(t *testing.T) {
			d := newTestDesk(t)
			c, id, digest := approveFlow(t, d)
			c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {digest}})
			if _, ok := mustStory(t, d, id).approved("es", "p-ana"); !ok {
				t.Fatal("approval not recorded")
			}
			d.clock.Add(60e9) // the same answers sent again later are a new consent: new dates
			f := consentAnswers(change...)
			if len(change) > 0 && change[0] == "languages" {
				f["languages"] = []string{"es", "en"}
			}
			if len(change) > 0 && change[0] == "channels" {
				f["channels"] = []string{"website", "social"} // without the website it could not be shared at all
			}
			r := c.post("/stories/"+id+"/consent", f)
			if !strings.HasSuffix(r.location(), "n=reapprove") {
				t.Errorf("saving new answers: %d %s, want the notice that she must approve again", r.status, r.location())
			}
			st := mustStory(t, d, id)
			if _, ok := st.approved("es", "p-ana"); ok {
				t.Error("the approval still holds after her answers changed")
			}
			if raw, _ := Materialise(st, "es", "p-ana"); strings.Contains(string(raw), digest) {
				t.Error("the page still carries the approval")
			}
			if j := c.get("/stories/" + id + "/receipt.json?lang=es"); j.status != http.StatusNotFound {
				t.Errorf("a receipt of answers she did not approve: %d", j.status)
			}
			if l := c.get("/stories"); strings.Contains(l.body, htmlEscape(d.srv.msgs.text("es", "state_approved"))) {
				t.Error("her list still says she approved it")
			}
			if p := c.get("/stories/" + id + "/preview?lang=es"); !digestField.MatchString(p.body) {
				t.Error("the preview does not offer to approve again")
			}
		})
	}
}

// Issue #15, 2: the approve button appeared and worked when the preview
// failed to build, while a finding blocked it, or before her consent was
// complete. She approves only a preview built without error and shown.
func TestApproveOnlyWhatWasBuiltAndShown(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		build    bool // false: the build fails
		consent  url.Values
		want     string // the notice the refused approval sends her back with
		sentence string // message key on the preview instead of the button
	}{
		{"build failed", "Texto que ella leyó.", false, consentAnswers(), "not_ready", "approve_no_preview"},
		{"error finding", "Texto.\n\n![foto](foto.jpg)\n", true, consentAnswers(), "not_ready", "approve_blocked"},
		{"no website", "Texto que ella leyó.", true, consentAnswers("channels", "social"), "not_ready", "approve_blocked"},
		{"search unanswered", "Texto que ella leyó.", true, consentAnswers("search", "unsure"), "consent", "approve_needs_consent"},
		{"danger unanswered", "Texto que ella leyó.", true, consentAnswers("danger", "unsure"), "consent", "approve_needs_consent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDesk(t)
			if !tc.build {
				d.srv.cfg.Build = func(context.Context, string, string, string) error { return errors.New("hugo failed") }
			}
			c, id := anaWith(d, tc.body, tc.consent)
			p := c.get("/stories/" + id + "/preview?lang=es")
			if digestField.MatchString(p.body) || strings.Contains(p.body, `action="/stories/`+id+`/approve"`) {
				t.Error("the preview offers the approve button")
			}
			if !strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", tc.sentence))) {
				t.Errorf("the preview does not say what to do (%s)", tc.sentence)
			}
			// A forged post with the right digest is refused too.
			r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {Digest(mustStory(t, d, id), "es", "p-ana")}})
			if !strings.HasSuffix(r.location(), "n="+tc.want) {
				t.Errorf("approve: %d %s, want n=%s", r.status, r.location(), tc.want)
			}
			if len(mustStory(t, d, id).Approvals) != 0 {
				t.Fatal("an approval was recorded")
			}
			if tc.want == "not_ready" {
				if b := c.get(r.location()); !strings.Contains(b.body, htmlEscape(d.srv.msgs.text("es", "approve_not_ready"))) {
					t.Error("the refused approval is not explained")
				}
			}
		})
	}
}

// A digest she was never shown (no preview built for her) is refused,
// though it is the digest of the current text.
func TestApproveRefusesADigestNeverShown(t *testing.T) {
	d := newTestDesk(t)
	c, id := anaWith(d, "Texto.", consentAnswers())
	r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {Digest(mustStory(t, d, id), "es", "p-ana")}})
	if !strings.HasSuffix(r.location(), "n=stale") || len(mustStory(t, d, id).Approvals) != 0 {
		t.Fatalf("approval of a text never shown: %d %s", r.status, r.location())
	}
	// Once shown, the same digest is approved.
	p := c.get("/stories/" + id + "/preview?lang=es")
	m := digestField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no approve form on a clean preview")
	}
	if r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {m[1]}}); !strings.HasSuffix(r.location(), "n=approved") {
		t.Fatalf("approve what was shown: %s", r.location())
	}
}
