package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/manifest"
	"storyguard/tools/store"
	"storyguard/tools/vault"
)

// The first phase of a withdrawal (issue #17): the story's own pages and
// photos go out of reach within a second of the start, at any site size.
// Withdraw takes the lease, finds the story by parsing only the files that
// can be its own (findOwn), records "started", and deletes its prefixes
// (purgeOwn) before the full check, the rebuild or anything else reads
// the rest of the site. When findOwn cannot tell the story's prefixes for
// sure, Withdraw says why and runs in the full order (check first).

// errNotSure is wrapped by findOwn's errors: the story's own files could
// not be told apart for sure from the files alone, so the withdrawal must
// find the story through the full check. No such error repeats the
// story argument (it may be a name typed by mistake).
var errNotSure = errors.New("the story's own files could not be found for sure without the full check")

// ownStory is what findOwn found: the story as PlanSite would plan it
// (ID, Bundle, Files, Langs, PagePrefixes, ConsentRecords, Media), and
// how many content files were parsed to find it.
type ownStory struct {
	Story
	// Parsed is the number of content files parsed (content.LoadPage).
	Parsed int
}

// findOwn finds the story that name names (consent.NamesStory: its
// story_id, bundle path or slug) under <root>/content by parsing only the
// files that can be its own. When name is a well-formed story id that the
// vault's story index (StoryIndexPath, written by each publish) records,
// only that bundle's files are read and parsed; otherwise, or when they
// do not name it (the index is stale), it parses only the files whose
// bundle name names and, when name is a well-formed story id, reads
// every Markdown file as content.LoadSite does to parse those whose bytes
// hold it too (a story_id can only equal name if its file holds it). It reads the configuration too (the languages, for
// PagePrefix).
//
// The result is for sure, or an error wrapping errNotSure: the story's
// pages are found by consent.FindStory (one bundle among the files
// parsed, every matching page loadable), every one of them has the same
// well-formed story_id, and every Markdown file of the bundle's folder
// that belongs to the bundle (content.BundleOf) was among those parsed
// and loads. Its PagePrefixes are PagePrefix of each page, the rule
// planning uses. Found through the index, a second bundle carrying the
// same story_id elsewhere is not seen here: the full check that follows
// the first phase refuses it, as before, after the indexed story's own
// objects are gone. A story that lives only in the story store, not
// under content/, is not found here.
func findOwn(root, vaultDir, name string) (ownStory, error) {
	if name == "" {
		return ownStory{}, fmt.Errorf("no story named: %w", errNotSure)
	}
	parsed := 0
	if consent.SafeStoryID(name) == name {
		if d := indexedBundle(vaultDir, name); d != "" {
			own, err := findOwnIn(root, name, func(rel string) bool { return bundleDigest(content.BundleOf(rel)) == d }, nil)
			if err == nil {
				return own, nil
			}
			parsed = own.Parsed
		}
	}
	// Only a well-formed story id needs the bytes read: a slug or bundle
	// path is matched by path alone, and a page whose malformed story_id
	// equals it is refused by the full check that follows (two stories
	// under one name), as before.
	var byBytes func(string, []byte) bool
	if consent.SafeStoryID(name) == name {
		needle := []byte(name)
		byBytes = func(_ string, raw []byte) bool { return bytes.Contains(raw, needle) }
	}
	own, err := findOwnIn(root, name, func(rel string) bool { return consent.NamesStory(name, "", content.BundleOf(rel)) }, byBytes)
	own.Parsed += parsed
	return own, err
}

// findOwnIn is findOwn over the files content.LoadMatching parses with
// byPath and byBytes.
func findOwnIn(root, name string, byPath func(string) bool, byBytes func(string, []byte) bool) (ownStory, error) {
	s, err := content.LoadMatching(root, byPath, byBytes)
	if err != nil {
		return ownStory{}, fmt.Errorf("%w: %w", errNotSure, err)
	}
	own := ownStory{Parsed: len(s.Pages)}
	pages, err := consent.FindStory(s, name)
	if err != nil {
		return own, fmt.Errorf("%w: %w", errNotSure, err)
	}
	bundle := pages[0].Bundle
	loaded := map[string]*content.Page{}
	for _, p := range s.Pages {
		if p.Bundle == bundle {
			loaded[p.Path] = p
		}
	}
	// Every file of the bundle must have been parsed: a translation
	// without the story_id is a page of the story that the byte match did
	// not pick up.
	dir := path.Dir(pages[0].Path)
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
	if err != nil {
		return own, fmt.Errorf("%w: read %s: %w", errNotSure, dir, err)
	}
	for _, e := range entries {
		rel := dir + "/" + e.Name()
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !content.IsMarkdown(rel) || content.BundleOf(rel) != bundle {
			continue
		}
		if loaded[rel] == nil {
			return own, fmt.Errorf("%w: %s belongs to the story's bundle but does not name it", errNotSure, rel)
		}
	}
	st := Story{Bundle: bundle}
	for _, p := range slices.Sorted(maps.Keys(loaded)) {
		pg := loaded[p]
		if pg.Invalid {
			return own, fmt.Errorf("%w: %s does not load", errNotSure, p)
		}
		if !consent.IsStoryPage(pg) {
			continue // PlanSite leaves it out of the story too
		}
		cs, _ := consent.Parse(pg)
		if cs == nil || cs.ID == "" || consent.SafeStoryID(cs.ID) != cs.ID || (st.ID != "" && cs.ID != st.ID) {
			return own, fmt.Errorf("%w: %s has no story_id, a malformed one, or another than its translations", errNotSure, p)
		}
		st.ID = cs.ID
		st.Files = append(st.Files, pg.Path)
		st.Langs = append(st.Langs, pg.Lang)
		st.PagePrefixes = append(st.PagePrefixes, PagePrefix(s, pg))
		if c := cs.Consent; c != nil && c.Record != "" && !slices.Contains(st.ConsentRecords, c.Record) {
			st.ConsentRecords = append(st.ConsentRecords, c.Record)
		}
		for _, m := range cs.Media {
			if !slices.Contains(st.Media, m.ID) {
				st.Media = append(st.Media, m.ID)
			}
		}
	}
	if st.ID == "" {
		return own, fmt.Errorf("%w: the bundle holds no story page", errNotSure)
	}
	own.Story = st
	return own, nil
}

// ownMediaOutside returns the keys that the published media manifest
// (<root>/data/media.json) lists for the story s (entries whose story_id
// is s.ID, or whose media id s places) outside media/<s.ID>/, sorted.
// Publish keys every medium of a story under that prefix, so this is
// empty unless the manifest was written otherwise; purgeOwn says so,
// since the first phase does not delete them. An unreadable manifest is
// an error (the prefix is deleted all the same).
func ownMediaOutside(root string, s Story) ([]string, error) {
	m, err := manifest.Read(filepath.Join(root, "data", "media.json"))
	if err != nil {
		return nil, err
	}
	prefix := "media/" + s.ID + "/"
	var out []string
	for id, e := range m.Media {
		if e.StoryID != s.ID && !slices.Contains(s.Media, id) {
			continue
		}
		for _, o := range append([]manifest.Object{e.Object}, e.Variants...) {
			if !strings.HasPrefix(o.Key, prefix) {
				out = append(out, o.Key)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// purgeOwn is the first phase's deletion: every version, delete marker
// and incomplete upload under media/<id>/ and under each of the story's
// page prefixes (store.PurgePrefix, the function purgeStory uses), media
// first, counted into res.Removed, with res.PurgeURLs set to the story's
// own URLs. It returns the keys that held anything, each prefix included.
// Nothing else of the site is read or touched: the search index and the
// pages that list the story follow in the rest of the withdrawal.
func purgeOwn(ctx context.Context, st Store, o WithdrawOptions, s Story, res *WithdrawResult) ([]string, error) {
	var removed []string
	var n store.PurgeReport
	for _, prefix := range append([]string{"media/" + s.ID + "/"}, s.PagePrefixes...) {
		pr, err := store.PurgePrefix(ctx, st, prefix)
		if err != nil {
			return removed, fmt.Errorf("delete %s: %w", prefix, err)
		}
		removed = append(removed, pr.Keys...)
		removed = append(removed, prefix)
		n.Versions += pr.Versions
		n.DeleteMarkers += pr.DeleteMarkers
		n.Uploads += pr.Uploads
	}
	res.Removed.Versions += n.Versions
	res.Removed.DeleteMarkers += n.DeleteMarkers
	res.Removed.Uploads += n.Uploads
	res.PurgeURLs = PublicURLs(o.BaseURL, removed)
	o.logf("withdraw %s: own pages and media gone before the check: %d object versions, %d delete markers, %d incomplete uploads removed", s.ID, n.Versions, n.DeleteMarkers, n.Uploads)
	outside, err := ownMediaOutside(o.Root, s)
	switch {
	case err != nil:
		o.logf("withdraw %s: data/media.json could not be read, so media keys outside media/%s/ were not looked for; the rebuild prunes any the site no longer places", s.ID, s.ID)
	case len(outside) > 0:
		o.logf("withdraw %s: data/media.json lists %d media objects of the story outside media/%s/; the rebuild prunes them if no other page places them", s.ID, len(outside), s.ID)
	}
	return removed, nil
}

// StoryIndexPath is the vault's story index, <vault>/state/stories.json:
// {"st-7q2k9m": "<64 hex>", ...}, each story id of the last publish's plan
// with bundleDigest of its bundle: ids and digests only, as a folder name
// may hold anything an editor typed, a name included. It only speeds up
// finding a story on withdrawal (findOwn matches the digest against the
// content tree's paths, reading no file, then checks the story's own
// files).
func StoryIndexPath(vaultDir string) string {
	return filepath.Join(vault.StateDir(vaultDir), "stories.json")
}

// bundleDigest is the lowercase hex SHA-256 of "storyguard-bundle-v1\n"
// and a bundle path relative to content/ ("stories/ana").
func bundleDigest(bundle string) string {
	sum := sha256.Sum256([]byte("storyguard-bundle-v1\n" + bundle))
	return hex.EncodeToString(sum[:])
}

// writeStoryIndex writes plan's story ids and bundle digests to
// StoryIndexPath, atomically.
func writeStoryIndex(vaultDir string, plan *Plan) error {
	idx := make(map[string]string, len(plan.Stories))
	for _, s := range plan.Stories {
		if consent.SafeStoryID(s.ID) == s.ID {
			idx[s.ID] = bundleDigest(s.Bundle)
		}
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	p := StoryIndexPath(vaultDir)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return content.WriteFileAtomic(p, data)
}

// indexedBundle returns the bundle digest StoryIndexPath records for id;
// "" when it records none or cannot be read.
func indexedBundle(vaultDir, id string) string {
	data, err := os.ReadFile(StoryIndexPath(vaultDir))
	if err != nil {
		return ""
	}
	var idx map[string]string
	if json.Unmarshal(data, &idx) != nil {
		return ""
	}
	return idx[id]
}
