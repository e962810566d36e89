package check

import (
	"time"

	"storyguard/tools/content"
	"storyguard/tools/vault"
)

// VaultRules are the rules that read the vault v, as Options for Run: the
// registry's (RegistryRules, with allowContacts, the organisation's own
// phone numbers and e-mail addresses from [params.storyguard]), the
// site-wide consistency rules (ConsistencyRules), and the withdrawals of
// the vault's audit log (WithdrawnRule over vault.Withdrawals,
// WithdrawnContentRule over vault.WithdrawalRecords). An audit
// log that cannot be read is an error: nothing is checked without it.
// The caller sets Now.
func VaultRules(v *vault.Vault, allowContacts []string) (Options, error) {
	withdrawn, records, err := vault.Withdrawals(vault.AuditLogPath(v.Dir))
	if err != nil {
		return Options{}, err
	}
	reused, err := vault.WithdrawalRecords(vault.AuditLogPath(v.Dir))
	if err != nil {
		return Options{}, err
	}
	return Options{
		Rules: append(RegistryRules(v.Registry, v.Scanner, allowContacts, v.Dir),
			WithdrawnRule(withdrawn, records), WithdrawnContentRule(reused, v.Dir)),
		SiteRules: ConsistencyRules(v.Registry),
	}, nil
}

// Site loads the site under root (content.LoadSite) and runs every rule on
// it, the vault's (VaultRules) included, judging consent as of now. It
// returns the site and Run's report; an error means nothing was checked
// (the content could not be listed, the audit log could not be read).
func Site(root string, v *vault.Vault, allowContacts []string, now time.Time) (*content.Site, Report, error) {
	s, err := content.LoadSite(root)
	if err != nil {
		return nil, Report{}, err
	}
	opts, err := VaultRules(v, allowContacts)
	if err != nil {
		return nil, Report{}, err
	}
	opts.Now = now
	return s, Run(s, opts), nil
}
