package desk

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"storyguard/tools/consent"
)

// Queue states (issue #16, "Queue"), in the order the queue shows them.
// Each story is in exactly one: the first that applies.
const (
	QWithdrawn       = "withdrawn"        // she asked to stop sharing (any level)
	QRefused         = "refused"          // she said no to sharing
	QExpiring        = "expiring"         // live or approved, consent ends within ExpiringWithin
	QLive            = "live"             // a publish put it live
	QApproved        = "approved"         // every language with text approved as it stands
	QWithStoryteller = "with-storyteller" // waiting for her: a suggestion to answer, or her approval
	QConsentPending  = "consent-pending"  // text, but the consent questions are open or "not sure yet"
	QDrafting        = "drafting"         // no text yet
)

// QueueStates lists the states in queue order.
var QueueStates = []string{QWithdrawn, QRefused, QExpiring, QLive, QApproved, QWithStoryteller, QConsentPending, QDrafting}

// ExpiringWithin is how close a consent's end puts a story in the
// expiring state: DESIGN.md "Checks" warns 60 days before.
const ExpiringWithin = 60 * 24 * time.Hour

// RecentWithdrawal is how long a withdrawal stays at the top of the
// queue.
const RecentWithdrawal = 14 * 24 * time.Hour

// queueItem is one row of the queue: ids and what the public may see.
type queueItem struct {
	ID      string
	Title   string // "" means untitled
	Display string // storyteller.display_name as materialised; "" for none
	State   string // of QueueStates
	Next    string // message key: what it needs next
	Since   time.Time
	Recent  bool // a withdrawal of the last RecentWithdrawal
	Langs   []string
}

// expires returns the day the consent the answers give ends, zero when
// they give none (the same rule as Materialise).
func (a *Answers) expires() time.Time {
	if a.status() != consent.Given {
		return time.Time{}
	}
	return consent.Day(a.At.UTC()).AddDate(min(max(a.TermYears, 1), consent.MaxTermYears), 0, 0)
}

// queueState decides the state of st at now. pending is the number of
// suggestions she has not answered, live whether a publish put it live,
// person her registry id.
func queueState(st Story, person string, pending int, live bool, now time.Time) (state, next string) {
	switch {
	case st.Withdrawal != nil:
		return QWithdrawn, "queue_next_withdrawn_" + strings.ReplaceAll(st.Withdrawal.Level, "-", "_")
	case st.Answers != nil && st.Answers.Share == "no":
		return QRefused, "queue_next_refused"
	}
	approved := len(st.Current) > 0
	for lang := range st.Current {
		if _, ok := st.approved(lang, person); !ok {
			approved = false
		}
	}
	if exp := st.Answers.expires(); (live || approved) && !exp.IsZero() && exp.Sub(now) <= ExpiringWithin {
		if !now.Before(exp) {
			return QExpiring, "queue_next_expired" // ended: an error that blocks publishing (DESIGN.md "Checks")
		}
		return QExpiring, "queue_next_expiring"
	}
	switch {
	case live:
		return QLive, "queue_next_live"
	case approved && pending == 0:
		return QApproved, "queue_next_approved"
	case len(st.Current) == 0:
		return QDrafting, "queue_next_drafting"
	case pending > 0:
		return QWithStoryteller, "queue_next_suggestions"
	case st.Answers.status() != consent.Given:
		return QConsentPending, "queue_next_consent"
	}
	return QWithStoryteller, "queue_next_approval"
}

// queueData is the queue page's data.
type queueData struct {
	Groups []queueGroup
	Recent []queueItem // withdrawals of the last days, newest first
}

type queueGroup struct {
	State string
	Items []queueItem
}

// queue shows every story by state with what each needs next; the
// withdrawals of the last RecentWithdrawal first.
func (s *Server) queue(w http.ResponseWriter, r *http.Request, q *req) {
	ss, err := s.staffStore()
	if err != nil {
		s.failed(w, r, q, "queue", err)
		return
	}
	metas, err := s.cfg.Store.Stories(r.Context())
	if err != nil {
		s.failed(w, r, q, "queue", err)
		return
	}
	live, err := ss.Live(r.Context())
	if err != nil {
		s.failed(w, r, q, "queue", err)
		return
	}
	now := s.now()
	by := map[string][]queueItem{}
	var d queueData
	for _, m := range metas {
		if !Allowed(q.acct, &m, ActViewStory) {
			continue
		}
		st, err := s.cfg.Store.Story(r.Context(), m.ID)
		if err != nil {
			s.failed(w, r, q, "queue", err)
			return
		}
		sgs, err := ss.Suggestions(r.Context(), m.ID)
		if err != nil {
			s.failed(w, r, q, "queue", err)
			return
		}
		pending := 0
		for _, sg := range sgs {
			if sg.Decided == "" {
				pending++
			}
		}
		person, err := s.person(r, &st)
		if errors.Is(err, ErrNotFound) {
			// Her account is gone or disabled: the story stays in the
			// queue; with no person no approval digest matches, so it is
			// never shown as approved.
			person = ""
		} else if err != nil {
			s.failed(w, r, q, "queue", err)
			return
		}
		it := queueItem{ID: m.ID, Since: m.Created}
		it.State, it.Next = queueState(st, person, pending, live[m.ID], now)
		it.Display, _ = st.Answers.byline()
		for _, l := range Languages {
			if rev, ok := st.Current[l]; ok {
				it.Langs = append(it.Langs, l)
				if it.Title == "" {
					it.Title = rev.Title
				}
				if rev.At.After(it.Since) {
					it.Since = rev.At
				}
			}
		}
		if st.Withdrawal != nil {
			it.Since = st.Withdrawal.At
			if now.Sub(st.Withdrawal.At) <= RecentWithdrawal {
				it.Recent = true
				d.Recent = append(d.Recent, it)
				continue
			}
		}
		by[it.State] = append(by[it.State], it)
	}
	slices.SortFunc(d.Recent, func(a, b queueItem) int { return b.Since.Compare(a.Since) })
	for _, state := range QueueStates {
		items := by[state]
		slices.SortFunc(items, func(a, b queueItem) int { return a.Since.Compare(b.Since) })
		d.Groups = append(d.Groups, queueGroup{State: state, Items: items})
	}
	s.render(w, r, http.StatusOK, "staff_queue", &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d})
}

// staffItemView pairs a page's view (V) with one value (I), for the
// sub-templates of the staff pages.
type staffItemView struct {
	V *view
	I any
}

// landing is where a signed-in account starts: staff on the queue, a
// storyteller on her stories.
func landing(a *Account) string {
	if Allowed(a, nil, ActQueue) {
		return "/queue"
	}
	return "/stories"
}
