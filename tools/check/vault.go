package check

import (
	"time"

	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/vault"
)

// VaultRules are the rules that read the vault v, for Options.Rules: the
// registry's (RegistryRules, with allowContacts, the organisation's own
// phone numbers and e-mail addresses from [params.storyguard]), the
// site-wide consistency rules of s (ConsistencyRule), and the withdrawals
// of the vault's audit log (WithdrawnRule over vault.Withdrawals). An audit
// log that cannot be read is an error: nothing is checked without it.
func VaultRules(v *vault.Vault, s *content.Site, allowContacts []string) ([]Rule, error) {
	withdrawn, records, err := vault.Withdrawals(vault.AuditLogPath(v.Dir))
	if err != nil {
		return nil, err
	}
	return append(RegistryRules(v.Registry, v.Scanner, allowContacts, v.Dir),
		ConsistencyRule(v.Registry, s), WithdrawnRule(withdrawn, records)), nil
}

// Site loads the site under root (content.LoadSite) and runs every rule on
// it, the vault's (VaultRules) included, judging consent as of now. It
// returns the site and the diagnostics; an error means nothing was checked
// (the content could not be listed, the audit log could not be read).
func Site(root string, v *vault.Vault, allowContacts []string, now time.Time) (*content.Site, []diag.Diagnostic, error) {
	s, err := content.LoadSite(root)
	if err != nil {
		return nil, nil, err
	}
	rules, err := VaultRules(v, s, allowContacts)
	if err != nil {
		return nil, nil, err
	}
	return s, Run(s, Options{Now: now, Rules: rules}), nil
}
