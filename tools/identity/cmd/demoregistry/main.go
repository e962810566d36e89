// Command demoregistry writes the DEMO vault's age key and registry:
//
//	go run ./tools/identity/cmd/demoregistry -out examples/vault
//
// It generates a fresh age X25519 identity into <out>/demo-identity.txt
// (headed "# DEMO KEY — fictional demo vault only") and encrypts the
// fictional demo cast of package demo, with demo: true, to
// <out>/registry.age. Both files are committed on purpose: they protect
// nobody. Never use this key or this layout for real people.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"storyguard/tools/identity"
	"storyguard/tools/identity/internal/demo"
)

func main() {
	out := flag.String("out", "examples/vault", "folder to write demo-identity.txt and registry.age into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintf(os.Stderr, "demoregistry: %v\n", err)
		os.Exit(2)
	}
}

func run(out string) error {
	key, rc, err := identity.NewIdentity("DEMO KEY — fictional demo vault only. Never use it for real people.")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "demo-identity.txt"), []byte(key), 0o644); err != nil {
		return err
	}
	if err := identity.SaveRegistry(filepath.Join(out, "registry.age"), demo.Registry(rc)); err != nil {
		return err
	}
	fmt.Printf("demo recipient: %s\n", rc)
	return nil
}
