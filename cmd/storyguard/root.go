package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"storyguard/tools/config"
	"storyguard/tools/identity"
	"storyguard/tools/vault"
)

// Exit codes, as documented in --help (the convention of errata-ai/vale).
const (
	exitClean    = 0 // nothing at error level
	exitFindings = 1 // findings at error level
	exitFailure  = 2 // usage, configuration or runtime failure
)

// errFindings is returned by a command that ran to the end and found errors
// it has already printed; it exits 1 with no further message.
var errFindings = errors.New("findings at error level")

// hintError carries a hint printed after the error.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// withHint wraps err so that the CLI prints hint after it.
func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

// app is what every subcommand shares: the streams, the environment and the
// global flags.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string

	root         string
	vault        string
	identityFile string

	swept bool // removeEditLeftovers ran

	redactor *redactor    // the output boundary; config arms it (armRedactor)
	armTried bool         // armRedactor ran, or must not (withdraw --emergency)
	armed    *vault.Vault // the registry armRedactor opened, for openVault
}

// command constructors, registered by each command's file in init.
var commands []func(*app) *cobra.Command

func register(f func(*app) *cobra.Command) { commands = append(commands, f) }

const helpExitCodes = `Exit codes:
  0  success: nothing at error level
  1  findings at error level (publish and preview: nothing was published)
  2  usage, configuration or runtime failure`

// run is the whole program; only main exits.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	red := &redactor{}
	out, errw := &redactWriter{w: stdout, r: red}, &redactWriter{w: stderr, r: red}
	a := &app{stdout: out, stderr: errw, getenv: os.Getenv, redactor: red}
	err := runApp(ctx, a, args)
	out.Flush()
	errw.Flush()
	return red.redactError(err)
}

// runApp is run with the app (its streams already behind the redactor).
func runApp(ctx context.Context, a *app, args []string) error {
	stdout, stderr := a.stdout, a.stderr
	root := &cobra.Command{
		Use:   "storyguard",
		Short: "Publish survivors' stories only as far as their consent reaches",
		Long: `Storyguard checks every consent record and pseudonym, scrubs identifying
metadata from media, and only then publishes a Hugo site and its media to
S3-compatible object storage. Withdrawal takes a story down everywhere.

` + helpExitCodes,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.SetContext(ctx)
	pf := root.PersistentFlags()
	pf.StringVar(&a.root, "root", ".", "site root holding config.toml and content/")
	pf.StringVar(&a.vault, "vault", "", "private vault folder (registry.age, media/); default from config, else private")
	pf.StringVar(&a.identityFile, "identity-file", "", "file of age identities that decrypt the registry (or set STORYGUARD_AGE_IDENTITY_FILE, or the key itself in STORYGUARD_AGE_IDENTITY)")
	cmds := make([]*cobra.Command, 0, len(commands))
	for _, f := range commands {
		cmds = append(cmds, f(a))
	}
	slices.SortFunc(cmds, func(x, y *cobra.Command) int { return strings.Compare(x.Name(), y.Name()) })
	root.AddCommand(cmds...)
	forEachCommand(root, func(c *cobra.Command) {
		if !strings.Contains(c.Long, "Exit codes:") {
			if c.Long == "" {
				c.Long = c.Short + "."
			}
			c.Long += "\n\n" + helpExitCodes
		}
		// A group command (storyguard itself, registry, media, store) run
		// with an unknown subcommand must fail, not print its help and
		// exit 0. No usage error repeats what was typed: an argument or a
		// flag may be a name typed by mistake (issue #12), and cobra's own
		// messages quote them.
		if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) > 0 {
					return withHint(fmt.Errorf("%s: no such command", c.CommandPath()), fmt.Sprintf("see '%s --help'", c.CommandPath()))
				}
				return c.Help()
			}
		} else if c.Args != nil {
			check := c.Args
			c.Args = func(c *cobra.Command, args []string) error {
				if check(c, args) != nil {
					return withHint(fmt.Errorf("%s: wrong arguments (usage: %s)", c.CommandPath(), c.UseLine()), fmt.Sprintf("see '%s --help'", c.CommandPath()))
				}
				return nil
			}
		}
	})
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withHint(flagError(err), fmt.Sprintf("see '%s --help'", c.CommandPath()))
	})
	return root.ExecuteContext(ctx)
}

// flagError is err (from parsing flags) said without the flag names or
// values typed: only the names of flags that exist, which are the
// program's own.
func flagError(err error) error {
	var (
		notExist *pflag.NotExistError
		invalid  *pflag.InvalidValueError
		required *pflag.ValueRequiredError
	)
	switch {
	case errors.As(err, &notExist):
		return errors.New("unknown flag")
	case errors.As(err, &invalid) && invalid.GetFlag() != nil:
		return fmt.Errorf("flag --%s: not a valid value", invalid.GetFlag().Name)
	case errors.As(err, &required) && required.GetFlag() != nil:
		return fmt.Errorf("flag --%s needs a value", required.GetFlag().Name)
	}
	return errors.New("flags could not be read")
}

// forEachCommand calls f on c and every command below it.
func forEachCommand(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		forEachCommand(sub, f)
	}
}

// config loads and validates the configuration: flags over environment over
// config.toml over defaults.
// Every command that reads the vault calls it first, so it also wipes,
// once a run, what a killed 'registry edit' left (removeEditLeftovers).
func (a *app) config() (config.Config, error) {
	if !a.swept {
		a.swept = true
		a.removeEditLeftovers()
	}
	c, err := config.Load(a.root, a.getenv)
	if err != nil {
		return c, err
	}
	if a.vault != "" {
		c.Vault = a.vault
	}
	if a.identityFile != "" {
		c.IdentityFile = a.identityFile
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	a.armRedactor(c)
	return c, nil
}

// armFromSite arms the output boundary for a command that needs neither
// the site nor the registry (media scrub, media verify): where the site's
// configuration and the key are at hand (--root, the vault, the identity),
// file names that carry a registry term are redacted from its output too.
// Without them it prints names as given.
func (a *app) armFromSite() { _, _ = a.config() }

// armRedactor opens the registry of c, when its key is at hand, only to
// arm the output boundary: so that every command that reads the
// configuration (approve, store ls, media, registry ...) prints no
// registry term, not only those that need the registry. It fails quietly:
// a command that needs the registry opens it itself and fails closed with
// the reason. It runs once a run.
func (a *app) armRedactor(c config.Config) {
	if a.redactor == nil || a.armTried {
		return
	}
	a.armTried = true
	ids, err := identity.LoadIdentities(c.IdentityFile, a.getenv)
	if err != nil {
		return
	}
	path := registryPath(c)
	reg, err := identity.OpenRegistry(path, ids)
	if err != nil {
		return
	}
	v, err := vault.New(c.Path(c.Vault), reg)
	if err != nil {
		return
	}
	a.redactor.set(v.Scanner.Redact)
	a.armed = v
}

// exitCode prints err as the CLI does and maps it to an exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitClean
	}
	if errors.Is(err, errFindings) {
		return exitFindings
	}
	fmt.Fprintf(stderr, "storyguard: error: %v\n", err)
	var h *hintError
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(stderr, "storyguard: hint: %s\n", h.hint)
	}
	return exitFailure
}
