// Package check runs Storyguard's rules over a loaded site (DESIGN.md
// "Checks"; RULES.md in this folder lists every rule id, its severity and
// what makes it fire). Three kinds of rule: a Rule judges one page, a
// BundleRule the translations of one bundle, a SiteRule every story of the
// site at once (consistency between bundles). Run parses each page once
// (consent.Parse) and returns the parsed stories with the findings
// (Report), for the pipeline's plan.
//
// What it reads: Run and DefaultRules read only the content.Site they are
// given (front matter and body as content.LoadSite parsed them), never a
// file. The vault's rules read more: RegistryRules the decrypted registry
// and scanner passed in and the media originals under <vault>/media
// (their bytes, for media-format and the review-media digests);
// WithdrawnRule the withdrawals VaultRules reads from <vault>/audit.log.
// Site loads content/ under the site root and runs all of them.
package check

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

// Rule is one check. A rule is constructed once, before any page is
// checked, and must be safe for concurrent use: Run calls Check for many
// pages at once.
type Rule interface {
	// ID is the stable kebab-case rule id printed in every finding.
	ID() string
	// Severity is the level of the rule's findings.
	Severity() diag.Severity
	// Check returns the rule's findings for one page. s is the page's
	// parsed front matter (s.Page the page itself); c is private to this
	// page and carries the clock and the page's prose. Check is not
	// called for invalid pages, drafts, or withdrawn or refused stories.
	Check(c *Context, s *consent.Story) []diag.Diagnostic
}

// BundleRule is a rule over all the translations of one page bundle at
// once (content/stories/<slug>/index.md and index.es.md). Run calls it
// once per bundle with every loaded, valid page of the bundle.
type BundleRule interface {
	ID() string
	Severity() diag.Severity
	CheckBundle(c *Context, stories []*consent.Story) []diag.Diagnostic
}

// SiteRule is a rule over every story of the site at once: consistency
// between bundles (one byline per person, one bundle per story_id, one
// story per media id). Run calls CheckSite once, after every page is
// parsed, with the parsed front matter of every page that loaded (drafts,
// withdrawn and refused stories included, so that a live copy of a
// withdrawn bundle is still found). Each finding carries its own rule id;
// Run keeps only those on pages it checks (not drafts, withdrawn or
// refused), like the findings of page rules.
type SiteRule interface {
	CheckSite(c *Context, stories []*consent.Story) []diag.Diagnostic
}

// Context is what a rule may read besides the page. Run makes one per page
// (or bundle); a rule must not keep it.
type Context struct {
	// Now is the day of the check, at 00:00 UTC.
	Now time.Time
	// Site is the whole loaded site.
	Site *content.Site

	prose *Prose
}

// Prose returns the page's public prose (title, description, body text
// outside code), built once per page.
func (c *Context) Prose(s *consent.Story) *Prose {
	if c.prose == nil {
		c.prose = buildProse(s.Page)
	}
	return c.prose
}

// Options configures Run.
type Options struct {
	// Now is the time the check runs at; only its calendar date (UTC)
	// counts. Zero means time.Now().
	Now time.Time
	// Rules are appended to DefaultRules(), for example the registry's
	// leak rules. A value that also implements BundleRule is called per
	// bundle as well.
	Rules []Rule
	// BundleRules are appended to DefaultBundleRules().
	BundleRules []BundleRule
	// SiteRules run once over the whole site (ConsistencyRules).
	SiteRules []SiteRule
}

// Report is what Run found: every diagnostic, sorted by file, line and
// column, and the stories it parsed, so that no caller parses a page
// again.
type Report struct {
	Diagnostics []diag.Diagnostic
	// Stories holds the parsed front matter of each page, in site.Pages
	// order, one for every page (for a page that could not be loaded,
	// only Page is set).
	Stories []*consent.Story
}

// RuleNotPublished is the info-level finding for a page that is not
// published and not checked further: a draft, or a story whose consent is
// withdrawn or refused (DESIGN.md "Checks": reported, not an error).
const RuleNotPublished = "not-published"

// RuleStoryInGit is the warning on a story page file that git tracks
// (publish.StoriesInGit): its text lives on in every clone and in the
// history even after a withdrawal (DESIGN.md "Where stories live: outside
// git").
const RuleStoryInGit = "story-in-git"

// Run checks every page of site with DefaultRules() and opts.Rules, each
// bundle with the bundle rules, the whole site with opts.SiteRules, and
// returns every finding, load problems included, sorted by file, line and
// column, with the stories it parsed (Report). Each page is parsed once. Pages are checked in parallel on all cores. A page that could not
// be loaded gets no further checks (its load errors already block it). A
// draft page and a withdrawn or refused story get one info finding,
// not-published, and their consent problems are reported as warnings: they
// are not published, so nothing on them blocks publication.
func Run(site *content.Site, opts Options) Report {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = consent.Day(now.UTC())
	rules := append(DefaultRules(), opts.Rules...)
	bundleRules := append(DefaultBundleRules(), opts.BundleRules...)
	for _, r := range opts.Rules {
		if br, ok := r.(BundleRule); ok {
			bundleRules = append(bundleRules, br)
		}
	}

	stories := make([]*consent.Story, len(site.Pages))
	results := make([][]diag.Diagnostic, len(site.Pages))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(site.Pages) {
					return
				}
				stories[i], results[i] = checkPage(site, now, rules, site.Pages[i])
			}
		})
	}
	wg.Wait()
	for i, s := range stories {
		if s == nil { // a rule panicked before the page was parsed
			stories[i] = &consent.Story{Page: site.Pages[i]}
		}
	}

	out := append([]diag.Diagnostic(nil), site.Diagnostics...)
	for _, ds := range results {
		out = append(out, ds...)
	}
	byBundle := map[string][]*consent.Story{}
	var valid []*consent.Story
	var bundles []string
	checked := map[string]bool{}
	for _, s := range stories {
		if s == nil || s.Page.Invalid {
			continue
		}
		valid = append(valid, s)
		checked[s.Page.Path] = skipReason(s) == ""
		b := s.Page.Bundle
		if _, ok := byBundle[b]; !ok {
			bundles = append(bundles, b)
		}
		byBundle[b] = append(byBundle[b], s)
	}
	for _, b := range bundles {
		group := byBundle[b]
		if len(group) < 2 {
			continue
		}
		for _, r := range bundleRules {
			out = append(out, r.CheckBundle(&Context{Now: now, Site: site}, group)...)
		}
	}
	for _, r := range opts.SiteRules {
		for _, d := range r.CheckSite(&Context{Now: now, Site: site}, valid) {
			if checked[d.File] {
				out = append(out, d)
			}
		}
	}
	diag.Sort(out)
	return Report{Diagnostics: out, Stories: stories}
}

func checkPage(site *content.Site, now time.Time, rules []Rule, p *content.Page) (s *consent.Story, ds []diag.Diagnostic) {
	defer func() {
		// A rule that panics must not pass a page silently: it becomes an
		// error on that page.
		if r := recover(); r != nil {
			ds = append(ds, diag.Diagnostic{File: p.Path, Rule: "internal-error", Severity: diag.Error,
				Message: fmt.Sprintf("a check failed on this page (%v); it cannot be published until this is fixed", r)})
		}
	}()
	if p.Invalid {
		return &consent.Story{Page: p}, nil
	}
	s, pds := consent.Parse(p)
	if reason := skipReason(s); reason != "" {
		line, col := p.FieldPosition(reasonField(s))
		ds = append(ds, diag.Diagnostic{File: p.Path, Line: line, Col: col, Rule: RuleNotPublished, Severity: diag.Info, Message: reason})
		for _, d := range pds {
			d.Severity = min(d.Severity, diag.Warning)
			ds = append(ds, d)
		}
		return s, ds
	}
	ds = pds
	c := &Context{Now: now, Site: site}
	for _, r := range rules {
		ds = append(ds, r.Check(c, s)...)
	}
	return s, ds
}

func skipReason(s *consent.Story) string {
	if s.Draft {
		return "draft: not published and not checked further"
	}
	if s.Consent != nil {
		switch s.Consent.Status {
		case consent.Withdrawn:
			return "consent withdrawn: not published (publish removes it if it is live)"
		case consent.Refused:
			return "consent refused: not published (publish removes it if it is live)"
		}
	}
	return ""
}

func reasonField(s *consent.Story) string {
	if s.Draft {
		return "draft"
	}
	return "consent.status"
}

// Publishable returns the pages of site that may be published according to
// ds, which must be Run's result for site: pages that loaded, are not
// drafts, withdrawn or refused (no not-published finding), and have no
// finding at error level in their own file. A translation is judged on its
// own: index.es.md may be publishable while index.md is not. Findings on
// files that are no page (a media file in content/, a symlink) make no page
// unpublishable here, but DESIGN.md says any error blocks the whole
// publication: a publisher must also refuse when diag.HasErrors(ds).
func Publishable(site *content.Site, ds []diag.Diagnostic) []*content.Page {
	blocked := map[string]bool{}
	for _, d := range ds {
		if d.Severity == diag.Error || d.Rule == RuleNotPublished {
			blocked[d.File] = true
		}
	}
	var out []*content.Page
	for _, p := range site.Pages {
		if !p.Invalid && !blocked[p.Path] {
			out = append(out, p)
		}
	}
	return out
}

// finding builds a diagnostic for rule r at byte offset off of s's page.
func finding(r interface {
	ID() string
	Severity() diag.Severity
}, s *consent.Story, off int, format string, args ...any) diag.Diagnostic {
	line, col := s.Page.Position(off)
	return diag.Diagnostic{File: s.Page.Path, Line: line, Col: col, Rule: r.ID(), Severity: r.Severity(), Message: fmt.Sprintf(format, args...)}
}

// consentDiff returns the field paths ("consent.channels") where the
// parsed consents a and b differ, in the order of the Consent type; nil
// when they are the same consent. Lists (channels, languages) compare as
// sets, dates as calendar dates, so order and front-matter format (a TOML
// date, a YAML string) do not count. Both are non-nil.
func consentDiff(a, b *consent.Consent) []string {
	var out []string
	add := func(path string, same bool) {
		if !same {
			out = append(out, path)
		}
	}
	add("consent.record", a.Record == b.Record)
	add("consent.status", a.Status == b.Status)
	add("consent.given", a.Given.Equal(b.Given))
	add("consent.expires", a.Expires.Equal(b.Expires))
	add("consent.withdrawn", a.Withdrawn.Equal(b.Withdrawn))
	add("consent.channels", sameSet(a.Channels, b.Channels))
	add("consent.languages", sameSet(a.Languages, b.Languages))
	add("consent.identifiers.name", a.Identifiers.Name == b.Identifiers.Name)
	add("consent.identifiers.face", a.Identifiers.Face == b.Identifiers.Face)
	add("consent.identifiers.voice", a.Identifiers.Voice == b.Identifiers.Voice)
	add("consent.identifiers.location", a.Identifiers.Location == b.Identifiers.Location)
	add("consent.search_engines", a.SearchEngines == b.SearchEngines)
	add("consent.minor", a.Minor == b.Minor)
	add("consent.guardian_record", a.GuardianRecord == b.GuardianRecord)
	return out
}

// sameSet reports whether a and b hold the same strings, ignoring order
// and repetition.
func sameSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}
