// Package diag holds Storyguard's diagnostics: typed findings with a position,
// a rule id and a severity, and the printers that render them as text, JSON or
// SARIF 2.1.0.
//
// A diagnostic never carries a real name or identifying detail: messages name
// person ids, story ids, media ids and rule ids only, because output is pasted
// into tickets and chat.
package diag

import (
	"cmp"
	"slices"
)

// Severity orders findings. Error blocks publication; Warning and Info do not.
type Severity int

const (
	// Info is reported but never blocks (a draft page, a withdrawn story).
	Info Severity = iota
	// Warning is reported and does not block publication.
	Warning
	// Error blocks the whole publication until a person resolves it.
	Error
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// MarshalText renders the severity as its String form for JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one finding. File is a slash-separated path relative to the
// site root (for example "content/stories/ana/index.md"); Line and Col are
// 1-based, Col counts bytes as Go's go/token and Hugo's text.Position do; a
// zero Line means the finding concerns the whole file. Rule is a stable
// kebab-case id such as "consent-expired". Message names ids only.
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// Sort orders diagnostics by file, line, column, then rule, in place.
func Sort(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Count returns how many diagnostics have severity s.
func Count(ds []Diagnostic, s Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// HasErrors reports whether any diagnostic is at error level.
func HasErrors(ds []Diagnostic) bool { return Count(ds, Error) > 0 }
