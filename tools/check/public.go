package check

import (
	"fmt"
	"slices"

	"storyguard/tools/content"
)

// publicField is one text of the front matter that the theme prints on a
// public page, as Hugo decodes it (YAML, TOML and JSON escapes resolved).
type publicField struct {
	// Path is the field path ("title", "countries[1]", "media[0].alt").
	Path string
	// Value is the decoded text.
	Value string
	// Prose is true for title and description, which are also part of
	// Prose (the rules that read the prose have seen them).
	Prose bool
	// Taxonomy is the taxonomy's plural name for a term, else "".
	Taxonomy string
}

// publicScalars are the single-text front-matter fields the theme or Hugo
// prints: in the page, its head (title, meta description), listings, feeds
// and the sitemap.
var publicScalars = []string{"title", "description", "linkTitle", "summary", "storyteller.display_name"}

// publicStrings returns every front-matter text of p a reader can see, in
// a fixed order: publicScalars, content_warnings, the terms of every
// taxonomy the site declares (site.Taxonomies; a single text is one term,
// as Hugo reads it), and each media entry's alt and caption. site may be
// nil (then countries and themes stand for the taxonomies). Values of
// other types are skipped: consent.Parse reports them.
func publicStrings(site *content.Site, p *content.Page) []publicField {
	var out []publicField
	for _, k := range publicScalars {
		if v, ok := p.Get(k); ok {
			if str, ok := v.(string); ok && str != "" {
				out = append(out, publicField{Path: k, Value: str, Prose: k == "title" || k == "description"})
			}
		}
	}
	lists := []string{"content_warnings"}
	taxonomies := []string{"countries", "themes"}
	if site != nil && site.Taxonomies != nil {
		taxonomies = site.Taxonomies
	}
	lists = append(lists, taxonomies...)
	for _, k := range lists {
		tax := ""
		if slices.Contains(taxonomies, k) {
			tax = k
		}
		v, ok := p.Get(k)
		if !ok {
			continue
		}
		switch v := v.(type) {
		case string:
			out = append(out, publicField{Path: k, Value: v, Taxonomy: tax})
		case []any:
			for i, e := range v {
				if str, ok := e.(string); ok {
					out = append(out, publicField{Path: fmt.Sprintf("%s[%d]", k, i), Value: str, Taxonomy: tax})
				}
			}
		}
	}
	if media, ok := p.Get("media"); ok {
		if l, ok := media.([]any); ok {
			for i := range l {
				for _, k := range []string{"alt", "caption"} {
					path := fmt.Sprintf("media[%d].%s", i, k)
					if v, ok := p.Get(path); ok {
						if str, ok := v.(string); ok && str != "" {
							out = append(out, publicField{Path: path, Value: str})
						}
					}
				}
			}
		}
	}
	return out
}
