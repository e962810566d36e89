package stories

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"storyguard/tools/identity"
)

// OpenForVault opens the store of the vault at vaultDir: the PostgreSQL
// database named by STORYGUARD_DATABASE_URL (read with getenv) when set,
// else the SQLite file <vaultDir>/desk.db. Story keys are wrapped to the
// registry's recipients (reg.Recipients, "age1..." strings), and ids (the
// identities that opened the registry, identity.LoadIdentities) unwrap
// them; the demo key is accepted only when reg is the demo registry
// (demo: true). Errors: a recipient that does not parse (by index, never
// echoed), and those of Open.
func OpenForVault(ctx context.Context, vaultDir string, reg *identity.Registry, ids []age.Identity, getenv func(string) string) (*Store, error) {
	var rcs []age.Recipient
	for i, text := range reg.Recipients {
		rc, err := age.ParseRecipients(strings.NewReader(text))
		if err != nil || len(rc) != 1 {
			return nil, fmt.Errorf("open story store: registry recipients[%d]: not an age recipient", i)
		}
		rcs = append(rcs, rc[0])
	}
	return Open(ctx, Options{
		DatabaseURL: getenv(EnvDatabaseURL),
		Path:        filepath.Join(vaultDir, FileName),
		Recipients:  rcs,
		Identities:  ids,
		Demo:        reg.Demo,
	})
}

// HasStore reports whether the vault at vaultDir has a story store: a
// PostgreSQL database named by STORYGUARD_DATABASE_URL (read with
// getenv), or the SQLite file <vaultDir>/desk.db. A file that cannot be
// looked at (permissions) is an error, never "no store": the stories in
// it would silently drop out of a publish.
func HasStore(vaultDir string, getenv func(string) string) (bool, error) {
	if getenv(EnvDatabaseURL) != "" {
		return true, nil
	}
	_, err := os.Stat(filepath.Join(vaultDir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("story store %s: %w", FileName, err)
	}
	return true, nil
}
