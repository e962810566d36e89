package desk

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// consentAnswers is the consent form approveFlow posts, with changes.
func consentAnswers(change ...string) url.Values {
	f := url.Values{"share": {"yes"}, "danger": {"no"}, "name": {"none"},
		"channels": {"website"}, "languages": {"es"}, "term": {"1"}, "search": {"no"}}
	for i := 0; i+1 < len(change); i += 2 {
		f[change[i]] = []string{change[i+1]}
	}
	return f
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
