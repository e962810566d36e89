package identity

import (
	"bytes"
	"fmt"
)

// Redact returns text with every registry term found in it (as ScanPage
// finds them, public names included: Storyguard's own output names people
// by id only) replaced by "[<person id>]", for the last line of defence at
// Storyguard's output boundary: errors, diagnostics, Hugo's error text.
// Text with no match is returned unchanged. Overlapping matches are
// replaced as one span.
func (s *Scanner) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	data := []byte(text)
	ms := s.ScanPage("", data, ScanOptions{RestrictPublicNames: true})
	if len(ms) == 0 {
		return text
	}
	sortMatches(ms)
	var out bytes.Buffer
	at := 0
	for _, m := range ms {
		if m.InPath || m.End <= at || m.Start < 0 || m.End > len(data) {
			continue
		}
		if m.Start < at { // overlaps the span just replaced: extend it
			at = m.End
			continue
		}
		out.Write(data[at:m.Start])
		fmt.Fprintf(&out, "[%s]", m.PersonID)
		at = m.End
	}
	out.Write(data[at:])
	return out.String()
}
