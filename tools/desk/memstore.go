package desk

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store held in the desk process's memory: what the desk
// uses for --demo and in tests until it runs on tools/stories. Nothing in
// it survives the process, which for the demo is the point (a fresh store
// each start); it is not the durable, encrypted story store of DESIGN.md
// "Where stories live".
type MemoryStore struct {
	mu        sync.Mutex
	accounts  map[string]Account
	codes     map[string]memCode
	verifiers map[string]string
	stories   map[string]*Story
	sessions  map[string]memSession // by tokenHash
	st        *memStaff             // staff records (staff_memstore.go)
}

type memSession struct {
	Session
	expires time.Time
}

type memCode struct {
	account string
	expires time.Time
	used    bool
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{accounts: map[string]Account{}, codes: map[string]memCode{},
		verifiers: map[string]string{}, stories: map[string]*Story{}, sessions: map[string]memSession{}}
}

// AddAccount creates a, which must have a new ID and Login, without a
// sign-in method, and returns a.ID.
func (m *MemoryStore) AddAccount(_ context.Context, a Account) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.accounts[a.ID]; ok {
		return "", fmt.Errorf("account %s: exists", a.ID)
	}
	for _, b := range m.accounts {
		if b.Login == a.Login {
			return "", fmt.Errorf("account %s: login taken", a.ID)
		}
	}
	m.accounts[a.ID] = a
	return a.ID, nil
}

// AddCode stores the hash (CodeHash) of the canonical enrolment code for
// account, valid until expires.
func (m *MemoryStore) AddCode(_ context.Context, account, code string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.accounts[account]; !ok {
		return fmt.Errorf("account %s: %w", account, ErrNotFound)
	}
	m.codes[CodeHash(code)] = memCode{account: account, expires: expires}
	return nil
}

// Account implements Store.Account.
func (m *MemoryStore) Account(_ context.Context, id string) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[id]
	if !ok {
		return Account{}, ErrNotFound
	}
	return a, nil
}

// AccountByLogin implements Store.AccountByLogin.
func (m *MemoryStore) AccountByLogin(_ context.Context, login string) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.accounts {
		if a.Login == strings.ToLower(login) {
			return a, nil
		}
	}
	return Account{}, ErrNotFound
}

// usableCode returns the stored code of canonical code when it can still
// be used at now. m.mu is held.
func (m *MemoryStore) usableCode(code string, now time.Time) (memCode, bool) {
	c, ok := m.codes[CodeHash(code)]
	return c, ok && !c.used && now.Before(c.expires)
}

// CodeAccount implements Store.CodeAccount.
func (m *MemoryStore) CodeAccount(_ context.Context, code string, now time.Time) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.usableCode(code, now)
	if !ok {
		return Account{}, ErrNotFound
	}
	return m.accounts[c.account], nil
}

// EnrolWithCode implements Store.EnrolWithCode: under one lock, so one
// of concurrent calls wins. The new phrase replaces every sign-in method
// (issue #15, journey 1).
func (m *MemoryStore) EnrolWithCode(_ context.Context, code, verifier string, now time.Time) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.usableCode(code, now)
	if !ok {
		return Account{}, ErrNotFound
	}
	c.used = true
	m.codes[CodeHash(code)] = c
	m.verifiers[c.account] = verifier
	m.revokeSessions(c.account)
	return m.accounts[c.account], nil
}

// SetVerifier implements Store.SetVerifier; it ends the account's
// sessions.
func (m *MemoryStore) SetVerifier(_ context.Context, account, verifier string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.accounts[account]; !ok {
		return ErrNotFound
	}
	m.verifiers[account] = verifier
	m.revokeSessions(account) // as tools/stories SetSecret does
	return nil
}

// Verifier implements Store.Verifier.
func (m *MemoryStore) Verifier(_ context.Context, account string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.verifiers[account]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// CreateStory implements Store.CreateStory.
func (m *MemoryStore) CreateStory(_ context.Context, s StoryMeta) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stories[s.ID]; ok {
		return fmt.Errorf("story %s: exists", s.ID)
	}
	m.stories[s.ID] = &Story{StoryMeta: s, Current: map[string]Revision{}, Approvals: map[string]Approval{}}
	return nil
}

// Story implements Store.Story.
func (m *MemoryStore) Story(_ context.Context, id string) (Story, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.stories[id]
	if !ok {
		return Story{}, ErrNotFound
	}
	c := *s
	c.Current = maps.Clone(s.Current)
	c.Approvals = maps.Clone(s.Approvals)
	if s.Answers != nil {
		a := *s.Answers
		a.Channels, a.Languages = slices.Clone(a.Channels), slices.Clone(a.Languages)
		c.Answers = &a
	}
	if s.Withdrawal != nil {
		w := *s.Withdrawal
		c.Withdrawal = &w
	}
	return c, nil
}

// Stories implements Store.Stories.
func (m *MemoryStore) Stories(_ context.Context) ([]StoryMeta, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]StoryMeta, 0, len(m.stories))
	for _, s := range m.stories {
		out = append(out, s.StoryMeta)
	}
	slices.SortFunc(out, func(a, b StoryMeta) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (m *MemoryStore) update(id string, f func(s *Story)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.stories[id]
	if !ok {
		return ErrNotFound
	}
	if s.Withdrawal != nil && s.Withdrawal.Level != StopNewUses {
		return ErrWithdrawn
	}
	f(s)
	return nil
}

// SaveRevision implements Store.SaveRevision.
func (m *MemoryStore) SaveRevision(_ context.Context, id string, rev Revision) error {
	return m.update(id, func(s *Story) { s.Current[rev.Lang] = rev })
}

// SaveAnswers implements Store.SaveAnswers.
func (m *MemoryStore) SaveAnswers(_ context.Context, id string, a Answers) error {
	a.Channels, a.Languages = slices.Clone(a.Channels), slices.Clone(a.Languages)
	return m.update(id, func(s *Story) { s.Answers = &a })
}

// SaveApproval implements Store.SaveApproval.
func (m *MemoryStore) SaveApproval(_ context.Context, id string, a Approval) error {
	return m.update(id, func(s *Story) { s.Approvals[a.Lang] = a })
}

// SaveWithdrawal implements Store.SaveWithdrawal.
func (m *MemoryStore) SaveWithdrawal(_ context.Context, id string, w Withdrawal) error {
	return m.update(id, func(s *Story) { s.Withdrawal = &w })
}

// CreateSession implements SessionStore.CreateSession.
func (m *MemoryStore) CreateSession(_ context.Context, token string, sess Session, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.accounts[sess.Account]; !ok {
		return fmt.Errorf("create session: account %s: %w", sess.Account, ErrNotFound)
	}
	k := tokenHash(token)
	if _, ok := m.sessions[k]; ok {
		return errors.New("create session: token exists")
	}
	sess.Data = slices.Clone(sess.Data)
	m.sessions[k] = memSession{Session: sess, expires: expires}
	return nil
}

// Session implements SessionStore.Session.
func (m *MemoryStore) Session(_ context.Context, token string, now time.Time) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ss, ok := m.sessions[tokenHash(token)]
	if !ok || !now.Before(ss.expires) {
		return Session{}, ErrNotFound
	}
	if _, ok := m.accounts[ss.Account]; !ok {
		return Session{}, ErrNotFound
	}
	out := ss.Session
	out.Data = slices.Clone(out.Data)
	return out, nil
}

// TouchSession implements SessionStore.TouchSession.
func (m *MemoryStore) TouchSession(_ context.Context, token string, now, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := tokenHash(token)
	ss, ok := m.sessions[k]
	if !ok || !now.Before(ss.expires) {
		return ErrNotFound
	}
	ss.Seen, ss.expires = now, expires
	m.sessions[k] = ss
	return nil
}

// RevokeSession implements SessionStore.RevokeSession.
func (m *MemoryStore) RevokeSession(_ context.Context, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, tokenHash(token))
	return nil
}

// RevokeSessions implements SessionStore.RevokeSessions.
func (m *MemoryStore) RevokeSessions(_ context.Context, account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revokeSessions(account)
	return nil
}

// revokeSessions deletes the account's sessions; m.mu is held.
func (m *MemoryStore) revokeSessions(account string) {
	for k, ss := range m.sessions {
		if ss.Account == account {
			delete(m.sessions, k)
		}
	}
}
