package desk

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storyguard/tools/check"
	"storyguard/tools/content"
	"storyguard/tools/identity"
	"storyguard/tools/vault"
)

// bylineRegistry is a registry of one fictional storyteller for these
// tests: her pseudonym, the public name she agreed to, her real names.
const bylineRegistry = `version: 1
demo: true
recipients: []
persons:
  - id: p-0001
    role: storyteller
    pseudonym: "Luz*"
    public_name: Nita
    names: ["Juana Tzul Ajpop"]
    given_names: [Juana, Nita]
    family_names: [Tzul, Ajpop]
`

// vaultDesk is a test desk whose previews run the real registry rules
// (check.VaultRules, as storyguard desk does), with the storyteller Ana
// (p-0001) signed in.
func vaultDesk(t *testing.T) (*testDesk, *client) {
	t.Helper()
	reg, err := identity.ParseRegistry("registry.yaml", []byte(bylineRegistry))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(t.TempDir(), reg)
	if err != nil {
		t.Fatal(err)
	}
	d := newTestDesk(t)
	d.srv.cfg.Rules = func(*content.Site) (check.Options, error) { return check.VaultRules(v, nil) }
	if _, err := d.store.AddAccount(t.Context(), Account{ID: "a-ana", Login: "ana", Role: Storyteller, Person: "p-0001"}); err != nil {
		t.Fatal(err)
	}
	code, _ := NewCode()
	canon, _ := ParseCode(code)
	if err := d.store.AddCode(t.Context(), "a-ana", canon, d.clock.Now().Add(CodeLifetime)); err != nil {
		t.Fatal(err)
	}
	c := d.client("es")
	c.enrol(code, "ana phrase for tests")
	return d, c
}

// Issue #15, 3: "first name" and "full name" always broke the preview
// ("questions not answered"), "a name I choose" always showed that the
// name needs its * (which the desk, not she, adds) and "Luz*" was refused.
// Each of the four choices now makes valid front matter and can be
// approved.
func TestEveryNameChoiceCanBeApproved(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fields  []string
		display string
		kind    string
		named   bool // consent.identifiers.name
	}{
		{"chosen", []string{"chosen_name", "Luz"}, "Luz*", "pseudonym", false},
		{"chosen", []string{"chosen_name", "Luz*"}, "Luz*", "pseudonym", false},
		{"chosen", []string{"chosen_name", "  Luz * "}, "Luz*", "pseudonym", false},
		{"first", []string{"shown_name", "Nita"}, "Nita", "first_name", true},
		{"full", []string{"shown_name", "Nita"}, "Nita", "full_name", true},
		{"none", nil, "", "anonymous", false},
	} {
		t.Run(tc.name+strings.Join(tc.fields, "="), func(t *testing.T) {
			d, c := vaultDesk(t)
			id := c.newStory("es", "Título", "Texto que ella leyó.")
			f := consentAnswers(append([]string{"name", tc.name}, tc.fields...)...)
			r := c.post("/stories/"+id+"/consent", f)
			if r.status != http.StatusSeeOther {
				t.Fatalf("consent: %d, want it saved", r.status)
			}
			st := mustStory(t, d, id)
			raw, _ := Materialise(st, "es", "p-0001")
			for _, want := range []string{"display_name: " + q(tc.display) + "\n", "name_kind: " + tc.kind + "\n", "status: given\n",
				"identifiers: {name: " + map[bool]string{true: "true", false: "false"}[tc.named]} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("front matter lacks %q:\n%s", want, raw)
				}
			}
			p := c.get("/stories/" + id + "/preview?lang=es")
			for _, key := range []string{"finding_consent", "finding_pseudonym", "finding_byline_registry", "finding_byline_real", "approve_blocked"} {
				if strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", key))) {
					t.Errorf("the preview says %s", key)
				}
			}
			m := digestField.FindStringSubmatch(p.body)
			if m == nil {
				t.Fatal("no approve form")
			}
			if r := c.post("/stories/"+id+"/approve", url.Values{"text_lang": {"es"}, "digest": {m[1]}}); !strings.HasSuffix(r.location(), "n=approved") {
				t.Errorf("approve: %s", r.location())
			}
		})
	}
}

// A name she cannot use is said in words she can act on, never as the
// "*" she cannot add, and her real name is never the byline of a name
// she did not agree to show.
func TestNameChoiceFindingsSayWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name, field, value, key string
	}{
		{"chosen", "chosen_name", "Rosa", "finding_byline_registry"},
		{"chosen", "chosen_name", "Juana", "finding_byline_registry"},
		{"first", "shown_name", "Juana", "finding_byline_registry"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			d, c := vaultDesk(t)
			id := c.newStory("es", "Título", "Texto.")
			c.post("/stories/"+id+"/consent", consentAnswers("name", tc.name, tc.field, tc.value))
			p := c.get("/stories/" + id + "/preview?lang=es")
			if !strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", tc.key))) {
				t.Errorf("the preview does not say %s", tc.key)
			}
			if strings.Contains(p.body, htmlEscape(d.srv.msgs.text("es", "finding_pseudonym"))) || digestField.MatchString(p.body) {
				t.Error("the preview shows the * finding or an approve form")
			}
		})
	}
	d, c := vaultDesk(t)
	id := c.newStory("es", "Título", "Texto.")
	if r := c.post("/stories/"+id+"/consent", consentAnswers("name", "first")); r.status != http.StatusUnprocessableEntity || !d.fieldError(r.body, "shown_name", "es", "field_required") {
		t.Errorf("first name without the name: %d, want shown_name required", r.status)
	}
}
