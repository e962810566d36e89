// Package identity holds Storyguard's private identity registry and the leak
// scanner that checks everything public against it.
//
// The registry (DESIGN.md "Content model") is YAML encrypted with age
// (filippo.io/age, X25519 recipients). It maps opaque person ids (p-NNNN) to
// the names and details that would identify a person. It is the scanner's
// deny-list. Nothing in this package ever prints a real name or detail:
// errors and matches name person ids, field names, indexes and positions.
//
// Registry YAML, version 1:
//
//	version: 1                # required, 1
//	demo: false               # true only for the fictional demo vault
//	recipients:               # age recipients the file is encrypted to;
//	  - age1...               # edit, add and rekey re-encrypt to these
//	persons:
//	  - id: p-0001            # required, p- and four or more digits, unique
//	    role: storyteller     # storyteller | perpetrator | relative | other
//	    pseudonym: "Lucía*"   # optional; as printed, ending in the "*" marker
//	    public_name: ""       # optional; the name they consented to show
//	    names: [...]          # real full names, matched as a whole
//	    given_names: [...]    # real given names, each matched alone
//	    family_names: [...]   # family names, each matched alone
//	    nicknames: [...]      # nicknames, each matched alone
//	    details:              # identifying details
//	      - kind: village     # village | school | employer | phone | email | address | other
//	        value: "..."
//
// A person needs at least one of names, given_names, family_names. Every term
// must fold (see Normalise) to at least one letter or digit and to at most
// maxTermBytes bytes. A given name, family name or nickname, each matched
// alone, must fold to at least minNameLetters (2) letters or digits: one
// Latin, Greek or Cyrillic letter is an initial, never a name, and would
// match every "a" and "I" of every page, while two-letter names are real
// (the Chinese family name "Li", the Korean "Oh", the Vietnamese "Vu").
// A single Han ideograph, Hangul syllable or kana is a whole syllable and
// may be a name on its own (李, 吳), so it counts as two. A pseudonym (without its "*") must not fold to any real
// name, given name, family name or nickname of anyone in the registry.
//
// # Using it
//
// Open the registry once, fail closed on any error, build one Scanner, then
// scan every public file (content pages and, after the Hugo build, every
// HTML, XML, JSON and text file of the output):
//
//	ids, err := identity.LoadIdentities(cfg.IdentityFile, os.Getenv)
//	reg, err := identity.OpenRegistry(path, ids)   // errors.Is: ErrRegistryMissing, ErrRegistryPlaintext, ErrWrongKey, ErrDemoKey, ...
//	sc, err := identity.NewScanner(reg)
//	ms := sc.ScanPage(page.Path, page.Raw, identity.ScanOptions{})   // leaks: errors
//	ms = append(ms, identity.Recognise(page.Raw, cfg.AllowContacts)...) // details: warnings
//	ds := identity.Diagnostics(page.Path, page.Raw, ms)
//
// Pseudonym rules: CheckByline (front matter storyteller fields),
// CheckFirstMentions (the "*" on the first mention in the text),
// CheckPseudonymConsistency (across pages and languages); the registry
// itself rejects a pseudonym equal to a real name.
//
// # Seals
//
// age does not authenticate who encrypted a file, so the registry text
// ends with one seal line per key holder (an HMAC-SHA256 keyed from that
// holder's secret key, seal.go); OpenRegistry refuses a registry without a
// valid seal of one of its identities (ErrRegistryUnsigned), and
// SealRegistry, SaveRegistry and SignRegistry write them.
//
// # The demo key
//
// The demo identity's secret key is committed (examples/vault/
// demo-identity.txt, recipient DemoRecipient), so it protects nothing. A
// registry saying demo: false is never saved to DemoRecipient
// (SealRegistry, SaveRegistry: ErrDemoKey), and OpenRegistry refuses one
// that lists it or decrypts with it (ErrDemoKey) or that was opened with a
// key file inside a git work tree (ErrIdentityInRepo, see InsideWorkTree).
// OpenRegistryForRekey skips those two refusals so that such a registry
// can be re-encrypted to a new key.
package identity

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"filippo.io/age"
	"go.yaml.in/yaml/v3"
)

// Roles a person may have in the registry.
var Roles = []string{"storyteller", "perpetrator", "relative", "other"}

// DetailKinds are the kinds of identifying detail a person may have.
var DetailKinds = []string{"village", "school", "employer", "phone", "email", "address", "other"}

// maxTermBytes bounds a folded term; longer terms are rejected at load.
const maxTermBytes = 400

// minNameLetters is the fewest letters or digits a given name, family name
// or nickname may fold to (see the package comment for why 2).
const minNameLetters = 2

// nameLetters counts the letters and digits of a folded term, a Han
// ideograph, Hangul syllable or kana (each a syllable) counting as two.
func nameLetters(folded string) int {
	n := 0
	for _, r := range folded {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana, unicode.Yi):
			n += 2
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.No, r):
			n++
		}
	}
	return n
}

// tooShortName is the problem of a given name, family name or nickname that
// folds to fewer than minNameLetters letters, or "" if it is long enough.
// It never quotes the value.
func tooShortName(v string) string {
	if nameLetters(Normalise(v)) >= minNameLetters {
		return ""
	}
	return fmt.Sprintf("fewer than %d letters once folded: an initial is not a name and would match everywhere (use names for a full name)", minNameLetters)
}

// Registry is the decrypted registry. Line fields are 1-based lines in the
// YAML source, 0 when the registry was built in code.
type Registry struct {
	// Version of the format; 1.
	Version int `yaml:"version"`
	// Demo marks the fictional demo registry, the only one git may track
	// (under examples/vault/).
	Demo bool `yaml:"demo"`
	// Recipients are the age recipients ("age1...") the file is encrypted
	// to; saving re-encrypts to exactly these.
	Recipients []string `yaml:"recipients"`
	// Persons in file order.
	Persons []Person `yaml:"persons"`

	// index maps an id to its position in Persons as parsed; Person checks
	// each hit and falls back to a scan, so appending or editing Persons
	// in memory never makes it wrong, only slower.
	index map[string]int
}

// Person is one entry of the registry. Only ID, Role and Pseudonym may ever
// be printed.
type Person struct {
	// ID is the opaque person id, "p-" and four or more digits.
	ID string `yaml:"id"`
	// Role is one of Roles.
	Role string `yaml:"role"`
	// Pseudonym as printed, ending in "*"; public, never a leak.
	Pseudonym string `yaml:"pseudonym,omitempty"`
	// PublicName is the name the person consented to show (a first name);
	// see ScanOptions for how the scanner treats it.
	PublicName string `yaml:"public_name,omitempty"`
	// Names are real full names, matched as whole sequences of words; when
	// the person has no GivenNames and no FamilyNames, each word of a full
	// name (of at least minNameLetters letters) is matched on its own too.
	Names []string `yaml:"names,omitempty,flow"`
	// GivenNames are real given names, each matched on its own.
	GivenNames []string `yaml:"given_names,omitempty,flow"`
	// FamilyNames are family names, each matched on its own.
	FamilyNames []string `yaml:"family_names,omitempty,flow"`
	// Nicknames are matched on their own.
	Nicknames []string `yaml:"nicknames,omitempty,flow"`
	// Details are identifying details (village, school, phone, ...).
	Details []Detail `yaml:"details,omitempty"`
	// Line is the 1-based line of the entry in the YAML, 0 if unknown.
	Line int `yaml:"-"`
}

// Detail is one identifying detail of a person.
type Detail struct {
	// Kind is one of DetailKinds.
	Kind string `yaml:"kind"`
	// Value is matched like a name; a phone also by its digits.
	Value string `yaml:"value"`
	// Line is the 1-based line in the YAML, 0 if unknown.
	Line int `yaml:"-"`
}

// Person returns the person with id, or nil.
func (r *Registry) Person(id string) *Person {
	if i, ok := r.index[id]; ok && i < len(r.Persons) && r.Persons[i].ID == id {
		return &r.Persons[i]
	}
	for i := range r.Persons {
		if r.Persons[i].ID == id {
			return &r.Persons[i]
		}
	}
	return nil
}

// NextID returns the lowest unused id of the form p-NNNN.
func (r *Registry) NextID() string {
	for n := 1; ; n++ {
		id := fmt.Sprintf("p-%04d", n)
		if r.Person(id) == nil {
			return id
		}
	}
}

// ErrInvalid is wrapped by every registry content error (bad YAML, unknown
// field, failed validation); the message names file, line and field.
var ErrInvalid = errors.New("invalid registry")

var idRe = regexp.MustCompile(`^p-[0-9]{4,}$`)

// ParseRegistry decodes and validates registry YAML. name is the file name
// used in errors ("private/registry.age"). Errors wrap ErrInvalid and read
// "<name>:<line>: <field>: <problem>"; values of real names never appear in
// them. It never panics on any input.
func ParseRegistry(name string, data []byte) (*Registry, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, name, redactYAMLError(err))
	}
	p := &parser{name: name}
	reg := p.registry(&doc)
	if p.err != nil {
		return nil, p.err
	}
	if err := reg.validate(name); err != nil {
		return nil, err
	}
	reg.index = make(map[string]int, len(reg.Persons))
	for i := range reg.Persons {
		reg.index[reg.Persons[i].ID] = i
	}
	return reg, nil
}

// redactYAMLError keeps the line number of a YAML syntax error but drops
// quoted source text, which might be a name.
func redactYAMLError(err error) string {
	s := err.Error()
	s = regexp.MustCompile("`[^`]*`").ReplaceAllString(s, "`…`")
	s = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(s, `"…"`)
	return strings.TrimPrefix(s, "yaml: ")
}

type parser struct {
	name string
	err  error
}

// fieldKey is the form of a registry field name.
var fieldKey = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,30}$`)

// fieldName returns key for an error message when it looks like a field
// name, else a placeholder: a key where a value belongs ("Zenaida Cruz:")
// may be a real name, and errors reach terminals and CI logs.
func fieldName(key string) string {
	if fieldKey.MatchString(key) {
		return key
	}
	return "(a key that is not a field name)"
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	if p.err == nil {
		line := 0
		if n != nil {
			line = n.Line
		}
		p.err = fmt.Errorf("%w: %s:%d: %s: %s", ErrInvalid, p.name, line, field, fmt.Sprintf(format, args...))
	}
}

func (p *parser) mapping(n *yaml.Node, field string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind == yaml.AliasNode {
		p.fail(n, field, "aliases are not allowed")
		return
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, field, "want a mapping")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.fail(k, field, "want a plain key")
			return
		}
		if seen[k.Value] {
			p.fail(k, field+"."+k.Value, "duplicate field")
			return
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
		if p.err != nil {
			return
		}
	}
}

func (p *parser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		p.fail(n, field, "want a string")
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func (p *parser) strs(n *yaml.Node, field string) []string {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, field, "want a list of strings")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		out = append(out, p.str(c, fmt.Sprintf("%s[%d]", field, i)))
	}
	return out
}

// names is strs for terms matched alone (given_names, family_names,
// nicknames), refusing one too short to be a name at its own line.
func (p *parser) names(n *yaml.Node, field string) []string {
	out := p.strs(n, field)
	if p.err != nil {
		return out
	}
	for i, v := range out {
		if len(Normalise(v)) == 0 {
			continue // "has no letter or digit", reported by validate
		}
		if problem := tooShortName(v); problem != "" {
			p.fail(n.Content[i], fmt.Sprintf("%s[%d]", field, i), "%s", problem)
			return out
		}
	}
	return out
}

func (p *parser) registry(doc *yaml.Node) *Registry {
	reg := &Registry{}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.fail(doc, "registry", "empty document")
		return reg
	}
	sawVersion := false
	p.mapping(doc.Content[0], "registry", func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			if v.Kind != yaml.ScalarNode || v.Value != "1" {
				p.fail(v, "version", "want 1")
			}
			reg.Version, sawVersion = 1, true
		case "demo":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				p.fail(v, "demo", "want true or false")
				return
			}
			reg.Demo = v.Value == "true"
		case "recipients":
			reg.Recipients = p.strs(v, "recipients")
		case "persons":
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return
			}
			if v.Kind != yaml.SequenceNode {
				p.fail(v, "persons", "want a list")
				return
			}
			for i, c := range v.Content {
				reg.Persons = append(reg.Persons, p.person(c, fmt.Sprintf("persons[%d]", i)))
				if p.err != nil {
					return
				}
			}
		default:
			p.fail(k, fieldName(key), "unknown field")
		}
	})
	if p.err == nil && !sawVersion {
		p.fail(doc.Content[0], "version", "missing")
	}
	return reg
}

func (p *parser) person(n *yaml.Node, field string) Person {
	per := Person{Line: n.Line}
	p.mapping(n, field, func(key string, k, v *yaml.Node) {
		f := field + "." + key
		switch key {
		case "id":
			per.ID = p.str(v, f)
		case "role":
			per.Role = p.str(v, f)
		case "pseudonym":
			per.Pseudonym = p.str(v, f)
		case "public_name":
			per.PublicName = p.str(v, f)
		case "names":
			per.Names = p.strs(v, f)
		case "given_names":
			per.GivenNames = p.names(v, f)
		case "family_names":
			per.FamilyNames = p.names(v, f)
		case "nicknames":
			per.Nicknames = p.names(v, f)
		case "details":
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return
			}
			if v.Kind != yaml.SequenceNode {
				p.fail(v, f, "want a list")
				return
			}
			for i, c := range v.Content {
				df := fmt.Sprintf("%s[%d]", f, i)
				d := Detail{Line: c.Line}
				p.mapping(c, df, func(key string, k, v *yaml.Node) {
					switch key {
					case "kind":
						d.Kind = p.str(v, df+".kind")
					case "value":
						d.Value = p.str(v, df+".value")
					default:
						p.fail(k, df+"."+fieldName(key), "unknown field")
					}
				})
				per.Details = append(per.Details, d)
			}
		default:
			p.fail(k, field+"."+fieldName(key), "unknown field")
		}
	})
	return per
}

// Validate checks the registry's content rules (see the package comment).
// Errors wrap ErrInvalid and name the person id, line and field.
func (r *Registry) Validate() error { return r.validate("registry") }

func (r *Registry) validate(name string) error {
	bad := func(line int, field, format string, args ...any) error {
		where := name
		if line > 0 {
			where = fmt.Sprintf("%s:%d", name, line)
		}
		return fmt.Errorf("%w: %s: %s: %s", ErrInvalid, where, field, fmt.Sprintf(format, args...))
	}
	if r.Version != 1 {
		return bad(0, "version", "want 1")
	}
	for i, rc := range r.Recipients {
		if _, err := age.ParseX25519Recipient(rc); err != nil {
			if _, err2 := age.ParseRecipients(strings.NewReader(rc)); err2 != nil {
				return bad(0, fmt.Sprintf("recipients[%d]", i), "not an age recipient")
			}
		}
	}
	real := map[string]string{} // folded real-name term -> person id
	ids := map[string]bool{}
	for i := range r.Persons {
		per := &r.Persons[i]
		f := fmt.Sprintf("persons[%d]", i)
		if !idRe.MatchString(per.ID) {
			return bad(per.Line, f+".id", "want p- and four or more digits")
		}
		if ids[per.ID] {
			return bad(per.Line, f+".id", "duplicate id %s", per.ID)
		}
		ids[per.ID] = true
		f = per.ID
		if !slices.Contains(Roles, per.Role) {
			return bad(per.Line, f+".role", "want one of %s", strings.Join(Roles, ", "))
		}
		if len(per.Names)+len(per.GivenNames)+len(per.FamilyNames) == 0 {
			return bad(per.Line, f+".names", "a person needs at least one of names, given_names, family_names")
		}
		for _, t := range per.terms() {
			field := fmt.Sprintf("%s.%s[%d]", f, t.kind, t.index)
			if t.kind == "name_parts" {
				continue // checked with the full name they come from
			}
			if t.kind != "public_name" && t.kind != "pseudonym" && t.kind != "names" && t.kind != "given_names" && t.kind != "family_names" && t.kind != "nicknames" {
				field = fmt.Sprintf("%s.details[%d].value", f, t.index)
			}
			if t.kind == "public_name" || t.kind == "pseudonym" {
				field = f + "." + t.kind
			}
			if len(t.folded) == 0 {
				return bad(per.Line, field, "has no letter or digit")
			}
			if len(t.folded) > maxTermBytes {
				return bad(per.Line, field, "longer than %d bytes once folded", maxTermBytes)
			}
			if t.kind == "given_names" || t.kind == "family_names" || t.kind == "nicknames" {
				if problem := tooShortName(t.text); problem != "" {
					return bad(per.Line, field, "%s", problem)
				}
			}
		}
		for k, d := range per.Details {
			if !slices.Contains(DetailKinds, d.Kind) {
				return bad(d.Line, fmt.Sprintf("%s.details[%d].kind", f, k), "want one of %s", strings.Join(DetailKinds, ", "))
			}
		}
		if per.Pseudonym != "" && !strings.HasSuffix(strings.TrimSpace(per.Pseudonym), "*") {
			return bad(per.Line, f+".pseudonym", "a pseudonym ends with its * marker")
		}
		for _, group := range [][]string{per.Names, per.GivenNames, per.FamilyNames, per.Nicknames} {
			for _, n := range group {
				real[Normalise(n)] = per.ID
			}
		}
	}
	for i := range r.Persons {
		per := &r.Persons[i]
		if per.Pseudonym == "" {
			continue
		}
		if other, ok := real[Normalise(per.Pseudonym)]; ok {
			return bad(per.Line, per.ID+".pseudonym", "equals a real name of %s", other)
		}
	}
	return nil
}

// articles begin remainders that DistinctivePart does not match alone.
var articles = map[string]bool{"la": true, "el": true, "los": true, "las": true, "the": true}

// genericPrefixes are words that begin the names of places, schools and
// workplaces in the field's Spanish and English without naming any one of
// them ("Aldea Pachalí", "Escuela Rural Mixta Los Cipreses", "Maquila
// Textiles del Valle"); folded, as Normalise writes them.
var genericPrefixes = map[string]bool{
	"aldea": true, "caserio": true, "canton": true, "colonia": true, "barrio": true, "comunidad": true,
	"finca": true, "municipio": true, "village": true, "hamlet": true,
	"escuela": true, "instituto": true, "colegio": true, "liceo": true, "centro": true, "educativo": true,
	"rural": true, "urbana": true, "urbano": true, "mixta": true, "mixto": true, "oficial": true,
	"basico": true, "basica": true, "nacional": true, "privado": true, "privada": true, "school": true,
	"comedor": true, "maquila": true, "empresa": true, "tienda": true, "restaurante": true,
	"cooperativa": true, "fabrica": true, "factory": true,
}

// DistinctivePart returns a village, school or employer detail without
// its leading generic words ("Pachalí" of "Aldea Pachalí", "Santa Inés" of
// "Instituto Básico Santa Inés"), matched on its own too: a story naming
// the village without "Aldea" still names it. It returns "" when nothing
// generic leads, when what is left has fewer than 5 letters, and when what
// is left begins with an article ("La Esperanza" of "Comedor La
// Esperanza", "El Progreso" of "Colonia El Progreso"): such remainders are
// ordinary phrases ("la esperanza" is "hope") and would block pages that
// name nobody.
func DistinctivePart(d Detail) string {
	switch d.Kind {
	case "village", "school", "employer":
	default:
		return ""
	}
	words := strings.Fields(d.Value)
	i := 0
	for i < len(words)-1 && genericPrefixes[Normalise(words[i])] {
		i++
	}
	if i == 0 || articles[Normalise(words[i])] {
		return ""
	}
	rest := strings.Join(words[i:], " ")
	if nameLetters(Normalise(rest)) < 5 {
		return ""
	}
	return rest
}

// term is one searchable string of a person.
type term struct {
	kind   string // names, given_names, family_names, nicknames, public_name, pseudonym, or a detail kind
	index  int
	text   string
	folded string
}

func (per *Person) terms() []term {
	var out []term
	add := func(kind string, list []string) {
		for i, s := range list {
			out = append(out, term{kind: kind, index: i, text: s, folded: Normalise(s)})
		}
	}
	add("names", per.Names)
	if len(per.GivenNames) == 0 && len(per.FamilyNames) == 0 {
		// Only full names are recorded: each word of them is matched on its
		// own too ("Xiomara", "Tzul"), as given and family names would be;
		// a story naming one part of a real name still names the person.
		for i, n := range per.Names {
			whole := Normalise(n)
			for _, w := range strings.FieldsFunc(n, func(r rune) bool { return r == ' ' || r == '-' || r == '\t' }) {
				if f := Normalise(w); f != whole && tooShortName(w) == "" {
					out = append(out, term{kind: "name_parts", index: i, text: w, folded: f})
				}
			}
		}
	}
	add("given_names", per.GivenNames)
	add("family_names", per.FamilyNames)
	add("nicknames", per.Nicknames)
	for i, d := range per.Details {
		out = append(out, term{kind: d.Kind, index: i, text: d.Value, folded: Normalise(d.Value)})
		if rest := DistinctivePart(d); rest != "" {
			out = append(out, term{kind: d.Kind, index: i, text: rest, folded: Normalise(rest)})
		}
	}
	if per.PublicName != "" {
		out = append(out, term{kind: "public_name", text: per.PublicName, folded: Normalise(per.PublicName)})
	}
	if per.Pseudonym != "" {
		out = append(out, term{kind: "pseudonym", text: per.Pseudonym, folded: Normalise(per.Pseudonym)})
	}
	return out
}

// Marshal renders the registry as YAML, the inverse of ParseRegistry.
func (r *Registry) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode registry: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode registry: %w", err)
	}
	return buf.Bytes(), nil
}

// ParsePerson decodes one person (a YAML mapping with the fields of a
// registry entry, see the package comment) for `storyguard registry add`.
// The person is not validated against a registry yet; errors wrap
// ErrInvalid and name file, line and field.
func ParsePerson(name string, data []byte) (Person, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return Person{}, fmt.Errorf("%w: %s: %s", ErrInvalid, name, redactYAMLError(err))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return Person{}, fmt.Errorf("%w: %s: empty document", ErrInvalid, name)
	}
	p := &parser{name: name}
	per := p.person(doc.Content[0], "person")
	return per, p.err
}
