package publish

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// SearchDir is the folder of the built site that holds the Pagefind search
// index (site.SearchDir), and SearchPrefix its object key prefix, which a
// withdrawal deletes, every version of it, before the rebuild writes a new
// index: a rebuild that fails leaves no search index at all, never a stale
// one naming the withdrawn story.
const (
	SearchDir    = "pagefind"
	SearchPrefix = "site/" + SearchDir + "/"
)

// pagefindExt are the compressed files of a Pagefind 1.6 bundle: gzip
// streams whose plain text starts with pagefindSignature (Pagefind's
// pagefind_web decompress(): fragments are JSON, the rest CBOR, the
// .pagefind files WebAssembly).
var pagefindExt = map[string]bool{".pf_fragment": true, ".pf_index": true, ".pf_meta": true, ".pf_filter": true, ".pagefind": true}

const pagefindSignature = "pagefind_dcd"

// maxPagefindPlain bounds the decompressed size of one index file (64 MiB):
// Pagefind's own files are far smaller, and the scan must not be made to
// hold an unbounded stream in memory.
const maxPagefindPlain = 64 << 20

// decodePagefind returns the plain bytes of one compressed Pagefind file,
// without its signature. A file that is not gzip, is larger than
// maxPagefindPlain decompressed, or lacks the signature is an error.
func decodePagefind(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not gzip: %w", err)
	}
	plain, err := io.ReadAll(io.LimitReader(zr, maxPagefindPlain+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	if len(plain) > maxPagefindPlain {
		return nil, fmt.Errorf("decompresses to more than %d bytes", maxPagefindPlain)
	}
	if !bytes.HasPrefix(plain, []byte(pagefindSignature)) {
		return nil, errors.New("no pagefind_dcd signature after decompression")
	}
	return plain[len(pagefindSignature):], nil
}

// fragment is the part of a Pagefind fragment (one indexed page) that the
// scan checks: its URL. Every string in it is leak-scanned.
type fragment struct {
	URL string `json:"url"`
}

// scanPagefind checks one compressed Pagefind file rel of the built site,
// reading it decompressed, and reports through add (data is the plain
// bytes, so positions are into them):
//
//   - output-search: not a Pagefind file (outside SearchDir, not gzip, no
//     signature, a .pagefind file that is not WebAssembly, a fragment that
//     is not JSON); a fragment of a page that is not in the build, or that
//     is not searchable (no data-pagefind-body, or a robots noindex meta
//     element: a story whose consent says no search engines);
//   - output-leak: a registry match anywhere in the plain bytes, in the
//     strings of a fragment with JSON escapes decoded, or in the CBOR
//     strings (the words) of an index, meta or filter file;
//   - output-noindex: a fragment carrying the title, description or byline
//     of a story whose consent says no search engines;
//   - output-image: an image URL in a fragment that is not accounted for.
func (o OutputScan) scanPagefind(base *url.URL, rel string, data []byte, add func(file string, data []byte, off int, rule, msg string)) {
	if !strings.HasPrefix(rel, SearchDir+"/") {
		add(rel, nil, 0, "output-search", fmt.Sprintf("a Pagefind file outside %s/; the search index lives there only", SearchDir))
		return
	}
	plain, err := decodePagefind(data)
	if err != nil {
		add(rel, nil, 0, "output-search", fmt.Sprintf("not a Pagefind index file: %v", err))
		return
	}
	for _, f := range o.Leaks(rel, plain) {
		add(rel, plain, f.Start, "output-leak", fmt.Sprintf("matches registry person %s (%s), in the decompressed index", f.PersonID, f.Kind))
	}
	switch path.Ext(rel) {
	case ".pagefind":
		if !bytes.HasPrefix(plain, []byte("\x00asm")) {
			add(rel, nil, 0, "output-search", "a .pagefind file that is not WebAssembly")
		}
		return
	case ".pf_fragment":
	default:
		words, err := cborStrings(plain, nil)
		if err != nil {
			add(rel, nil, 0, "output-search", fmt.Sprintf("not a Pagefind index file: %v", err))
			return
		}
		// The words of the index are stems of the text of the fragments,
		// which are scanned whole; this is a second look.
		for _, f := range o.Leaks(rel, []byte(strings.Join(words, "\n"))) {
			add(rel, nil, 0, "output-leak", fmt.Sprintf("matches registry person %s (%s), in the decompressed index", f.PersonID, f.Kind))
		}
		return
	}
	var raw any
	var fr fragment
	if err := json.Unmarshal(plain, &raw); err != nil || json.Unmarshal(plain, &fr) != nil {
		add(rel, nil, 0, "output-search", "a fragment that is not JSON")
		return
	}
	text := strings.Join(jsonStrings(raw, nil), "\n")
	for _, f := range o.Leaks(rel, []byte(text)) {
		add(rel, nil, 0, "output-leak", fmt.Sprintf("matches registry person %s (%s), in the decompressed index", f.PersonID, f.Kind))
	}
	for _, msg := range unindexedIn("search index", text, o.Unindexed, identityFold) {
		add(rel, nil, 0, "output-noindex", msg)
	}
	for _, loc := range imageURL.FindAllStringIndex(text, -1) {
		if msg := o.checkImageRef(base, "index.html", text[loc[0]:loc[1]]); msg != "" {
			add(rel, nil, 0, "output-image", msg)
		}
	}
	if msg := o.searchablePage(fr.URL); msg != "" {
		add(rel, nil, 0, "output-search", msg)
	}
}

// searchablePage returns "" when u, a fragment's URL ("/stories/x/"), is an
// HTML page of the build that carries data-pagefind-body and no robots
// noindex meta element; otherwise why not. The URL itself is never
// printed: it may be anything.
func (o OutputScan) searchablePage(u string) string {
	p, err := url.PathUnescape(strings.SplitN(strings.SplitN(u, "#", 2)[0], "?", 2)[0])
	if err != nil || !strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
		return "a fragment whose URL is not a path of this site"
	}
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	data, err := os.ReadFile(filepath.Join(o.Dir, filepath.FromSlash(path.Clean(p))))
	if err != nil {
		return "a fragment of a page that is not in the build"
	}
	if noindexMeta.Match(data) || !searchBodyAttr.Match(data) {
		return "a fragment of a page that search may not list (noindex, or no data-pagefind-body)"
	}
	return ""
}

// searchBodyAttr finds data-pagefind-body as an attribute inside a tag,
// never as words in a page's text (site.Index uses the same test).
var searchBodyAttr = regexp.MustCompile(`<[a-zA-Z][^<>]*\sdata-pagefind-body[\s=/>]`)

// jsonStrings appends every string (keys and values) of a decoded JSON
// value to out.
func jsonStrings(v any, out []string) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = jsonStrings(e, out)
		}
	case map[string]any:
		for k, e := range v {
			out = append(out, k)
			out = jsonStrings(e, out)
		}
	}
	return out
}

// cborStrings appends the text and byte strings of the CBOR data items in
// data (RFC 8949 §3) to out, as Pagefind's index, meta and filter files
// hold their words: a raw leak scan of CBOR would miss a word whose length
// byte is itself a letter ("ezzyzx" for a 5-letter word). Malformed or
// truncated data, indefinite lengths of more than maxCBORDepth levels
// included, is an error.
func cborStrings(data []byte, out []string) ([]string, error) {
	d := &cborReader{data: data}
	for d.pos < len(d.data) {
		if err := d.item(0, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

const maxCBORDepth = 64

type cborReader struct {
	data []byte
	pos  int
}

var errCBOR = errors.New("malformed CBOR")

// head reads an item's initial byte and argument.
func (d *cborReader) head() (major byte, arg uint64, indefinite bool, err error) {
	if d.pos >= len(d.data) {
		return 0, 0, false, errCBOR
	}
	b := d.data[d.pos]
	d.pos++
	major, info := b>>5, b&0x1f
	switch {
	case info < 24:
		return major, uint64(info), false, nil
	case info <= 27:
		n := 1 << (info - 24)
		if d.pos+n > len(d.data) {
			return 0, 0, false, errCBOR
		}
		for _, c := range d.data[d.pos : d.pos+n] {
			arg = arg<<8 | uint64(c)
		}
		d.pos += n
		return major, arg, false, nil
	case info == 31 && major >= 2 && major <= 5 || info == 31 && major == 7:
		return major, 0, true, nil
	}
	return 0, 0, false, errCBOR
}

func (d *cborReader) item(depth int, out *[]string) error {
	if depth > maxCBORDepth {
		return errCBOR
	}
	major, arg, indef, err := d.head()
	if err != nil {
		return err
	}
	if indef {
		if major == 7 {
			return errCBOR // a break outside an indefinite item
		}
		for {
			if d.pos >= len(d.data) {
				return errCBOR
			}
			if d.data[d.pos] == 0xff {
				d.pos++
				return nil
			}
			if err := d.item(depth+1, out); err != nil {
				return err
			}
		}
	}
	switch major {
	case 0, 1, 7:
		return nil
	case 2, 3:
		if arg > uint64(len(d.data)-d.pos) {
			return errCBOR
		}
		*out = append(*out, string(d.data[d.pos:d.pos+int(arg)]))
		d.pos += int(arg)
		return nil
	case 4, 5:
		n := arg
		if major == 5 {
			n *= 2
		}
		if n > uint64(len(d.data)-d.pos) {
			return errCBOR // every item takes at least one byte
		}
		for range n {
			if err := d.item(depth+1, out); err != nil {
				return err
			}
		}
		return nil
	case 6:
		return d.item(depth+1, out)
	}
	return errCBOR
}
