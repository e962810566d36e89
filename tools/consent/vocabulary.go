package consent

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"storyguard/tools/content"
)

// Rule ids for the front-matter vocabulary, reported by Parse. Both are
// errors.
const (
	// RuleUnknownKey: a front-matter key that is neither in Storyguard's
	// vocabulary (DESIGN.md "Content model") nor a Hugo key the page may
	// use, at any nesting level Storyguard reads.
	RuleUnknownKey = "frontmatter-unknown"
	// RuleRefusedKey: a Hugo front-matter key that can shadow or inject a
	// checked field, render the body other than as checked, or put the page
	// somewhere check does not look.
	RuleRefusedKey = content.RuleRefused
)

// keySet is one mapping's vocabulary: lowercased key -> spelling to suggest.
type keySet map[string]string

func newKeySet(keys ...string) keySet {
	s := keySet{}
	for _, k := range keys {
		s[strings.ToLower(k)] = k
	}
	return s
}

// Storyguard's own keys, by mapping (DESIGN.md "Content model"). They are
// written exactly so: Hugo lowercases the keys of front-matter mappings but
// not of mappings inside lists (media[i]), so "Alt" would be read by check
// and missed by the theme.
var (
	storytellerKeys = newKeySet("display_name", "name_kind", "person", "preferred_term")
	consentKeys     = newKeySet("record", "status", "given", "expires", "withdrawn", "channels", "languages",
		"identifiers", "search_engines", "minor", "guardian_record")
	identifierKeys = newKeySet("name", "face", "voice", "location")
	reviewKeys     = newKeySet("approved", "approved_sha256", "approved_media_sha256")
	mediaKeys      = newKeySet("id", "alt", "caption", "depicts", "face_visible")
)

// storyKeys are the top-level keys a story page may carry: Storyguard's
// fields, the taxonomies of config.toml (countries, themes) and the Hugo
// keys that neither route nor re-shape the page (title, description,
// dates, draft, weight). Hugo keys are matched case-insensitively as Hugo
// does; Storyguard's snake_case keys must be written as listed.
var storyKeys = newKeySet("title", "description", "date", "lastmod", "publishDate", "expiryDate", "unpublishDate",
	"draft", "weight",
	"story_id", "storyteller", "consent", "review", "content_warnings", "countries", "themes", "media")

// storyguardKeys are the keys written exactly (case-sensitive).
var storyguardKeys = newKeySet("story_id", "storyteller", "consent", "review", "content_warnings", "countries",
	"themes", "media", "mission", "figures", "give", "fundraising", "featured_stories")

// pageKeys are the top-level keys of any other page (advocacy, partners,
// about, section and home pages): storyKeys, Hugo's routing and listing keys
// (they route no story: a page with story fields is a story), the keys
// the theme reads on the home page (mission, figures, give), and those of a
// fundraising page (fundraising, featured_stories: check's
// fundraising-channel rule).
var pageKeys = func() keySet {
	s := newKeySet("linkTitle", "summary", "keywords", "menus", "menu", "aliases", "url", "slug", "type", "layout",
		"translationKey", "sitemap", "build", "headless", "outputs", "isCJKLanguage",
		"mission", "figures", "give", "fundraising", "featured_stories")
	for k, v := range storyKeys {
		s[k] = v
	}
	return s
}()

// refusedEverywhere are Hugo keys no page may carry, with the reason.
// Source: Hugo v0.165.0 hugolib/page__meta.go (setMetaPostParams: "params"
// is merged over the page's own keys; "cascade" fills keys of this page and
// every page below it; "published" sets draft), resources/page/pagemeta
// (PageConfigEarly: "markup" picks the renderer, "sites" the languages a page
// is built in).
var refusedEverywhere = map[string]string{
	"params":    "Hugo merges this mapping over the page's own fields, so the theme would render values that check never read; write each field once, at the top level",
	"cascade":   "Hugo copies these values into this page and every page below it, where check does not read them; write each page's fields in that page",
	"markup":    "it makes Hugo render the body with another renderer than the Markdown check reads (html would publish raw HTML); remove it",
	"sites":     "it makes Hugo build the page in languages or sites other than its file name says, which consent is checked for; use index.<lang>.md files",
	"resources": "it renames or re-describes bundle files; media live in the vault and are placed by id, never as bundle resources",
	"_build":    "build options can list or render a page where check does not expect it; remove them",
	"published": "Hugo reads it as the opposite of draft; write draft: true or false instead",
}

// refusedOnStories are Hugo keys a story may not carry, with the reason.
var refusedOnStories = map[string]string{
	"url":            "it publishes the story at another address than its bundle, which withdrawal and the purge list do not know",
	"slug":           "it publishes the story at another address than its bundle, which withdrawal and the purge list do not know",
	"aliases":        "Hugo writes a page for each alias that names the story, which withdrawal does not know",
	"outputs":        "it renders the story in output formats the theme's consent guard does not cover",
	"build":          "build options can list, render or publish a story other than as checked; a story is published whole or not at all",
	"headless":       "a headless story is not rendered as checked; a story is published whole or not at all",
	"sitemap":        "the sitemap follows consent.search_engines, never a page setting",
	"layout":         "another layout would skip the byline, content warnings and consent guard of the story template",
	"type":           "another content type would skip the byline, content warnings and consent guard of the story template",
	"translationkey": "it links the story to pages of other bundles as translations; a story's translations are its bundle's index.<lang>.md files",
	"menus":          "a menu entry would name the story on every page",
	"menu":           "a menu entry would name the story on every page",
	"linktitle":      "it is text the public reads that the storyteller's approval does not cover",
	"summary":        "it is text the public reads that the storyteller's approval does not cover",
	"keywords":       "it is text the public reads that the storyteller's approval does not cover",
	"pubdate":        "write publishDate: one spelling per date",
	"modified":       "write lastmod: one spelling per date",
	"iscjklanguage":  "the story's language comes from its file name",
}

// nearKey is a key that may be printed: letters, digits and underscores
// only. Any other key is described by its position alone.
var nearKey = regexp.MustCompile(`^[A-Za-z0-9_]{1,40}$`)

// suggest returns the key of set nearest to k when it is a near miss: equal
// ignoring case, or within edit distance 1 of a key of up to 5 letters, 2 of
// a longer one. Only such a key may be echoed: anything farther may be
// something else typed in the wrong place, a name included.
func suggest(k string, set keySet) (string, bool) {
	if !nearKey.MatchString(k) {
		return "", false
	}
	lk := strings.ToLower(k)
	best, bestD := "", 99
	for _, c := range slices.Sorted(maps.Keys(set)) {
		d := editDistance(lk, c)
		limit := 1
		if len(c) > 5 {
			limit = 2
		}
		if d <= limit && d < bestD {
			best, bestD = set[c], d
		}
	}
	return best, best != ""
}

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and transpositions of adjacent
// bytes, each 1).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// keys checks every front-matter key of the page against the vocabulary:
// the top level (storyKeys or pageKeys), storyteller, consent,
// consent.identifiers, review and each media entry. A refused Hugo key is
// RuleRefusedKey; any other key outside the vocabulary is RuleUnknownKey,
// naming the key only when it is a near miss of a known one.
func (ps *parser) keys(isStory bool) {
	top := pageKeys
	if isStory {
		top = storyKeys
	}
	fm := ps.p.FrontMatter
	for _, k := range slices.Sorted(maps.Keys(fm)) {
		lk := strings.ToLower(k)
		if why, ok := refusedEverywhere[lk]; ok {
			ps.errAt(RuleRefusedKey, lk, false, "front matter %s: refused: %s", lk, why)
			continue
		}
		if why, ok := refusedOnStories[lk]; ok && isStory {
			ps.errAt(RuleRefusedKey, lk, false, "front matter %s: refused on a story: %s", lk, why)
			continue
		}
		ps.known(k, "", top, storyguardKeys)
	}
	nested := func(path string, set keySet) {
		v, ok := ps.p.Get(path)
		if !ok {
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			ps.known(k, path, set, set)
		}
	}
	nested("storyteller", storytellerKeys)
	nested("consent", consentKeys)
	nested("consent.identifiers", identifierKeys)
	nested("review", reviewKeys)
	if l, ok := ps.p.Get("media"); ok {
		if items, ok := l.([]any); ok {
			for i := range items {
				nested(fmt.Sprintf("media[%d]", i), mediaKeys)
			}
		}
	}
}

// known reports k, a key of the mapping at parent, when it is not in set,
// or when it is in exact but written in another case.
func (ps *parser) known(k, parent string, set, exact keySet) {
	lk := strings.ToLower(k)
	path := lk
	where := "front matter"
	if parent != "" {
		path = parent + "." + lk
		where = "field " + parent
	}
	if want, ok := set[lk]; ok {
		if _, strict := exact[lk]; strict && k != want {
			ps.errAt(RuleUnknownKey, path, false, "%s: key %q is written %q in Storyguard's vocabulary; Hugo does not lowercase every key, so write it exactly so", where, k, want)
		}
		return
	}
	line, _ := ps.p.FieldPosition(path)
	if s, ok := suggest(k, set); ok {
		ps.errAt(RuleUnknownKey, path, false, "%s: unknown key %q (did you mean %q?); the theme would not read it", where, k, s)
		return
	}
	ps.errAt(RuleUnknownKey, path, false, "%s: an unknown key at line %d; the theme would not read it (known keys: %s)", where, line, strings.Join(setNames(set), ", "))
}

func setNames(set keySet) []string {
	return slices.Sorted(maps.Values(set))
}

// NearMiss returns the name of known nearest to typed when typed is a
// near miss of it, by suggest's rule (equal ignoring case, or within edit
// distance 1 of a name of up to 5 letters, 2 of a longer one; typed of
// letters, digits and underscores only). Only the returned known name may
// be printed, never typed: it may be anything, a name included.
func NearMiss(typed string, known []string) (string, bool) {
	set := keySet{}
	for _, k := range known {
		set[strings.ToLower(k)] = k
	}
	return suggest(typed, set)
}
