package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"storyguard/tools/config"
	"storyguard/tools/identity"
	"storyguard/tools/vault"
)

func init() { register(newRegistryCmd) }

func newRegistryCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Create and edit the encrypted identity registry",
		Long: `The registry (<vault>/registry.age, age-encrypted YAML) maps person ids to
the real names and identifying details the leak scanner looks for. It is
decrypted with the age identity in STORYGUARD_AGE_IDENTITY (the secret key
itself) or in the file given by --identity-file or
STORYGUARD_AGE_IDENTITY_FILE; never with a key from the repository.

Nothing these commands print contains a real name or detail: ids, roles and
pseudonyms only.

` + helpExitCodes,
	}
	cmd.AddCommand(newRegistryInitCmd(a), newRegistryAddCmd(a), newRegistryListCmd(a),
		newRegistryEditCmd(a), newRegistryRekeyCmd(a), newRegistrySignCmd(a))
	// Unknown subcommands and the exit codes in --help: see run (root.go).
	return cmd
}

// registryPath is <vault>/registry.age resolved against the site root.
func registryPath(c config.Config) string {
	return vault.RegistryPath(c.Path(c.Vault))
}

// openRegistry loads the configuration and the age identities and opens the
// registry, failing closed with a hint for each kind of failure. check and
// publish use it too.
func (a *app) openRegistry() (*identity.Registry, string, []age.Identity, error) {
	return a.openRegistryWith(identity.OpenRegistry)
}

// openRegistryWith is openRegistry with the function that opens the file
// (identity.OpenRegistryForRekey for rekey).
func (a *app) openRegistryWith(open func(string, []age.Identity) (*identity.Registry, error)) (*identity.Registry, string, []age.Identity, error) {
	path, ids, err := a.registryAndIdentities()
	if err != nil {
		return nil, path, nil, err
	}
	reg, err := open(path, ids)
	if err != nil {
		return nil, path, ids, registryHint(err)
	}
	return reg, path, ids, nil
}

// removeEditLeftovers wipes the plaintext registries a killed 'registry
// edit' left behind (identity.RemoveEditLeftovers) and says so on stderr,
// by folder, never by content. a.config calls it, once a run, before any
// command touches the vault.
func (a *app) removeEditLeftovers() {
	removed, err := identity.RemoveEditLeftovers()
	for _, dir := range removed {
		fmt.Fprintf(a.stderr, "storyguard: warning: removed the plaintext registry a killed 'registry edit' left in %s (overwritten, then deleted); registry.age itself is unchanged\n", dir)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "storyguard: warning: %v; remove it by hand\n", err)
	}
}

// warnUnsealed says which of recipients got no seal from ids (see
// identity.Unsealed): their holders cannot open path until they check it
// and run 'registry sign'.
func (a *app) warnUnsealed(path string, recipients []string, ids []age.Identity) {
	for _, rc := range identity.Unsealed(recipients, ids) {
		fmt.Fprintf(a.stderr, "storyguard: warning: %s is not signed for recipient %s: its key holder must check it and run 'storyguard registry sign' before storyguard opens it with that key\n", path, rc)
	}
}

// registryAndIdentities returns the registry's path and the age
// identities, from the configuration.
func (a *app) registryAndIdentities() (string, []age.Identity, error) {
	c, err := a.config()
	if err != nil {
		return "", nil, err
	}
	path := registryPath(c)
	ids, err := a.loadIdentities(c)
	return path, ids, err
}

// loadIdentities loads the age identities of c (identity.LoadIdentities),
// with the hint that says how to give one.
func (a *app) loadIdentities(c config.Config) ([]age.Identity, error) {
	ids, err := identity.LoadIdentities(c.IdentityFile, a.getenv)
	if err != nil {
		return nil, withHint(err, "export STORYGUARD_AGE_IDENTITY=AGE-SECRET-KEY-1... or pass --identity-file with a key file outside the repository (the demo key is examples/vault/demo-identity.txt)")
	}
	return ids, nil
}

// registryHint attaches the hint that fits a registry error.
func registryHint(err error) error {
	switch {
	case errors.Is(err, identity.ErrRegistryMissing):
		return withHint(err, "create one with 'storyguard registry init', or point --vault (or STORYGUARD_VAULT, or vault in [params.storyguard]) at the vault folder; the default is private")
	case errors.Is(err, identity.ErrRegistryPlaintext):
		return withHint(err, "a plaintext registry is refused: delete it securely, run 'storyguard registry init' and add the people again")
	case errors.Is(err, identity.ErrWrongKey):
		return withHint(err, "use the age identity the registry was encrypted to (ask whoever ran 'storyguard registry rekey')")
	case errors.Is(err, identity.ErrRegistryCorrupt):
		return withHint(err, "restore registry.age from the vault's backup")
	case errors.Is(err, identity.ErrRegistryTracked):
		return withHint(err, "remove it from git ('git rm --cached' and purge it from history), keep the vault in .gitignore, and rotate the key with 'storyguard registry rekey'")
	case errors.Is(err, identity.ErrDemoKey), errors.Is(err, identity.ErrIdentityInRepo):
		return withHint(err, "the demo key is public and a key inside the repository may be committed: make a new key outside the repository with 'storyguard registry init --root <an empty folder> --new-identity ~/.config/storyguard/identity.txt', then run 'storyguard registry rekey --recipient <the recipient it prints>' and, with the new key, 'storyguard registry sign'")
	case errors.Is(err, identity.ErrRegistryUnsigned):
		return withHint(err, "someone who can write the vault may have replaced it (age does not authenticate who encrypted a file): restore registry.age from the vault's backup; if you wrote it yourself with another tool or an older storyguard, check its content and run 'storyguard registry sign'")
	case errors.Is(err, identity.ErrInvalid):
		return withHint(err, "fix it with 'storyguard registry edit'")
	}
	return err
}

func newRegistryInitCmd(a *app) *cobra.Command {
	var recipients []string
	var newIdentity string
	var newText string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create an empty registry and print its recipient",
		Long: `init creates <vault>/registry.age, empty and encrypted to the --recipient
keys given, or to a new age identity it writes to --new-identity FILE
(mode 0600). FILE must not exist and must lie outside any git work tree: the
key never goes into the repository. An existing registry is never replaced.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.config()
			if err != nil {
				return err
			}
			path := registryPath(c)
			if _, err := os.Stat(path); err == nil {
				return withHint(fmt.Errorf("registry init: %s already exists", path), "edit it with 'storyguard registry edit'")
			}
			if len(recipients) == 0 && newIdentity == "" {
				return withHint(errors.New("registry init: give --recipient age1... or --new-identity FILE"), "FILE must lie outside the repository, for example ~/.config/storyguard/identity.txt")
			}
			if _, err := identity.ParseRecipients(recipients); err != nil {
				return fmt.Errorf("registry init: --recipient: %w", err)
			}
			if err := identity.CheckDemoKey("registry init --recipient", false, recipients); err != nil {
				return registryHint(err)
			}
			if newIdentity != "" {
				if _, err := os.Stat(newIdentity); err == nil {
					return fmt.Errorf("registry init: --new-identity %s already exists", newIdentity)
				}
				if identity.InsideWorkTree(filepath.Dir(newIdentity)) {
					return withHint(fmt.Errorf("registry init: --new-identity %s is inside a git work tree", newIdentity), "keep the key outside the repository, for example ~/.config/storyguard/identity.txt")
				}
				text, rc, err := identity.NewIdentity("storyguard registry identity: keep secret, never commit")
				if err != nil {
					return err
				}
				newText = text
				if err := os.MkdirAll(filepath.Dir(newIdentity), 0o700); err != nil {
					return fmt.Errorf("registry init: %w", err)
				}
				f, err := os.OpenFile(newIdentity, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return fmt.Errorf("registry init: %w", err)
				}
				if _, err := io.WriteString(f, text); err != nil {
					f.Close()
					return fmt.Errorf("registry init: write %s: %w", newIdentity, err)
				}
				if err := f.Close(); err != nil {
					return fmt.Errorf("registry init: write %s: %w", newIdentity, err)
				}
				recipients = append(recipients, rc)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return fmt.Errorf("registry init: %w", err)
			}
			// Seal with the new identity, or with the caller's own when one
			// of the --recipient keys is hers.
			var ids []age.Identity
			if newText != "" {
				ids, err = age.ParseIdentities(strings.NewReader(newText))
				if err != nil {
					return fmt.Errorf("registry init: %w", err)
				}
			} else if own, err := identity.LoadIdentities(c.IdentityFile, a.getenv); err == nil {
				ids = own
			}
			reg := &identity.Registry{Version: 1, Recipients: recipients}
			if err := identity.SaveRegistry(path, reg, ids); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created %s\n", path)
			if newIdentity != "" {
				fmt.Fprintf(a.stdout, "identity written to %s (keep it secret and backed up; never commit it)\n", newIdentity)
			}
			for _, rc := range recipients {
				fmt.Fprintf(a.stdout, "recipient: %s\n", rc)
			}
			a.warnUnsealed(path, recipients, ids)
			if identity.InsideWorkTree(filepath.Dir(path)) && !gitIgnored(path) {
				fmt.Fprintf(a.stderr, "storyguard: warning: %s is not gitignored; add the vault folder to .gitignore\n", path)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&recipients, "recipient", nil, "age recipient (age1...) to encrypt to; repeatable")
	cmd.Flags().StringVar(&newIdentity, "new-identity", "", "generate a new age identity into this file (outside the repository)")
	return cmd
}

func newRegistryAddCmd(a *app) *cobra.Command {
	var from string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a person, read as YAML from stdin or --from FILE",
		Long: `add reads one person as a YAML mapping (id, role, pseudonym, public_name,
names, given_names, family_names, nicknames, details) from standard input, or
from --from FILE, so that real names stay out of shell history. Without an id
the next free p-NNNN is assigned. It prints the id only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, path, ids, err := a.openRegistry()
			if err != nil {
				return err
			}
			var data []byte
			name := "stdin"
			if from != "" {
				name = from
				data, err = os.ReadFile(from)
			} else {
				data, err = io.ReadAll(cmd.InOrStdin())
			}
			if err != nil {
				return fmt.Errorf("registry add: read %s: %w", name, err)
			}
			per, err := identity.ParsePerson(name, data)
			clear(data)
			if err != nil {
				return err
			}
			if per.ID == "" {
				per.ID = reg.NextID()
			}
			per.Line = 0 // lines of stdin mean nothing in the registry
			for i := range per.Details {
				per.Details[i].Line = 0
			}
			if reg.Person(per.ID) != nil {
				return fmt.Errorf("registry add: %s is already in the registry", per.ID)
			}
			reg.Persons = append(reg.Persons, per)
			if err := identity.SaveRegistry(path, reg, ids); err != nil {
				return registryHint(err)
			}
			fmt.Fprintf(a.stdout, "added %s\n", per.ID)
			for _, w := range partialMatchWarnings(per) {
				fmt.Fprintf(a.stderr, "storyguard: warning: %s\n", w)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "read the person from this YAML file instead of stdin")
	return cmd
}

func newRegistryListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List ids, roles and pseudonyms (never real names)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, _, _, err := a.openRegistry()
			if err != nil {
				return err
			}
			return printRegistryList(a.stdout, reg)
		},
	}
}

// printRegistryList writes reg's ids, roles and pseudonyms as a table,
// never a real name.
func printRegistryList(w io.Writer, reg *identity.Registry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tPSEUDONYM")
	for _, p := range reg.Persons {
		ps := p.Pseudonym
		if ps == "" {
			ps = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.ID, p.Role, ps)
	}
	if reg.Demo {
		fmt.Fprintln(tw, "# DEMO registry: fictional people only")
	}
	return tw.Flush()
}

func newRegistryRekeyCmd(a *app) *cobra.Command {
	var recipients []string
	var recipientsFile string
	cmd := &cobra.Command{
		Use:   "rekey",
		Short: "Re-encrypt the registry to new recipients",
		Long: `rekey replaces the registry's recipients with the --recipient keys (and the
lines of --recipients-file, age's recipients file format) and re-encrypts it.
The old identities no longer decrypt the new file; copies and backups of the
old file still open with them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if recipientsFile != "" {
				data, err := os.ReadFile(recipientsFile)
				if err != nil {
					// Not the path: this runs before the registry is
					// open, and the path may carry a name (issue #12).
					var pe *fs.PathError
					if errors.As(err, &pe) {
						err = pe.Err
					}
					return fmt.Errorf("registry rekey: read --recipients-file: %w", err)
				}
				for _, l := range strings.Split(string(data), "\n") {
					if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
						recipients = append(recipients, l)
					}
				}
			}
			if len(recipients) == 0 {
				return errors.New("registry rekey: give at least one --recipient or --recipients-file")
			}
			if _, err := identity.ParseRecipients(recipients); err != nil {
				return fmt.Errorf("registry rekey: %w", err)
			}
			// The rekey is the way out of ErrDemoKey and ErrIdentityInRepo,
			// so it opens the registry without those two refusals.
			reg, path, ids, err := a.openRegistryWith(identity.OpenRegistryForRekey)
			if err != nil {
				return err
			}
			reg.Recipients = recipients
			if err := identity.SaveRegistry(path, reg, ids); err != nil {
				return registryHint(err)
			}
			fmt.Fprintf(a.stdout, "re-encrypted %s to %d recipient(s)\n", path, len(recipients))
			a.warnUnsealed(path, recipients, ids)
			if _, err := identity.OpenRegistry(path, ids); errors.Is(err, identity.ErrWrongKey) {
				fmt.Fprintf(a.stderr, "storyguard: warning: your current identity no longer decrypts %s\n", path)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&recipients, "recipient", nil, "age recipient (age1...); repeatable")
	cmd.Flags().StringVar(&recipientsFile, "recipients-file", "", "file of age recipients, one per line")
	return cmd
}

func newRegistryEditCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit",
		Short: "Edit the registry in $EDITOR",
		Long: `edit decrypts the registry into a 0600 file in a private 0700 temporary
folder (under /dev/shm, in memory, where available), opens $VISUAL or $EDITOR
on it, and when the editor exits validates the text and re-encrypts it
atomically to the recipients it lists. Invalid YAML is refused and the
registry stays as it was. The plaintext file is overwritten and removed in
every case, also on SIGINT, SIGTERM or SIGHUP (which stop the editor); only
SIGKILL or a power cut can leave it behind, and the next storyguard command
overwrites and removes it then, and says so.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, ids, err := a.registryAndIdentities()
			if err != nil {
				return err
			}
			return editRegistry(cmd.Context(), a, path, ids)
		},
	}
}

func editRegistry(ctx context.Context, a *app, path string, ids []age.Identity) error {
	editor := a.getenv("VISUAL")
	if editor == "" {
		editor = a.getenv("EDITOR")
	}
	if editor == "" {
		return withHint(errors.New("registry edit: no editor"), "set EDITOR, for example EDITOR=nano")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	// The text as verified (seal checked, seal lines removed): the
	// editor shows what its author wrote, and SealRegistry seals it anew.
	_, plain, err := identity.ReadRegistryText(path, ids)
	if err != nil {
		return registryHint(err)
	}
	defer clear(plain)

	dir, err := identity.NewEditDir()
	if err != nil {
		return fmt.Errorf("registry edit: %w", err)
	}
	tmp := filepath.Join(dir, "registry.yaml")
	// Overwrite before removing: the plaintext must not linger. A killed
	// edit leaves dir behind; the next command removes it
	// (removeEditLeftovers).
	defer func() { _ = identity.WipeDir(dir) }()
	if err := os.WriteFile(tmp, plain, 0o600); err != nil {
		return fmt.Errorf("registry edit: %w", err)
	}

	ed := exec.Command("sh", "-c", "exec "+editor+` "$1"`, "editor", tmp)
	ed.Stdin, ed.Stdout, ed.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := ed.Start(); err != nil {
		return fmt.Errorf("registry edit: start editor: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- ed.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = ed.Process.Signal(syscall.SIGTERM)
		<-done
		return errors.New("registry edit: interrupted; registry unchanged")
	}
	if err != nil {
		return fmt.Errorf("registry edit: editor failed (%w); registry unchanged", err)
	}
	edited, err := os.ReadFile(tmp)
	if err != nil {
		return fmt.Errorf("registry edit: %w", err)
	}
	defer clear(edited)
	if bytes.Equal(edited, plain) {
		fmt.Fprintln(a.stdout, "registry unchanged")
		return nil
	}
	reg, err := identity.SealRegistry(path, edited, ids)
	if errors.Is(err, identity.ErrDemoKey) {
		return registryHint(fmt.Errorf("registry edit: not saved, registry unchanged: %w", err))
	}
	if err != nil {
		return withHint(fmt.Errorf("registry edit: not saved, registry unchanged: %w", err), "run 'storyguard registry edit' again and fix the line named")
	}
	fmt.Fprintf(a.stdout, "saved %s: %d person(s), %d recipient(s)\n", path, len(reg.Persons), len(reg.Recipients))
	a.warnUnsealed(path, reg.Recipients, ids)
	return nil
}

func newRegistrySignCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sign",
		Short: "Seal the registry with your identity after checking its content",
		Long: `sign seals <vault>/registry.age with your age identity, so that storyguard
opens it with that identity again. age does not authenticate who encrypted a
file: anyone who knows a recipient can replace the registry with one encrypted
to it (with names removed, every leak would pass). So every registry carries
one seal per key holder (an HMAC-SHA256 keyed from that holder's secret key),
and commands refuse a registry without a valid seal of your identity.

Run sign only when you know who wrote it: a colleague who re-encrypted the
registry to your recipient (rekey, add, edit), or an older storyguard. It
prints the ids, roles and pseudonyms it sealed, as 'registry list' does:
check them, and 'registry edit' the names. Signing a registry you did not
check vouches for whoever wrote it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, ids, err := a.registryAndIdentities()
			if err != nil {
				return err
			}
			reg, missing, err := identity.SignRegistry(path, ids)
			if err != nil {
				return registryHint(fmt.Errorf("registry sign: %w", err))
			}
			fmt.Fprintf(a.stdout, "signed %s: %d person(s), %d recipient(s)\n", path, len(reg.Persons), len(reg.Recipients))
			if err := printRegistryList(a.stdout, reg); err != nil {
				return err
			}
			for _, rc := range missing {
				fmt.Fprintf(a.stderr, "storyguard: warning: %s is still not signed for recipient %s: its key holder must check it and run 'storyguard registry sign'\n", path, rc)
			}
			return nil
		},
	}
}

// gitIgnored reports whether git ignores path.
func gitIgnored(path string) bool {
	return exec.Command("git", "-C", filepath.Dir(path), "check-ignore", "-q", filepath.Base(path)).Run() == nil
}

// partialMatchWarnings says which of per's entries are matched only whole
// although a part of them would identify the person on its own: a village,
// school or employer of several words that does not begin with a generic
// word the scanner strips (identity.DistinctivePart: "Aldea ...",
// "Escuela Rural ..." are also matched without it),
// and full names when no given or family names are recorded (their words
// are matched too, but the person's short or compound names may need
// their own entries). Field paths only, never values.
func partialMatchWarnings(per identity.Person) []string {
	var out []string
	for i, d := range per.Details {
		switch d.Kind {
		case "village", "school", "employer":
			if len(strings.Fields(d.Value)) > 1 && identity.DistinctivePart(d) == "" {
				out = append(out, fmt.Sprintf("%s.details[%d] (%s) has several words and is matched only whole; add its distinctive part on its own too (for example the village name without \"Aldea\", the school name without \"Escuela\")", per.ID, i, d.Kind))
			}
		}
	}
	if len(per.GivenNames) == 0 && len(per.FamilyNames) == 0 && len(per.Names) > 0 {
		out = append(out, fmt.Sprintf("%s has full names only; each word of them is matched, but list given_names and family_names so that short and compound names are matched too", per.ID))
	}
	return out
}
