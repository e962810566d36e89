package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"storyguard/tools/content"
	"storyguard/tools/stories"
)

// StoryStore is the desk's Store on the story store of tools/stories
// (SQLite or PostgreSQL, every story encrypted with its own key): the
// durable one of DESIGN.md "Where stories live".
//
// What the desk keeps there, and how:
//   - a story's text: each save is a revision whose front matter is
//     Materialise's (the consent record and the approval in it), so the
//     pipeline reading the store sees exactly what the storyteller saw;
//     a change of answers or approval writes a new revision of every
//     language whose page it changes;
//   - consent answers and approvals: one JSON record (deskRecord), saved
//     with AddConsentAnswers, the latest being current;
//   - ownership: SetOwner, the storyteller who started the story;
//   - a request to stop sharing: RecordWithdrawal, read back from the
//     story's state and its withdraw.<level> event;
//   - the sign-in name: the account's label (tools/stories has no
//     separate sign-in name), compared in lower case.
type StoryStore struct {
	S *stories.Store
}

// deskRecord is the desk's record of a story's consent answers and
// approvals, encrypted to the story key by tools/stories.
type deskRecord struct {
	Answers   *Answers            `json:"answers,omitempty"`
	Approvals map[string]Approval `json:"approvals,omitempty"`
}

func storeErr(err error) error {
	if errors.Is(err, stories.ErrNotFound) || errors.Is(err, stories.ErrErased) || errors.Is(err, stories.ErrCodeInvalid) {
		return fmt.Errorf("%w (%w)", ErrNotFound, err)
	}
	if errors.Is(err, stories.ErrWithdrawn) {
		return fmt.Errorf("%w (%w)", ErrWithdrawn, err)
	}
	return err
}

func fromStoriesAccount(a stories.Account) Account {
	return Account{ID: a.ID, Login: strings.ToLower(a.Label), Role: Role(a.Role), Person: a.PersonID}
}

// Account implements Store.Account.
func (s StoryStore) Account(ctx context.Context, id string) (Account, error) {
	a, err := s.S.Account(ctx, id)
	if err != nil {
		return Account{}, storeErr(err)
	}
	if !a.DisabledAt.IsZero() {
		return Account{}, ErrNotFound
	}
	return fromStoriesAccount(a), nil
}

// AccountByLogin implements Store.AccountByLogin.
func (s StoryStore) AccountByLogin(ctx context.Context, login string) (Account, error) {
	all, err := s.S.Accounts(ctx)
	if err != nil {
		return Account{}, err
	}
	// Every account is compared, found or not, so the time taken does not
	// tell where (or whether) the name is.
	var found *stories.Account
	for i, a := range all {
		if a.DisabledAt.IsZero() && a.Label != "" && strings.ToLower(a.Label) == strings.ToLower(login) && found == nil {
			found = &all[i]
		}
	}
	if found == nil {
		return Account{}, ErrNotFound
	}
	return fromStoriesAccount(*found), nil
}

// AddAccount creates the account with a.Login as its label; a.ID is
// ignored (the store makes one).
func (s StoryStore) AddAccount(ctx context.Context, a Account) (string, error) {
	got, err := s.S.CreateAccount(ctx, stories.Role(a.Role), a.Person, a.Login)
	return got.ID, err
}

// AddCode implements AccountAdder.AddCode with AddEnrolmentCode.
func (s StoryStore) AddCode(ctx context.Context, account, code string, expires time.Time) error {
	return s.S.AddEnrolmentCode(ctx, account, code, expires)
}

// CodeAccount implements Store.CodeAccount with EnrolmentCodeAccount.
// tools/stories judges expiry by its own clock; now is not used.
func (s StoryStore) CodeAccount(ctx context.Context, code string, _ time.Time) (Account, error) {
	id, err := s.S.EnrolmentCodeAccount(ctx, code)
	if err != nil {
		return Account{}, storeErr(err)
	}
	return s.Account(ctx, id)
}

// EnrolWithCode implements Store.EnrolWithCode with tools/stories'
// EnrolWithCode (one transaction). now is not used, as for CodeAccount.
func (s StoryStore) EnrolWithCode(ctx context.Context, code, verifier string, _ time.Time) (Account, error) {
	id, err := s.S.EnrolWithCode(ctx, code, []byte(verifier))
	if err != nil {
		return Account{}, storeErr(err)
	}
	return s.Account(ctx, id)
}

// SetVerifier implements Store.SetVerifier.
func (s StoryStore) SetVerifier(ctx context.Context, account, verifier string) error {
	return storeErr(s.S.SetSecret(ctx, account, []byte(verifier)))
}

// Verifier implements Store.Verifier.
func (s StoryStore) Verifier(ctx context.Context, account string) (string, error) {
	v, err := s.S.Secret(ctx, account)
	if err != nil {
		return "", storeErr(err)
	}
	return string(v), nil
}

// CreateStory stores the story under its own id (the slug is the id too,
// so no public URL names anybody) and records its storyteller as owner.
func (s StoryStore) CreateStory(ctx context.Context, m StoryMeta) error {
	if err := s.S.CreateWithID(ctx, m.ID, m.ID, m.Storyteller); err != nil {
		return err
	}
	return s.S.SetOwner(ctx, m.ID, m.Storyteller, m.Storyteller)
}

// Story implements Store.Story.
func (s StoryStore) Story(ctx context.Context, id string) (Story, error) {
	g, err := s.S.Get(ctx, id)
	if err != nil {
		return Story{}, storeErr(err)
	}
	st := Story{StoryMeta: StoryMeta{ID: g.ID, Storyteller: g.Owner, Created: g.CreatedAt},
		Current: map[string]Revision{}, Approvals: map[string]Approval{}}
	for lang, r := range g.Current {
		p, _ := content.LoadPage(PagePath(id, lang), lang, r.Source())
		title, _ := p.Get("title")
		desc, _ := p.Get("description")
		t, _ := title.(string)
		d, _ := desc.(string)
		st.Current[lang] = Revision{Lang: lang, Title: t, Summary: d, Body: strings.TrimSuffix(string(p.Body()), "\n"), Media: mediaOf(p), By: r.Author, At: r.CreatedAt}
	}
	rec, err := s.record(ctx, id)
	if err != nil {
		return Story{}, err
	}
	st.Answers = rec.Answers
	maps.Copy(st.Approvals, rec.Approvals)
	if g.State == stories.StateStopped || g.State == stories.StateWithdrawn {
		evs, err := s.S.Events(ctx, id)
		if err != nil {
			return Story{}, err
		}
		for _, e := range evs {
			if lvl, ok := strings.CutPrefix(e.Kind, "withdraw."); ok {
				st.Withdrawal = &Withdrawal{Level: deskLevel[stories.WithdrawLevel(lvl)], By: e.AccountID, At: e.At}
			}
		}
	}
	return st, nil
}

var (
	storeLevel = map[string]stories.WithdrawLevel{StopNewUses: stories.StopNewUses, TakeDown: stories.TakeDown, TakeDownDelete: stories.TakeDownAndErase}
	deskLevel  = map[stories.WithdrawLevel]string{stories.StopNewUses: StopNewUses, stories.TakeDown: TakeDown, stories.TakeDownAndErase: TakeDownDelete}
)

func (s StoryStore) record(ctx context.Context, id string) (deskRecord, error) {
	var rec deskRecord
	all, err := s.S.ConsentAnswers(ctx, id)
	if err != nil || len(all) == 0 {
		return rec, storeErr(err)
	}
	if err := json.Unmarshal(all[len(all)-1].Answers, &rec); err != nil {
		return rec, fmt.Errorf("story %s: desk record: %w", id, err)
	}
	return rec, nil
}

// Stories implements Store.Stories.
func (s StoryStore) Stories(ctx context.Context) ([]StoryMeta, error) {
	l, err := s.S.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StoryMeta, 0, len(l))
	for _, m := range l {
		out = append(out, StoryMeta{ID: m.ID, Storyteller: m.Owner, Created: m.CreatedAt})
	}
	return out, nil
}

// save writes st's materialised page in each of langs whose stored page
// differs, as a revision by the account by. A save that races another is
// tried again on the newer revision, up to three times. Her text is not
// saved this way from the write form (that carries its base and goes
// through SaveRevisionOn, refused when stale); this is for a change of
// answers or approval, which rewrites the front matter of the text as it
// stands.
func (s StoryStore) save(ctx context.Context, st Story, by string, langs []string) error {
	var err error
	for range 3 {
		if err = s.saveOnce(ctx, st, by, langs); !errors.Is(err, stories.ErrStale) {
			return err
		}
	}
	return err
}

func (s StoryStore) saveOnce(ctx context.Context, st Story, by string, langs []string) error {
	person, err := s.personOf(ctx, st)
	if err != nil {
		return err
	}
	g, err := s.S.Get(ctx, st.ID)
	if err != nil {
		return storeErr(err)
	}
	for _, lang := range langs {
		raw, ok := Materialise(st, lang, person)
		if !ok {
			continue
		}
		if cur, ok := g.Current[lang]; ok && bytes.Equal(cur.Source(), raw) {
			continue
		}
		fm, body, _, err := stories.SplitBundleFile(PagePath(st.ID, lang), lang, raw)
		if err != nil {
			return err
		}
		_, err = s.S.SaveRevision(ctx, st.ID, lang, g.Languages[lang], stories.Revision{Author: by,
			TypedByStaff: by != st.Storyteller, FrontMatter: fm, Body: body})
		if err != nil {
			return storeErr(err)
		}
	}
	return nil
}

// SaveRevision implements Store.SaveRevision.
func (s StoryStore) SaveRevision(ctx context.Context, id string, rev Revision) error {
	st, err := s.Story(ctx, id)
	if err != nil {
		return err
	}
	st.Current[rev.Lang] = rev
	return s.save(ctx, st, rev.By, []string{rev.Lang})
}

func (s StoryStore) saveRecord(ctx context.Context, st Story, by string) error {
	b, err := json.Marshal(deskRecord{Answers: st.Answers, Approvals: st.Approvals})
	if err != nil {
		return err
	}
	if _, err := s.S.AddConsentAnswers(ctx, st.ID, b, by); err != nil {
		return storeErr(err)
	}
	return s.save(ctx, st, by, slices.Sorted(maps.Keys(st.Current)))
}

// SaveAnswers implements Store.SaveAnswers.
func (s StoryStore) SaveAnswers(ctx context.Context, id string, a Answers) error {
	st, err := s.Story(ctx, id)
	if err != nil {
		return err
	}
	st.Answers = &a
	return s.saveRecord(ctx, st, a.By)
}

// SaveApproval implements Store.SaveApproval.
func (s StoryStore) SaveApproval(ctx context.Context, id string, a Approval) error {
	st, err := s.Story(ctx, id)
	if err != nil {
		return err
	}
	st.Approvals[a.Lang] = a
	return s.saveRecord(ctx, st, a.By)
}

// SaveWithdrawal records the level with RecordWithdrawal. It takes
// nothing down and erases nothing: the pipeline's withdrawal does that,
// then Erase for TakeDownDelete (tools/stories RecordWithdrawal).
func (s StoryStore) SaveWithdrawal(ctx context.Context, id string, w Withdrawal) error {
	lvl, ok := storeLevel[w.Level]
	if !ok {
		return fmt.Errorf("story %s: withdrawal level: not one of %v", id, WithdrawalLevels)
	}
	return storeErr(s.S.RecordWithdrawal(ctx, id, lvl, w.By))
}

func sessionErr(err error) error {
	if errors.Is(err, stories.ErrSessionInvalid) {
		return fmt.Errorf("%w (%w)", ErrNotFound, err)
	}
	return storeErr(err)
}

// CreateSession implements SessionStore.CreateSession with
// CreateSessionData.
func (s StoryStore) CreateSession(ctx context.Context, token string, sess Session, expires time.Time) error {
	return storeErr(s.S.CreateSessionData(ctx, sess.Account, token, expires, sess.Data))
}

// Session implements SessionStore.Session with LookupSession, which judges
// expiry by the story store's clock; now is not used.
func (s StoryStore) Session(ctx context.Context, token string, _ time.Time) (Session, error) {
	ss, err := s.S.LookupSession(ctx, token)
	if err != nil {
		return Session{}, sessionErr(err)
	}
	return Session{Account: ss.AccountID, Created: ss.CreatedAt, Seen: ss.LastSeenAt, Data: ss.Data}, nil
}

// TouchSession implements SessionStore.TouchSession; the story store
// records its own clock's time as last seen, not now.
func (s StoryStore) TouchSession(ctx context.Context, token string, _, expires time.Time) error {
	_, err := s.S.TouchSession(ctx, token, expires)
	return sessionErr(err)
}

// RevokeSession implements SessionStore.RevokeSession.
func (s StoryStore) RevokeSession(ctx context.Context, token string) error {
	return s.S.RevokeSession(ctx, token)
}

// RevokeSessions implements SessionStore.RevokeSessions.
func (s StoryStore) RevokeSessions(ctx context.Context, account string) error {
	_, err := s.S.RevokeSessions(ctx, account)
	return err
}
