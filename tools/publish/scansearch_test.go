package publish

import (
	"bytes"
	"compress/gzip"
	"os"
	"slices"
	"strings"
	"testing"
)

// gzPagefind compresses plain as Pagefind writes its index files.
func gzPagefind(t *testing.T, plain string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(pagefindSignature + plain))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestScanOutputSearchIndex: the Pagefind index is read decompressed. A
// registry name in a fragment or an index chunk, the title of a story
// whose consent says no search engines, a fragment of a page that is not
// in the build or is noindex or not marked searchable, an unaccounted
// image, a file that is not Pagefind's, or one outside pagefind/, each
// fails the scan; a clean fragment of a searchable page passes.
func TestScanOutputSearchIndex(t *testing.T) {
	out := t.TempDir()
	write(t, out, "stories/ok/index.html", `<html><main data-pagefind-body><h1>Ok</h1></main></html>`)
	write(t, out, "stories/hidden/index.html", `<html><head><meta name="robots" content="noindex"></head><main data-pagefind-body>x</main></html>`)
	write(t, out, "about/index.html", `<html><main><h1>About</h1><p>We use data-pagefind-body here.</p></main></html>`)
	write(t, out, "pagefind/pagefind-entry.json", `{"version":"1.6.0"}`)
	write(t, out, "pagefind/fragment/en_1.pf_fragment", gzPagefind(t, `{"url":"/stories/ok/","content":"A clean story.","meta":{"title":"Ok"}}`))
	write(t, out, "pagefind/fragment/en_2.pf_fragment", gzPagefind(t, `{"url":"/stories/ok/","content":"It names Zzy\u007a\u0078 here.","meta":{"title":"Ok"}}`))
	write(t, out, "pagefind/fragment/en_3.pf_fragment", gzPagefind(t, `{"url":"/stories/gone/","content":"a page never built","meta":{}}`))
	write(t, out, "pagefind/fragment/en_4.pf_fragment", gzPagefind(t, `{"url":"/stories/hidden/","content":"noindex page","meta":{}}`))
	write(t, out, "pagefind/fragment/en_5.pf_fragment", gzPagefind(t, `{"url":"/about/","content":"unmarked page","meta":{}}`))
	write(t, out, "pagefind/fragment/en_6.pf_fragment", gzPagefind(t, `{"url":"/stories/ok/","content":"A safer walk to school","meta":{"title":"A safer walk to school","image":"/media/st-9/bb.jpg"}}`))
	write(t, out, "pagefind/index/en_1.pf_index", gzPagefind(t, "\x81\x81\x83\x65zzyzx\x80\x80"))
	write(t, out, "pagefind/wasm.en.pagefind", gzPagefind(t, "\x00asm\x01\x00\x00\x00"))
	write(t, out, "pagefind/wasm.xx.pagefind", gzPagefind(t, "MZ not wasm"))
	write(t, out, "pagefind/index/en_2.pf_index", "plain, not gzip")
	write(t, out, "pagefind/index/en_3.pf_index", gzPagefind(t, "\x85\x83ezz"))
	// A clean index chunk and meta file written by Pagefind 1.6.0 (words
	// "alpha", "stori", "uniqu", "word", "zebrafinch").
	for _, f := range []string{"en.pf_index", "en.pf_meta"} {
		data, err := os.ReadFile("testdata/pagefind/" + f)
		if err != nil {
			t.Fatal(err)
		}
		write(t, out, "pagefind/real/"+f, string(data))
	}
	write(t, out, "stray/en_1.pf_fragment", gzPagefind(t, `{"url":"/stories/ok/"}`))
	ds, err := ScanOutput(OutputScan{
		Dir: out, Leaks: termLeaks("zzyzx", "p-0001"),
		VerifyImage: func(string, []byte) error { return nil }, BaseURL: "http://127.0.0.1/",
		MediaPrefix: "/media/", MediaKeys: map[string]bool{},
		Unindexed: []UnindexedText{{StoryID: "st-9v4n6b", Field: "title", Text: "A safer walk to school"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
		if strings.Contains(strings.ToLower(d.Message), "zzyzx") || strings.Contains(d.Message, "/stories/gone/") {
			t.Errorf("diagnostic repeats what it found: %s", d)
		}
	}
	want := []string{
		"pagefind/fragment/en_2.pf_fragment: error output-leak: matches registry person p-0001 (name), in the decompressed index",
		"pagefind/fragment/en_3.pf_fragment: error output-search: a fragment of a page that is not in the build",
		"pagefind/fragment/en_4.pf_fragment: error output-search: a fragment of a page that search may not list (noindex, or no data-pagefind-body)",
		"pagefind/fragment/en_5.pf_fragment: error output-search: a fragment of a page that search may not list (noindex, or no data-pagefind-body)",
		"pagefind/fragment/en_6.pf_fragment: error output-image: media URL is not a consented object in data/media.json",
		"pagefind/fragment/en_6.pf_fragment: error output-noindex: search index carries the title of story st-9v4n6b, whose consent says no search engines; list it only on noindex pages",
		"pagefind/index/en_1.pf_index: error output-leak: matches registry person p-0001 (name), in the decompressed index",
		"pagefind/index/en_2.pf_index: error output-search: not a Pagefind index file: not gzip: gzip: invalid header",
		"pagefind/index/en_3.pf_index: error output-search: not a Pagefind index file: malformed CBOR",
		"pagefind/wasm.xx.pagefind: error output-search: a .pagefind file that is not WebAssembly",
		"stray/en_1.pf_fragment: error output-search: a Pagefind file outside pagefind/; the search index lives there only",
	}
	assertDiagnostics(t, got, want)
}

// TestCBORStringsReadsPagefindWords: the words of a real Pagefind 1.6.0
// index chunk come out whole, so the registry scan sees them as words.
func TestCBORStringsReadsPagefindWords(t *testing.T) {
	data, err := os.ReadFile("testdata/pagefind/en.pf_index")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := decodePagefind(data)
	if err != nil {
		t.Fatal(err)
	}
	words, err := cborStrings(plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"alpha", "zebrafinch", "word"} {
		if !slices.Contains(words, w) {
			t.Errorf("word %q not among %q", w, words)
		}
	}
}

// FuzzPagefindFile: any bytes under pagefind/ are refused or scanned,
// never a panic, and the decoder never returns more than its bound.
func FuzzPagefindFile(f *testing.F) {
	for _, name := range []string{"en.pf_index", "en.pf_meta"} {
		data, err := os.ReadFile("testdata/pagefind/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
	}
	f.Add([]byte(`{"url":"/a/"}`), true)
	f.Fuzz(func(t *testing.T, data []byte, fragment bool) {
		if plain, err := decodePagefind(data); err == nil && len(plain) > maxPagefindPlain {
			t.Fatalf("decoded %d bytes", len(plain))
		}
		cborStrings(data, nil)
		dir := t.TempDir()
		name := "pagefind/index/x.pf_index"
		if fragment {
			name = "pagefind/fragment/x.pf_fragment"
		}
		write(t, dir, name, string(data))
		if _, err := ScanOutput(OutputScan{Dir: dir, Leaks: termLeaks("zzyzx", "p-1"),
			VerifyImage: func(string, []byte) error { return nil }, BaseURL: "http://127.0.0.1/"}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestScanOutputSocial: a share preview image is allowed only for a story
// whose consent includes the social channel in the page's language.
func TestScanOutputSocial(t *testing.T) {
	out := t.TempDir()
	img := func(lang, key string) string {
		return `<html lang="` + lang + `"><head><meta property="og:image" content="https://x.example/` + key + `"></head></html>`
	}
	const a = "media/st-aaaa/0000000000000000000000000000000000000000000000000000000000000000.jpg"
	const b = "media/st-bbbb/1111111111111111111111111111111111111111111111111111111111111111.jpg"
	write(t, out, "a/index.html", img("en", a))
	write(t, out, "es/a/index.html", img("es", a))
	write(t, out, "b/index.html", img("en", b))
	write(t, out, "org/index.html", `<html lang="en"><meta content="https://x.example/logo.png" name="twitter:image"></html>`)
	write(t, out, "logo.png", "png")
	ds, err := ScanOutput(OutputScan{
		Dir: out, Leaks: func(string, []byte) []Finding { return nil },
		VerifyImage: func(string, []byte) error { return nil }, BaseURL: "https://x.example/",
		MediaPrefix: "/media/", MediaKeys: map[string]bool{a: true, b: true},
		Social: map[string][]string{"st-aaaa": {"en"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	assertDiagnostics(t, got, []string{
		"b/index.html:1:23: error output-social: share preview image of story st-bbbb, whose consent does not include the social channel in this page's language",
		"es/a/index.html:1:23: error output-social: share preview image of story st-aaaa, whose consent does not include the social channel in this page's language",
		"org/index.html:1:17: error output-social: share preview image that is not a story photo; only a story whose consent includes the social channel may have one",
	})
}
