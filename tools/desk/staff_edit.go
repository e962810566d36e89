package desk

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// diffLine is one line of a readable comparison: Op is "same", "del"
// (only in the text before) or "add" (only in the text after).
type diffLine struct {
	Op, Text string
}

// maxDiffCells bounds the comparison's work (lines before × lines after);
// beyond it, the comparison shows every old line removed and every new
// line added, which is still correct, only less precise.
const maxDiffCells = 4_000_000

// lineDiff compares two texts line by line (longest common subsequence)
// and returns the lines in order, each marked same, del or add.
func lineDiff(before, after string) []diffLine {
	a, b := splitLines(before), splitLines(after)
	if len(a)*len(b) > maxDiffCells {
		var out []diffLine
		for _, l := range a {
			out = append(out, diffLine{"del", l})
		}
		for _, l := range b {
			out = append(out, diffLine{"add", l})
		}
		return out
	}
	// lcs[i][j]: length of the LCS of a[i:] and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{"same", a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"del", a[i]})
			i++
		default:
			out = append(out, diffLine{"add", b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, diffLine{"del", a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, diffLine{"add", b[j]})
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// comparison is the readable comparison of two versions of a story's
// text: the title and summary as before/after when they changed, the
// body line by line.
type comparison struct {
	TitleBefore, TitleAfter     string
	TitleChanged                bool
	SummaryBefore, SummaryAfter string
	SummaryChanged              bool
	Body                        []diffLine
	BodyChanged                 bool
}

func compare(before, after Revision) comparison {
	c := comparison{TitleBefore: before.Title, TitleAfter: after.Title, TitleChanged: before.Title != after.Title,
		SummaryBefore: before.Summary, SummaryAfter: after.Summary, SummaryChanged: before.Summary != after.Summary}
	c.Body = lineDiff(before.Body, after.Body)
	c.BodyChanged = slices.ContainsFunc(c.Body, func(l diffLine) bool { return l.Op != "same" })
	return c
}

// staffEditData is the staff edit page's data.
type staffEditData struct {
	ID, TextLang         string
	Base                 string // TextBase of the text the form was opened on
	Title, Summary, Body string
	Langs                []string
	Current              Revision
	Pending              []Suggestion
	Stale                *comparison // set when a save was refused as stale: the text now vs theirs
	CanWithdraw          bool
	CanPhoto             bool
}

// staffEditPage is the write page of staff: the story's text in one
// language as it stands, and a form whose save is a suggestion she
// accepts or rejects (never her text overwritten).
func (s *Server) staffEditPage(w http.ResponseWriter, r *http.Request, q *req) {
	d, err := s.staffEditData(r, q, storyLang(r, q.story, q.lang))
	if err != nil {
		s.failed(w, r, q, "edit", err)
		return
	}
	d.Title, d.Summary, d.Body = d.Current.Title, d.Current.Summary, d.Current.Body
	s.render(w, r, http.StatusOK, "staff_edit", &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d})
}

func (s *Server) staffEditData(r *http.Request, q *req, lang string) (staffEditData, error) {
	ss, err := s.staffStore()
	if err != nil {
		return staffEditData{}, err
	}
	all, err := ss.Suggestions(r.Context(), q.story.ID)
	if err != nil {
		return staffEditData{}, err
	}
	cur := q.story.Current[lang]
	d := staffEditData{ID: q.story.ID, TextLang: lang, Base: TextBase(cur), Current: cur, Langs: Languages,
		CanWithdraw: Allowed(q.acct, &q.story.StoryMeta, ActWithdraw), CanPhoto: Allowed(q.acct, &q.story.StoryMeta, ActAttachPhoto)}
	for _, sg := range all {
		if sg.Decided == "" && sg.Lang == lang {
			d.Pending = append(d.Pending, sg)
		}
	}
	return d, nil
}

// suggest stores a staff change as a suggestion. The form carries the
// base it was opened on: when the text changed since (she saved, or
// accepted another editor's suggestion), nothing is stored and the page
// shows what changed, with the editor's text kept in the form to merge
// by hand (409). A field that fails validation is named in the page's
// language and shown with the current text, never with the value that
// failed.
func (s *Server) suggest(w http.ResponseWriter, r *http.Request, q *req) {
	if takenDown(q.story) {
		s.refusedWithdrawn(w, r, q)
		return
	}
	if !parseForm(w, r, maxStoryBytes) {
		d, err := s.staffEditData(r, q, storyLang(r, q.story, q.lang))
		if err != nil {
			s.failed(w, r, q, "suggest", err)
			return
		}
		d.Title, d.Summary, d.Body = d.Current.Title, d.Current.Summary, d.Current.Body
		s.render(w, r, http.StatusRequestEntityTooLarge, "staff_edit", &view{Lang: q.lang, Account: q.acct,
			Errors: map[string]string{"body": "field_too_long"}, Data: d})
		return
	}
	f := r.PostForm
	errs := map[string]string{}
	lang := f.Get("text_lang")
	if !slices.Contains(Languages, lang) {
		errs["text_lang"] = "field_bad_choice"
		lang = storyLang(r, q.story, q.lang)
	}
	d, err := s.staffEditData(r, q, lang)
	if err != nil {
		s.failed(w, r, q, "suggest", err)
		return
	}
	got := textFields(f, q.sess.phraseFP, d.Current, errs)
	d.Title, d.Summary, d.Body = got.Title, got.Summary, got.Body
	if len(errs) > 0 {
		s.logf("story %s: suggestion refused (%d fields)", q.story.ID, len(errs))
		s.render(w, r, http.StatusUnprocessableEntity, "staff_edit", &view{Lang: q.lang, Account: q.acct, Errors: errs, Data: d})
		return
	}
	mine := Revision{Lang: lang, Title: d.Title, Summary: d.Summary, Body: cleanBody(d.Body)}
	if f.Get("base") != d.Base {
		// The text changed since the form was opened: show the text now
		// against theirs, keep theirs in the form, on the new base.
		c := compare(d.Current, mine)
		d.Stale = &c
		s.logf("story %s: stale suggestion refused (%s)", q.story.ID, lang)
		s.render(w, r, http.StatusConflict, "staff_edit", &view{Lang: q.lang, Account: q.acct, Notice: "suggest_stale", Data: d})
		return
	}
	if mine.Title == d.Current.Title && mine.Summary == d.Current.Summary && mine.Body == d.Current.Body {
		s.render(w, r, http.StatusUnprocessableEntity, "staff_edit", &view{Lang: q.lang, Account: q.acct, Notice: "suggest_no_change", Data: d})
		return
	}
	ss, _ := s.staffStore()
	sg := Suggestion{Lang: lang, Base: d.Base, Title: mine.Title, Summary: mine.Summary, Body: mine.Body, By: q.acct.ID, At: s.now()}
	sid, err := ss.AddSuggestion(r.Context(), q.story.ID, sg)
	if errors.Is(err, ErrWithdrawn) {
		s.refusedWithdrawn(w, r, q)
		return
	}
	if err != nil {
		s.failed(w, r, q, "suggest", err)
		return
	}
	s.logf("story %s: suggestion %s (%s) by %s", q.story.ID, sid, lang, q.acct.ID)
	http.Redirect(w, r, "/stories/"+q.story.ID+"?lang="+lang+"&n=suggested", http.StatusSeeOther)
}

// suggestionView is one suggestion as she sees it.
type suggestionView struct {
	Suggestion
	Compare comparison
	Stale   bool   // made on a text that has changed since: it can only be rejected
	Photo   *Photo // a photo suggestion's photo, as staff attached it
	Have    bool   // a photo suggestion whose photo is already in the media list
}

type suggestionsData struct {
	ID    string
	Items []suggestionView
}

// suggestionsPage shows her every open suggestion as a readable
// comparison of her text now and the suggested one.
func (s *Server) suggestionsPage(w http.ResponseWriter, r *http.Request, q *req) {
	ss, err := s.staffStore()
	if err != nil {
		s.failed(w, r, q, "suggestions", err)
		return
	}
	all, err := ss.Suggestions(r.Context(), q.story.ID)
	if err != nil {
		s.failed(w, r, q, "suggestions", err)
		return
	}
	photos, err := ss.Photos(r.Context(), q.story.ID)
	if err != nil {
		s.failed(w, r, q, "suggestions", err)
		return
	}
	d := suggestionsData{ID: q.story.ID}
	for _, sg := range all {
		if sg.Decided != "" {
			continue
		}
		cur := q.story.Current[sg.Lang]
		if sg.Media != nil {
			// A photo to add: it changes no word of her text, so no text
			// change since makes it stale.
			i := slices.IndexFunc(photos, func(p Photo) bool { return p.ID == sg.Media.ID })
			if i < 0 {
				continue // its photo record is gone: nothing to show or accept
			}
			d.Items = append(d.Items, suggestionView{Suggestion: sg, Photo: &photos[i], Have: hasMedia(cur, sg.Media.ID)})
			continue
		}
		d.Items = append(d.Items, suggestionView{Suggestion: sg, Stale: sg.Base != TextBase(cur),
			Compare: compare(cur, Revision{Title: sg.Title, Summary: sg.Summary, Body: sg.Body})})
	}
	s.render(w, r, http.StatusOK, "staff_suggestions", &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d})
}

// decide records her answer to one suggestion. Accepting saves the
// suggested text as a new revision (typed by the staff member who
// suggested it) through SaveRevisionOn, only while the suggestion's base
// is her text as it stands, checked again by the store at the save; a
// stale one can only be rejected.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, q *req) {
	if takenDown(q.story) {
		s.refusedWithdrawn(w, r, q)
		return
	}
	back := "/stories/" + q.story.ID + "/suggestions"
	ss, err := s.staffStore()
	if err != nil {
		s.failed(w, r, q, "decide", err)
		return
	}
	if !parseForm(w, r, maxFormBytes) {
		s.notFound(w, r, q)
		return
	}
	decision := r.PostForm.Get("decision")
	if decision != Accepted && decision != Rejected {
		http.Redirect(w, r, back+"?n=choose", http.StatusSeeOther)
		return
	}
	all, err := ss.Suggestions(r.Context(), q.story.ID)
	if err != nil {
		s.failed(w, r, q, "decide", err)
		return
	}
	i := slices.IndexFunc(all, func(sg Suggestion) bool { return sg.ID == r.PathValue("sid") && sg.Decided == "" })
	if i < 0 {
		s.notFound(w, r, q)
		return
	}
	sg := all[i]
	now := s.now()
	err = nil // a rejection saves nothing
	switch {
	case decision == Accepted && sg.Media != nil:
		err = s.acceptPhoto(r, q, ss, sg, now)
	case decision == Accepted && sg.Base != TextBase(q.story.Current[sg.Lang]):
		err = ErrStale
	case decision == Accepted:
		// Her media list stays as it is on the base (the base covers it).
		rev := Revision{Lang: sg.Lang, Title: sg.Title, Summary: sg.Summary, Body: sg.Body,
			Media: q.story.Current[sg.Lang].Media, By: sg.By, At: now}
		err = ss.SaveRevisionOn(r.Context(), q.story.ID, rev, sg.Base)
	}
	switch {
	case errors.Is(err, ErrStale):
		http.Redirect(w, r, back+"?n=suggestion_stale", http.StatusSeeOther)
		return
	case errors.Is(err, ErrWithdrawn):
		s.refusedWithdrawn(w, r, q)
		return
	case err != nil:
		s.failed(w, r, q, "decide", err)
		return
	}
	if err := ss.Decide(r.Context(), q.story.ID, sg.ID, decision, q.acct.ID, now); err != nil && !errors.Is(err, ErrNotFound) {
		s.failed(w, r, q, "decide", err)
		return
	}
	s.logf("story %s: suggestion %s %s by %s", q.story.ID, sg.ID, decision, q.acct.ID)
	http.Redirect(w, r, back+"?n="+decision, http.StatusSeeOther)
}

// acceptPhoto adds a photo suggestion's item to the media list of its
// language, on her text as it stands now (SaveRevisionOn on the current
// base: a save in between is ErrStale, never overwritten). The revision
// is by her: she chose to show it. The photo must still be one of the
// story's photos. Accepting a photo already in the list changes nothing.
func (s *Server) acceptPhoto(r *http.Request, q *req, ss StaffStore, sg Suggestion, now time.Time) error {
	cur, ok := q.story.Current[sg.Lang]
	if !ok {
		return fmt.Errorf("story %s: photo suggestion %s: no text in %s: %w", q.story.ID, sg.ID, sg.Lang, ErrStale)
	}
	if hasMedia(cur, sg.Media.ID) {
		return nil
	}
	photos, err := ss.Photos(r.Context(), q.story.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(photos, func(p Photo) bool { return p.ID == sg.Media.ID }) {
		return fmt.Errorf("story %s: photo suggestion %s: photo %s: %w", q.story.ID, sg.ID, sg.Media.ID, ErrNotFound)
	}
	rev := cur
	rev.Media = append(slices.Clone(cur.Media), *sg.Media)
	rev.By, rev.At = q.acct.ID, now
	return ss.SaveRevisionOn(r.Context(), q.story.ID, rev, TextBase(cur))
}

// hasMedia reports whether rev's media list holds the media id.
func hasMedia(rev Revision, id string) bool {
	return slices.ContainsFunc(rev.Media, func(m MediaItem) bool { return m.ID == id })
}

// openSuggestions counts the story's suggestions she has not answered;
// 0 when the store keeps none (a Store without staff records).
func (s *Server) openSuggestions(r *http.Request, id string) (int, error) {
	ss, err := s.staffStore()
	if err != nil {
		return 0, nil
	}
	all, err := ss.Suggestions(r.Context(), id)
	n := 0
	for _, sg := range all {
		if sg.Decided == "" {
			n++
		}
	}
	return n, err
}

// textFields reads the title, summary and body of a story form. A field
// that fails (checkText, or holding the signed-in phrase fp) gets its
// message key in errs and keeps prev's value, never the one that failed;
// the others keep what was typed.
func textFields(form url.Values, fp *phraseFingerprint, prev Revision, errs map[string]string) Revision {
	out := Revision{Lang: prev.Lang}
	fields := []struct {
		name     string
		dst      *string
		prev     string
		required bool
		multi    bool
		max      int
		bytes    bool
	}{
		{"title", &out.Title, prev.Title, true, false, maxTitle, false},
		{"summary", &out.Summary, prev.Summary, false, false, maxSummary, false},
		{"body", &out.Body, prev.Body, true, true, maxBody, true},
	}
	for _, f := range fields {
		v := form.Get(f.name)
		if key := checkText(v, f.required, f.multi, f.max, f.bytes); key != "" {
			errs[f.name], *f.dst = key, f.prev
			continue
		}
		if fp.containedIn(v) {
			errs[f.name], *f.dst = "field_has_phrase", f.prev
			continue
		}
		*f.dst = v
	}
	return out
}

// takenDown reports whether st was taken down (TakeDown or
// TakeDownDelete): final, it takes no suggestion, decision or photo.
func takenDown(st *Story) bool {
	return st.Withdrawal != nil && st.Withdrawal.Level != StopNewUses
}
