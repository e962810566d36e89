package identity_test

import (
	"fmt"
	"strings"
	"testing"

	"storyguard/tools/identity"
	"storyguard/tools/testgen/demo"
)

// TestDemoCastFound writes every deny term of the demo cast into text in
// several disguises (built here from the registry, so no name is written in
// this file) and checks the scanner finds each with the right person id.
func TestDemoCastFound(t *testing.T) {
	reg := demo.Registry("age1mfykkre9yxmxhxs2vmsr2hpfsd3kul95je9xumsxntnkyz63vqasxztyya")
	s, err := identity.NewScanner(reg)
	if err != nil {
		t.Fatal(err)
	}
	disguises := map[string]func(string) string{
		"upper":   strings.ToUpper,
		"lower":   strings.ToLower,
		"strong":  func(x string) string { return "**" + x + "**" },
		"html":    func(x string) string { return "<p>" + x + "</p>" },
		"hyphens": func(x string) string { return strings.ReplaceAll(x, " ", "-") },
		"lines":   func(x string) string { return strings.ReplaceAll(x, " ", "\n") },
		"ascii":   func(x string) string { return identity.Normalise(x) },
	}
	for _, p := range reg.Persons {
		check := func(kind string, idx int, term string) {
			for dname, d := range disguises {
				text := "Said " + d(term) + ", then left."
				found := false
				for _, m := range s.Scan("", []byte(text)) {
					if m.PersonID == p.ID && m.Kind == kind && m.Term == idx {
						found = true
					}
				}
				if !found && !(kind == "given_name" && term == p.PublicName) {
					t.Errorf("%s %s[%d] not found in disguise %s", p.ID, kind, idx, dname)
				}
			}
		}
		for i, n := range p.Names {
			check("name", i, n)
		}
		for i, n := range p.FamilyNames {
			check("family_name", i, n)
		}
		for i, n := range p.GivenNames {
			check("given_name", i, n)
		}
		for i, n := range p.Nicknames {
			check("nickname", i, n)
		}
		for i, d := range p.Details {
			check(d.Kind, i, d.Value)
		}
	}
	// Pseudonyms and the consented public name are not leaks.
	var clean []string
	for _, p := range reg.Persons {
		if p.Pseudonym != "" {
			clean = append(clean, p.Pseudonym)
		}
		if p.PublicName != "" {
			clean = append(clean, p.PublicName)
		}
	}
	text := fmt.Sprintf("Stories by %s.", strings.Join(clean, ", "))
	if ms := s.Scan("content/stories/finding-my-voice/index.md", []byte(text)); len(ms) != 0 {
		t.Errorf("pseudonyms or public names reported: %v", ms)
	}
}
