package desk

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyguard/tools/identity"
)

// withRegistry gives the test desk a copy of the demo registry (fictional
// people, the committed demo key) and returns its path.
func withRegistry(t *testing.T, d *testDesk) string {
	t.Helper()
	raw, err := os.ReadFile("../../examples/vault/registry.age")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "registry.age")
	if err := os.WriteFile(p, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := identity.LoadIdentities("../../examples/vault/demo-identity.txt", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	d.srv.cfg.Registry = &RegistryFile{Path: p, Identities: ids}
	return p
}

func openReg(t *testing.T, d *testDesk) *identity.Registry {
	t.Helper()
	reg, err := identity.OpenRegistry(d.srv.cfg.Registry.Path, d.srv.cfg.Registry.Identities)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestRegistryFormAddsAPerson(t *testing.T) {
	d, _, ed, adm, _ := staffDesk(t)
	withRegistry(t, d)
	before := len(openReg(t, d).Persons)
	r := adm.post("/staff/registry", url.Values{"role": {"relative"}, "pseudonym": {"Tío Beto*"},
		"given_names": {"Rigoberto"}, "family_names": {"Quixtán\nAjanel"}, "details_village": {"Aldea Chuisac"}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location(), "n=registry_added") {
		t.Fatalf("add: %d %s\n%s", r.status, r.location(), r.body)
	}
	reg := openReg(t, d)
	if len(reg.Persons) != before+1 {
		t.Fatalf("persons: %d, want %d", len(reg.Persons), before+1)
	}
	p := reg.Persons[len(reg.Persons)-1]
	if p.ID != reg.Persons[len(reg.Persons)-1].ID || p.Role != "relative" || p.Pseudonym != "Tío Beto*" ||
		strings.Join(p.FamilyNames, ",") != "Quixtán,Ajanel" || len(p.Details) != 1 || p.Details[0].Kind != "village" {
		t.Errorf("stored person: %+v", p)
	}
	page := adm.get(r.location())
	if !strings.Contains(page.body, p.ID) || !strings.Contains(page.body, "Tío Beto*") {
		t.Error("the registry page does not list the new id and pseudonym")
	}
	for _, secret := range []string{"Rigoberto", "Quixt", "Chuisac"} {
		if strings.Contains(page.body, secret) || strings.Contains(d.logs.String(), secret) {
			t.Errorf("%q is on the page or in the log", secret)
		}
	}
	if r := ed.get("/staff/registry"); r.status != http.StatusNotFound {
		t.Errorf("an editor on the registry: %d, want 404", r.status)
	}
}

func TestRegistryDuplicateIDIsRefusedAndLosesNothing(t *testing.T) {
	d, _, _, adm, _ := staffDesk(t)
	path := withRegistry(t, d)
	taken := openReg(t, d).Persons[0].ID
	raw, _ := os.ReadFile(path)
	r := adm.post("/staff/registry", url.Values{"id": {taken}, "role": {"other"}, "given_names": {"Herminia"}, "details_school": {"Escuela Rural Mixta Las Flores"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="id-error"`) ||
		!strings.Contains(r.body, html.EscapeString(d.srv.msgs.text("es", "registry_id_taken"))) {
		t.Fatalf("duplicate id: %d, not named", r.status)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, raw) {
		t.Error("a refused add changed the registry file")
	}
	if !strings.Contains(r.body, `name="id" value=""`) {
		t.Error("the refused id is shown again in its field")
	}
	if !strings.Contains(r.body, ">Herminia</textarea>") || !strings.Contains(r.body, ">Escuela Rural Mixta Las Flores</textarea>") {
		t.Error("what was typed in the other fields is lost")
	}
	// Without the id, the same person goes in under the next free id.
	r = adm.post("/staff/registry", url.Values{"role": {"other"}, "given_names": {"Herminia"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add without id: %d", r.status)
	}
	if reg := openReg(t, d); reg.Person(taken).GivenNames != nil && reg.Person(taken).GivenNames[0] == "Herminia" {
		t.Error("the person under the taken id was overwritten")
	}
}

func TestRegistryFormBadInput(t *testing.T) {
	d, _, _, adm, _ := staffDesk(t)
	path := withRegistry(t, d)
	raw, _ := os.ReadFile(path)
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
		key   string
	}{
		{"id format", url.Values{"id": {"ECO-1"}, "role": {"other"}, "given_names": {"Herminia"}}, "id", "registry_id_format"},
		{"role", url.Values{"role": {"ECOboss"}, "given_names": {"Herminia"}}, "role", "field_bad_choice"},
		{"no names", url.Values{"role": {"other"}, "nicknames": {"Chino"}}, "names", "registry_names_required"},
		{"pseudonym marker", url.Values{"role": {"other"}, "pseudonym": {"ECOAna"}, "given_names": {"Herminia"}}, "pseudonym", "registry_pseudonym_marker"},
		{"given name too short", url.Values{"role": {"other"}, "given_names": {"E"}}, "given_names", "registry_field_invalid"},
		{"not text", url.Values{"role": {"other"}, "given_names": {"ECO\x01"}}, "given_names", "field_not_text"},
	} {
		r := adm.post("/staff/registry", c.form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="`+c.field+`-error"`) ||
			!strings.Contains(r.body, html.EscapeString(d.srv.msgs.text("es", c.key))) {
			t.Errorf("%s: %d, field %s not named with %s", c.name, r.status, c.field, c.key)
		}
		if strings.Contains(r.body, "ECO") || c.name == "given name too short" && strings.Contains(r.body, ">E</textarea>") {
			t.Errorf("%s: the refused value is shown again", c.name)
		}
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, raw) {
		t.Error("a refused add changed the registry file")
	}
}
