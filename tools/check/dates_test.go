package check_test

import (
	"strings"
	"testing"
	"time"

	"storyguard/tools/check"
	"storyguard/tools/content"
	"storyguard/tools/diag"
)

// TestFutureDatesInUTC: consent-date-future decides "today" and every
// date in UTC. At the boundary: a consent given at 20:00 on 4 December
// at UTC-8 is already 5 December in UTC, so on 4 December (UTC) it is in
// the future, although it is still 4 December where it was written; one
// given at 01:00 on 5 December at UTC+2 is 4 December in UTC, today.
func TestFutureDatesInUTC(t *testing.T) {
	dec4 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now         time.Time
		given, want string
	}{
		{dec4, "2026-12-04", ""},
		{dec4, "2026-12-05", "consent.given (2026-12-05) is after today (2026-12-04)"},
		{dec4, "2026-12-04T20:00:00-08:00", "consent.given (2026-12-05) is after today (2026-12-04)"},
		{dec4, "2026-12-04T23:59:59Z", ""},
		{dec4, "2026-12-05T01:00:00+02:00", ""},
		// A clock read in another zone is still judged by its UTC date.
		{time.Date(2026, 12, 4, 22, 0, 0, 0, time.FixedZone("", -6*3600)), "2026-12-05", ""},
		{time.Date(2026, 12, 5, 1, 0, 0, 0, time.FixedZone("", 2*3600)), "2026-12-05", "consent.given (2026-12-05) is after today (2026-12-04)"},
	} {
		dir := t.TempDir()
		writeFixture(t, dir, "config.toml", []byte("defaultContentLanguage = 'en'\n[languages.en]\n"))
		writeFixture(t, dir, "content/stories/a/index.md", []byte(reusePage(map[string]string{"given": tc.given, "approved": "2026-12-01"})))
		site, err := content.LoadSite(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range check.Run(site, check.Options{Now: tc.now}).Diagnostics {
			if d.Rule == "consent-date-future" && d.Severity == diag.Error {
				got = append(got, d.Message)
			}
		}
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("now %v, given %s: refused: %q", tc.now, tc.given, got)
		case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
			t.Errorf("now %v, given %s: got %q, want one finding %q", tc.now, tc.given, got, tc.want)
		}
	}
}
