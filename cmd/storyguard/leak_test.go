package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/text/unicode/norm"

	"storyguard/tools/identity"
	"storyguard/tools/store"
	"storyguard/tools/testgen/corpus"
)

// TestNoOutputCarriesARegistryTerm is issue #12: Storyguard's own output
// names people by id only, and never echoes a value that failed
// validation. It takes every term of the demo registry
// (examples/vault/registry.age: names, given, family and public names,
// nicknames, every detail) and plants them in every place an editor or an
// operator can type, one table row each:
//
//   - leakPlantings: every front-matter field of a story, known and
//     unknown, nested, taxonomies, dates that fail to parse, ids that fail
//     their format, broken YAML, the bundle folder, media ids, a vault file
//     name, alt, caption, shortcodes valid and not, raw HTML and comments;
//   - leakPages: advocacy and partner pages (title, folder, body, keys);
//   - leakLayouts: a project layout's errorf and a template parse error;
//   - leakArguments: story arguments, flag values and names, unknown
//     commands, environment values, files named by a term (media scrub
//     and verify, registry add, rekey, edit), with and without the key;
//   - leakConfigs: config.toml values, an unknown key, a broken line;
//   - leakRequests: what a browser sends preview (paths, queries, POST).
//
// It runs the real commands on one copy of the site: publish (clean, with
// --keep-work), preview, check in text, json and sarif, approve, publish
// --dry-run and publish, status (text and json), withdraw, registry list,
// add, rekey, init and edit, media scrub and verify, store ls, export
// newsletter, stories show. It asserts that no channel carries any term,
// folded across case, accents and punctuation: stdout, stderr, the audit
// log and every file the runs wrote into the vault (state/, the kept work
// folder, published.json), data/media.json, every object key and the
// metadata of every version in the embedded store, and preview's answers
// (status, headers, body; public names may stand on public pages). The
// "corpus" subtest runs the plantings, check, approve and the story
// arguments again on a tools/testgen/corpus site and vault, whose terms have other
// shapes. The terms come from the registries, so a new person or detail is
// covered without editing this test; a new field is one more row.
func TestNoOutputCarriesARegistryTerm(t *testing.T) {
	exe, err := exec.LookPath("storyguard") // set up by testscript.Main
	if err != nil {
		t.Fatalf("storyguard test binary not on PATH: %v", err)
	}
	t.Run("corpus", func(t *testing.T) { leakCorpus(t, exe) })
	h := newDemoHarness(t, exe)
	if len(h.terms) < 10 {
		t.Fatalf("the demo registry yields only %d terms", len(h.terms))
	}

	// Phase 1: the shipped demo, published and previewed clean, so that
	// the store holds objects, and preview serves while requests carrying
	// terms reach it.
	h.mustExit(0, "publish (clean demo)", nil, "publish", "--now", leakNow, "--keep-work")
	// The kept work folder holds the stage (copies of the pages that
	// passed) and the built site: public names may stand there, nothing
	// else.
	work := filepath.Join(h.vault, "state", "work")
	if n := h.scanTree(work, notPublicNames(h.terms)); n == 0 {
		t.Errorf("publish --keep-work kept nothing under %s", work)
	}
	h.preview()
	// A project layout that fails the build with a term in Hugo's message
	// (on the clean demo, so that the build runs).
	for i, l := range leakLayouts {
		term := h.term(i + 13)
		h.withFile(filepath.Join("layouts", l.file), l.text(term.value), func() {
			if r := h.run("layout "+l.name, nil, "publish", "--dry-run", "--now", leakNow); r.code != 2 || !strings.Contains(r.stderr, "hugo") {
				t.Errorf("layout %s: exit %d, want 2 from the Hugo build:\n%s", l.name, r.code, r.stderr)
			}
		})
	}

	// Phase 2: every planting into the site at once (one page bundle per
	// planting, so that one broken field does not hide the others).
	planted := h.plantAll()
	checked := h.run("check text", nil, "check", "--now", leakNow)
	for _, b := range planted {
		// Every planting reaches check (or it covers nothing): each bundle
		// gets a finding, by its folder or, for the folder named by a
		// term, as redacted.
		if p := "content/stories/" + b.slug + "/"; !strings.HasPrefix(b.slug, "leak-") && checked.code == 1 {
			continue
		} else if !strings.Contains(checked.stdout, p) {
			t.Errorf("check reports nothing on the planting %q (%s)", b.field, p)
		}
	}
	for _, p := range leakPages {
		if dir := path.Dir(p.path("")); strings.Contains(dir, "leak-") && !strings.Contains(checked.stdout, dir+"/") {
			t.Errorf("check reports nothing on the planting %q (%s)", p.field, dir)
		}
	}
	if checked.code != 1 {
		t.Errorf("check of the planted site: exit %d, want 1", checked.code)
	}
	h.run("check json", nil, "check", "--now", leakNow, "--format", "json")
	h.run("check sarif", nil, "check", "--now", leakNow, "--format", "sarif")
	h.run("publish --dry-run", nil, "publish", "--dry-run", "--now", leakNow)
	h.run("publish", nil, "publish", "--now", leakNow)
	for _, b := range planted {
		h.run("approve "+b.field, nil, "approve", b.slug, "--date", "2026-11-28")
		if !strings.HasPrefix(b.slug, "leak-") {
			// Without the key nothing can redact: what approve prints
			// must name nobody by itself.
			h.run("approve without the key "+b.field, noKey, "approve", b.slug, "--date", "2026-11-28")
		}
	}
	h.run("check after approve", nil, "check", "--now", leakNow)
	h.run("status", nil, "status", "--now", leakNow)
	h.run("status json", nil, "status", "--now", leakNow, "--format", "json")
	h.run("registry list", nil, "registry", "list")

	// Phase 3: arguments, flags, environment and config values.
	for i, a := range leakArguments {
		term := h.term(i)
		h.run(a.name, a.env(h, term.value), a.args(h, term.value)...)
	}
	for i, c := range leakConfigs {
		term := h.term(i + 7)
		h.withConfig(c.edit(term.value), func() {
			// Each edit must make the command fail on it (exit 2), or it
			// covers nothing.
			if r := h.run("config "+c.name, c.env, c.args...); r.code != 2 {
				t.Errorf("config %s: exit %d, want 2 (the edit was not read)", c.name, r.code)
			}
		})
	}

	// Phase 4: withdraw a planted story whose consent record, media and
	// text carry terms, and a demo story with a reason that names someone.
	plantedID := "st-leak" + leakFieldNo("consent.record")
	if r := h.run("withdraw planted", nil, "withdraw", plantedID, "--reason", "storyteller request", "--now", leakNow); r.code == 2 {
		t.Errorf("withdraw of the planted story failed (exit 2):\n%s", r.stderr)
	}
	if audit, _ := os.ReadFile(filepath.Join(h.vault, "audit.log")); !strings.Contains(string(audit), `"story_id":"`+plantedID+`"`) {
		t.Errorf("the audit log does not record the withdrawal of %s", plantedID)
	}
	h.run("withdraw --reason", nil, "withdraw", "st-7q2k9m", "--reason", "asked by "+h.term(3).value, "--now", leakNow)
	if r := h.run("withdraw demo", nil, "withdraw", "st-7q2k9m", "--reason", "storyteller request", "--now", leakNow); r.code == 2 {
		t.Errorf("withdraw of a demo story failed (exit 2):\n%s", r.stderr)
	}
	h.run("status after withdraw", nil, "status", "--now", leakNow)
	h.run("store ls", nil, "store", "ls", "--versions")

	// What the runs left behind.
	h.scanVault()
	h.scanFile("data/media.json", filepath.Join(h.site, "data", "media.json"))
	h.scanStore()
	h.report()
}

const leakNow = "2026-11-29"

// leakCorpus runs the plantings, check and the story arguments on a site
// and vault from tools/testgen/corpus (the benchmark generators), whose registry
// has other shapes of term (numbered names, villages).
func leakCorpus(t *testing.T, exe string) {
	dir := leakDir(t, "corpus")
	site, vault := filepath.Join(dir, "site"), filepath.Join(dir, "site", "vault")
	if err := corpus.Generate(site, 3, 12); err != nil {
		t.Fatal(err)
	}
	if err := corpus.GenerateVault(vault, 3, 12); err != nil {
		t.Fatal(err)
	}
	h := newLeakHarness(t, exe, site, "vault", filepath.Join(vault, "identity.txt"))
	if len(h.terms) < 6 {
		t.Fatalf("the corpus registry yields only %d terms", len(h.terms))
	}
	h.mustExit(0, "check (clean corpus)", nil, "check", "--now", leakNow)
	planted := h.plantAll()
	for _, f := range []string{"text", "json", "sarif"} {
		if r := h.run("check "+f, nil, "check", "--now", leakNow, "--format", f); r.code != 1 {
			t.Errorf("check --format %s of the planted corpus: exit %d, want 1", f, r.code)
		}
	}
	for _, b := range planted {
		h.run("approve "+b.field, nil, "approve", b.slug, "--date", "2026-11-28")
	}
	h.run("publish --dry-run", nil, "publish", "--dry-run", "--now", leakNow)
	// The story arguments (the flag, environment and config rows do not
	// depend on the shape of a term, and the demo runs them all).
	for i, a := range leakArguments {
		if !strings.HasPrefix(a.name, "approve") && !strings.HasPrefix(a.name, "withdraw") && !strings.HasPrefix(a.name, "status") {
			continue
		}
		term := h.term(i)
		h.run(a.name, a.env(h, term.value), a.args(h, term.value)...)
	}
	h.scanVault()
	h.report()
}

// leakTerm is one registry term and where it comes from.
type leakTerm struct {
	person, kind, value string
	folded              string // leakFold(value)
	digits              string // a phone's digits, "" otherwise
}

// leakTerms returns every term of reg a reader could identify someone by
// (pseudonyms are public, so they are left out).
func leakTerms(reg *identity.Registry) []leakTerm {
	var out []leakTerm
	for _, p := range reg.Persons {
		add := func(kind string, vs ...string) {
			for _, v := range vs {
				if strings.TrimSpace(v) == "" {
					continue
				}
				lt := leakTerm{person: p.ID, kind: kind, value: v, folded: leakFold(v)}
				if kind == "phone" {
					lt.digits = strings.Map(func(r rune) rune {
						if r >= '0' && r <= '9' {
							return r
						}
						return -1
					}, v)
				}
				out = append(out, lt)
			}
		}
		add("name", p.Names...)
		add("given name", p.GivenNames...)
		add("family name", p.FamilyNames...)
		add("nickname", p.Nicknames...)
		add("public name", p.PublicName)
		for _, d := range p.Details {
			add(d.Kind, d.Value)
		}
	}
	return out
}

// leakFold folds s as the scanner matches: lower case, accents removed,
// every run of characters other than letters and digits one space.
func leakFold(s string) string {
	var b strings.Builder
	space := true
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return " " + strings.TrimSpace(b.String()) + " "
}

// findTerms returns the terms text carries, as whole words after
// folding; a phone also by its digits with any separators, whole or its
// last eight (the local number).
func findTerms(terms []leakTerm, text string) []leakTerm {
	folded := leakFold(text)
	digits := onlyDigitsSpaced(text)
	var out []leakTerm
	for _, lt := range terms {
		if strings.Contains(folded, lt.folded) {
			out = append(out, lt)
			continue
		}
		if lt.digits != "" {
			for _, d := range []string{lt.digits, lt.digits[max(0, len(lt.digits)-8):]} {
				if len(d) >= 7 && strings.Contains(digits, " "+d+" ") {
					out = append(out, lt)
					break
				}
			}
		}
	}
	return out
}

// onlyDigitsSpaced keeps digits, drops the separators a phone number is
// written with, and turns everything else into a space.
func onlyDigitsSpaced(s string) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '+' || r == '/':
		default:
			b.WriteByte(' ')
		}
	}
	b.WriteByte(' ')
	return b.String()
}

// leakHarness runs storyguard on one copy of the site and collects every
// term any channel carries.
type leakHarness struct {
	t     *testing.T
	exe   string
	site  string
	vault string
	env   []string
	terms []leakTerm
	leaks []string
	ran   int
}

// leakDir is a fresh folder for one harness, or, with
// STORYGUARD_LEAKTEST_DIR set, a folder there that is kept, to look at by
// hand.
func leakDir(t *testing.T, name string) string {
	if d := os.Getenv("STORYGUARD_LEAKTEST_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	return t.TempDir()
}

// newDemoHarness copies the shipped site and the demo vault.
func newDemoHarness(t *testing.T, exe string) *leakHarness {
	site := filepath.Join(leakDir(t, "demo"), "site")
	for _, d := range []string{"config.toml", "content", "themes", "static", "data", "examples/vault"} {
		if err := copyPath(filepath.Join("..", "..", d), filepath.Join(site, d)); err != nil {
			t.Fatal(err)
		}
	}
	vault := filepath.Join(site, "examples", "vault")
	return newLeakHarness(t, exe, site, "examples/vault", filepath.Join(vault, "demo-identity.txt"))
}

// newLeakHarness runs storyguard in site with the vault (relative to
// site) and key file idFile, and takes the terms from that registry.
func newLeakHarness(t *testing.T, exe, site, vaultRel, idFile string) *leakHarness {
	vault := filepath.Join(site, vaultRel)
	ids, err := identity.LoadIdentities(idFile, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	reg, err := identity.OpenRegistry(filepath.Join(vault, "registry.age"), ids)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STORYGUARD_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "STORYGUARD_VAULT="+vaultRel, "STORYGUARD_AGE_IDENTITY_FILE="+idFile)
	return &leakHarness{t: t, exe: exe, site: site, vault: vault, env: env, terms: leakTerms(reg)}
}

// term returns the i-th term, cycling, so that the rows of a table take
// different terms.
func (h *leakHarness) term(i int) leakTerm { return h.terms[i%len(h.terms)] }

// scan records every term text carries, naming the channel and what ran:
// one leak per channel, with the kinds and persons of the terms found.
func (h *leakHarness) scan(what, channel, text string) { h.scanTerms(h.terms, what, channel, text) }

func (h *leakHarness) scanTerms(terms []leakTerm, what, channel, text string) {
	found := findTerms(terms, text)
	if len(found) == 0 {
		return
	}
	var who []string
	for _, lt := range found {
		who = append(who, lt.kind+" of "+lt.person)
	}
	slices.Sort(who)
	h.leaks = append(h.leaks, fmt.Sprintf("%s: %s carries %s: %s", what, channel, strings.Join(slices.Compact(who), ", "), h.excerpt(text, found[0])))
}

// excerpt quotes the first line of text that carries lt, folded, with
// every term replaced by its kind and person, so that the test's own
// output names nobody either.
func (h *leakHarness) excerpt(text string, lt leakTerm) string {
	terms := slices.Clone(h.terms)
	slices.SortFunc(terms, func(a, b leakTerm) int { return len(b.folded) - len(a.folded) })
	for _, line := range strings.Split(text, "\n") {
		if len(findTerms([]leakTerm{lt}, line)) == 0 {
			continue
		}
		line = leakFold(line)
		for _, t := range terms {
			line = strings.ReplaceAll(line, t.folded, " «"+t.kind+" "+t.person+"» ")
		}
		if len(line) > 300 {
			line = line[:300] + "..."
		}
		return fmt.Sprintf("%q (folded)", strings.Join(strings.Fields(line), " "))
	}
	return "(spread over several lines)"
}

type leakResult struct {
	stdout, stderr string
	code           int
}

// run runs storyguard args in the site with extra environment, and scans
// both streams.
func (h *leakHarness) run(what string, env []string, args ...string) leakResult {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.exe, args...)
	cmd.Dir = h.site
	cmd.Env = append(slices.Clone(h.env), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if d := time.Since(start); d > 3*time.Second {
		h.t.Logf("%s took %.1f s", what, d.Seconds())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("%s: %v", what, err)
	}
	h.ran++
	h.scan(what, "stdout", stdout.String())
	h.scan(what, "stderr", stderr.String())
	return leakResult{stdout.String(), stderr.String(), code}
}

func (h *leakHarness) mustExit(code int, what string, env []string, args ...string) leakResult {
	h.t.Helper()
	r := h.run(what, env, args...)
	if r.code != code {
		h.t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
	}
	return r
}

// preview runs storyguard preview, sends it requests that carry terms
// (paths, query strings, methods), scans what it answers, and stops it.
func (h *leakHarness) preview() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.exe, "preview", "--addr", "127.0.0.1:0", "--now", leakNow)
	cmd.Dir = h.site
	cmd.Env = h.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	var stdout bytes.Buffer
	sc := bufio.NewScanner(out)
	base := ""
	for sc.Scan() {
		stdout.WriteString(sc.Text() + "\n")
		if _, rest, ok := strings.Cut(sc.Text(), "Serving the published site at "); ok {
			base = strings.Fields(rest)[0]
			break
		}
	}
	if base == "" {
		cmd.Wait()
		h.t.Fatalf("preview never served:\n%s\n%s", stdout.String(), stderr.String())
	}
	go io.Copy(&stdout, out)
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, r := range leakRequests {
		term := h.term(i + 3)
		method, p := r(term.value)
		req, err := http.NewRequest(method, strings.TrimSuffix(base, "/")+p, nil)
		if err != nil {
			h.t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			h.t.Fatalf("preview %s %s: %v", method, p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var hdr strings.Builder
		resp.Header.Write(&hdr)
		what := "preview " + method + " request " + fmt.Sprint(i)
		h.scan(what, "response status", resp.Status)
		h.scan(what, "response headers", hdr.String())
		// What the site shows is checked by publish's own output scan: a
		// public name a storyteller consented to may be on her pages. Any
		// other term may not, and nothing the request carried may be.
		h.scanTerms(notPublicNames(h.terms), what, "response body", string(body))
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	h.scan("preview", "stdout", stdout.String())
	h.scan("preview", "stderr", stderr.String())
}

// notPublicNames leaves out the terms that are some person's public
// name.
func notPublicNames(terms []leakTerm) []leakTerm {
	public := map[string]bool{}
	for _, lt := range terms {
		if lt.kind == "public name" {
			public[lt.folded] = true
		}
	}
	return slices.DeleteFunc(slices.Clone(terms), func(lt leakTerm) bool { return public[lt.folded] })
}

// leakRequests are requests a reader's browser could send to preview:
// method and path with query.
var leakRequests = []func(term string) (string, string){
	func(t string) (string, string) { return "GET", "/" + url.PathEscape(t) },
	func(t string) (string, string) { return "GET", "/stories/" + url.PathEscape(t) + "/" },
	func(t string) (string, string) { return "GET", "/stories/" + url.PathEscape(t) },
	func(t string) (string, string) { return "GET", "/media/" + url.PathEscape(t) + ".jpg" },
	func(t string) (string, string) { return "GET", "/?q=" + url.QueryEscape(t) },
	func(t string) (string, string) {
		return "GET", "/stories/finding-my-voice/?versionId=" + url.QueryEscape(t)
	},
	func(t string) (string, string) { return "POST", "/" + url.PathEscape(t) },
	func(t string) (string, string) { return "GET", "/stories/" + url.PathEscape(t) + "/index.xml" },
	func(t string) (string, string) { return "GET", "/../" + url.PathEscape(t) },
}

// leakBundle is one planted page bundle.
type leakBundle struct {
	field string // what the planting covers
	slug  string // the bundle's folder
}

// leakPlanting is one place an editor can type: plant writes the term
// there. A planting gets its own page bundle content/stories/leak-NN
// (story_id st-leakNN) built from leakStory, unless it names the folder.
type leakPlanting struct {
	field string
	// set replaces whole front-matter lines (by their text up to the
	// colon, indentation included) or adds one ("+" prefix: appended).
	set  func(term string) map[string]string
	body func(term string) string // the body; default leakBody
	slug func(term string) string // the folder; default leak-NN
	// vault files to add (path under the vault -> contents: "jpg" copies
	// a demo photo).
	media func(term string) map[string]string
}

func fm(kv ...string) func(string) map[string]string {
	return func(term string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = strings.ReplaceAll(kv[i+1], "TERM", term)
		}
		return m
	}
}

// leakPlantings are every field an editor types into; each row covers the
// field it names.
var leakPlantings = []leakPlanting{
	{field: "title", set: fm("title", `title: "TERM"`)},
	{field: "description", set: fm("description", `description: "A story by TERM."`)},
	{field: "date (fails to parse)", set: fm("date", `date: "TERM"`)},
	{field: "expiryDate (fails to parse)", set: fm("expiryDate", `expiryDate: "TERM"`)},
	{field: "story_id (fails its format)", set: fm("story_id", `story_id: "TERM"`)},
	{field: "storyteller.display_name", set: fm("  display_name", `  display_name: "TERM"`)},
	{field: "storyteller.name_kind (unknown value)", set: fm("  name_kind", `  name_kind: "TERM"`)},
	{field: "storyteller.person (fails its format)", set: fm("  person", `  person: "TERM"`)},
	{field: "storyteller.preferred_term (unknown value)", set: fm("  preferred_term", `  preferred_term: "TERM"`)},
	{field: "consent.record", set: fm("  record", `  record: "TERM"`)},
	{field: "consent.status (unknown value)", set: fm("  status", `  status: "TERM"`)},
	{field: "consent.given (fails to parse)", set: fm("  given", `  given: "TERM"`)},
	{field: "consent.expires (fails to parse)", set: fm("  expires", `  expires: "TERM"`)},
	{field: "consent.channels (unknown value)", set: fm("  channels", `  channels: [website, "TERM"]`)},
	{field: "consent.languages (unknown value)", set: fm("  languages", `  languages: [en, "TERM"]`)},
	{field: "consent.identifiers.location (unknown value)", set: fm("  identifiers", `  identifiers: {name: false, face: false, voice: false, location: "TERM"}`)},
	{field: "consent.search_engines (not a bool)", set: fm("  search_engines", `  search_engines: "TERM"`)},
	{field: "consent.guardian_record", set: fm("  guardian_record", `  guardian_record: "TERM"`)},
	{field: "consent unknown key", set: fm("+consent", `  TERM: yes`)},
	{field: "review.approved (fails to parse)", set: fm("  approved", `  approved: "TERM"`)},
	{field: "review.approved_sha256 (fails its format)", set: fm("  approved_sha256", `  approved_sha256: "TERM"`)},
	{field: "content_warnings", set: fm("content_warnings", `content_warnings: ["TERM"]`)},
	{field: "countries (taxonomy)", set: fm("countries", `countries: ["TERM"]`)},
	{field: "themes (taxonomy)", set: fm("themes", `themes: ["TERM"]`)},
	{field: "tags (taxonomy not configured)", set: fm("+", `tags: ["TERM"]`)},
	{field: "unknown key's value", set: fm("+", `notes: "TERM"`)},
	{field: "unknown key named by the term", set: fm("+", `"TERM": 1`)},
	{field: "nested unknown value", set: fm("+", "extra:\n  deeper:\n    deepest: \"TERM\"")},
	{field: "params (refused)", set: fm("+", "params:\n  note: \"TERM\"")},
	{field: "slug key (refused)", set: fm("+", `slug: "TERM"`)},
	{field: "broken YAML line", set: fm("title", `title: "TERM`)},
	{field: "broken YAML mapping", set: fm("title", `title: TERM: x: [`)},
	{field: "media id (fails its format)", set: fm("  - id", `  - id: "TERM"`)},
	{field: "media id well-formed, no file", set: fm("  - id", `  - id: m-TERM`)},
	{field: "media alt", set: fm("    alt", `    alt: "TERM on the road"`)},
	{field: "media caption", set: fm("    caption", `    caption: "TERM, smiling"`)},
	{field: "media depicts (fails its format)", set: fm("    depicts", `    depicts: ["TERM"]`)},
	{field: "media face_visible (not a bool)", set: fm("    face_visible", `    face_visible: "TERM"`)},
	{field: "media file name in the vault", set: fm("  - id", `  - id: m-leakfile`),
		media: func(term string) map[string]string {
			return map[string]string{"media/m-leakfile.jpg": "jpg", "media/" + term + ".jpg": "jpg"}
		}},
	{field: "body text", body: func(t string) string { return "I met TERM at the market.\n" }},
	{field: "body heading and emphasis", body: func(t string) string { return "## *TERM*\n\n**TERM** said so.\n" }},
	{field: "body link and image by path", body: func(t string) string {
		return "[TERM](https://example.org/TERM) ![TERM](/media/TERM.jpg)\n"
	}},
	{field: "shortcode argument (valid shortcode)", body: func(t string) string { return `{{< media id="m-0101" caption="TERM" >}}` + "\n" }},
	{field: "shortcode argument (media id)", body: func(t string) string { return `{{< media id="TERM" >}}` + "\n" }},
	{field: "shortcode name (no such shortcode)", body: func(t string) string { return `{{< TERM >}}` + "\n" }},
	{field: "shortcode unclosed", body: func(t string) string { return `{{< media id="TERM" ` + "\n" }},
	{field: "raw HTML", body: func(t string) string { return `<span title="TERM">TERM</span>` + "\n" }},
	{field: "HTML comment", body: func(t string) string { return "<!-- TERM -->\nText.\n" }},
	{field: "slug/folder name", slug: func(t string) string { return leakSlug(t) }},
}

// leakPages are pages other than stories an editor writes (advocacy and
// partner pages, a section's _index.md), each planted with a term.
var leakPages = []struct {
	field      string
	path, text func(term string) string
}{
	{"advocacy page title",
		func(string) string { return "content/advocacy/leak-title/index.md" },
		func(t string) string { return "---\ntitle: \"" + t + "\"\ndescription: \"x\"\n---\nText.\n" }},
	{"advocacy page folder",
		func(t string) string { return "content/advocacy/" + leakSlug(t) + "/index.md" },
		func(string) string { return "---\ntitle: \"A visit\"\ndescription: \"x\"\n---\nText.\n" }},
	{"partner page body",
		func(string) string { return "content/partners/leak-body/index.md" },
		func(t string) string {
			return "---\ntitle: \"A partner\"\ndescription: \"x\"\n---\nWe thank " + t + ".\n"
		}},
	{"advocacy page unknown key",
		func(string) string { return "content/advocacy/leak-key/index.md" },
		func(t string) string { return "---\ntitle: \"A visit\"\n\"" + t + "\": 1\n---\nText.\n" }},
}

// leakFieldNo is the two-digit number of the planting covering field.
func leakFieldNo(field string) string {
	i := slices.IndexFunc(leakPlantings, func(p leakPlanting) bool { return p.field == field })
	if i < 0 {
		panic("no planting " + field)
	}
	return fmt.Sprintf("%02d", i)
}

func leakSlug(t string) string {
	return strings.ReplaceAll(strings.TrimSpace(leakFold(t)), " ", "-")
}

// leakStory is a valid English story (one language, consent given) that
// each planting changes in one place.
const leakStory = `---
title: "A walk to the market"
description: "How one storyteller found her way back."
date: 2026-04-02
draft: false
expiryDate: 2029-03-01
story_id: st-leakNN
storyteller:
  display_name: "Lucía*"
  name_kind: pseudonym
  person: p-0001
  preferred_term: survivor leader
consent:
  record: cr-2026-leakNN
  status: given
  given: 2026-03-02
  expires: 2029-03-01
  withdrawn: ""
  channels: [website]
  languages: [en]
  identifiers: {name: false, face: false, voice: false, location: country}
  search_engines: true
  minor: false
  guardian_record: ""
review:
  approved: 2026-11-20
  approved_sha256: "0000000000000000000000000000000000000000000000000000000000000000"
content_warnings: [street harassment]
countries: [Guatemala]
themes: [safety]
media:
  - id: m-leakNN
    alt: "A road at dawn."
    caption: "The road."
    depicts: []
    face_visible: false
---
`

const leakBody = "Every morning I walk to the market. It is safer now.\n"

// plantAll writes every planting, each with its own term, into the site
// and the vault.
func (h *leakHarness) plantAll() []leakBundle {
	jpgs, _ := filepath.Glob(filepath.Join(h.vault, "media", "*.jpg"))
	if len(jpgs) == 0 {
		h.t.Fatalf("no JPEG in %s/media to plant", h.vault)
	}
	photo, err := os.ReadFile(jpgs[0])
	if err != nil {
		h.t.Fatal(err)
	}
	// A public name may stand on public pages (the scanner allows it): a
	// page that carries one passes check and is built, so plantings use
	// the other terms; the arguments below use every term.
	terms := notPublicNames(h.terms)
	var out []leakBundle
	for i, p := range leakPlantings {
		term := terms[i%len(terms)].value
		no := fmt.Sprintf("%02d", i)
		slug := "leak-" + no
		if p.slug != nil {
			slug = p.slug(term)
		}
		lines := strings.Split(strings.ReplaceAll(leakStory, "leakNN", "leak"+no), "\n")
		if p.set != nil {
			for k, v := range p.set(term) {
				switch {
				case k == "+": // a new top-level key before the closing ---
					end := slices.Index(lines[1:], "---") + 1
					lines = slices.Insert(lines, end, v)
				case strings.HasPrefix(k, "+"): // a new line in a mapping
					at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, k[1:]+":") })
					lines = slices.Insert(lines, at+1, v)
				default:
					at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, k+":") })
					if at < 0 {
						h.t.Fatalf("planting %s: no line %q", p.field, k)
					}
					lines[at] = v
				}
			}
		}
		body := leakBody
		if p.body != nil {
			body = strings.ReplaceAll(p.body(term), "TERM", term)
		}
		page := strings.Join(lines, "\n") + body
		h.write(filepath.Join(h.site, "content", "stories", slug, "index.md"), []byte(page))
		if p.media != nil {
			for name, data := range p.media(term) {
				b := []byte(data)
				if data == "jpg" {
					b = photo
				}
				h.write(filepath.Join(h.vault, filepath.FromSlash(name)), b)
			}
		}
		h.write(filepath.Join(h.vault, "media", "m-leak"+no+".jpg"), photo)
		out = append(out, leakBundle{field: p.field, slug: slug})
	}
	for i, p := range leakPages {
		term := terms[(len(leakPlantings)+i)%len(terms)].value
		h.write(filepath.Join(h.site, filepath.FromSlash(p.path(term))), []byte(p.text(term)))
	}
	return out
}

func (h *leakHarness) write(p string, data []byte) {
	h.t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// leakArgument is a command line an operator could type with a term in
// it: as the story argument, a flag value, a flag name, a subcommand or an
// environment value.
type leakArgument struct {
	name string
	args func(h *leakHarness, term string) []string
	env  func(h *leakHarness, term string) []string
}

// argv returns s with TERM replaced by the term.
func argv(s ...string) func(*leakHarness, string) []string {
	return func(_ *leakHarness, term string) []string {
		out := slices.Clone(s)
		for i := range out {
			out[i] = strings.ReplaceAll(out[i], "TERM", term)
		}
		return out
	}
}

func noEnv(*leakHarness, string) []string { return nil }

// editorWriting is the environment of a registry edit whose editor
// saves text (TERM replaced) in place of the registry's plaintext.
func editorWriting(text string) func(*leakHarness, string) []string {
	return func(h *leakHarness, term string) []string {
		dir := h.t.TempDir()
		h.write(filepath.Join(dir, "text"), []byte(strings.ReplaceAll(text, "TERM", term)))
		script := filepath.Join(dir, "editor")
		h.write(script, []byte("#!/bin/sh\ncat '"+filepath.Join(dir, "text")+"' > \"$1\"\n"))
		if err := os.Chmod(script, 0o755); err != nil {
			h.t.Fatal(err)
		}
		return []string{"EDITOR=" + script, "VISUAL="}
	}
}

// personFile writes yaml (TERM replaced) to a file and runs registry add
// --from it.
func personFile(yaml string) func(*leakHarness, string) []string {
	return func(h *leakHarness, term string) []string {
		p := filepath.Join(h.t.TempDir(), "person.yaml")
		h.write(p, []byte(strings.ReplaceAll(yaml, "TERM", term)))
		return []string{"registry", "add", "--from", p}
	}
}

// noKey is the environment of a shell without the registry key.
var noKey = []string{"STORYGUARD_AGE_IDENTITY_FILE=", "STORYGUARD_AGE_IDENTITY="}

// envv is argv for environment entries (KEY=VALUE).
var envv = argv

var leakArguments = []leakArgument{
	{"approve <name>", argv("approve", "TERM"), noEnv},
	{"approve <slug of a name>", argv("approve", "stories/TERM"), noEnv},
	{"approve --lang <name>", argv("approve", "st-7q2k9m", "--lang", "TERM"), noEnv},
	{"approve --date <name>", argv("approve", "st-7q2k9m", "--date", "TERM"), noEnv},
	{"withdraw <name>", argv("withdraw", "TERM", "--reason", "storyteller request", "--now", leakNow), noEnv},
	{"withdraw <name> without the key", argv("withdraw", "TERM", "--reason", "storyteller request", "--now", leakNow), envv(noKey...)},
	{"withdraw --reason <name> without the key", argv("withdraw", "st-7q2k9m", "--reason", "TERM asked", "--now", leakNow), envv(noKey...)},
	{"approve <name> without the key", argv("approve", "TERM"), envv(noKey...)},
	{"status <name> without the key", argv("status", "TERM"), envv(noKey...)},
	{"check --now <name> without the key", argv("check", "--now", "TERM"), envv(noKey...)},
	{"withdraw --emergency <name>", argv("withdraw", "TERM", "--emergency", "--now", leakNow), noEnv},
	{"withdraw --by <name>", argv("withdraw", "st-7q2k9m", "--by", "TERM", "--reason", "storyteller request"), noEnv},
	{"withdraw --now <name>", argv("withdraw", "st-7q2k9m", "--reason", "x", "--now", "TERM"), noEnv},
	{"status <name>", argv("status", "TERM"), noEnv},
	{"export newsletter <name>", argv("export", "newsletter", "TERM", "--lang", "en", "--now", leakNow), noEnv},
	{"export newsletter --lang <name>", argv("export", "newsletter", "st-9v4n6b", "--lang", "TERM", "--now", leakNow), noEnv},
	{"stories show <name>", argv("stories", "show", "TERM"), noEnv},
	{"stories show --lang <name>", argv("stories", "show", "st-7q2k9m", "--lang", "TERM"), noEnv},
	{"status --format <name>", argv("status", "--format", "TERM"), noEnv},
	{"check --format <name>", argv("check", "--format", "TERM"), noEnv},
	{"check --now <name>", argv("check", "--now", "TERM"), noEnv},
	{"publish --now <name>", argv("publish", "--dry-run", "--now", "TERM"), noEnv},
	{"publish --base-url <name>", argv("publish", "--dry-run", "--now", leakNow, "--base-url", "TERM"), noEnv},
	{"publish --base-url http://<name>/", argv("publish", "--dry-run", "--now", leakNow, "--base-url", "ftp://TERM/"), noEnv},
	{"preview --addr <name>", argv("preview", "--addr", "TERM:1313"), noEnv},
	{"unknown flag --<name>", argv("check", "--TERM"), noEnv},
	{"unknown command <name>", argv("TERM"), noEnv},
	{"registry <name>", argv("registry", "TERM"), noEnv},
	{"help <name>", argv("help", "TERM"), noEnv},
	{"registry rekey --recipient <name>", argv("registry", "rekey", "--recipient", "TERM"), noEnv},
	{"registry rekey --recipients-file <missing file named by a name>", argv("registry", "rekey", "--recipients-file", "TERM.txt"), noEnv},
	{"registry init --recipient <name> (no registry yet)", func(h *leakHarness, term string) []string {
		return []string{"registry", "init", "--vault", filepath.Join(h.t.TempDir(), "fresh"), "--recipient", term}
	}, noEnv},
	{"registry edit, saved with a broken YAML line", argv("registry", "edit"), editorWriting("version: 1\ndemo: true\npersons:\n  - id: p-0001\n    role: storyteller\n    names: [\"TERM\"\n")},
	{"registry edit, saved with a name as an id", argv("registry", "edit"), editorWriting("version: 1\ndemo: true\npersons:\n  - id: \"TERM\"\n    role: storyteller\n    names: [\"TERM\"]\n")},
	{"registry add --from <missing file named by a name>", argv("registry", "add", "--from", "TERM.yaml"), noEnv},
	{"registry add, a name as the id", personFile("id: \"TERM\"\nrole: relative\nnames: [\"Xochitl Leaktest\"]\n"), noEnv},
	{"registry add, a name as the role", personFile("role: \"TERM\"\nnames: [\"Xochitl Leaktest\"]\n"), noEnv},
	{"registry add, a name as a detail kind", personFile("role: relative\nnames: [\"Xochitl Leaktest\"]\ndetails:\n  - kind: \"TERM\"\n    value: x\n"), noEnv},
	{"registry add, broken YAML line", personFile("role: relative\nnames: [\"TERM\"\n"), noEnv},
	{"store ls <name>", argv("store", "ls", "TERM"), noEnv},
	{"media scrub <file named by a name>", func(h *leakHarness, term string) []string {
		return []string{"media", "scrub", filepath.Join("examples", "vault", "media", term+".jpg"), "--out", filepath.Join(h.t.TempDir(), "clean")}
	}, noEnv},
	{"media verify <file named by a name>", func(h *leakHarness, term string) []string {
		return []string{"media", "verify", filepath.Join("examples", "vault", "media", term+".jpg")}
	}, noEnv},
	{"media verify <missing file named by a name>", argv("media", "verify", "TERM.png"), noEnv},
	{"--vault <name>", argv("--vault", "TERM", "check", "--now", leakNow), noEnv},
	{"--identity-file <name>", argv("--identity-file", "TERM.txt", "check", "--now", leakNow), noEnv},
	{"--root <name>", argv("--root", "TERM", "check"), noEnv},
	{"STORYGUARD_VAULT", argv("check", "--now", leakNow), envv("STORYGUARD_VAULT=TERM")},
	{"STORYGUARD_AGE_IDENTITY_FILE", argv("check", "--now", leakNow), envv("STORYGUARD_AGE_IDENTITY_FILE=TERM.txt")},
	{"STORYGUARD_AGE_IDENTITY", argv("check", "--now", leakNow), envv("STORYGUARD_AGE_IDENTITY_FILE=", "STORYGUARD_AGE_IDENTITY=AGE-SECRET-KEY-TERM")},
	{"STORYGUARD_BUCKET", argv("status", "--now", leakNow), envv("STORYGUARD_BUCKET=TERM")},
	{"STORYGUARD_WORKERS", argv("status", "--now", leakNow), envv("STORYGUARD_WORKERS=TERM")},
	{"STORYGUARD_ALLOW_HTTP", argv("status", "--now", leakNow), envv("STORYGUARD_ALLOW_HTTP=TERM")},
	{"STORYGUARD_ENDPOINT", argv("status", "--now", leakNow), envv("STORYGUARD_ENDPOINT=TERM")},
	{"STORYGUARD_ENDPOINT http", argv("status", "--now", leakNow), envv("STORYGUARD_ENDPOINT=http://TERM.example:9000/")},
	{"AWS_REGION", argv("status", "--now", leakNow), envv("AWS_REGION=TERM")},
}

// leakConfig is a config.toml edit carrying the term; every command reads
// config.toml first.
type leakConfig struct {
	name string
	edit func(term string) func(string) string
	args []string
	env  []string // environment that would override the edit, cleared
}

func appendParam(line string) func(term string) func(string) string {
	return func(term string) func(string) string {
		return func(cfg string) string {
			line := strings.ReplaceAll(line, "TERM", term)
			if strings.Contains(cfg, "\n[params.storyguard]\n") {
				return strings.Replace(cfg, "\n[params.storyguard]\n", "\n[params.storyguard]\n"+line+"\n", 1)
			}
			return cfg + "\n[params.storyguard]\n" + line + "\n"
		}
	}
}

var leakConfigs = []leakConfig{
	{"params.storyguard.bucket", appendParam(`bucket = "TERM"`), []string{"status", "--now", leakNow}, nil},
	{"params.storyguard.vault", appendParam(`vault = "TERM"`), []string{"check", "--now", leakNow}, []string{"STORYGUARD_VAULT="}},
	{"params.storyguard.endpoint", appendParam(`endpoint = "TERM"`), []string{"status", "--now", leakNow}, nil},
	{"params.storyguard unknown key", appendParam(`"TERM" = "x"`), []string{"check", "--now", leakNow}, nil},
	{"params.storyguard.workers (not a number)", appendParam(`workers = "TERM"`), []string{"check", "--now", leakNow}, nil},
	{"baseURL", func(term string) func(string) string {
		return func(cfg string) string {
			return strings.Replace(cfg, `baseURL = "https://stories.example.org/"`, `baseURL = "TERM"`, 1)
		}
	}, []string{"publish", "--dry-run", "--now", leakNow}, nil},
	{"broken TOML line", func(term string) func(string) string {
		return func(cfg string) string { return cfg + "\ntitle = \"" + term + "\n" }
	}, []string{"check", "--now", leakNow}, nil},
}

// leakLayout is a project layout (layouts/ in the site, over the theme)
// whose build fails with the term in the message.
type leakLayout struct {
	name, file string
	text       func(term string) string
}

var leakLayouts = []leakLayout{
	{"errorf argument in a shortcode", "_shortcodes/media.html", func(t string) string { return `{{ errorf "media for %s" "` + t + `" }}` }},
	{"errorf in the home page", "home.html", func(t string) string { return `{{ errorf "%s" "` + t + `" }}` }},
	{"template parse error", "home.html", func(t string) string { return `{{ ` + leakSlug(t) + ` }}` }},
}

// withConfig runs f with config.toml edited, then restores it.
func (h *leakHarness) withConfig(edit func(string) string, f func()) {
	p := filepath.Join(h.site, "config.toml")
	orig, err := os.ReadFile(p)
	if err != nil {
		h.t.Fatal(err)
	}
	h.write(p, []byte(edit(string(orig))))
	defer h.write(p, orig)
	f()
}

// withFile runs f with the site file rel written, then removes it.
func (h *leakHarness) withFile(rel, text string, f func()) {
	p := filepath.Join(h.site, rel)
	h.write(p, []byte(text))
	defer os.RemoveAll(filepath.Join(h.site, strings.Split(rel, string(filepath.Separator))[0]))
	f()
}

// scanVault scans every file the runs wrote into the vault: the audit
// log, the record of published stores and everything under state/. The
// inputs (registry.age, media originals, the key) are left out.
func (h *leakHarness) scanVault() {
	found := 0
	filepath.WalkDir(h.vault, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(h.vault, p)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == "registry.age", rel == "demo-identity.txt", rel == "identity.txt", rel == "README.md", strings.HasPrefix(rel, "media/"):
			return nil
		}
		found++
		h.scan("vault", rel+" (name)", rel)
		h.scanFile(rel, p)
		return nil
	})
}

// scanTree scans every file under dir (names and contents) for terms,
// and returns how many files it read.
func (h *leakHarness) scanTree(dir string, terms []leakTerm) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(h.site, p)
		data, err := os.ReadFile(p)
		if err != nil {
			h.t.Errorf("%s: %v", rel, err)
			return nil
		}
		n++
		h.scanTerms(terms, "file", rel+" (name)", rel)
		h.scanTerms(terms, "file", rel, string(data))
		return nil
	})
	return n
}

func (h *leakHarness) scanFile(what, p string) {
	data, err := os.ReadFile(p)
	if err != nil {
		h.t.Errorf("%s: %v", what, err)
		return
	}
	h.scan("file", what, string(data))
}

// scanStore lists every version of every object in the embedded store
// (through its own gateway, as an independent witness) and scans each key
// and each version's metadata.
func (h *leakHarness) scanStore() {
	ctx := context.Background()
	g, err := store.StartGateway(ctx, store.GatewayOptions{Command: store.Command{Path: h.exe}, Dir: filepath.Join(h.site, ".storyguard")})
	if err != nil {
		h.t.Fatalf("gateway over the embedded store: %v", err)
	}
	defer g.Close()
	u, _ := url.Parse(g.Endpoint)
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(g.AccessKey, g.SecretKey, ""), Region: g.Region})
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for o := range c.ListObjects(ctx, g.Bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true, WithMetadata: true}) {
		if o.Err != nil {
			h.t.Fatalf("list: %v", o.Err)
		}
		n++
		h.scan("store", "object key", o.Key)
		if o.IsDeleteMarker {
			continue
		}
		info, err := c.StatObject(ctx, g.Bucket, o.Key, minio.StatObjectOptions{VersionID: o.VersionID})
		if err != nil {
			h.t.Fatalf("stat %s: %v", o.Key, err)
		}
		var meta strings.Builder
		info.Metadata.Write(&meta)
		for k, v := range info.UserMetadata {
			fmt.Fprintf(&meta, "%s: %s\n", k, v)
		}
		h.scan("store", "metadata of "+o.Key, meta.String())
	}
	if n == 0 {
		h.t.Errorf("the embedded store holds no objects: the publish did not reach it")
	}
}

func (h *leakHarness) report() {
	h.t.Logf("%d terms, %d plantings and %d other pages, %d arguments, %d config edits, %d layouts, %d preview requests; %d commands run",
		len(h.terms), len(leakPlantings), len(leakPages), len(leakArguments), len(leakConfigs), len(leakLayouts), len(leakRequests), h.ran)
	slices.Sort(h.leaks)
	for _, l := range slices.Compact(h.leaks) {
		h.t.Error(l)
	}
}
