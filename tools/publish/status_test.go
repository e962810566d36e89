package publish

import (
	"context"
	"strings"
	"testing"
	"time"

	"storyguard/tools/store"
)

// TestStatus: what storyguard status tells a publisher about each story:
// days left and the renewal note, a withdrawn story whose page is still
// in the bucket, a story awaiting approval, an expired one.
func TestStatus(t *testing.T) {
	ts := newSiteFiles(t)
	r := newRecStore(t, ts)
	ctx := context.Background()
	for _, key := range []string{"site/stories/soon/index.html", "site/es/stories/gone/index.html", "site/stories/gone-too/index.html"} {
		if _, err := r.Put(ctx, key, strings.NewReader("x"), 1, store.Meta{SHA256: strings.Repeat("0", 64)}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	plan := &Plan{Stories: []Story{
		{ID: "st-soon", Bundle: "stories/soon", Langs: []string{"en", "es"}, Status: "given", Approved: true, Publishable: true,
			Expires: now.AddDate(0, 0, 30), PagePrefixes: []string{"site/stories/soon/", "site/es/stories/soon/"}},
		{ID: "st-gone", Bundle: "stories/gone", Langs: []string{"en", "es"}, Status: "withdrawn",
			PagePrefixes: []string{"site/stories/gone/", "site/es/stories/gone/"}},
		{ID: "st-late", Bundle: "stories/late", Langs: []string{"en"}, Status: "given",
			Expires: now.AddDate(0, 0, -1), PagePrefixes: []string{"site/stories/late/"}},
		{ID: "st-far", Bundle: "stories/far", Langs: []string{"en"}, Status: "renewed", Approved: true, Publishable: true,
			Expires: now.AddDate(2, 0, 0), PagePrefixes: []string{"site/stories/far/"}},
	}}
	rows, err := Status(ctx, r, plan, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		live bool
		days int
		note string
	}{
		{true, 30, "expires within 60 days: ask to renew"},
		{true, 0, "WITHDRAWN BUT STILL LIVE: run storyguard withdraw st-gone again"},
		{false, -1, "expired; awaiting approval"},
		{false, 731, ""}, // 2028 is a leap year
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		got := rows[i]
		days := 0
		if got.DaysLeft != nil {
			days = *got.DaysLeft
		}
		if got.Live != w.live || days != w.days || got.Note != w.note {
			t.Errorf("%s: live %v, days %d, note %q; want %v, %d, %q", got.Story, got.Live, days, got.Note, w.live, w.days, w.note)
		}
	}
	if rows[1].DaysLeft != nil || rows[1].Expires != "" {
		t.Errorf("st-gone has no expiry, got %q / %v", rows[1].Expires, rows[1].DaysLeft)
	}
	if rows[0].Langs != "en,es" || rows[0].Expires != "2026-12-29" {
		t.Errorf("st-soon: languages %q, expires %q", rows[0].Langs, rows[0].Expires)
	}
}
