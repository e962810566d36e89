package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"storyguard/tools/content"
)

func page(t *testing.T, raw string) *content.Page {
	t.Helper()
	p, ds := content.LoadPage("content/stories/a/index.md", "en", []byte(raw))
	if len(ds) > 0 {
		t.Fatalf("load: %v", ds)
	}
	return p
}

// TestApprovalDigestSpec recomputes the digest from its doc comment by
// hand, so the definition and the code cannot drift apart.
func TestApprovalDigestSpec(t *testing.T) {
	raw := "---\r\ntitle: \"Cafe\u0301 \"\r\ndescription: d\r\nstoryteller:\r\n  display_name: \"Ana*\"\r\n  preferred_term: survivor\r\n" +
		"content_warnings: [sexual violence, court proceedings]\r\ncountries: [Guatemala]\r\nthemes: [justice, survivor leadership]\r\n" +
		"media:\r\n  - id: m-01\r\n    alt: \"A\"\r\n  - id: m-02\r\n    caption: \"C2\"\r\n---\r\n\r\nLine one.  \r\nLine two\r\n\r\n"
	p := page(t, raw)
	var b strings.Builder
	b.WriteString("storyguard-approval-v2\n")
	for _, r := range [][2]string{
		{"title", "Café"}, {"description", "d"}, {"byline", "Ana*"}, {"preferred_term", "survivor"},
		{"content_warnings[0]", "sexual violence"}, {"content_warnings[1]", "court proceedings"},
		{"countries[0]", "Guatemala"}, {"themes[0]", "justice"}, {"themes[1]", "survivor leadership"},
		{"body", "Line one.\nLine two"},
		{"media[0].id", "m-01"}, {"media[0].alt", "A"}, {"media[0].caption", ""},
		{"media[1].id", "m-02"}, {"media[1].alt", ""}, {"media[1].caption", "C2"},
	} {
		b.WriteString(r[0] + "\n" + itoa(len(r[1])) + "\n" + r[1] + "\n")
	}
	sum := sha256.Sum256([]byte(b.String()))
	if got, want := ApprovalDigest(p), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("digest %s, want %s", got, want)
	}
	// The same text with LF endings, NFC and no trailing blanks has the same digest.
	lf := strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "Cafe\u0301 ", "Café")
	lf = strings.Replace(lf, "Line one.  ", "Line one.", 1)
	if ApprovalDigest(page(t, lf)) != ApprovalDigest(p) {
		t.Error("normalisation: LF/NFC/trailing-blank variant differs")
	}
	// Any change a reader sees changes it.
	for _, change := range [][2]string{
		{"Line two", "Line 2"}, {"\"A\"", "\"B\""}, {"Ana*", "Ana"}, {"description: d", "description: e"},
		{"[sexual violence, court proceedings]", "[]"},
		{"content_warnings: [sexual violence, court proceedings]\r\n", ""},
		{"[sexual violence, court proceedings]", "[court proceedings, sexual violence]"},
		{"countries: [Guatemala]", "countries: [Honduras]"},
		{"countries: [Guatemala]", "countries: []"},
		{"[justice, survivor leadership]", "[justice]"},
		{"preferred_term: survivor", "preferred_term: victim"},
		{"id: m-01", "id: m-03"},
	} {
		if ApprovalDigest(page(t, strings.Replace(raw, change[0], change[1], 1))) == ApprovalDigest(p) {
			t.Errorf("changing %q to %q did not change the digest", change[0], change[1])
		}
	}
	// Review, consent and depicts do not count.
	for _, change := range [][2]string{
		{"description: d\r\n", "description: d\r\nreview:\r\n  approved: 2026-01-01\r\n"},
		{"description: d\r\n", "description: d\r\nconsent:\r\n  status: given\r\n"},
		{"id: m-01\r\n", "id: m-01\r\n    depicts: []\r\n"},
	} {
		if ApprovalDigest(page(t, strings.Replace(raw, change[0], change[1], 1))) != ApprovalDigest(p) {
			t.Errorf("adding %q changed the digest", change[1])
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParseDates(t *testing.T) {
	base := "---\nstory_id: st-aaaa1\nexpiryDate: %E\nstoryteller: {display_name: \"A*\", name_kind: pseudonym, person: p-0001, preferred_term: survivor}\nconsent:\n  record: cr-2026-0011\n  status: given\n  given: %G\n  expires: %X\n  channels: [website]\n  languages: [en]\n  identifiers: {name: false, face: false, voice: false, location: none}\n  search_engines: true\n  minor: false\n---\n"
	cases := []struct {
		name, given, expires, expiry, want string
	}{
		{"iso", "2026-03-02", "2029-03-01", "2029-03-01", ""},
		{"rfc3339", "2026-03-02T09:00:00Z", "\"2029-03-01\"", "2029-03-01T00:00:00Z", ""},
		{"day-first", "2026-03-02", "31/12/2026", "2026-12-31", `consent.expires: "31/12/2026" is not a date Hugo reads`},
		{"list", "[2026, 3, 2]", "2029-03-01", "2029-03-01", "consent.given: want a date (YYYY-MM-DD), got a list"},
		{"number", "20260302", "2029-03-01", "2029-03-01", "consent.given: want a date (YYYY-MM-DD), got a number"},
		{"before", "2026-03-02", "2026-03-01", "2026-03-01", "is not after consent.given"},
		{"same-day", "2026-03-02", "2026-03-02", "2026-03-02", "is not after consent.given"},
		{"too-long", "2026-03-02", "2029-03-03", "2029-03-03", "more than 3 years after"},
		{"expiry-mismatch", "2026-03-02", "2029-03-01", "2029-03-02", "differs from consent.expires"},
		{"expiry-missing", "2026-03-02", "2029-03-01", "\"\"", "field expiryDate is missing"},
	}
	for _, c := range cases {
		raw := strings.NewReplacer("%G", c.given, "%X", c.expires, "%E", c.expiry).Replace(base)
		s, ds := Parse(page(t, raw))
		got := ""
		for _, d := range ds {
			got += d.String() + "\n"
		}
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		if c.want == "" && !s.Consent.Given.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: given = %v", c.name, s.Consent.Given)
		}
	}
}

func TestApproveWritesOnlyReview(t *testing.T) {
	raw := "---\n# a comment\ntitle: \"T\"   # keep me\nstory_id: st-aaaa1\nreview:\n  approved: \"\"\n  approved_sha256: \"\"\nzeta: 1\n---\nBody\n"
	p := page(t, raw)
	out, digest, err := Approve(p, time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(raw, "approved: \"\"", "approved: 2026-11-29", 1)
	want = strings.Replace(want, "approved_sha256: \"\"", "approved_sha256: \""+digest+"\"", 1)
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	np := page(t, string(out))
	s, _ := Parse(np)
	if s.Review.ApprovedSHA256 != ApprovalDigest(np) {
		t.Error("approved digest does not match the written page")
	}
}

func TestApproveRefusesDayBeforeConsent(t *testing.T) {
	raw := "---\nstory_id: st-aaaa1\nconsent:\n  status: given\n  given: 2026-03-02\nreview:\n  approved: \"\"\n  approved_sha256: \"\"\n---\nBody\n"
	p := page(t, raw)
	for _, c := range []struct {
		day  time.Time
		fail bool
	}{
		{time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), false},
	} {
		out, _, err := Approve(p, c.day, nil)
		if c.fail {
			if !errors.Is(err, ErrApprovalBeforeConsent) || !strings.Contains(err.Error(), "consent.given") || !strings.Contains(err.Error(), p.Path) || out != nil {
				t.Errorf("%s: got %v, want an error naming %s and consent.given", c.day.Format(time.DateOnly), err, p.Path)
			}
		} else if err != nil {
			t.Errorf("%s: %v", c.day.Format(time.DateOnly), err)
		}
	}
	// A pending consent without a given date can be approved any day.
	if _, _, err := Approve(page(t, strings.Replace(raw, "given: 2026-03-02", "given: \"\"", 1)), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Errorf("no consent.given: %v", err)
	}
}

// TestApprovePinsMedia: approve writes review.approved_media_sha256 from
// the originals' digests, the pin changes with any original's bytes, and a
// page with media cannot be approved without the originals.
func TestApprovePinsMedia(t *testing.T) {
	raw := "---\nstory_id: st-aaaa1\nreview:\n  approved: \"\"\n  approved_sha256: \"\"\nmedia:\n  - id: m-0101\n    alt: \"A table.\"\n  - id: m-0102\n    alt: \"A door.\"\n---\nBody\n"
	p := page(t, raw)
	sums := map[string]string{"m-0101": strings.Repeat("a", 64), "m-0102": strings.Repeat("b", 64)}
	sum := func(id string) (string, error) {
		if s, ok := sums[id]; ok {
			return s, nil
		}
		return "", errNoOriginal
	}
	out, _, err := Approve(p, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), sum)
	if err != nil {
		t.Fatal(err)
	}
	s, ds := Parse(page(t, string(out)))
	for _, d := range ds {
		if d.Rule == RuleReviewInvalid {
			t.Fatalf("approved review does not parse: %v", d)
		}
	}
	want, _ := MediaApprovalDigest([]string{"m-0101", "m-0102"}, sum)
	if s.Review.ApprovedMediaSHA256 != want || !hexRe.MatchString(want) {
		t.Fatalf("approved_media_sha256 = %q, want %q", s.Review.ApprovedMediaSHA256, want)
	}
	sums["m-0102"] = strings.Repeat("c", 64)
	if changed, _ := MediaApprovalDigest([]string{"m-0101", "m-0102"}, sum); changed == want {
		t.Error("the pin did not change when an original changed")
	}
	if swapped, _ := MediaApprovalDigest([]string{"m-0102", "m-0101"}, sum); swapped == want {
		t.Error("the pin did not change when the media order changed")
	}
	if _, _, err := Approve(p, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), nil); err == nil || !strings.Contains(err.Error(), "field media") {
		t.Errorf("approve without originals: %v, want an error naming field media", err)
	}
	delete(sums, "m-0101")
	if _, _, err := Approve(p, time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), sum); !errors.Is(err, errNoOriginal) || !strings.Contains(err.Error(), "m-0101") {
		t.Errorf("approve with a missing original: %v, want ErrNoOriginal naming m-0101", err)
	}
	// A page without media gets no pin.
	plain, _, err := Approve(page(t, "---\nstory_id: st-aaaa1\nreview:\n  approved: \"\"\n  approved_sha256: \"\"\n---\nBody\n"), time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), nil)
	if err != nil || strings.Contains(string(plain), "approved_media_sha256") {
		t.Errorf("page without media: %v, %s", err, plain)
	}
}

// errNoOriginal stands for the vault's error in TestApprovePinsMedia:
// Approve passes fileSum's error on, wrapped.
var errNoOriginal = errors.New("no single original in the vault")

// TestDatesInUTC: every date is decided in UTC (Day). A given written
// with a time and an offset is the UTC date of that instant, at both
// edges of a day: late evening west of UTC is already tomorrow, early
// morning east of UTC is still yesterday.
func TestDatesInUTC(t *testing.T) {
	base := "---\nstory_id: st-aaaa1\nexpiryDate: 2029-03-01\nstoryteller: {display_name: \"A*\", name_kind: pseudonym, person: p-0001, preferred_term: survivor}\nconsent:\n  record: cr-2026-0011\n  status: given\n  given: %G\n  expires: 2029-03-01\n  channels: [website]\n  languages: [en]\n  identifiers: {name: false, face: false, voice: false, location: none}\n  search_engines: true\n  minor: false\nreview:\n  approved: %G\n---\n"
	for _, c := range []struct{ given, want string }{
		{"2026-12-04", "2026-12-04"},
		{"2026-12-04T20:00:00-08:00", "2026-12-05"},
		{"\"2026-12-04T23:59:59-00:01\"", "2026-12-05"},
		{"2026-12-05T01:00:00+02:00", "2026-12-04"},
		{"2026-12-04T23:59:59Z", "2026-12-04"},
	} {
		s, ds := Parse(page(t, strings.ReplaceAll(base, "%G", c.given)))
		if len(ds) > 0 {
			t.Fatalf("%s: %v", c.given, ds)
		}
		for field, got := range map[string]time.Time{"consent.given": s.Consent.Given, "review.approved": s.Review.Approved} {
			if got.Format(time.DateOnly) != c.want || got.Location() != time.UTC || got.Hour() != 0 {
				t.Errorf("%s %s: read as %v, want %s 00:00 UTC", field, c.given, got, c.want)
			}
		}
	}
	if got := Day(time.Date(2026, 12, 4, 22, 0, 0, 0, time.FixedZone("", -6*3600))); !got.Equal(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Day of 22:00 at UTC-6: %v, want 2026-12-05 (the UTC date)", got)
	}
}
