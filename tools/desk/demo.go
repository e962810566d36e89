package desk

import (
	"context"
	"fmt"
	"time"
)

// DemoAccount is a demo account and its one-time enrolment code, printed
// to the terminal by storyguard desk --demo.
type DemoAccount struct {
	Account
	Code string // display form, "7KQ2M-X9D4R"
}

// SeedDemo adds the demo accounts to m, each with a fresh enrolment code
// valid for CodeLifetime from now: the storyteller "marta" (the demo
// registry's p-0004, pseudonym Marta*, a fictional person of
// examples/vault), and the staff "editor", "publisher" and "admin" (one
// of each role, issue #16). Codes are random on every
// start; the store keeps only their hashes, the terminal shows them once.
func SeedDemo(ctx context.Context, m AccountAdder, now time.Time) ([]DemoAccount, error) {
	accounts := []Account{
		{ID: "a-demo-marta", Login: "marta", Role: Storyteller, Person: "p-0004"},
		{ID: "a-demo-editor", Login: "editor", Role: Editor},
		{ID: "a-demo-publisher", Login: "publisher", Role: Publisher},
		{ID: "a-demo-admin", Login: "admin", Role: Admin},
	}
	var out []DemoAccount
	for _, a := range accounts {
		code, err := NewCode()
		if err != nil {
			return nil, err
		}
		canon, err := ParseCode(code)
		if err != nil {
			return nil, fmt.Errorf("demo code: %w", err)
		}
		if a.ID, err = m.AddAccount(ctx, a); err != nil {
			return nil, err
		}
		if err := m.AddCode(ctx, a.ID, canon, now.Add(CodeLifetime)); err != nil {
			return nil, err
		}
		out = append(out, DemoAccount{Account: a, Code: code})
	}
	return out, nil
}
