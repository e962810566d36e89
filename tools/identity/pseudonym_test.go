package identity

import (
	"strings"
	"testing"
)

func rules(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+":"+f.PersonID)
		for _, leak := range []string{"Pérez", "Ana", "Mendoza", "Tomasa Ixchel"} {
			if strings.Contains(f.Message, leak) {
				t := f.Message
				panic("finding message leaks a name: " + t)
			}
		}
	}
	return strings.Join(out, "|")
}

func TestCheckByline(t *testing.T) {
	reg := testRegistry(t)
	tests := []struct {
		name, display, kind, person, want string
	}{
		{"pseudonym with marker", "Lupe*", "pseudonym", "p-0001", ""},
		{"pseudonym without marker", "Lupe", "pseudonym", "p-0001", "pseudonym-byline-marker:p-0001|pseudonym-byline-registry:p-0001"},
		{"other pseudonym", "Lola*", "pseudonym", "p-0001", "pseudonym-byline-registry:p-0001"},
		{"real name as pseudonym", "Ana*", "pseudonym", "p-0001", "pseudonym-byline-registry:p-0001|pseudonym-byline-real-name:p-0001"},
		{"consented first name", "Tomasa", "first_name", "p-0002", ""},
		{"first name not consented", "Ixchel", "first_name", "p-0002", "pseudonym-byline-registry:p-0002|pseudonym-byline-real-name:p-0002"},
		{"first name, none recorded", "Ana", "first_name", "p-0001", "pseudonym-byline-registry:p-0001|pseudonym-byline-real-name:p-0001"},
		{"unknown person", "X*", "pseudonym", "p-9999", "pseudonym-byline-person:"},
		{"a name where the id belongs", "X*", "pseudonym", "Zoila Coc", "pseudonym-byline-person:"},
		{"anonymous", "", "anonymous", "p-0001", ""},
	}
	for _, tt := range tests {
		if got := rules(CheckByline(reg, "content/x.md", tt.display, tt.kind, tt.person)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		for _, f := range CheckByline(reg, "content/x.md", tt.display, tt.kind, tt.person) {
			if strings.Contains(f.Message, "Zoila") || strings.Contains(f.Message, "p-9999") {
				t.Errorf("%s: message echoes the unknown person value: %q", tt.name, f.Message)
			}
		}
	}
}

func TestCheckFirstMentions(t *testing.T) {
	s := testScanner(t)
	tests := []struct {
		name, data, want string
	}{
		{"marked first mention", "Lupe* spoke. Later Lupe left.", ""},
		{"unmarked first mention", "Lupe spoke. Later Lupe* left.", "pseudonym-first-mention:p-0001"},
		{"two pseudonyms", "Lupe* named El Coyote in court.", "pseudonym-first-mention:p-0003"},
		{"marker across emphasis", "**Lupe***, she said", ""},
		{"escaped marker", `Lupe\* spoke`, ""},
		{"HTML entity marker", "Lupe&#42; spoke", ""},
		{"accent-insensitive mention", "LUPE spoke", "pseudonym-first-mention:p-0001"},
		{"no mention", "Nothing here. Lupita is someone else.", ""},
	}
	for _, tt := range tests {
		fs := CheckFirstMentions(s, "p.md", []byte(tt.data))
		if got := rules(fs); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		for _, f := range fs {
			if f.End > len(tt.data) || f.Start >= f.End {
				t.Errorf("%s: bad offsets %d-%d", tt.name, f.Start, f.End)
			}
		}
	}
}

func TestCheckPseudonymConsistency(t *testing.T) {
	reg := testRegistry(t)
	uses := []PseudonymUse{
		{Path: "a/index.md", Lang: "en", Person: "p-0001", DisplayName: "Lupe*", NameKind: "pseudonym"},
		{Path: "a/index.es.md", Lang: "es", Person: "p-0001", DisplayName: "Lupe*", NameKind: "pseudonym"},
		{Path: "b/index.md", Lang: "en", Person: "p-0009", DisplayName: "Zara*", NameKind: "pseudonym"},
		{Path: "b/index.es.md", Lang: "es", Person: "p-0009", DisplayName: "Sara*", NameKind: "pseudonym"},
		{Path: "c/index.es.md", Lang: "es", Person: "p-0001", DisplayName: "Lupé*", NameKind: "pseudonym"},
		{Path: "d/index.md", Lang: "en", Person: "p-0002", DisplayName: "Tomasa", NameKind: "first_name"},
	}
	fs := CheckPseudonymConsistency(reg, uses)
	if got := rules(fs); got != "pseudonym-inconsistent:p-0009|pseudonym-inconsistent:p-0001" {
		t.Errorf("got %q", got)
	}
	if fs[0].Path != "b/index.es.md" || fs[1].Path != "c/index.es.md" {
		t.Errorf("paths: %+v", fs)
	}
	if got := rules(CheckPseudonymConsistency(nil, uses[:2])); got != "" {
		t.Errorf("consistent uses reported: %q", got)
	}
}
