package check_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"storyguard/tools/check"
	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

var update = flag.Bool("update", false, "rewrite the want section of testdata/rules/*.txtar")

// now is the demo cast's "today".
var now = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

// TestRules runs each testdata/rules/*.txtar: a small site (config.toml
// defaults to en+es) and a "want" file listing the expected findings as
// storyguard check prints them. A page whose approved_sha256 is "@approve"
// gets its true approval digest before loading, so fixtures stay editable.
// A case named <rule>.fires.txtar must report <rule>; <rule>.passes.txtar
// must not: each rule has a case that fires and one that does not.
func TestRules(t *testing.T) {
	files, _ := filepath.Glob("testdata/rules/*.txtar")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	fired := map[string]bool{}
	passed := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			want := ""
			hasConfig := false
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = string(f.Data)
					continue
				}
				if f.Name == "config.toml" {
					hasConfig = true
				}
				writeFixture(t, dir, f.Name, f.Data)
			}
			if !hasConfig {
				writeFixture(t, dir, "config.toml", []byte("defaultContentLanguage = 'en'\n[languages.en]\n[languages.es]\n"))
			}
			if !hasLayouts(ar) {
				// The site's media shortcode, as the voices theme defines it.
				theme, err := os.ReadFile("../../themes/voices/layouts/_shortcodes/media.html")
				if err != nil {
					t.Fatal(err)
				}
				writeFixture(t, dir, "layouts/_shortcodes/media.html", theme)
			}
			site, err := content.LoadSite(dir)
			if err != nil {
				t.Fatal(err)
			}
			ds := check.Run(site, check.Options{Now: now}).Diagnostics
			var got bytes.Buffer
			if err := diag.Write(&got, diag.Text, ds); err != nil {
				t.Fatal(err)
			}
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = got.Bytes()
					}
				}
				if want == "" && !hasWant(ar) {
					ar.Files = append(ar.Files, txtar.File{Name: "want", Data: got.Bytes()})
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got.String() != want {
				t.Errorf("findings differ\n--- got\n%s--- want\n%s", got.String(), want)
			}
			rule, kind, _ := strings.Cut(name, ".")
			switch kind {
			case "fires":
				fired[rule] = true
				if !strings.Contains(got.String(), " "+rule+": ") {
					t.Errorf("case %s does not report %s", name, rule)
				}
			case "passes":
				passed[rule] = true
				if strings.Contains(got.String(), " "+rule+": ") {
					t.Errorf("case %s reports %s", name, rule)
				}
			}
		})
	}
	if *update {
		return
	}
	for _, r := range allRuleIDs() {
		if r == content.RuleTooLarge || r == content.RuleSymlink {
			continue // tested in tools/content: a txtar archive holds neither
		}
		if !fired[r] {
			t.Errorf("rule %s has no testdata/rules/%s.fires.txtar", r, r)
		}
		if !passed[r] {
			t.Errorf("rule %s has no testdata/rules/%s.passes.txtar", r, r)
		}
	}
}

func hasWant(ar *txtar.Archive) bool {
	for _, f := range ar.Files {
		if f.Name == "want" {
			return true
		}
	}
	return false
}

// allRuleIDs lists every rule id that RULES.md documents, read from its
// table, so a documented rule without cases fails here.
func allRuleIDs() []string {
	b, err := os.ReadFile("RULES.md")
	if err != nil {
		return []string{"RULES.md missing"}
	}
	var ids []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		id := strings.Trim(strings.Split(line, "|")[1], " `")
		ids = append(ids, id)
	}
	return ids
}

func writeFixture(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"@approve"`)) {
		p, ds := content.LoadPage(name, "en", data)
		if len(ds) > 0 {
			t.Fatalf("fixture %s: %v", name, ds)
		}
		data = bytes.ReplaceAll(data, []byte(`"@approve"`), []byte(`"`+consent.ApprovalDigest(p)+`"`))
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRulesDocumented checks that every rule id reported by the default
// rules and by the loader and parser appears in RULES.md.
func TestRulesDocumented(t *testing.T) {
	ids := map[string]bool{}
	for _, id := range allRuleIDs() {
		ids[id] = true
	}
	var all []string
	for _, r := range check.DefaultRules() {
		all = append(all, r.ID())
	}
	for _, r := range check.DefaultBundleRules() {
		all = append(all, r.ID())
	}
	all = append(all, check.RuleNotPublished,
		consent.RuleMissing, consent.RuleInvalid, consent.RuleTerm, consent.RuleExpiryDate,
		consent.RuleStorytellerMiss, consent.RuleStorytellerInval, consent.RuleStoryID,
		consent.RuleFrontMatterType, consent.RuleMediaInvalid, consent.RuleReviewInvalid,
		consent.RuleUnknownKey, consent.RuleRefusedKey,
		content.RuleSyntax, content.RuleEncoding, content.RuleTooLarge, content.RuleEmpty,
		content.RuleSymlink, content.RuleMediaFile, content.RuleFormat, content.RuleShortcode)
	for _, id := range all {
		if !ids[id] {
			t.Errorf("rule %s is not in RULES.md", id)
		}
	}
}

// hasLayouts reports whether the archive brings its own templates.
func hasLayouts(ar *txtar.Archive) bool {
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "layouts/") || strings.HasPrefix(f.Name, "themes/") {
			return true
		}
	}
	return false
}
