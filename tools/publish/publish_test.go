package publish

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/manifest"
	"storyguard/tools/vault"
)

func write(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStageCopiesOnlyListedPages(t *testing.T) {
	root := t.TempDir()
	write(t, root, "config.toml", "title = 'x'\n")
	write(t, root, "themes/voices/layouts/home.html", "home")
	write(t, root, "static/robots.txt", "User-agent: *\n")
	write(t, root, "data/media.json", `{"version":1,"media":{"m-stale":{"key":"media/old/x.jpg"}}}`)
	write(t, root, "content/_index.md", "---\ntitle: Home\n---\n")
	write(t, root, "content/stories/ok/index.md", "---\ntitle: OK\n---\n")
	write(t, root, "content/stories/ok/index.es.md", "---\ntitle: OK es\n---\n")
	write(t, root, "content/stories/withdrawn/index.md", "---\ntitle: gone\n---\n")
	write(t, root, "content/stories/ok/original.jpg", "not staged")

	stage := filepath.Join(t.TempDir(), "stage")
	m := &manifest.Manifest{Media: map[string]manifest.Entry{"m-0001": {StoryID: "st-1", Object: manifest.Object{Key: "media/st-1/ab.jpg"}}}}
	if err := Stage(root, stage, []string{"content/_index.md", "content/stories/ok/index.md"}, m); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(stage, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(stage, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	want := []string{"config.toml", "content/_index.md", "content/stories/ok/index.md", "data/media.json", "static/robots.txt", "themes/voices/layouts/home.html"}
	if !slices.Equal(got, want) {
		t.Fatalf("staged files:\n got %q\nwant %q", got, want)
	}
	staged, err := manifest.Read(filepath.Join(stage, "data", "media.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := staged.Media["m-stale"]; ok || staged.Media["m-0001"].Key != "media/st-1/ab.jpg" {
		t.Fatalf("stage must hold the new manifest only, got %+v", staged.Media)
	}
	if err := Stage(root, stage, nil, m); err == nil {
		t.Fatal("staging into a non-empty folder must fail")
	}
	if err := Stage(root, filepath.Join(t.TempDir(), "s"), []string{"content/../config.toml"}, m); err == nil {
		t.Fatal("a page outside content/ must be refused")
	}
}

func TestStageRefusesSymlinks(t *testing.T) {
	root := t.TempDir()
	write(t, root, "config.toml", "")
	write(t, root, "outside.txt", "secret")
	os.MkdirAll(filepath.Join(root, "static"), 0o755)
	if err := os.Symlink(filepath.Join(root, "outside.txt"), filepath.Join(root, "static", "link.txt")); err != nil {
		t.Fatal(err)
	}
	err := Stage(root, filepath.Join(t.TempDir(), "s"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("want a symbolic link error, got %v", err)
	}
}

// termLeaks is a plain term matcher standing in for the registry scanner,
// which has its own tests; here we test what ScanOutput does with matches.
func termLeaks(term, person string) func(string, []byte) []Finding {
	re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(term) + `\b`)
	return func(_ string, data []byte) []Finding {
		var fs []Finding
		for _, loc := range re.FindAllIndex(data, -1) {
			fs = append(fs, Finding{Start: loc[0], End: loc[1], PersonID: person, Kind: "name"})
		}
		return fs
	}
}

func TestScanOutput(t *testing.T) {
	out := t.TempDir()
	write(t, out, "index.html", "<html>\n<p>Hello</p>\n<img src=\"/media/st-1/aa.jpg\" alt=\"\">\n</html>\n")
	write(t, out, "stories/x/index.html", "<p>line one\nwith Zzyzx here</p>\n<img src=\"/media/st-9/bb.jpg\">\n<img src=\"https://tracker.example/pixel.png\">\n<img srcset=\"logo.png 1x\">\n")
	write(t, out, "index.xml", "<rss><item><title>zzyzx</title></item></rss>")
	write(t, out, "zzyzx.txt", "file name only")
	write(t, out, "doc.pdf", "%PDF")
	write(t, out, "logo.png", "png bytes")
	write(t, out, "files/photo.txt", "\xff\xd8\xff\xe1\x00\x10Exif\x00\x00 serial")
	write(t, out, "font.woff2", "\xff\xd8\xff not a font")
	verified := 0
	ds, err := ScanOutput(OutputScan{
		Dir:         out,
		Leaks:       termLeaks("zzyzx", "p-0001"),
		VerifyImage: func(string, []byte) error { verified++; return nil },
		MediaPrefix: "/media/",
		MediaKeys:   map[string]bool{"media/st-1/aa.jpg": true},
		BaseURL:     "http://127.0.0.1:1313/",
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
		if strings.Contains(strings.ToLower(d.Message), "zzyzx") {
			t.Errorf("diagnostic repeats the matched term: %s", d)
		}
	}
	want := []string{
		"doc.pdf: error output-media: file type \".pdf\" cannot be proved clean; remove it from the site",
		"files/photo.txt: error output-media: named \".txt\" but not UTF-8 text; binary files cannot be proved clean",
		"font.woff2: error output-media: named \".woff2\" but its bytes are not that format",
		"index.xml:1:19: error output-leak: matches registry person p-0001 (name)",
		"stories/x/index.html:2:6: error output-leak: matches registry person p-0001 (name)",
		"stories/x/index.html:3:11: error output-image: media URL is not a consented object in data/media.json",
		"stories/x/index.html:4:11: error output-image: image on another host \"tracker.example\": no third-party requests",
		"stories/x/index.html:5:14: error output-image: image URL points at no file in the built site",
		"zzyzx.txt: error output-leak: file name matches registry person p-0001 (name)",
	}
	assertDiagnostics(t, got, want)
	if verified != 1 {
		t.Fatalf("want logo.png verified once, got %d", verified)
	}
}

func TestSiteObjectsAndPurgeURLs(t *testing.T) {
	out := t.TempDir()
	write(t, out, "index.html", "home")
	write(t, out, "es/stories/x/index.html", "x")
	write(t, out, "sitemap.xml", "<urlset/>")
	objs, err := SiteObjects(out)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	if !slices.Equal(keys, []string{"site/es/stories/x/index.html", "site/index.html", "site/sitemap.xml"}) {
		t.Fatalf("keys %q", keys)
	}
	// sha256("home")
	if objs[1].SHA256 != "4ea140588150773ce3aace786aeef7f4049ce100fa649c94fbbddb960f1da942" || objs[1].Size != 4 {
		t.Fatalf("digest or size wrong: %+v", objs[1])
	}
	urls := PublicURLs("https://stories.example.org/", append(keys, "media/st-1/ab.jpg"))
	want := []string{
		"https://stories.example.org/",
		"https://stories.example.org/es/stories/x/",
		"https://stories.example.org/es/stories/x/index.html",
		"https://stories.example.org/index.html",
		"https://stories.example.org/media/st-1/ab.jpg",
		"https://stories.example.org/sitemap.xml",
	}
	if !slices.Equal(urls, want) {
		t.Fatalf("urls\n got %q\nwant %q", urls, want)
	}
	write(t, out, "bad name.html", "")
	if _, err := SiteObjects(out); err == nil {
		t.Fatal("a file name with a space must be refused as a key")
	}
}

func TestAppendAudit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "vault", "audit.log")
	for i := range 2 {
		e := vault.AuditEntry{Time: time.Date(2026, 11, 29, 10, i, 0, 0, time.UTC), Action: "withdraw", StoryID: "st-7q2k9m", Role: "storyteller", ObjectVersions: i + 1, Result: "complete"}
		if err := vault.AppendAudit(p, e); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v, want 0600", fi.Mode().Perm())
	}
	f, _ := os.Open(p)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var e vault.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		if e.ObjectVersions != n || e.StoryID != "st-7q2k9m" {
			t.Fatalf("line %d: %+v", n, e)
		}
	}
	if n != 2 {
		t.Fatalf("want 2 lines appended, got %d", n)
	}
	when := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for _, bad := range []vault.AuditEntry{
		{Time: when, Action: "withdraw", StoryID: "st-7q2k9m", Role: "Some Person"},
		{Time: when, Action: "withdraw", StoryID: "finding my voice", Role: "comms"},
		{Time: when, Action: "withdraw", Role: "comms"},
		{Time: when, Action: "erase", StoryID: "st-7q2k9m", Role: "comms"},
		{Action: "withdraw", StoryID: "st-7q2k9m", Role: "comms"},
		{Time: when, Action: "withdraw", StoryID: "st-7q2k9m", Role: "comms", ConsentRecords: []string{"Some Person"}},
		{Time: when, Action: "withdraw", StoryID: "st-7q2k9m", Role: "comms", Result: "failed: build: template: errorf: Some Person"},
		{Time: when, Action: "withdraw", StoryID: "st-7q2k9m", Role: "comms", Result: "partial: Some Person"},
		// Issue #12: a reason is one of vault.Reasons, never free text.
		{Time: when, Action: "withdraw", StoryID: "st-7q2k9m", Role: "comms", Reason: "Some Person", Result: "complete"},
		{Time: when, Action: "withdraw", StoryID: "st-7q2k9m", Role: "comms"},
	} {
		if err := vault.AppendAudit(p, bad); err == nil {
			t.Errorf("accepted %+v", bad)
		} else if strings.Contains(err.Error(), "Some Person") || strings.Contains(err.Error(), "finding my voice") {
			t.Errorf("error repeats the bad value: %v", err)
		}
	}
}

// assertDiagnostics fails t unless got (diagnostics as strings) equals want.
func assertDiagnostics(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("diagnostics:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestScanOutputUnindexed: an indexable page or feed carrying the title,
// description or byline of a story whose consent says no search engines
// fails the scan, by story id and field only; a noindex page may carry
// them, and a word that merely contains the byline does not count.
func TestScanOutputUnindexed(t *testing.T) {
	out := t.TempDir()
	write(t, out, "index.html", "<html><head></head><body><h3>A <em>Safer</em> walk to school</h3><p>Told by Daniela*</p></body></html>\n")
	write(t, out, "themes/young/index.html", "<html><head><meta name=\"robots\" content=\"noindex\"></head><body>A safer walk to school, Daniela*</body></html>\n")
	write(t, out, "stories/index.xml", "<rss><item><description>Daniela* and her classmates drew a map.</description></item></rss>")
	write(t, out, "about/index.html", "<p>Danielas and a safer walk</p>")
	ds, err := ScanOutput(OutputScan{
		Dir: out, Leaks: func(string, []byte) []Finding { return nil },
		VerifyImage: func(string, []byte) error { return nil }, BaseURL: "http://127.0.0.1/",
		Unindexed: []UnindexedText{
			{StoryID: "st-9v4n6b", Field: "title", Text: "A safer walk to school"},
			{StoryID: "st-9v4n6b", Field: "description", Text: "Daniela* and her classmates drew a map."},
			{StoryID: "st-9v4n6b", Field: "byline", Text: "Daniela*"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := []string{
		"index.html: error output-noindex: indexable page carries the byline of story st-9v4n6b, whose consent says no search engines; list it only on noindex pages",
		"index.html: error output-noindex: indexable page carries the title of story st-9v4n6b, whose consent says no search engines; list it only on noindex pages",
		"stories/index.xml: error output-noindex: indexable page carries the byline of story st-9v4n6b, whose consent says no search engines; list it only on noindex pages",
		"stories/index.xml: error output-noindex: indexable page carries the description of story st-9v4n6b, whose consent says no search engines; list it only on noindex pages",
	}
	assertDiagnostics(t, got, want)
}

// TestWithdrawFailureRecordsACategory: a withdrawal that fails in Hugo (a
// template's errorf quoting a page) records "failed: hugo build failed" in
// the audit log, never the error's text.
func TestWithdrawFailureRecordsACategory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "audit.log")
	hugo := fmt.Errorf("build: %w", &buildError{errors.New(`site build stage: hugo build failed: "content/stories/x/index.md": error calling errorf: Some Person has no consent`)})
	for _, tt := range []struct {
		category string
		err      error
		want     string
	}{
		{vault.FailRebuild, fmt.Errorf("the story's own objects are gone: %w", hugo), "failed: hugo build failed"},
		{vault.FailStore, errors.New("dial tcp: Some Person"), "failed: object storage could not be opened"},
	} {
		w := &withdrawal{o: WithdrawOptions{AuditLog: p}, res: &WithdrawResult{},
			entry: vault.AuditEntry{Action: "withdraw", StoryID: "st-7q2k9m", Role: "comms"}}
		if _, err := w.fail(tt.category, tt.err); !errors.Is(err, tt.err) {
			t.Fatalf("fail returned %v, want the error itself", err)
		}
		log, _ := os.ReadFile(p)
		if !strings.Contains(string(log), `"result":"`+tt.want+`"`) || strings.Contains(string(log), "Some Person") {
			t.Errorf("audit log after %q:\n%s", tt.want, log)
		}
	}
}

// TestWithdrawRefusesARoleWithoutEchoingIt: a --by value that is not a role
// (a name typed by mistake) is refused without being repeated.
func TestWithdrawRefusesARoleWithoutEchoingIt(t *testing.T) {
	for _, f := range []func(context.Context, Parts, WithdrawOptions) (*WithdrawResult, error){Withdraw, EmergencyWithdraw} {
		_, err := f(context.Background(), Parts{Leaks: func(string, []byte) []Finding { return nil }}, WithdrawOptions{Role: "Some Person", Reason: "storyteller request"})
		if err == nil || strings.Contains(err.Error(), "Some Person") || !strings.Contains(err.Error(), "--by") {
			t.Errorf("error %v: want --by refused, the value not repeated", err)
		}
	}
}

// TestWithdrawRefusesAFreeTextReason (issue #12): a reason that is not one
// of vault.Reasons (here part of a registry village) is refused before
// anything is touched, and not repeated.
func TestWithdrawRefusesAFreeTextReason(t *testing.T) {
	for _, reason := range []string{"San Bartolo", "", "Storyteller request", "storyteller request "} {
		_, err := Withdraw(context.Background(), Parts{Leaks: func(string, []byte) []Finding { return nil }}, WithdrawOptions{Role: "storyteller", Reason: reason})
		if !errors.Is(err, ErrReason) || reason != "" && strings.Contains(err.Error(), reason) {
			t.Errorf("reason %q: error %v, want ErrReason without the value", reason, err)
		}
	}
}

// TestWithdrawalRecordsContent: a withdrawal records, by ids and digests
// only, the storyteller, the day (the UTC date of the clock), the approval digests (as written and of
// the text) and the SHA-256 of each photo original and published copy;
// WithdrawalRecords reads them back joined per story, and refuses a log
// it cannot trust, naming the file and line.
func TestWithdrawalRecordsContent(t *testing.T) {
	root := t.TempDir()
	vdir := filepath.Join(root, "vdir")
	approved := strings.Repeat("c", 64)
	page := "---\ntitle: \"Some Person's story\"\nstory_id: st-7q2k9m\nstoryteller:\n  display_name: \"Lucía*\"\n  name_kind: pseudonym\n  person: p-0001\n  preferred_term: survivor\n" +
		"consent:\n  record: cr-2026-0011\n  status: given\n  given: 2026-03-02\n  expires: 2029-03-01\nreview:\n  approved: 2026-04-01\n  approved_sha256: \"" + approved + "\"\n" +
		"media:\n  - id: m-0101\n    alt: \"An illustration.\"\n---\nSome Person told this.\n"
	write(t, root, "content/stories/a/index.md", page)
	write(t, vdir, "media/m-0101.jpg", "photo bytes")
	photo, _, _ := HashFile(filepath.Join(vdir, "media", "m-0101.jpg"))
	p, _ := content.LoadPage("content/stories/a/index.md", "", []byte(page))
	text := consent.ApprovalDigest(p)

	o := WithdrawOptions{Options: Options{Root: root, Vault: vdir, Now: time.Date(2026, 11, 29, 23, 30, 0, 0, time.FixedZone("", -6*3600))}}
	e := vault.AuditEntry{Time: time.Date(2026, 11, 30, 5, 30, 0, 0, time.UTC), Action: "withdraw", StoryID: "st-7q2k9m", Role: "storyteller", Result: "started"}
	recordContent(o, Story{ID: "st-7q2k9m", Files: []string{"content/stories/a/index.md"}}, &e)
	if e.Withdrawn != "2026-11-30" || !slices.Equal(e.Persons, []string{"p-0001"}) || !slices.Equal(e.ApprovalDigests, []string{approved, text}) || !slices.Equal(e.MediaSHA256, []string{photo}) {
		t.Fatalf("recorded %+v", e)
	}
	log := filepath.Join(vdir, "audit.log")
	if err := vault.AppendAudit(log, e); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(log)
	if strings.Contains(string(data), "Some Person") || strings.Contains(string(data), "Lucía") {
		t.Fatalf("the audit log holds text of the story:\n%s", data)
	}
	published := strings.Repeat("d", 64)
	e.Result, e.MediaSHA256 = "complete", vault.AppendNew(e.MediaSHA256, publishedSums([]string{"media/st-7q2k9m/" + published + ".jpg", "site/stories/a/index.html", "media/st-7q2k9m/"})...)
	if err := vault.AppendAudit(log, e); err != nil {
		t.Fatal(err)
	}
	ws, err := vault.WithdrawalRecords(log)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].StoryID != "st-7q2k9m" || ws[0].Day.Format(time.DateOnly) != "2026-11-30" ||
		!slices.Equal(ws[0].MediaSHA256, []string{photo, published}) || !slices.Equal(ws[0].ApprovalDigests, []string{approved, text}) {
		t.Fatalf("read back %+v", ws)
	}
	if ws, err := vault.WithdrawalRecords(filepath.Join(vdir, "none.log")); err != nil || len(ws) != 0 {
		t.Fatalf("a missing log (a fresh vdir) is no withdrawal: %v %v", ws, err)
	}
	for _, bad := range []string{
		`{"time":"2026-11-29T10:00:00Z","action":"withdraw","story_id":"st-7q2k9m",` + "\n",
		`{"time":"2026-11-29T10:00:00Z","action":"withdraw","story_id":"st-7q2k9m","role":"comms","persons":["Some Person"],"result":"started"}` + "\n",
		`{"time":"2026-11-29T10:00:00Z","action":"withdraw","story_id":"st-7q2k9m","role":"comms","approved_sha256":["Some Person"],"result":"started"}` + "\n",
		`{"time":"2026-11-29T10:00:00Z","action":"withdraw","story_id":"st-7q2k9m","role":"comms","withdrawn":"29/11/2026","result":"started"}` + "\n",
		`{"action":"withdraw","story_id":"st-7q2k9m","role":"comms","persons":["p-0001"],"result":"started"}` + "\n",
	} {
		if err := os.WriteFile(log, append(data, bad...), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := vault.WithdrawalRecords(log)
		if err == nil || !strings.Contains(err.Error(), log+":2") || strings.Contains(err.Error(), "Some Person") {
			t.Errorf("corrupt line %q: got %v, want an error naming %s:2 without the value", bad, err, log)
		}
		if _, _, err := vault.Withdrawals(log); err == nil {
			t.Errorf("Withdrawals accepted corrupt line %q", bad)
		}
	}
}

// FuzzWithdrawalRecords: whatever the audit log holds, reading it never
// panics; what it returns holds only story ids, person ids and digests of
// the right form (so nothing else reaches check's messages), and an error
// never repeats the log's text.
func FuzzWithdrawalRecords(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-29T10:00:00Z","action":"withdraw","story_id":"st-7q2k9m","role":"comms","persons":["p-0001"],"withdrawn":"2026-11-29","approved_sha256":["` + strings.Repeat("a", 64) + `"],"media_sha256":["` + strings.Repeat("b", 64) + `"],"result":"started"}` + "\n"))
	f.Add([]byte(`{"action":"withdraw","story_id":"st-7q2k9m","persons":["Some Person"]}`))
	f.Add([]byte(`{"action":"withdraw","story_id":"st-7q2k9m","withdrawn":"Some Person"}` + "\n{"))
	f.Add([]byte(`{"action":"publish","role":"comms"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "audit.log")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ws, err := vault.WithdrawalRecords(p)
		if err != nil {
			if len(data) > 12 && strings.Contains(err.Error(), string(data)) || strings.Contains(err.Error(), "Some Person") {
				t.Fatalf("the error repeats the log: %v", err)
			}
			return
		}
		for _, w := range ws {
			ok := vault.StoryIDPattern.MatchString(w.StoryID)
			for _, v := range w.Persons {
				ok = ok && vault.PersonIDPattern.MatchString(v)
			}
			for _, v := range slices.Concat(w.ApprovalDigests, w.MediaSHA256) {
				ok = ok && vault.SHA256Pattern.MatchString(v)
			}
			if !ok || w.Day.Hour() != 0 || w.Day.Location() != time.UTC {
				t.Fatalf("accepted a record of the wrong form: %+v", w)
			}
		}
	})
}
