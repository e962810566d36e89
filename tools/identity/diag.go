package identity

import (
	"fmt"

	"storyguard/tools/diag"
)

// Rule ids of leak-scanner diagnostics.
const (
	// RuleLeak: a registry name or identifying detail in public text or a
	// path. Severity error (DESIGN.md "Checks").
	RuleLeak = "identity-leak"
	// RuleDetail: something that looks like a phone number, e-mail
	// address, DPI/CUI, GPS coordinate or street address, not in the
	// allow-list. Severity warning.
	RuleDetail = "identifying-detail"
)

// Diagnostics turns matches of Scan/ScanPage (PersonID set) and Recognise
// (PersonID empty) on file into diagnostics: leaks at error level under
// RuleLeak, recognised details at warning level under RuleDetail. data is
// what was scanned, for line and column (1-based, bytes); a match in the
// path gets Line 0. Messages name the person id, the kind and the term
// index, never the text: "real family_name[1] of p-0001 in public text".
func Diagnostics(file string, data []byte, ms []Match) []diag.Diagnostic {
	out := make([]diag.Diagnostic, 0, len(ms))
	for _, m := range ms {
		d := diag.Diagnostic{File: file, Rule: RuleLeak, Severity: diag.Error}
		if !m.InPath {
			d.Line, d.Col = LineCol(data, m.Start)
		}
		where := "public text"
		if m.InPath {
			where = "the file path (slug or file name)"
		}
		switch {
		case m.PersonID == "":
			d.Rule, d.Severity = RuleDetail, diag.Warning
			d.Message = fmt.Sprintf("possible %s (identifying detail) in %s; remove it or add the organisation's own to allow_contacts", m.Kind, where)
		case m.Kind == "public_name":
			d.Message = fmt.Sprintf("public name of %s in %s where it is not allowed", m.PersonID, where)
		default:
			d.Message = fmt.Sprintf("real %s[%d] of %s in %s", m.Kind, m.Term, m.PersonID, where)
		}
		out = append(out, d)
	}
	return out
}
