package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"storyguard/tools/stories"
)

// staffRecord is one staff record of a story in tools/stories: a comment
// (encrypted to the story key, so erasing the story erases it) whose text
// is this JSON. Kind "suggestion" carries a Suggestion, "decision" her
// answer to one (Of), "photo" a Photo.
type staffRecord struct {
	Kind       string      `json:"kind"`
	Suggestion *Suggestion `json:"suggestion,omitempty"`
	Of         string      `json:"of,omitempty"`
	Decision   string      `json:"decision,omitempty"`
	Photo      *Photo      `json:"photo,omitempty"`
}

// addStaffRecord stores r; ErrWithdrawn once the story is taken down
// (tools/stories keeps comments on a withdrawn story, the desk takes no
// new record on one).
func (s StoryStore) addStaffRecord(ctx context.Context, id, lang, by string, r staffRecord) (string, error) {
	g, err := s.S.Get(ctx, id)
	if err != nil {
		return "", storeErr(err)
	}
	if g.State == stories.StateWithdrawn {
		return "", fmt.Errorf("story %s: %w", id, ErrWithdrawn)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	rid, err := s.S.AddComment(ctx, id, lang, string(b), by)
	return rid, storeErr(err)
}

// staffRecords calls fn with each staff record of the story, oldest
// first, and its comment id, author and time. A comment that is not a
// staff record fails closed.
func (s StoryStore) staffRecords(ctx context.Context, id string, fn func(rid, by string, at time.Time, r staffRecord)) error {
	cs, err := s.S.Comments(ctx, id)
	if err != nil {
		return storeErr(err)
	}
	for _, c := range cs {
		var r staffRecord
		if err := json.Unmarshal([]byte(c.Text), &r); err != nil || r.Kind == "" {
			return fmt.Errorf("story %s: comment %s: not a desk record", id, c.ID)
		}
		fn(c.ID, c.Author, c.CreatedAt, r)
	}
	return nil
}

// Accounts returns every active account.
func (s StoryStore) Accounts(ctx context.Context) ([]Account, error) {
	all, err := s.S.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []Account
	for _, a := range all {
		if a.DisabledAt.IsZero() {
			out = append(out, fromStoriesAccount(a))
		}
	}
	return out, nil
}

// ResetAccess is tools/stories ResetAccess: one transaction.
func (s StoryStore) ResetAccess(ctx context.Context, account, code string, expires time.Time) error {
	if _, err := s.Account(ctx, account); err != nil {
		return err
	}
	return storeErr(s.S.ResetAccess(ctx, account, code, expires))
}

// AddSuggestion stores sg as a staff record; its id is the record's.
func (s StoryStore) AddSuggestion(ctx context.Context, id string, sg Suggestion) (string, error) {
	sg.ID, sg.Decided, sg.DecidedAt = "", "", time.Time{}
	return s.addStaffRecord(ctx, id, sg.Lang, sg.By, staffRecord{Kind: "suggestion", Suggestion: &sg})
}

// Suggestions returns the suggestions with the first decision on each.
func (s StoryStore) Suggestions(ctx context.Context, id string) ([]Suggestion, error) {
	var out []Suggestion
	idx := map[string]int{}
	err := s.staffRecords(ctx, id, func(rid, by string, at time.Time, r staffRecord) {
		switch r.Kind {
		case "suggestion":
			if r.Suggestion == nil {
				return
			}
			sg := *r.Suggestion
			sg.ID, sg.By, sg.At = rid, by, at
			idx[rid] = len(out)
			out = append(out, sg)
		case "decision":
			if i, ok := idx[r.Of]; ok && out[i].Decided == "" {
				out[i].Decided, out[i].DecidedAt = r.Decision, at
			}
		}
	})
	return out, err
}

// Decide records a decision on an undecided suggestion.
func (s StoryStore) Decide(ctx context.Context, id, sid, decision, by string, _ time.Time) error {
	all, err := s.Suggestions(ctx, id)
	if err != nil {
		return err
	}
	for _, sg := range all {
		if sg.ID == sid && sg.Decided == "" {
			_, err := s.addStaffRecord(ctx, id, sg.Lang, by, staffRecord{Kind: "decision", Of: sid, Decision: decision})
			return err
		}
	}
	return fmt.Errorf("story %s: suggestion: %w", id, ErrNotFound)
}

// AddPhoto stores p as a staff record.
func (s StoryStore) AddPhoto(ctx context.Context, id string, p Photo) error {
	_, err := s.addStaffRecord(ctx, id, Languages[0], p.By, staffRecord{Kind: "photo", Photo: &p})
	return err
}

// Photos returns the photo records.
func (s StoryStore) Photos(ctx context.Context, id string) ([]Photo, error) {
	var out []Photo
	err := s.staffRecords(ctx, id, func(_, _ string, _ time.Time, r staffRecord) {
		if r.Kind == "photo" && r.Photo != nil {
			out = append(out, *r.Photo)
		}
	})
	return out, err
}

// Live returns the stories with a published language (MarkPublished).
func (s StoryStore) Live(ctx context.Context) (map[string]bool, error) {
	l, err := s.S.List(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, m := range l {
		if len(m.Published) > 0 {
			out[m.ID] = true
		}
	}
	return out, nil
}

// SaveRevisionOn reads the story once, checks that the text in rev.Lang
// has TextBase base, and saves on that very revision number: a save by
// anyone in between makes tools/stories refuse with ErrStale, which is
// returned, never retried (unlike save's retries for her autosave).
func (s StoryStore) SaveRevisionOn(ctx context.Context, id string, rev Revision, base string) error {
	g, err := s.S.Get(ctx, id)
	if err != nil {
		return storeErr(err)
	}
	st, err := s.Story(ctx, id)
	if err != nil {
		return err
	}
	if TextBase(st.Current[rev.Lang]) != base {
		return fmt.Errorf("story %s: %w", id, ErrStale)
	}
	person, err := s.personOf(ctx, st)
	if err != nil {
		return err
	}
	st.Current[rev.Lang] = rev
	raw, _ := Materialise(st, rev.Lang, person)
	fm, body, _, err := stories.SplitBundleFile(PagePath(id, rev.Lang), rev.Lang, raw)
	if err != nil {
		return err
	}
	_, err = s.S.SaveRevision(ctx, id, rev.Lang, g.Languages[rev.Lang], stories.Revision{Author: rev.By,
		TypedByStaff: rev.By != st.Storyteller, FrontMatter: fm, Body: body})
	if errors.Is(err, stories.ErrStale) {
		return fmt.Errorf("story %s: %w (%w)", id, ErrStale, err)
	}
	return storeErr(err)
}

// personOf returns the registry id of st's storyteller, "" for a story
// with none.
func (s StoryStore) personOf(ctx context.Context, st Story) (string, error) {
	if st.Storyteller == "" {
		return "", nil
	}
	a, err := s.Account(ctx, st.Storyteller)
	return a.Person, err
}

// SetRole is tools/stories SetRole.
func (s StoryStore) SetRole(ctx context.Context, account string, role Role) error {
	return storeErr(s.S.SetRole(ctx, account, stories.Role(role)))
}
