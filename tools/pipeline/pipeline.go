// Package pipeline assembles the real parts of Storyguard's pipeline
// (publish.Parts: the checker with the vault's rules and the stored
// stories, the media scrubber and verifier, Hugo, the output leak scan,
// the object store, the withdrawal marker), so that the command line and
// the desk run the same pipeline (DESIGN.md "Layout": a withdrawal pressed
// in the desk is the same code as storyguard withdraw). It links Hugo
// (through tools/site); tools/publish does not.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/desk"
	"storyguard/tools/diag"
	"storyguard/tools/media"
	"storyguard/tools/publish"
	"storyguard/tools/site"
	"storyguard/tools/stories"
	"storyguard/tools/vault"
)

// Config is what the parts read.
type Config struct {
	// Root is the site root.
	Root string
	// Vault is the opened vault (registry, scanner, folder).
	Vault *vault.Vault
	// Stored are the stored stories of this run (publish.OpenStored);
	// nil for a vault without a story store.
	Stored *publish.Stored
	// AllowContacts are the organisation's own phone numbers and e-mail
	// addresses ([params.storyguard] allow_contacts).
	AllowContacts []string
	// MaxMediaBytes bounds one original (media.Options.MaxBytes; 0: its
	// default).
	MaxMediaBytes int64
	// Pagefind is the configured Pagefind binary (site.FindPagefind); ""
	// to look for it.
	Pagefind string
	// Store opens the object store (the configured endpoint or the
	// embedded gateway).
	Store func(ctx context.Context) (publish.Store, io.Closer, error)
	// Log receives warnings (a missing search indexer) and media
	// processing notes; nil discards.
	Log io.Writer
}

// Parts returns the pipeline's real parts for c. Check is
// publish.CheckSite over c.Root and c.Stored; the output scan refuses the
// public names and pseudonyms of the storytellers of the last check's
// plan (withdrawn ones included).
func Parts(c Config) publish.Parts {
	log := c.Log
	if log == nil {
		log = io.Discard
	}
	var who publish.Storytellers
	return publish.Parts{
		Check: func(ctx context.Context, now time.Time) (*publish.Plan, []diag.Diagnostic, error) {
			plan, ds, w, err := publish.CheckSite(c.Root, c.Stored, c.Vault, c.AllowContacts, now)
			if err != nil {
				return nil, nil, err
			}
			who = w
			return plan, ds, nil
		},
		ProcessMedia: func(ctx context.Context, storyID, src, work string) (publish.Media, []publish.Media, error) {
			return publish.ProcessMedia(storyID, src, work, media.Options{MaxBytes: c.MaxMediaBytes}, log)
		},
		Build: func(ctx context.Context, src, dst, baseURL string) error {
			pf, err := site.FindPagefind(c.Root, c.Pagefind)
			if errors.Is(err, site.ErrNoPagefind) {
				fmt.Fprintf(log, "storyguard: warning: %v; this run publishes no search index, and the deploy removes the old one\n", err)
			} else if err != nil {
				return err
			}
			return site.Build(ctx, site.BuildOptions{Source: src, Destination: dst, BaseURL: baseURL, Pagefind: pf})
		},
		Leaks: publish.RegistryLeaks(c.Vault.Scanner, func() publish.Storytellers { return who }),
		VerifyImage: func(p string, data []byte) error {
			_, err := media.DeepVerify(data, media.Options{Name: path.Base(p)})
			return err
		},
		Store:        c.Store,
		SetWithdrawn: consent.SetWithdrawn,
	}
}

// StopSharing is the desk's "stop sharing" (desk.Config.Withdraw): it
// materialises ss's stories afresh (publish.OpenStored, defaultLang the
// site's default content language), assembles the parts for c with them,
// and runs publish.WithdrawStored at level, the withdrawal storyguard
// withdraw runs, under the bucket's lease. o are the run's settings
// (Root, Vault folder, Now, BaseURL...). by is the account that asked;
// the audit log records its role, storyteller (her own account) or comms
// (staff), never its label. Errors are WithdrawStored's and the store's.
func StopSharing(ctx context.Context, c Config, ss *stories.Store, o publish.Options, storyID string, level stories.WithdrawLevel, by string) error {
	role := "comms"
	if acct, err := ss.Account(ctx, by); err == nil && acct.Role == stories.RoleStoryteller {
		role = "storyteller"
	}
	site, err := content.LoadConfig(c.Root)
	if err != nil {
		return err
	}
	stored, err := publish.OpenStored(ctx, ss, c.Vault.Dir, site.DefaultLanguage)
	if err != nil {
		return err
	}
	defer stored.Close()
	c.Stored = stored
	_, err = publish.WithdrawStored(ctx, Parts(c), publish.WithdrawOptions{
		Options: o, Story: storyID, Reason: "stop sharing asked in the desk", Role: role,
		AuditLog: vault.AuditLogPath(c.Vault.Dir),
	}, stored, level, by)
	return err
}

// deskLevels maps the desk's withdrawal levels to the story store's.
var deskLevels = map[string]stories.WithdrawLevel{
	desk.StopNewUses: publish.LevelStopNewUses, desk.TakeDown: publish.LevelTakeDown, desk.TakeDownDelete: publish.LevelErase,
}

// DeskWithdraw returns desk.Config.Withdraw for a desk on the story store
// ss: StopSharing with c and the settings opts returns for each request
// (its Now is the time of the request), the desk's level (desk.StopNewUses,
// TakeDown, TakeDownDelete) mapped to the store's. Another level is an
// error and changes nothing.
func DeskWithdraw(c Config, ss *stories.Store, opts func() publish.Options) func(ctx context.Context, storyID, level, by string) error {
	return func(ctx context.Context, storyID, level, by string) error {
		lvl, ok := deskLevels[level]
		if !ok {
			return errors.New("withdraw: not a desk withdrawal level")
		}
		return StopSharing(ctx, c, ss, opts(), storyID, lvl, by)
	}
}
