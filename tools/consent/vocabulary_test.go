package consent

import (
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	for _, c := range []struct {
		key, want string
		set       keySet
	}{
		{"content_warning", "content_warnings", storyKeys},
		{"Consent", "consent", storyKeys},
		{"EXPIRYDATE", "expiryDate", storyKeys},
		{"darft", "draft", pageKeys},
		{"fase", "face", identifierKeys},
		{"captoin", "caption", mediaKeys},
		{"search_engine", "search_engines", consentKeys},
		// Too far, or not key-shaped: never echoed (a name typed as a key).
		{"Maria", "", mediaKeys},
		{"Ana", "", mediaKeys},
		{"Rosa Pérez", "", storyKeys},
		{"aproved_by", "", reviewKeys},
		{"títle", "", storyKeys},
	} {
		got, ok := suggest(c.key, c.set)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("suggest(%q) = %q, %v; want %q", c.key, got, ok, c.want)
		}
	}
}

// FuzzSuggest: a key is only ever echoed when it is key-shaped and a near
// miss of the suggestion (distance at most 2).
func FuzzSuggest(f *testing.F) {
	f.Add("content_warning")
	f.Add("Lucía Pérez")
	f.Add("nmae")
	f.Fuzz(func(t *testing.T, k string) {
		for _, set := range []keySet{storyKeys, pageKeys, storytellerKeys, consentKeys, identifierKeys, reviewKeys, mediaKeys} {
			s, ok := suggest(k, set)
			if !ok {
				continue
			}
			if !nearKey.MatchString(k) || editDistance(strings.ToLower(k), strings.ToLower(s)) > 2 {
				t.Fatalf("suggest(%q) = %q", k, s)
			}
		}
	})
}
