package site

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"storyguard/tools/content"
)

// warningLabel is i18n content_warning of the theme, by language.
var warningLabel = map[string]string{"en": "Content warning", "es": "Aviso de contenido"}

// builtStory is one language of a story as the built site shows it.
type builtStory struct {
	lang, slug, title, desc string
	warnings                string // content_warnings joined with ", "
}

// builtStories loads the repository's stories and keeps those Hugo built
// (a draft is not built) and that carry content warnings and a description.
func builtStories(t *testing.T, out string) []builtStory {
	t.Helper()
	s, err := content.LoadSite(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	var stories []builtStory
	for _, p := range s.Pages {
		if p.Section != "stories" || p.IsIndex || p.Invalid {
			continue
		}
		slug := strings.TrimPrefix(p.Bundle, "stories/")
		rel := "stories/" + slug + "/index.html"
		if p.Lang != s.DefaultLanguage {
			rel = p.Lang + "/" + rel
		}
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(rel))); err != nil {
			continue
		}
		var cw []string
		list, _ := p.FrontMatter["content_warnings"].([]any)
		for _, w := range list {
			cw = append(cw, fmt.Sprint(w))
		}
		desc, _ := p.FrontMatter["description"].(string)
		title, _ := p.FrontMatter["title"].(string)
		if len(cw) == 0 || desc == "" {
			t.Fatalf("%s: the demo story lacks content warnings or a description; the test needs both", p.Path)
		}
		stories = append(stories, builtStory{lang: p.Lang, slug: slug, title: title, desc: squash(desc), warnings: strings.Join(cw, ", ")})
	}
	if len(stories) < 4 {
		t.Fatalf("only %d built story translations found", len(stories))
	}
	return stories
}

// squash collapses runs of white space into one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// domText returns the text of every text node of an HTML document in DOM
// order, joined by spaces, and the content of its description meta
// elements (name description, property og:description, name
// twitter:description) by name.
func domText(t *testing.T, rel, body string) (string, map[string]string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var b strings.Builder
	metas := map[string]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if p := n.Parent; p == nil || (p.Data != "script" && p.Data != "style") {
				b.WriteString(n.Data)
				b.WriteByte(' ')
			}
		case html.ElementNode:
			if n.Data == "meta" {
				var key, val string
				for _, a := range n.Attr {
					switch a.Key {
					case "name", "property":
						key = a.Val
					case "content":
						val = a.Val
					}
				}
				switch key {
				case "description", "og:description", "twitter:description":
					metas[key] = val
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return squash(b.String()), metas
}

// TestWarningBeforeSummary walks every built page and feed in both
// languages. Wherever a story's description appears (a card on the home
// page, /stories/, a term page, a list; the story's own lede), the
// nearest thing before it in DOM order that belongs to a story is that
// story's own content warning; every description meta element, share
// preview and feed item that summarises a story starts with the warning.
func TestWarningBeforeSummary(t *testing.T) {
	out := builtSite(t)
	stories := builtStories(t, out)
	seen := map[string]int{} // page -> summaries checked
	walkOut(t, out, func(rel, body string) {
		lang := "en"
		if strings.HasPrefix(rel, "es/") {
			lang = "es"
		}
		switch {
		case strings.HasSuffix(rel, ".html"):
			text, metas := domText(t, rel, body)
			for _, s := range stories {
				if s.lang != lang {
					continue
				}
				for off := 0; ; {
					i := strings.Index(text[off:], s.desc)
					if i < 0 {
						break
					}
					i += off
					off = i + len(s.desc)
					seen[rel]++
					before := text[:i]
					w := strings.LastIndex(before, s.warnings)
					if w < 0 {
						t.Errorf("%s: the summary of %s comes with no content warning before it", rel, s.slug)
						continue
					}
					// Nothing of another story between the warning and the summary.
					for _, o := range stories {
						if o.lang == lang && o.slug != s.slug && strings.Contains(before[w:], o.desc) {
							t.Errorf("%s: the nearest warning before the summary of %s belongs to another card (%s's summary is between)", rel, s.slug, o.slug)
						}
					}
				}
				want := warningLabel[lang] + ": " + s.warnings + "."
				for key, val := range metas {
					if strings.Contains(squash(val), s.desc) {
						seen[rel+" "+key]++
						if !strings.HasPrefix(val, want) {
							t.Errorf("%s: %s = %.70q…, want it to start with %q", rel, key, val, want)
						}
					}
				}
			}
		case strings.HasSuffix(rel, ".xml"):
			var feed struct {
				Items []struct {
					Link        string `xml:"link"`
					Description string `xml:"description"`
				} `xml:"channel>item"`
			}
			if err := xml.Unmarshal([]byte(body), &feed); err != nil {
				t.Errorf("%s: %v", rel, err)
				return
			}
			for _, it := range feed.Items {
				for _, s := range stories {
					path := "/stories/" + s.slug + "/"
					if s.lang != "en" {
						path = "/" + s.lang + path
					}
					u, err := url.Parse(it.Link)
					if err != nil {
						t.Errorf("%s: item link %q: %v", rel, it.Link, err)
						continue
					}
					if u.Path != path && !strings.Contains(squash(it.Description), s.desc) {
						continue
					}
					seen[rel]++
					want := warningLabel[s.lang] + ": " + s.warnings + ". "
					if !strings.HasPrefix(it.Description, want) {
						t.Errorf("%s: item %s: description %.70q…, want it to start with %q", rel, it.Link, it.Description, want)
					}
				}
			}
		}
	})
	// The walk must have met every kind of page that summarises a story, in
	// both languages: a test that checks nothing passes nothing.
	for _, p := range []string{
		"index.html", "es/index.html", "stories/index.html", "es/stories/index.html",
		"countries/guatemala/index.html", "es/countries/guatemala/index.html",
		"themes/justice/index.html", "es/themes/justicia/index.html",
		"stories/finding-my-voice/index.html", "es/stories/finding-my-voice/index.html",
		"stories/finding-my-voice/index.html description", "es/stories/finding-my-voice/index.html og:description",
		"stories/finding-my-voice/index.html twitter:description", "es/stories/finding-my-voice/index.html twitter:description",
		"index.xml", "es/index.xml", "stories/index.xml", "es/stories/index.xml",
	} {
		if seen[p] == 0 {
			t.Errorf("%s: no story summary found there to check", p)
		}
	}
}
