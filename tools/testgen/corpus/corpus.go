// Package corpus writes a synthetic Hugo site of stories for benchmarks:
// n story bundles in English and Spanish, about 5 KB each, with valid
// consent records and approval digests, so that storyguard check passes on
// it and Hugo builds it. The same seed always writes the same bytes (only
// the fictional words differ between seeds). Nothing in it is real.
package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/content"
)

// StoryBytes is the approximate size of one generated language file.
const StoryBytes = 5 << 10

// Today is the date the corpus is valid on: every consent is given before
// it and expires more than 60 days after it (pass it as check --now).
var Today = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

// Generate writes into dir (created if missing; existing files with the
// same names are overwritten) a Hugo site: config.toml with languages en
// and es and the site's taxonomies (countries, themes; Hugo's default
// outputs: RSS, sitemap), minimal layouts (baseof, home, single, list and the media
// shortcode), and n story bundles content/stories/story-NNNNN/index.md and
// index.es.md, each about StoryBytes, with one media entry, a consent
// record valid on Today and review.approved_sha256 set to the approval
// digest, so storyguard check reports nothing at error level. seed makes
// the output reproducible. Errors name the file that could not be written.
func Generate(dir string, n int, seed int64) error {
	return GenerateWith(dir, n, seed, Options{})
}

// Options shape GenerateWith beyond the number of stories and the seed.
type Options struct {
	// StoriesOnly writes only the story bundles content/stories/story-NNNNN/
	// into dir, an existing site (the repository's own, say, with its
	// voices theme, config.toml and section pages), and nothing else.
	StoriesOnly bool
	// MediaDigest returns the lowercase hex SHA-256 of the vault original
	// of a media id ("m-00042"), pinned in review.approved_media_sha256 as
	// storyguard approve would. nil means the corpus's own small JPEG of
	// that id, the one GenerateVault writes.
	MediaDigest func(mediaID string) (string, error)
}

// GenerateWith is Generate with options: the same stories, written into an
// existing site when o.StoriesOnly, their photo pins from o.MediaDigest.
// Errors name the file that could not be written or the media id whose
// digest failed.
func GenerateWith(dir string, n int, seed int64, o Options) error {
	if n < 0 {
		return fmt.Errorf("corpus: n must not be negative, got %d", n)
	}
	files := map[string]string{
		"config.toml": `baseURL = "https://corpus.example/"
title = "Corpus"
defaultContentLanguage = "en"
[taxonomies]
country = "countries"
theme = "themes"
[languages.en]
weight = 1
[languages.es]
weight = 2
`,
		"layouts/baseof.html":            "<!doctype html><html lang=\"{{ .Site.Language.Lang }}\"><head><title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
		"layouts/home.html":              "{{ define \"main\" }}<h1>{{ .Site.Title }}</h1>{{ end }}\n",
		"layouts/list.html":              "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range first 20 .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n",
		"layouts/single.html":            "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.storyteller.display_name }}</p>{{ .Content }}</article>{{ end }}\n",
		"layouts/_shortcodes/media.html": "<figure data-media=\"{{ .Get \"id\" }}\"></figure>\n",
		"content/_index.md":              "---\ntitle: \"Corpus\"\n---\n",
		"content/_index.es.md":           "---\ntitle: \"Corpus\"\n---\n",
		"content/stories/_index.md":      "---\ntitle: \"Stories\"\n---\n",
		"content/stories/_index.es.md":   "---\ntitle: \"Historias\"\n---\n",
	}
	if o.StoriesOnly {
		files = nil
	}
	for name, data := range files {
		if err := write(filepath.Join(dir, name), []byte(data)); err != nil {
			return err
		}
	}
	digest := o.MediaDigest
	if digest == nil {
		digest = func(id string) (string, error) {
			img, err := mediaJPEG(id)
			if err != nil {
				return "", err
			}
			sum := sha256.Sum256(img)
			return hex.EncodeToString(sum[:]), nil
		}
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	for i := range n {
		s := newStory(r, i)
		pin, err := consent.MediaApprovalDigest([]string{s.media}, digest)
		if err != nil {
			return fmt.Errorf("corpus: media %s: %w", s.media, err)
		}
		for _, lang := range []string{"en", "es"} {
			name := "index.md"
			if lang == "es" {
				name = "index.es.md"
			}
			rel := "content/stories/" + s.slug + "/" + name
			raw := s.render(r, lang)
			p, ds := content.LoadPage(rel, lang, raw)
			if len(ds) > 0 {
				return fmt.Errorf("corpus: %s: generated page does not load: %s", rel, ds[0].Message)
			}
			raw = []byte(strings.Replace(string(raw), `approved_sha256: ""`, `approved_sha256: "`+consent.ApprovalDigest(p)+`"`+"\n  approved_media_sha256: \""+pin+`"`, 1))
			if err := write(filepath.Join(dir, filepath.FromSlash(rel)), raw); err != nil {
				return err
			}
		}
	}
	return nil
}

func write(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	return nil
}

type story struct {
	slug, id, person, record, media, name string
	given, expires                        time.Time
}

// letters spells i in base 26 with a capital first letter ("Aa", "Ab",
// ...), so that every storyteller's pseudonym is their own, as in a real
// registry, while reading like a name.
func letters(i int) string {
	b := []byte{'a' + byte(i%26), 'a' + byte(i/26%26), 'A' + byte(i/676%26)}
	return string([]byte{b[2], b[1], b[0]})
}

var names = []string{"Ana", "Lucía", "Marta", "Daniela", "Rosa", "Elena", "Sofía", "Inés", "Clara", "Julia", "Paula", "Irene"}

func newStory(r *rand.Rand, i int) story {
	given := Today.AddDate(0, 0, -(1 + r.IntN(300)))
	return story{
		slug:    fmt.Sprintf("story-%05d", i),
		id:      fmt.Sprintf("st-%010x", r.Uint64()>>24),
		person:  fmt.Sprintf("p-%05d", 1000+i),
		record:  fmt.Sprintf("cr-2026-%05d", i),
		media:   fmt.Sprintf("m-%05d", i),
		name:    names[r.IntN(len(names))] + " " + letters(i) + "*",
		given:   given,
		expires: given.AddDate(3, 0, -1),
	}
}

var words = map[string][]string{
	"en": strings.Fields(`the river morning school market village road family friend court lawyer listened
		walked spoke learned years together courage hope work kitchen garden letter voice group
		women children meeting judge hearing trust slowly again every week small light open door
		table bread rain field bus teacher sister support plan future change help steady`),
	"es": strings.Fields(`el río mañana escuela mercado pueblo camino familia amiga tribunal abogada escuchó
		caminó habló aprendió años juntas valor esperanza trabajo cocina huerto carta voz grupo
		mujeres niñas reunión jueza audiencia confianza despacio otra semana pequeña luz puerta
		mesa pan lluvia campo autobús maestra hermana apoyo plan futuro cambio ayuda firme`),
}

func sentence(r *rand.Rand, lang string) string {
	w := words[lang]
	n := 8 + r.IntN(10)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = w[r.IntN(len(w))]
	}
	parts[0] = strings.ToUpper(parts[0][:1]) + parts[0][1:]
	return strings.Join(parts, " ") + "."
}

func (s story) render(r *rand.Rand, lang string) []byte {
	var b strings.Builder
	title := map[string]string{"en": "A story of ", "es": "Una historia de "}[lang] + s.name
	d := func(t time.Time) string { return t.Format(time.DateOnly) }
	fmt.Fprintf(&b, `---
title: %q
description: %q
date: %s
draft: false
expiryDate: %s
story_id: %s
storyteller:
  display_name: %q
  name_kind: pseudonym
  person: %s
  preferred_term: survivor leader
consent:
  record: %s
  status: given
  given: %s
  expires: %s
  withdrawn: ""
  channels: [website, newsletter]
  languages: [en, es]
  identifiers: {name: false, face: false, voice: false, location: country}
  search_engines: true
  minor: false
  guardian_record: ""
review:
  approved: %s
  approved_sha256: ""
content_warnings: [court proceedings]
countries: [Guatemala]
themes: [justice]
media:
  - id: %s
    alt: %q
    caption: %q
    depicts: []
    face_visible: false
---
`, title, sentence(r, lang), d(s.given), d(s.expires), s.id, s.name, s.person, s.record, d(s.given), d(s.expires), d(s.given), s.media,
		sentence(r, lang), sentence(r, lang))
	fmt.Fprintf(&b, "{{< media id=%q >}}\n\n", s.media)
	for b.Len() < StoryBytes {
		switch r.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "## %s\n\n", strings.TrimSuffix(sentence(r, lang), "."))
		case 1:
			for range 3 {
				fmt.Fprintf(&b, "- %s\n", sentence(r, lang))
			}
			b.WriteString("\n")
		case 2:
			fmt.Fprintf(&b, "%s *%s* [%s](/stories/) %s\n\n", sentence(r, lang), sentence(r, lang), words[lang][r.IntN(len(words[lang]))], sentence(r, lang))
		default:
			for range 4 {
				b.WriteString(sentence(r, lang))
				b.WriteString(" ")
			}
			b.WriteString("\n\n")
		}
	}
	return []byte(b.String())
}
