// Command demoregistry writes the DEMO vault's age key and registry:
//
//	go run ./tools/testgen/demoregistry -out examples/vault
//
// It keeps the demo identity in <out>/demo-identity.txt (whose recipient is
// identity.DemoRecipient, pinned in the code) or, with -new-key or when
// there is none, generates a fresh age X25519 identity into it (headed
// "# DEMO KEY — fictional demo vault only"; identity.DemoRecipient must
// then be updated). It encrypts the fictional demo cast of package demo,
// with demo: true, to <out>/registry.age, sealed with that identity
// (identity.SealRegistry). Both files are committed on purpose: they protect
// nobody. Never use this key or this layout for real people.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"filippo.io/age"

	"storyguard/tools/identity"
	"storyguard/tools/testgen/demo"
)

func main() {
	out := flag.String("out", "examples/vault", "folder to write demo-identity.txt and registry.age into")
	newKey := flag.Bool("new-key", false, "generate a new demo identity even if one exists")
	flag.Parse()
	if err := run(*out, *newKey); err != nil {
		fmt.Fprintf(os.Stderr, "demoregistry: %v\n", err)
		os.Exit(2)
	}
}

func run(out string, newKey bool) error {
	keyFile := filepath.Join(out, "demo-identity.txt")
	key, err := os.ReadFile(keyFile)
	if newKey || errors.Is(err, fs.ErrNotExist) {
		text, _, err := identity.NewIdentity("DEMO KEY — fictional demo vault only. Never use it for real people.")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(keyFile, []byte(text), 0o644); err != nil {
			return err
		}
		key = []byte(text)
	} else if err != nil {
		return err
	}
	ids, err := age.ParseIdentities(bytes.NewReader(key))
	if err != nil || len(ids) != 1 {
		return fmt.Errorf("%s: want one age identity", keyFile)
	}
	x, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return fmt.Errorf("%s: want an X25519 identity", keyFile)
	}
	rc := x.Recipient().String()
	if err := identity.SaveRegistry(filepath.Join(out, "registry.age"), demo.Registry(rc), ids); err != nil {
		return err
	}
	fmt.Printf("demo recipient: %s\n", rc)
	return nil
}
