// Package vault owns the private vault folder (params.storyguard.vault,
// STORYGUARD_VAULT or --vault; "private" by default, never committed):
// where each of its files lives, the audit log, the record of the stores
// the site was published to, the media originals, and the id formats that
// all of them and the content share.
//
// Layout of a vault folder dir:
//
//	registry.age      the age-encrypted identity registry (tools/identity)
//	audit.log         JSON Lines, appended, never rewritten (AppendAudit)
//	published.json    the stores the site was published to (ReadPublished)
//	media/<id>.<ext>  the media originals, one file per media id (Originals)
//	state/            what a run keeps across a crash: the purge journal and
//	                  the work folders (tools/publish)
//
// Nothing this package writes or returns holds a name: ids, counts, roles,
// endpoint URLs without credentials, and file paths inside the vault.
package vault

import (
	"fmt"
	"path/filepath"

	"storyguard/tools/identity"
)

// RegistryPath is the identity registry of the vault dir: dir/registry.age.
func RegistryPath(dir string) string { return filepath.Join(dir, "registry.age") }

// AuditLogPath is the audit log of the vault dir: dir/audit.log.
func AuditLogPath(dir string) string { return filepath.Join(dir, "audit.log") }

// PublishedPath is the record of published stores: dir/published.json.
func PublishedPath(dir string) string { return filepath.Join(dir, "published.json") }

// MediaDir is the folder of media originals: dir/media.
func MediaDir(dir string) string { return filepath.Join(dir, "media") }

// StateDir is the vault's folder for what a run must keep across a crash:
// the pending CDN purge list and the work folders (dir/state). It is
// private like the rest of the vault (0700).
func StateDir(dir string) string { return filepath.Join(dir, "state") }

// Vault is an opened vault: its folder, the decrypted registry and the
// registry's leak scanner, built once for one command (check, publish,
// withdraw, status) or one desk request.
type Vault struct {
	// Dir is the vault folder, absolute or relative to the working directory.
	Dir string
	// Registry is the decrypted identity registry (identity.OpenRegistry).
	Registry *identity.Registry
	// Scanner finds the registry's names and details in text.
	Scanner *identity.Scanner
}

// New returns the vault at dir with the registry reg, already opened by
// the caller (identity.OpenRegistry, which fails closed), and builds its
// scanner. An error (a registry the scanner cannot compile) names the
// registry file, never an entry's value.
func New(dir string, reg *identity.Registry) (*Vault, error) {
	sc, err := identity.NewScanner(reg)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", RegistryPath(dir), err)
	}
	return &Vault{Dir: dir, Registry: reg, Scanner: sc}, nil
}
