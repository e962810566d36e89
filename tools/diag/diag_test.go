package diag

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var sample = []Diagnostic{
	{File: "content/stories/b/index.md", Line: 9, Col: 3, Rule: "consent-expired", Severity: Error, Message: "consent expired on 2026-01-01"},
	{File: "content/stories/a/index.md", Line: 4, Col: 1, Rule: "alt-missing", Severity: Warning, Message: "media m-0001 has no alt text"},
	{File: "content/stories/a/index.md", Rule: "draft", Severity: Info, Message: "draft: not published"},
}

func TestTextSortedByPosition(t *testing.T) {
	ds := append([]Diagnostic(nil), sample...)
	Sort(ds)
	var b bytes.Buffer
	if err := Write(&b, Text, ds); err != nil {
		t.Fatal(err)
	}
	want := `content/stories/a/index.md: info draft: draft: not published
content/stories/a/index.md:4:1: warning alt-missing: media m-0001 has no alt text
content/stories/b/index.md:9:3: error consent-expired: consent expired on 2026-01-01
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	if !HasErrors(ds) || Count(ds, Warning) != 1 {
		t.Fatal("counts wrong")
	}
}

func TestJSONAndSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, JSON, nil); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Fatalf("empty JSON must be [], got %q (%v)", b.String(), err)
	}
	b.Reset()
	Write(&b, JSON, sample[:1])
	var back []map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back[0]["severity"] != "error" || back[0]["line"] != 9.0 {
		t.Fatalf("JSON round trip: %v %v", back, err)
	}
	b.Reset()
	if err := Write(&b, SARIF, sample); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "storyguard" {
		t.Fatalf("SARIF header wrong: %s", b.String())
	}
	r := log.Runs[0]
	if len(r.Results) != 3 || len(r.Tool.Driver.Rules) != 3 {
		t.Fatalf("want 3 results and 3 rules, got %d and %d", len(r.Results), len(r.Tool.Driver.Rules))
	}
	for _, res := range r.Results {
		if r.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("ruleIndex %d does not point at %s", res.RuleIndex, res.RuleID)
		}
	}
	if r.Results[0].Level != "error" || r.Results[2].Level != "note" || r.Results[2].Locations[0].PhysicalLocation.Region != nil {
		t.Fatalf("levels or whole-file region wrong: %s", b.String())
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Fatal("unknown format accepted")
	}
}
