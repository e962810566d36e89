package publish

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"storyguard/tools/diag"
	"storyguard/tools/identity"
)

// Finding is one registry match in a file: byte offsets into the data
// scanned and the person id. It carries no term text.
type Finding struct {
	Start, End int
	PersonID   string
	Kind       string
}

// OutputScan is what ScanOutput checks a built site against.
type OutputScan struct {
	// Dir is Hugo's output folder.
	Dir string
	// Leaks returns the registry matches in one file (path is slash-separated
	// and relative to Dir). Required.
	Leaks func(path string, data []byte) []Finding
	// VerifyImage proves an image file clean of metadata (media.Verify).
	// Required.
	VerifyImage func(path string, data []byte) error
	// MediaPrefix is the URL prefix under which media objects are served:
	// media_base_url + "media/" resolved against the site's base URL, for
	// example "/media/" or "https://cdn.example.org/media/".
	MediaPrefix string
	// MediaKeys is the set of object keys the manifest lists ("media/...").
	MediaKeys map[string]bool
	// BaseURL is the site's base URL; image URLs under it must be files in
	// Dir that pass VerifyImage.
	BaseURL string
	// Unindexed are the texts of the stories whose consent says no search
	// engines (Story.Unindexed): output-noindex.
	Unindexed []UnindexedText
	// Social maps a story id to the languages in which its consent
	// includes the social channel (Story.Social): a share preview image
	// (og:image, twitter:image) of its media on a page in another language
	// is output-social. A story id absent from the map has none.
	Social map[string][]string
}

// UnindexedText is one text a reader sees of a story whose consent says
// search_engines: false.
type UnindexedText struct {
	StoryID string
	// Field is "title", "description" or "byline".
	Field string
	// Text is the text as written in front matter; it is matched folded
	// (identity.Normalise: case, accents, spacing, markup) on whole words,
	// and never printed.
	Text string
}

// noindexMeta finds the robots meta element that keeps a page out of
// search engines (the theme's baseof.html and alias.html write it).
var noindexMeta = regexp.MustCompile(`(?i)<meta\s+name=["']?robots["']?\s+content=["'][^"']*noindex`)

// unindexedOn returns the findings for an indexable file rel (an HTML page
// without noindexMeta, or an XML feed or sitemap): each UnindexedText it
// carries, by story id and field.
func unindexedOn(rel string, data []byte, texts []UnindexedText, folded func(string) string) []string {
	if len(texts) == 0 {
		return nil
	}
	ext := strings.ToLower(path.Ext(rel))
	if ext != ".html" && ext != ".htm" && ext != ".xml" || noindexMeta.Match(data) {
		return nil
	}
	return unindexedIn("indexable page", string(data), texts, folded)
}

// identityFold is the folding unindexedIn matches with.
var identityFold = identity.Normalise

// unindexedIn returns the findings for a public text that search engines
// or the site search read: each UnindexedText it carries, by story id and
// field, matched folded on whole words; where names the text ("indexable
// page", "search index").
func unindexedIn(where, text string, texts []UnindexedText, folded func(string) string) []string {
	if len(texts) == 0 {
		return nil
	}
	page := " " + folded(text) + " "
	var out []string
	for _, t := range texts {
		f := strings.TrimSpace(folded(t.Text))
		if f == "" {
			continue
		}
		if strings.Contains(page, " "+f+" ") {
			out = append(out, fmt.Sprintf("%s carries the %s of story %s, whose consent says no search engines; list it only on noindex pages", where, t.Field, t.StoryID))
		}
	}
	return out
}

// imageURL finds URLs and paths that end in an image extension, in HTML,
// XML, JSON and CSS alike. It is deliberately broad: anything that looks like
// an image reference must be accounted for.
var imageURL = regexp.MustCompile(`(?i)[^\s"'<>()\\,=]+\.(?:jpe?g|png|webp|gif|avif|heic|heif|tiff?|bmp|svg|ico)\b`)

// textExt are the output files scanned as text for leaks and image URLs.
var textExt = map[string]bool{
	".html": true, ".htm": true, ".xml": true, ".json": true, ".txt": true,
	".css": true, ".js": true, ".svg": true, ".webmanifest": true, ".md": true,
}

// plainTextNames are extensionless files a static host reads as text: the
// HTTP headers and redirects files of Netlify and Cloudflare Pages.
var plainTextNames = map[string]bool{"_headers": true, "_redirects": true}

// fontIconMagic are the first bytes of the binary formats let through by
// name: WOFF2 and WOFF (W3C WOFF File Format 2.0 §3, 1.0 §3) and ICO.
var fontIconMagic = map[string][]byte{".woff2": []byte("wOF2"), ".woff": []byte("wOFF"), ".ico": {0, 0, 1, 0}}

// imageExt are the output files verified as images.
var imageExt = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".webp": true}

// ScanOutput walks every file Hugo wrote and returns one diagnostic per
// problem, with rule ids:
//
//   - output-leak: a registry name or detail in any text file (HTML, XML
//     feeds, sitemap, JSON, CSS, JS, SVG), at its line and column;
//   - output-image: an image URL that is neither a media object the manifest
//     lists nor a file in the output; an image on another host (a
//     third-party request);
//   - output-noindex: an indexable page (HTML without a robots noindex
//     meta element, or an XML feed or sitemap) that carries the title,
//     description or byline of a story whose consent says no search
//     engines (o.Unindexed), matched folded on whole words;
//   - output-search: a file of the Pagefind search index (SearchDir) that
//     is not what Pagefind writes, or that lists a page that is not in the
//     build or may not be found (scanPagefind); the index's compressed
//     files are read decompressed for every other rule;
//   - output-social: a share preview image (og:image, twitter:image) that
//     is not a photo of a story whose consent includes the social channel
//     in the page's language (o.Social);
//   - output-media: an image file in the output that fails verification, or
//     a file of a kind Storyguard cannot prove clean (gif, svg with
//     metadata, anything not text and not a verified image).
//
// Any diagnostic here is an error: a leak in the built output means nothing
// is deployed. I/O failures are returned as the error.
func ScanOutput(o OutputScan) ([]diag.Diagnostic, error) {
	base, err := url.Parse(o.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", o.BaseURL, err)
	}
	var ds []diag.Diagnostic
	add := func(file string, data []byte, off int, rule, msg string) {
		d := diag.Diagnostic{File: file, Rule: rule, Severity: diag.Error, Message: msg}
		if data != nil {
			d.Line, d.Col = position(data, off)
		}
		ds = append(ds, d)
	}
	err = filepath.WalkDir(o.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(o.Dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			add(rel, nil, 0, "output-media", "not a regular file")
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ext := strings.ToLower(path.Ext(rel))
		if plainTextNames[path.Base(rel)] {
			ext = ".txt"
		}
		for _, f := range o.Leaks(rel, []byte(rel)) {
			add(rel, nil, 0, "output-leak", fmt.Sprintf("file name matches registry person %s (%s)", f.PersonID, f.Kind))
		}
		switch {
		case pagefindExt[ext]:
			o.scanPagefind(base, rel, data, add)
		case textExt[ext] && (!utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0):
			// A photo renamed .txt or .css would pass as text: a file
			// named as text must be text.
			add(rel, nil, 0, "output-media", fmt.Sprintf("named %q but not UTF-8 text; binary files cannot be proved clean", ext))
		case textExt[ext]:
			for _, f := range o.Leaks(rel, data) {
				add(rel, data, f.Start, "output-leak", fmt.Sprintf("matches registry person %s (%s)", f.PersonID, f.Kind))
			}
			for _, msg := range unindexedOn(rel, data, o.Unindexed, identity.Normalise) {
				add(rel, nil, 0, "output-noindex", msg)
			}
			for _, f := range o.socialImages(data) {
				add(rel, data, f.off, "output-social", f.msg)
			}
			for _, loc := range imageURL.FindAllIndex(data, -1) {
				ref := string(data[loc[0]:loc[1]])
				if msg := o.checkImageRef(base, rel, ref); msg != "" {
					add(rel, data, loc[0], "output-image", msg)
				}
			}
			if ext == ".svg" && bytes.Contains(bytes.ToLower(data), []byte("<metadata")) {
				add(rel, data, bytes.Index(bytes.ToLower(data), []byte("<metadata")), "output-media", "SVG carries a metadata element")
			}
		case imageExt[ext]:
			if err := o.VerifyImage(rel, data); err != nil {
				add(rel, nil, 0, "output-media", fmt.Sprintf("image fails verification: %v", err))
			}
		case (ext == ".woff2" || ext == ".woff" || ext == ".ico") && !bytes.HasPrefix(data, fontIconMagic[ext]):
			add(rel, nil, 0, "output-media", fmt.Sprintf("named %q but its bytes are not that format", ext))
		case ext == ".ico" || ext == ".woff2" || ext == ".woff":
			// Fonts and icons: no personal metadata fields to carry, but a
			// leak scan of the bytes still applies.
			for _, f := range o.Leaks(rel, data) {
				add(rel, nil, 0, "output-leak", fmt.Sprintf("matches registry person %s (%s)", f.PersonID, f.Kind))
			}
		default:
			add(rel, nil, 0, "output-media", fmt.Sprintf("file type %q cannot be proved clean; remove it from the site", ext))
		}
		return nil
	})
	diag.Sort(ds)
	return ds, err
}

// checkImageRef returns "" when ref, found in file rel, is accounted for:
// a manifest media object, or a file in the output. Otherwise it returns why.
func (o OutputScan) checkImageRef(base *url.URL, rel, ref string) string {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "data:") {
		return "inline data: image URL; images must be media objects"
	}
	if o.MediaPrefix != "" && strings.HasPrefix(ref, o.MediaPrefix) {
		key := "media/" + strings.TrimPrefix(ref, o.MediaPrefix)
		if !o.MediaKeys[key] {
			return "media URL is not a consented object in data/media.json"
		}
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "unparseable image URL"
	}
	if u.Scheme != "" || u.Host != "" {
		if u.Host != base.Host {
			return fmt.Sprintf("image on another host %q: no third-party requests", u.Host)
		}
		if mediaPath := strings.TrimPrefix(u.Path, strings.TrimSuffix(base.Path, "/")); strings.HasPrefix(mediaPath, "/media/") {
			if !o.MediaKeys[strings.TrimPrefix(mediaPath, "/")] {
				return "media URL is not a consented object in data/media.json"
			}
			return ""
		}
	}
	// A path: relative to the file, or absolute under the base URL.
	p := u.Path
	if !strings.HasPrefix(p, "/") {
		// Relative to the file. A bare word with an image extension in prose
		// ("photo.jpg") is treated as a reference too: fail closed.
		p = path.Join("/", path.Dir(rel), p)
	} else {
		p = strings.TrimPrefix(p, strings.TrimSuffix(base.Path, "/"))
	}
	if strings.HasPrefix(p, "/media/") {
		if !o.MediaKeys[strings.TrimPrefix(p, "/")] {
			return "media URL is not a consented object in data/media.json"
		}
		return ""
	}
	if _, err := os.Stat(filepath.Join(o.Dir, filepath.FromSlash(path.Clean(p)))); err != nil {
		return "image URL points at no file in the built site"
	}
	return ""
}

// position converts a byte offset to a 1-based line and byte column.
func position(data []byte, off int) (int, int) {
	off = min(max(off, 0), len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	return line, off - bytes.LastIndexByte(data[:off], '\n')
}
