package journey

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/chromedp/chromedp"

	"storyguard/tools/desk"
	"storyguard/tools/identity"
	"storyguard/tools/site"
	"storyguard/tools/stories"
)

// shotsDir is where the staff journey saves its screenshots, to be
// looked at (issue #16); STORYGUARD_SHOTS overrides it.
func shotsDir(t *testing.T) string {
	d := os.Getenv("STORYGUARD_SHOTS")
	if d == "" {
		d = "/work/shots/staff"
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(shotsDir(t), name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// staffWords are the message keys of the few words of the pages the
// journey checks (the desk's message files, deskWords).
var staffWords = map[string]string{"queue": "queue_heading", "suggested": "suggest_saved", "photo": "photo_saved",
	"accounts": "accounts_heading", "accepted": "suggestion_accepted"}

// TestStaffJourney walks the staff side of issue #16 in real Chromium,
// at 1280 px in English and at 390 px in Spanish, with axe-core on every
// staff page: an editor enrols and signs in with her phrase, reads the
// queue, suggests a change, attaches a photo with GPS (stored with no
// metadata, per exiftool); an admin creates a storyteller's account and
// sees its code once and adds a person to the registry; the storyteller reads the suggestion as a
// comparison and accepts it.
func TestStaffJourney(t *testing.T) {
	requireTool(t, axePath, "axe-core")
	exiftool, err := exec.LookPath("exiftool")
	if err != nil {
		requireTool(t, "/usr/bin/exiftool", "exiftool")
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, lang string
		w, h       int64
	}{{"en-1280", "en", 1280, 900}, {"es-390", "es", 390, 844}} {
		t.Run(c.name, func(t *testing.T) { staffJourney(t, axe, exiftool, c.name, c.lang, c.w, c.h) })
	}
}

func staffJourney(t *testing.T, axe []byte, exiftool, name, lang string, width, height int64) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	key, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ss, err := stories.Open(t.Context(), stories.Options{Path: filepath.Join(t.TempDir(), stories.FileName),
		Recipients: []age.Recipient{key.Recipient()}, Identities: []age.Identity{key}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	store := desk.StoryStore{S: ss}
	accounts, err := desk.SeedDemo(t.Context(), store, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code := map[string]string{}
	acct := map[string]string{}
	for _, a := range accounts {
		code[a.Login], acct[a.Login] = a.Code, a.ID
	}
	// Marta's story, and another she took down today.
	now := time.Now().UTC()
	story := func(title string) string {
		id, _ := desk.NewStoryID()
		if err := store.CreateStory(t.Context(), desk.StoryMeta{ID: id, Storyteller: acct["marta"], Created: now}); err != nil {
			t.Fatal(err)
		}
		if err := store.SaveRevision(t.Context(), id, desk.Revision{Lang: lang, Title: title, Summary: "-", Body: "Line one.\nLine two.", By: acct["marta"], At: now}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	id := story("Mi camino")
	gone := story("Otra")
	if err := store.SaveWithdrawal(t.Context(), gone, desk.Withdrawal{Level: desk.TakeDown, By: acct["marta"], At: now}); err != nil {
		t.Fatal(err)
	}
	mediaDir := t.TempDir()
	regRaw, err := os.ReadFile(filepath.Join(root, "examples", "vault", "registry.age"))
	if err != nil {
		t.Fatal(err)
	}
	regPath := filepath.Join(t.TempDir(), "registry.age")
	os.WriteFile(regPath, regRaw, 0o600)
	regIDs, err := identity.LoadIdentities(filepath.Join(root, "examples", "vault", "demo-identity.txt"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	exitPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!doctype html><html lang="en"><title>Weather</title><h1>Weather</h1></html>`))
	}))
	t.Cleanup(exitPage.Close)
	srv, err := desk.New(desk.Config{Store: store, SiteRoot: root, WorkDir: t.TempDir(), MediaDir: mediaDir,
		Registry: &desk.RegistryFile{Path: regPath, Identities: regIDs}, QuickExitURL: exitPage.URL + "/weather",
		Build: func(ctx context.Context, src, dst, base string) error {
			return site.Build(ctx, site.BuildOptions{Source: src, Destination: dst, BaseURL: base})
		}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	ctx := browserAt(t, width, height, lang)
	all := deskWords(t, lang)
	words := map[string]string{}
	for k, key := range staffWords {
		words[k] = all[key]
	}
	page := func(label string) {
		t.Helper()
		checkAxe(t, ctx, axe, name+" "+label)
		if width <= 390 {
			checkTargets(t, ctx, label)
		}
		shot(t, ctx, name+"-"+label)
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	enrol := func(login, phrase string) {
		t.Helper()
		do(chromedp.Navigate(ts.URL + "/enrol"))
		do(chromedp.SendKeys(chromedp.ID("code"), code[login]))
		submit(t, ctx, `main button[type=submit]`)
		do(chromedp.SendKeys(chromedp.ID("phrase"), phrase), chromedp.SendKeys(chromedp.ID("repeat"), phrase))
		submit(t, ctx, `main button[type=submit]`)
	}
	signOut := func() { t.Helper(); submit(t, ctx, `form[action="/sign-out"] button`) }

	// 1. The editor enrols, signs out, and signs in with her phrase.
	enrol("editor", "editor phrase for the journey")
	signOut()
	do(chromedp.Navigate(ts.URL + "/sign-in"))
	page("sign-in")
	do(chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "editor"), chromedp.SendKeys(chromedp.CSS(`input[name=phrase]`), "editor phrase for the journey"))
	submit(t, ctx, `main button[type=submit]`)

	// 2. The queue: her story waits for consent, the withdrawal is on top.
	submit(t, ctx, `header a[href="/queue"]`)
	if h := text(t, ctx, "h1"); h != words["queue"] {
		t.Fatalf("queue heading %q", h)
	}
	page("queue")
	if got := text(t, ctx, `section[aria-labelledby=q-recent]`); !strings.Contains(got, gone) {
		t.Errorf("the recent withdrawal is not at the top: %q", got)
	}
	if got := text(t, ctx, `section[aria-labelledby=q-consent-pending]`); !strings.Contains(got, id) {
		t.Errorf("her story is not waiting for consent: %q", got)
	}

	// 3. A suggestion, never her text overwritten.
	submit(t, ctx, `a[href="/stories/`+id+`"]`)
	page("edit")
	do(chromedp.SetValue(chromedp.ID("body"), "Line one.\nLine two, clearer."))
	submit(t, ctx, `form[action$="/suggest"] button[type=submit]`)
	if n := text(t, ctx, ".notice"); !strings.HasPrefix(n, words["suggested"]) {
		t.Errorf("after suggesting: %q", n)
	}
	if st, _ := store.Story(t.Context(), id); st.Current[lang].Body != "Line one.\nLine two." {
		t.Errorf("the suggestion changed her text: %q", st.Current[lang].Body)
	}

	// 4. A photo with GPS, through the form.
	submit(t, ctx, `a[href="/stories/`+id+`/photos"]`)
	page("photos")
	jpg := gpsJPEG(t, exiftool)
	do(chromedp.SetUploadFiles(chromedp.ID("photo"), []string{jpg}),
		chromedp.SendKeys(chromedp.ID("alt"), "Two women on a bench."),
		chromedp.SendKeys(chromedp.ID("caption"), "At the group's meeting."),
		chromedp.Click(chromedp.CSS(`input[name=shown][value=yes]`)),
		chromedp.Click(chromedp.CSS(`input[name=face][value=no]`)),
		chromedp.SetValue(chromedp.ID("others"), "p-0007 cr-2026-014"))
	submit(t, ctx, `form[enctype] button[type=submit]`)
	if n := text(t, ctx, ".notice"); n != words["photo"] {
		t.Fatalf("after the upload: %q", n)
	}
	page("photo-added")
	files, _ := os.ReadDir(mediaDir)
	if len(files) != 1 || !strings.HasSuffix(files[0].Name(), ".jpg") || strings.Contains(files[0].Name(), "IMG") {
		t.Fatalf("media folder: %v", files)
	}
	for k, v := range exifRead(t, exiftool, filepath.Join(mediaDir, files[0].Name())) {
		switch g, _, _ := strings.Cut(k, ":"); g {
		case "SourceFile", "ExifTool", "System", "File", "Composite", "JFIF":
		default:
			t.Errorf("the stored photo still carries %s = %v", k, v)
		}
	}
	signOut()

	// 5. The admin creates a storyteller's account: its code, once.
	enrol("admin", "admin phrase for the journey")
	submit(t, ctx, `header a[href="/staff/accounts"]`)
	if h := text(t, ctx, "h1"); h != words["accounts"] {
		t.Fatalf("accounts heading %q", h)
	}
	page("accounts")
	do(chromedp.SendKeys(chromedp.ID("login"), "lucia"), chromedp.SendKeys(chromedp.ID("person"), "p-0009"))
	submit(t, ctx, `form[action="/staff/accounts"] button[type=submit]`)
	shown := text(t, ctx, "[data-code]")
	if !regexp.MustCompile(`^[0-9A-Z]{5}-[0-9A-Z]{5}$`).MatchString(shown) {
		t.Fatalf("the new code is shown as %q", shown)
	}
	page("account-code")
	do(chromedp.Navigate(ts.URL + "/staff/accounts"))
	if body := text(t, ctx, "main"); strings.Contains(body, shown) {
		t.Error("the code is shown again")
	}

	// 6. The admin adds a person to the registry through its form.
	submit(t, ctx, `header a[href="/staff/registry"]`)
	page("registry")
	do(chromedp.Click(chromedp.CSS(`input[name=role][value=relative]`)),
		chromedp.SendKeys(chromedp.ID("pseudonym"), "Tío Beto*"),
		chromedp.SetValue(chromedp.ID("given_names"), "Rigoberto"),
		chromedp.SetValue(chromedp.ID("details_village"), "Aldea Chuisac"))
	submit(t, ctx, `form[action="/staff/registry"] button[type=submit]`)
	page("registry-added")
	if body := text(t, ctx, "main"); !strings.Contains(body, "Tío Beto*") || strings.Contains(body, "Rigoberto") {
		t.Errorf("after adding: the page lacks the pseudonym or shows the real name")
	}
	reg, err := identity.OpenRegistry(regPath, regIDs)
	if err != nil || reg.Persons[len(reg.Persons)-1].Pseudonym != "Tío Beto*" {
		t.Errorf("the registry does not hold the new person: %v", err)
	}
	signOut()

	// 7. The storyteller reads the suggestion as a comparison, accepts it.
	enrol("marta", "marta phrase for the journey")
	do(chromedp.Navigate(ts.URL + "/stories/" + id))
	submit(t, ctx, `a[href="/stories/`+id+`/suggestions"]`)
	page("suggestions")
	if del := text(t, ctx, ".cmp-body del"); !strings.Contains(del, "Line two.") {
		t.Errorf("the comparison's removed line: %q", del)
	}
	submit(t, ctx, `button[value=accepted]`)
	if n := text(t, ctx, ".notice"); !strings.HasPrefix(n, words["accepted"]) {
		t.Errorf("after accepting: %q", n)
	}
	if st, _ := store.Story(t.Context(), id); st.Current[lang].Body != "Line one.\nLine two, clearer." {
		t.Errorf("after accepting, her text is %q", st.Current[lang].Body)
	}

	// 8. The photo staff attached is a suggestion too: she sees the photo,
	// accepts it, and her preview, built by Hugo with the real theme,
	// shows it with its alt text and caption.
	do(chromedp.Navigate(ts.URL + "/stories/" + id + "/suggestions"))
	page("photo suggestion")
	loaded, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector(".suggestion figure img");
		return i && i.complete && i.naturalWidth > 0 ? true : null })()`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !loaded {
		t.Fatalf("the photo suggestion does not show the photo: %v", err)
	}
	submit(t, ctx, `button[value=accepted]`)
	if n := text(t, ctx, ".notice"); !strings.HasPrefix(n, words["accepted"]) {
		t.Errorf("after accepting the photo: %q", n)
	}
	if st, _ := store.Story(t.Context(), id); len(st.Current[lang].Media) != 1 || st.Current[lang].Media[0].Alt != "Two women on a bench." {
		t.Fatalf("after accepting the photo, the media list is %+v", st.Current[lang].Media)
	}
	do(chromedp.Navigate(ts.URL + "/stories/" + id + "/preview?lang=" + lang))
	page("preview with photo")
	fig, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const d = document.querySelector("iframe").contentDocument;
		const i = d && d.querySelector("article figure img");
		return i && i.complete && i.naturalWidth > 0 ? i.alt + "|" + d.querySelector("article figure figcaption").textContent.trim() : null })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	// (The theme's Markdown typesets the caption's apostrophe.)
	if err != nil || fig != "Two women on a bench.|At the group’s meeting." {
		t.Errorf("her preview shows the photo as %q (%v), want it loaded with its alt text and caption", fig, err)
	}
}

// gpsJPEG writes a JPEG with GPS coordinates and a camera (per exiftool)
// and returns its path.
func gpsJPEG(t *testing.T, exiftool string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for x := range 320 {
		for y := range 200 {
			img.Set(x, y, color.RGBA{uint8(x * 3 / 4), uint8(y), 140, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "IMG_0001.jpg")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(exiftool, "-q", "-overwrite_original", "-GPSLatitude=14.6349", "-GPSLatitudeRef=N",
		"-GPSLongitude=90.5069", "-GPSLongitudeRef=W", "-Make=PhoneCo", p).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	if exifRead(t, exiftool, p)["EXIF:GPSLatitude"] == nil {
		t.Fatal("the fixture has no GPS")
	}
	return p
}

func exifRead(t *testing.T, exiftool, p string) map[string]any {
	t.Helper()
	out, err := exec.Command(exiftool, "-j", "-G", "-a", "-u", p).Output()
	if err != nil {
		t.Fatalf("exiftool %s: %v", p, err)
	}
	var res []map[string]any
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		t.Fatalf("exiftool output: %v", err)
	}
	return res[0]
}
