package desk

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"filippo.io/age"

	"storyguard/tools/identity"
)

// RegistryFile is the encrypted identity registry the admin edits
// through the desk's forms (DESIGN.md "Content model": the registry):
// tools/identity opens it with Identities and saves it with SaveRegistry
// (validated, encrypted to its recipients, sealed, replaced atomically).
// One RegistryFile serialises the desk's own edits; it does not lock out a
// `storyguard registry` command run at the same moment.
type RegistryFile struct {
	Path       string
	Identities []age.Identity
	mu         sync.Mutex
}

// Registry form limits.
const (
	maxRegistryTerms = 20  // entries per list field
	maxRegistryTerm  = 200 // runes per entry
)

var registryIDRe = regexp.MustCompile(`^p-[0-9]{4,}$`)

// registryLists are the form's list fields (one entry a line) and the
// Person fields they fill.
var registryLists = []string{"names", "given_names", "family_names", "nicknames"}

// registryData is the registry page's data: ids, roles and pseudonyms
// only (identity.Person: only these may ever be printed), and after a
// refused form what passed.
type registryData struct {
	People []identity.Person // ID, Role, Pseudonym used only
	Roles  []string
	Kinds  []string
	Added  string // id of the person just added
	Form   map[string]string
}

func (s *Server) registryView(r *http.Request, q *req, reg *identity.Registry, form map[string]string) *view {
	d := registryData{Roles: identity.Roles, Kinds: identity.DetailKinds, Form: form}
	if reg != nil {
		for _, p := range reg.Persons {
			d.People = append(d.People, identity.Person{ID: p.ID, Role: p.Role, Pseudonym: p.Pseudonym})
		}
	}
	if id := r.URL.Query().Get("id"); registryIDRe.MatchString(id) {
		d.Added = id
	}
	if d.Form == nil {
		d.Form = map[string]string{}
	}
	return &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d}
}

// openRegistry opens the configured registry; the caller holds rf.mu.
func (s *Server) openRegistry() (*identity.Registry, error) {
	rf := s.cfg.Registry
	if rf == nil {
		return nil, errors.New("no registry configured")
	}
	return identity.OpenRegistry(rf.Path, rf.Identities)
}

func (s *Server) registryPage(w http.ResponseWriter, r *http.Request, q *req) {
	if s.cfg.Registry == nil {
		s.failed(w, r, q, "registry", errors.New("no registry configured"))
		return
	}
	s.cfg.Registry.mu.Lock()
	reg, err := s.openRegistry()
	s.cfg.Registry.mu.Unlock()
	if err != nil {
		s.failed(w, r, q, "registry", err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_registry", s.registryView(r, q, reg, nil))
}

// addPerson adds a person to the registry from the form, with the
// validation of `storyguard registry add` (identity's Validate through
// SaveRegistry): an id that is already there is refused and nothing is
// written, so nothing of the registry is lost; a field that fails is
// named on the page in its language, and its value is never shown again.
// The other fields keep what was typed, on this admin-only, no-store page.
func (s *Server) addPerson(w http.ResponseWriter, r *http.Request, q *req) {
	rf := s.cfg.Registry
	if rf == nil {
		s.failed(w, r, q, "registry", errors.New("no registry configured"))
		return
	}
	errs := map[string]string{}
	if !parseForm(w, r, 4*maxFormBytes) {
		errs["names"] = "field_too_long"
	}
	f := r.PostForm
	form := map[string]string{}
	per := identity.Person{}
	line := func(name string) string {
		v := strings.TrimSpace(f.Get(name))
		if key := checkText(v, false, false, maxRegistryTerm, false); key != "" {
			errs[name] = key
			return ""
		}
		form[name] = v
		return v
	}
	list := func(name string) []string {
		v := f.Get(name)
		if key := checkText(v, false, true, maxRegistryTerms*(maxRegistryTerm+2), false); key != "" {
			errs[name] = key
			return nil
		}
		var out []string
		for _, l := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		if len(out) > maxRegistryTerms || slices.ContainsFunc(out, func(l string) bool { return len([]rune(l)) > maxRegistryTerm }) {
			errs[name] = "field_too_long"
			return nil
		}
		form[name] = strings.Join(out, "\n")
		return out
	}
	per.ID = line("id")
	if per.ID != "" && !registryIDRe.MatchString(per.ID) {
		errs["id"], per.ID = "registry_id_format", ""
		delete(form, "id")
	}
	per.Role = f.Get("role")
	if !slices.Contains(identity.Roles, per.Role) {
		errs["role"], per.Role = "field_bad_choice", ""
	} else {
		form["role"] = per.Role
	}
	per.Pseudonym = line("pseudonym")
	if per.Pseudonym != "" && !strings.HasSuffix(per.Pseudonym, "*") {
		errs["pseudonym"] = "registry_pseudonym_marker"
		delete(form, "pseudonym")
	}
	per.PublicName = line("public_name")
	per.Names, per.GivenNames, per.FamilyNames, per.Nicknames = list("names"), list("given_names"), list("family_names"), list("nicknames")
	if len(per.Names)+len(per.GivenNames)+len(per.FamilyNames) == 0 && errs["names"] == "" {
		errs["names"] = "registry_names_required"
	}
	for _, k := range identity.DetailKinds {
		for _, v := range list("details_" + k) {
			per.Details = append(per.Details, identity.Detail{Kind: k, Value: v})
		}
	}
	refuse := func(reg *identity.Registry) {
		for k := range errs {
			delete(form, k) // never show again a value that failed
		}
		v := s.registryView(r, q, reg, form)
		v.Errors = errs
		s.logf("registry: add refused (%d fields)", len(errs))
		s.render(w, r, http.StatusUnprocessableEntity, "staff_registry", v)
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reg, err := s.openRegistry()
	if err != nil {
		s.failed(w, r, q, "registry", err)
		return
	}
	if len(errs) > 0 {
		refuse(reg)
		return
	}
	if per.ID == "" {
		per.ID = reg.NextID()
	} else if reg.Person(per.ID) != nil {
		errs["id"] = "registry_id_taken"
		refuse(reg)
		return
	}
	reg.Persons = append(reg.Persons, per)
	if err := reg.Validate(); err != nil {
		errs[registryErrField(err, per)] = "registry_field_invalid"
		reg.Persons = reg.Persons[:len(reg.Persons)-1]
		refuse(reg)
		return
	}
	if err := identity.SaveRegistry(rf.Path, reg, rf.Identities); err != nil {
		s.failed(w, r, q, "registry", err)
		return
	}
	s.logf("registry: %s added by %s", per.ID, q.acct.ID)
	http.Redirect(w, r, "/staff/registry?n=registry_added&id="+per.ID, http.StatusSeeOther)
}

// registryFieldRe finds the field of an identity validation error
// ("...: p-0005.given_names[1]: ..." or "p-0005.details[2].value").
var registryFieldRe = regexp.MustCompile(`p-[0-9]{4,}\.([a-z_]+)(?:\[([0-9]+)\])?`)

// registryErrField returns the form field a validation error of per is
// about; "names" when it cannot tell.
func registryErrField(err error, per identity.Person) string {
	m := registryFieldRe.FindStringSubmatch(err.Error())
	if m == nil {
		return "names"
	}
	switch m[1] {
	case "details":
		if i, e := strconv.Atoi(m[2]); e == nil && i < len(per.Details) {
			return "details_" + per.Details[i].Kind
		}
		return "names"
	case "id", "role", "pseudonym", "public_name", "names", "given_names", "family_names", "nicknames":
		return m[1]
	}
	return "names"
}
