package publish

import (
	"context"
	"fmt"
	"strings"
	"time"

	"storyguard/tools/store"
)

// ExpiringWithin is how close to its expiry a consent is flagged for
// renewal, in days (DESIGN.md "Checks": consent expiring within 60 days).
const ExpiringWithin = 60

// StoryStatus is one story as storyguard status shows it; the JSON names
// are the shape of status --format json.
type StoryStatus struct {
	Story  string `json:"story_id"`
	Bundle string `json:"bundle"`
	// Langs are the bundle's languages, comma-separated ("en,es").
	Langs string `json:"languages"`
	// Status is consent.status as written.
	Status string `json:"status"`
	// Expires is consent.expires (YYYY-MM-DD), DaysLeft the whole days
	// from now to it (negative once expired); absent without an expiry.
	Expires  string `json:"expires,omitempty"`
	DaysLeft *int   `json:"days_left,omitempty"`
	Approved bool   `json:"approved"`
	Ready    bool   `json:"publishable"`
	// Live reports whether any current object is under one of the story's
	// page prefixes in the store.
	Live bool `json:"live"`
	// Note says what needs doing, "; "-separated: "expired", "expires
	// within 60 days: ask to renew", "WITHDRAWN BUT STILL LIVE: run
	// storyguard withdraw <id> again", "awaiting approval".
	Note string `json:"note,omitempty"`
}

// Status returns the status of every story of plan, in plan order, as of
// now, asking st whether its pages are live (store.Exists on each page
// prefix). A store that cannot be listed is an error: status never guesses
// that a page is down.
func Status(ctx context.Context, st store.Store, plan *Plan, now time.Time) ([]StoryStatus, error) {
	var rows []StoryStatus
	for _, s := range plan.Stories {
		r := StoryStatus{Story: s.ID, Bundle: s.Bundle, Langs: strings.Join(s.Langs, ","), Status: s.Status, Approved: s.Approved, Ready: s.Publishable}
		if !s.Expires.IsZero() {
			r.Expires = s.Expires.Format(time.DateOnly)
			d := int(s.Expires.Sub(now).Hours() / 24)
			r.DaysLeft = &d
			if d < 0 {
				r.Note = "expired"
			} else if d <= ExpiringWithin {
				r.Note = fmt.Sprintf("expires within %d days: ask to renew", ExpiringWithin)
			}
		}
		for _, p := range s.PagePrefixes {
			live, err := store.Exists(ctx, st, p)
			if err != nil {
				return nil, err
			}
			r.Live = r.Live || live
		}
		if r.Live && (s.Status == "withdrawn" || s.Status == "refused") {
			r.Note = strings.TrimPrefix(r.Note+"; WITHDRAWN BUT STILL LIVE: run storyguard withdraw "+s.ID+" again", "; ")
		}
		if !s.Approved && (s.Status == "given" || s.Status == "renewed") {
			r.Note = strings.TrimPrefix(r.Note+"; awaiting approval", "; ")
		}
		rows = append(rows, r)
	}
	return rows, nil
}
