package identity

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Pseudonym rules (DESIGN.md "Checks": "a pseudonym byline without its
// marker and note"; "a person has the same pseudonym on every page and in
// every language"), as plain functions the check rules wrap. The source
// document marks every pseudonym with "*" at its first mention.

// Rule ids the pseudonym functions report.
const (
	RuleBylineMarker       = "pseudonym-byline-marker"    // name_kind pseudonym without "*"
	RuleBylineMismatch     = "pseudonym-byline-registry"  // display_name differs from the registry
	RuleBylineUnknown      = "pseudonym-byline-person"    // person id not in the registry
	RuleFirstMentionMarker = "pseudonym-first-mention"    // first mention in the text without "*"
	RuleInconsistent       = "pseudonym-inconsistent"     // different names for one person
	RuleRealNameByline     = "pseudonym-byline-real-name" // byline is a real (non-public) name
)

// Finding is a pseudonym-rule violation. Path is the page; Start and End
// are byte offsets into the data given (both 0 when the finding concerns
// the front matter as a whole). Message names ids only.
type Finding struct {
	Path     string
	Start    int
	End      int
	PersonID string
	Rule     string
	Message  string
}

// CheckByline checks a page's byline: front matter storyteller.display_name,
// storyteller.name_kind (pseudonym | first_name | full_name | anonymous) and
// storyteller.person, against the registry:
//
//   - person must be in the registry (RuleBylineUnknown);
//   - name_kind pseudonym: display_name ends in "*" (RuleBylineMarker) and,
//     when the registry records a pseudonym, equals it after Unicode NFC
//     and trimming (RuleBylineMismatch);
//   - name_kind first_name or full_name: display_name folds to the person's
//     public_name (RuleBylineMismatch), otherwise it is a name they did not
//     consent to show (RuleRealNameByline when it folds to a real name);
//   - anonymous: display_name carries none of the person's real names.
//
// path is only copied into the findings.
func CheckByline(reg *Registry, path, displayName, nameKind, person string) []Finding {
	var out []Finding
	add := func(rule, format string, args ...any) {
		out = append(out, Finding{Path: path, PersonID: person, Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	per := reg.Person(person)
	if per == nil {
		// Never echo it: a value that is no registry id may be a name.
		out = append(out, Finding{Path: path, Rule: RuleBylineUnknown, Message: "storyteller.person is not the id of a person in the registry"})
		return out
	}
	shown := strings.TrimSpace(norm.NFC.String(displayName))
	folded := Normalise(shown)
	isReal := false
	for _, t := range per.terms() {
		if t.kind != "public_name" && t.kind != "pseudonym" && t.folded == folded && folded != "" {
			isReal = true
		}
	}
	switch nameKind {
	case "pseudonym":
		if !strings.HasSuffix(shown, "*") {
			add(RuleBylineMarker, "byline of %s is a pseudonym without its * marker", person)
		}
		if per.Pseudonym != "" && shown != strings.TrimSpace(norm.NFC.String(per.Pseudonym)) {
			add(RuleBylineMismatch, "byline of %s is not the pseudonym recorded in the registry", person)
		}
	case "first_name", "full_name":
		if per.PublicName == "" || folded != Normalise(per.PublicName) {
			add(RuleBylineMismatch, "byline of %s (%s) is not the public name recorded in the registry", person, nameKind)
		}
	}
	if isReal && (per.PublicName == "" || folded != Normalise(per.PublicName)) {
		add(RuleRealNameByline, "byline of %s is one of their real names, which they did not consent to show", person)
	}
	return out
}

// bylineNameKinds are the Match kinds that are a person's own names.
var bylineNameKinds = []string{"name", "given_name", "family_name", "nickname", "name part", "public_name"}

// CheckBylineNames checks a byline the storyteller did not consent to put
// a name to (consent.identifiers.name false, or name_kind pseudonym or
// anonymous): displayName must not contain any of person's registry names
// (full names, given and family names, nicknames, and the public name,
// which is a real name too), matched as the Scanner matches (case,
// diacritics, spacing, emphasis, entities; whole words, anywhere in the
// byline: "Rosa C.*" contains the given name Rosa). One finding,
// RuleRealNameByline, naming the person id and the kind of name, never
// the name. path is only copied into the finding.
func CheckBylineNames(sc *Scanner, path, displayName, person string) []Finding {
	var kinds []string
	for _, m := range sc.ScanPage("", []byte(displayName), ScanOptions{RestrictPublicNames: true}) {
		if m.PersonID == person && slices.Contains(bylineNameKinds, m.Kind) && !slices.Contains(kinds, m.Kind) {
			kinds = append(kinds, m.Kind)
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	return []Finding{{Path: path, PersonID: person, Rule: RuleRealNameByline,
		Message: fmt.Sprintf("byline of %s contains their real name (%s), and their consent does not allow their name", person, strings.Join(kinds, ", "))}}
}

// CheckFirstMentions checks that the first mention of each registry
// pseudonym in data carries the "*" marker right after it (data[End] ==
// '*', or the HTML references &ast; / &#42; / &#x2A;). data is the page's
// public text in reading order: title, description, then the body (the
// front matter's display_name already carries the marker and must not be
// passed as the first mention). Findings point at the unmarked mention.
func CheckFirstMentions(s *Scanner, path string, data []byte) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, m := range s.PseudonymMentions(data) {
		if seen[m.PersonID] {
			continue
		}
		seen[m.PersonID] = true
		if !markerAt(data, m.End) {
			out = append(out, Finding{Path: path, Start: m.Start, End: m.End, PersonID: m.PersonID, Rule: RuleFirstMentionMarker,
				Message: fmt.Sprintf("first mention of the pseudonym of %s lacks its * marker", m.PersonID)})
		}
	}
	return out
}

func markerAt(data []byte, i int) bool {
	rest := data[i:]
	for _, p := range []string{"*", "\\*", "&ast;", "&#42;", "&#x2A;", "&#x2a;"} {
		if strings.HasPrefix(string(rest[:min(len(rest), 8)]), p) {
			return true
		}
	}
	return false
}

// PseudonymUse is one place a person is named by a byline: a page (Path,
// Lang) and its storyteller fields.
type PseudonymUse struct {
	Path        string
	Lang        string
	Person      string
	DisplayName string
	NameKind    string
}

// CheckPseudonymConsistency reports every use whose display name differs
// (after NFC and trimming) from the first use of the same person in the
// list, across pages and languages, and, when reg is not nil, from the
// pseudonym the registry records (RuleInconsistent). Only uses with
// NameKind "pseudonym" take part.
func CheckPseudonymConsistency(reg *Registry, uses []PseudonymUse) []Finding {
	var out []Finding
	first := map[string]PseudonymUse{}
	for _, u := range uses {
		if u.NameKind != "pseudonym" {
			continue
		}
		name := strings.TrimSpace(norm.NFC.String(u.DisplayName))
		if reg != nil {
			if per := reg.Person(u.Person); per != nil && per.Pseudonym != "" && name != strings.TrimSpace(norm.NFC.String(per.Pseudonym)) {
				out = append(out, Finding{Path: u.Path, PersonID: u.Person, Rule: RuleInconsistent,
					Message: fmt.Sprintf("pseudonym of %s (%s) differs from the registry", u.Person, u.Lang)})
				continue
			}
		}
		f, ok := first[u.Person]
		if !ok {
			first[u.Person] = u
			continue
		}
		if strings.TrimSpace(norm.NFC.String(f.DisplayName)) != name {
			out = append(out, Finding{Path: u.Path, PersonID: u.Person, Rule: RuleInconsistent,
				Message: fmt.Sprintf("pseudonym of %s (%s) differs from the one on %s (%s)", u.Person, u.Lang, f.Path, f.Lang)})
		}
	}
	return out
}
