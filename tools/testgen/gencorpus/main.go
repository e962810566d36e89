// Command gencorpus writes a synthetic Hugo site of stories for benchmarks
// (see tools/testgen/corpus): gencorpus -dir DIR -n 10000 -seed 1 [-vault DIR].
package main

import (
	"flag"
	"fmt"
	"os"

	"storyguard/tools/testgen/corpus"
)

func main() {
	dir := flag.String("dir", "", "folder to write the site into (required)")
	n := flag.Int("n", 10000, "number of stories, each in en and es")
	seed := flag.Int64("seed", 1, "random seed; the same seed writes the same site")
	vault := flag.String("vault", "", "also write the matching vault (registry.age, identity.txt, media/) into this folder")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "gencorpus: error: -dir is required")
		os.Exit(2)
	}
	if err := corpus.Generate(*dir, *n, *seed); err != nil {
		fmt.Fprintf(os.Stderr, "gencorpus: error: %v\n", err)
		os.Exit(2)
	}
	if *vault != "" {
		if err := corpus.GenerateVault(*vault, *n, *seed); err != nil {
			fmt.Fprintf(os.Stderr, "gencorpus: error: %v\n", err)
			os.Exit(2)
		}
	}
}
