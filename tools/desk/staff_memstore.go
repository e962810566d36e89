package desk

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// The MemoryStore's staff records (StaffStore), kept beside its stories.
type memStaff struct {
	suggestions map[string][]Suggestion // by story id
	photos      map[string][]Photo
}

func (m *MemoryStore) staff() *memStaff {
	if m.st == nil {
		m.st = &memStaff{suggestions: map[string][]Suggestion{}, photos: map[string][]Photo{}}
	}
	return m.st
}

// Accounts returns every account.
func (m *MemoryStore) Accounts(_ context.Context) ([]Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.accounts)), nil
}

// ResetAccess deletes the account's verifier, sessions and unused codes
// and adds code, as tools/stories ResetAccess does.
func (m *MemoryStore) ResetAccess(_ context.Context, account, code string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.accounts[account]; !ok {
		return fmt.Errorf("account %s: %w", account, ErrNotFound)
	}
	delete(m.verifiers, account)
	m.revokeSessions(account)
	for h, c := range m.codes {
		if c.account == account && !c.used {
			delete(m.codes, h)
		}
	}
	m.codes[CodeHash(code)] = memCode{account: account, expires: expires}
	return nil
}

// AddSuggestion stores sg with a fresh id.
func (m *MemoryStore) AddSuggestion(_ context.Context, id string, sg Suggestion) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.open(id); err != nil {
		return "", err
	}
	st := m.staff()
	sg.ID = fmt.Sprintf("sg-%04d", len(st.suggestions[id])+1)
	sg.Decided, sg.DecidedAt = "", time.Time{}
	st.suggestions[id] = append(st.suggestions[id], sg)
	return sg.ID, nil
}

// Suggestions returns the story's suggestions, oldest first.
func (m *MemoryStore) Suggestions(_ context.Context, id string) ([]Suggestion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stories[id]; !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(m.staff().suggestions[id]), nil
}

// Decide records a decision on an undecided suggestion.
func (m *MemoryStore) Decide(_ context.Context, id, sid, decision, _ string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.open(id); err != nil {
		return err
	}
	l := m.staff().suggestions[id]
	for i := range l {
		if l[i].ID == sid && l[i].Decided == "" {
			l[i].Decided, l[i].DecidedAt = decision, at
			return nil
		}
	}
	return ErrNotFound
}

// AddPhoto records p.
func (m *MemoryStore) AddPhoto(_ context.Context, id string, p Photo) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.open(id); err != nil {
		return err
	}
	p.Others, p.Releases = slices.Clone(p.Others), maps.Clone(p.Releases)
	m.staff().photos[id] = append(m.staff().photos[id], p)
	return nil
}

// Photos returns the story's photos, oldest first.
func (m *MemoryStore) Photos(_ context.Context, id string) ([]Photo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.stories[id]; !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(m.staff().photos[id]), nil
}

// Live returns no story: nothing publishes from a MemoryStore.
func (m *MemoryStore) Live(context.Context) (map[string]bool, error) { return map[string]bool{}, nil }

// open reports whether story id takes new records: ErrNotFound, or
// ErrWithdrawn once taken down (as update does). m.mu is held.
func (m *MemoryStore) open(id string) error {
	s, ok := m.stories[id]
	if !ok {
		return ErrNotFound
	}
	if s.Withdrawal != nil && s.Withdrawal.Level != StopNewUses {
		return ErrWithdrawn
	}
	return nil
}

// SaveRevisionOn saves rev under the store's lock when the current text
// in rev.Lang still has TextBase base.
func (m *MemoryStore) SaveRevisionOn(_ context.Context, id string, rev Revision, base string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.open(id); err != nil {
		return err
	}
	s := m.stories[id]
	if TextBase(s.Current[rev.Lang]) != base {
		return fmt.Errorf("story %s: %w", id, ErrStale)
	}
	s.Current[rev.Lang] = rev
	return nil
}

// SetRole changes a staff account's role.
func (m *MemoryStore) SetRole(_ context.Context, account string, role Role) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[account]
	if !ok || a.Role == Storyteller || role == Storyteller || !slices.Contains(Roles, role) {
		return fmt.Errorf("account %s: staff account: %w", account, ErrNotFound)
	}
	a.Role = role
	m.accounts[account] = a
	return nil
}
