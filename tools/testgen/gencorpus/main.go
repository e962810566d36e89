// Command gencorpus writes a synthetic Hugo site of stories for benchmarks
// (see tools/testgen/corpus):
//
//	gencorpus -dir DIR -n 10000 -seed 1 [-vault DIR]
//	gencorpus -dir SITE -stories-only -n 1000 -vault DIR -photos PHOTODIR -photo-count 1000
//
// -stories-only adds the story bundles to an existing site (bench/site.sh
// uses a copy of the repository's site, voices theme). -photos makes the
// first -photo-count stories' vault originals the photo-NNNN.jpg files of
// PHOTODIR (tools/testgen/fixture/mediagen -phone), and pins each story's
// approval to its photo's digest.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"storyguard/tools/publish"
	"storyguard/tools/testgen/corpus"
)

func main() {
	dir := flag.String("dir", "", "folder to write the site into (required)")
	n := flag.Int("n", 10000, "number of stories, each in en and es")
	seed := flag.Int64("seed", 1, "random seed; the same seed writes the same site")
	vault := flag.String("vault", "", "also write the matching vault (registry.age, identity.txt, media/) into this folder")
	storiesOnly := flag.Bool("stories-only", false, "write only content/stories/story-NNNNN/ into an existing site")
	photos := flag.String("photos", "", "folder of photo-NNNN.jpg files to use as the vault originals (needs -vault)")
	photoCount := flag.Int("photo-count", -1, "with -photos: how many stories get a photo from it (default: all of -n)")
	flag.Parse()
	if *dir == "" {
		fail("-dir is required")
	}
	if *photos != "" && *vault == "" {
		fail("-photos needs -vault")
	}
	var vo corpus.VaultOptions
	if *photos != "" {
		k := *photoCount
		if k < 0 || k > *n {
			k = *n
		}
		for i := range k {
			p := filepath.Join(*photos, fmt.Sprintf("photo-%04d.jpg", i))
			if _, err := os.Stat(p); err != nil {
				fail(fmt.Sprintf("-photos: %v", err))
			}
			vo.Photos = append(vo.Photos, p)
		}
	}
	o := corpus.Options{StoriesOnly: *storiesOnly}
	if *vault != "" {
		if err := corpus.GenerateVaultWith(*vault, *n, *seed, vo); err != nil {
			fail(err.Error())
		}
		o.MediaDigest = func(id string) (string, error) {
			sum, _, err := publish.HashFile(filepath.Join(*vault, "media", id+".jpg"))
			return sum, err
		}
	}
	if err := corpus.GenerateWith(*dir, *n, *seed, o); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintf(os.Stderr, "gencorpus: error: %s\n", msg)
	os.Exit(2)
}
