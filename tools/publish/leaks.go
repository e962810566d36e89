package publish

import (
	"slices"

	"storyguard/tools/identity"
)

// RegistryLeaks returns the Parts.Leaks of the real pipeline over the
// registry's scanner sc: every registry name or detail in a built file
// (identity.Scanner.ScanPage with public names restricted: a person's
// public name is allowed only for the storytellers of publishable pages,
// who().Live), and every pseudonym of a storyteller whose story is
// withdrawn or refused (who().Withdrawn), whose own pages are gone and
// whom no other page may still name. who is called for each file, after
// the plan is made (PlanSite). Findings carry byte offsets, person ids and
// a kind, never the matched text.
func RegistryLeaks(sc *identity.Scanner, who func() Storytellers) func(path string, data []byte) []Finding {
	return func(_ string, data []byte) []Finding {
		st := who()
		var fs []Finding
		for _, m := range sc.ScanPage("", data, identity.ScanOptions{RestrictPublicNames: true, AllowPublicNames: st.Live}) {
			fs = append(fs, Finding{Start: m.Start, End: m.End, PersonID: m.PersonID, Kind: m.Kind})
		}
		for _, m := range sc.PseudonymMentions(data) {
			if slices.Contains(st.Withdrawn, m.PersonID) {
				fs = append(fs, Finding{Start: m.Start, End: m.End, PersonID: m.PersonID, Kind: "pseudonym of a withdrawn storyteller"})
			}
		}
		return fs
	}
}
