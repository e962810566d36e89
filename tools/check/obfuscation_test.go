package check_test

import (
	"bytes"
	"strings"
	"testing"

	"storyguard/tools/check"
	"storyguard/tools/content"
)

// TestObfuscatedNames: a registry name split by inline markup, an escape,
// an entity or an invisible character, in the body or the front matter, is
// a registry-leak error in check; and (sanity) the scanner publish runs
// over the built output finds it in the body rendered as HTML, so check
// finds no less than publish would.
func TestObfuscatedNames(t *testing.T) {
	_, sc := demoVault(t)
	bodies := []string{
		"Ma*ri*sol went.", "**Mari**sol went.", "Mari~~sol~~ went.", "<span>Mari</span>sol went.",
		"[Mari](https://x.example)sol went.", "Mari[sol](https://x.example) went.", "[Ma](x)[risol](y) went.",
		"Mari`sol` went.", "Mari\\*sol went.", "[Mari][r]sol went.\n\n[r]: https://x.example",
		"Mari&shy;sol went.", "Mar&#105;sol went.", "Mari&#x73;ol went.", "Ma&ZeroWidthSpace;risol went.",
		"Mari\u200bsol went.", "Mari\u00adsol went.", "Mari\u2060sol went.", "Mari<!-- x -->sol went.",
		"<https://x.example/Marisol> went.", "- item\n- Ma[ri](x)sol\n", "> Mari`sol`\n",
	}
	for _, body := range bodies {
		t.Run("body "+body, func(t *testing.T) {
			ds := runRegistry(t, map[string]string{"content/stories/a/index.md": storyPage(nil, "Lucía* text.\n\n"+body+"\n")})
			if got := only(ds, check.RuleRegistryLeak); len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "p-0001 (given_name)") {
				t.Errorf("check: want a registry-leak of p-0001 (given_name), got %q", got)
			}
			var html bytes.Buffer
			if err := content.Markdown.Convert([]byte(body), &html); err != nil {
				t.Fatal(err)
			}
			if len(sc.Scan("public/stories/a/index.html", html.Bytes())) == 0 {
				t.Errorf("sanity: the output scanner does not find the name in %q", html.String())
			}
		})
	}
	titles := []string{`"Mar\u0069sol"`, `"Mari\x73ol"`, `"Mari\u00adsol"`, "\"Mari\\\n  sol\"", `"Mari\U00000073ol"`}
	for _, title := range titles {
		t.Run("title "+title, func(t *testing.T) {
			ds := runRegistry(t, map[string]string{"content/stories/a/index.md": storyPage(map[string]string{"title": title}, "Lucía* text.\n")})
			got := only(ds, check.RuleRegistryLeak)
			if !strings.Contains(strings.Join(got, "\n"), "index.md:2:") {
				t.Errorf("check: want a registry-leak on the title line, got %q", got)
			}
		})
	}
}
