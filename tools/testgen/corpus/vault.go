package corpus

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"storyguard/tools/identity"
)

// Invented given and family names for the corpus registry: none of them is
// a word of the corpus text or a pseudonym, so a clean corpus checks clean
// while the scanner still carries a realistic number of terms.
var (
	realGiven  = []string{"Xiomara", "Yolanda", "Zenaida", "Brígida", "Candelaria", "Dominga", "Eusebia", "Filomena", "Genoveva", "Herminia", "Leocadia", "Petronila"}
	realFamily = []string{"Tzoc", "Ajpop", "Cumes", "Xicay", "Sirín", "Tuyuc", "Quemé", "Chiquín", "Bocel", "Yaxón", "Cotzojay", "Pirir"}
)

// GenerateVault writes the vault that goes with Generate(siteDir, n, seed)
// into dir: identity.txt (a fresh age X25519 key), registry.age (one
// storyteller per story, with the story's pseudonym, an invented real name,
// its family names and a village, encrypted to that key and sealed with it: about four terms a
// person), and media/<media id>.jpg for every story (one small real JPEG,
// 64×48 pixels, shared bytes). Storyguard's check and publish then run the
// whole registry scan on the corpus, as they do on a real site.
func GenerateVault(dir string, n int, seed int64) error {
	return GenerateVaultWith(dir, n, seed, VaultOptions{})
}

// VaultOptions shape GenerateVaultWith.
type VaultOptions struct {
	// Photos are JPEG files (bench/site.sh's phone photos,
	// tools/media/fixture/mediagen -phone) that become the originals of
	// the first len(Photos) stories, in order: media/m-00000.jpg is
	// Photos[0]. Each is hard-linked where the file system allows and
	// copied otherwise. Stories beyond them get the small JPEG.
	Photos []string
}

// GenerateVaultWith is GenerateVault with options. Errors name the photo
// that could not be placed.
func GenerateVaultWith(dir string, n int, seed int64, o VaultOptions) error {
	keyText, recipient, err := identity.NewIdentity("storyguard benchmark corpus: not a real vault")
	if err != nil {
		return fmt.Errorf("corpus vault: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "media"), 0o755); err != nil {
		return fmt.Errorf("corpus vault: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "identity.txt"), []byte(keyText), 0o600); err != nil {
		return fmt.Errorf("corpus vault: %w", err)
	}

	var reg strings.Builder
	fmt.Fprintf(&reg, "# Benchmark corpus registry: invented people.\nversion: 1\ndemo: true\nrecipients: [%q]\npersons:\n", recipient)
	// The same random stream as Generate, so story i gets the same person,
	// pseudonym and media id.
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	names := rand.New(rand.NewPCG(uint64(seed), 0x7a17))
	for i := range n {
		s := newStory(r, i)
		// Generate draws the page text from r after newStory; replay it so
		// the next story's draws match.
		for _, lang := range []string{"en", "es"} {
			s.render(r, lang)
		}
		given := realGiven[names.IntN(len(realGiven))]
		family := []string{realFamily[names.IntN(len(realFamily))], realFamily[names.IntN(len(realFamily))]}
		fmt.Fprintf(&reg, "  - id: %s\n    role: storyteller\n    pseudonym: %q\n    names: [\"%s %s %s %d\"]\n    family_names: [%s]\n    details:\n      - {kind: village, value: \"Aldea %s %d\"}\n",
			s.person, s.name, given, family[0], family[1], i, strings.Join(family, ", "), family[1], i)
		dst := filepath.Join(dir, "media", s.media+".jpg")
		if i < len(o.Photos) {
			if err := place(o.Photos[i], dst); err != nil {
				return fmt.Errorf("corpus vault: photo %d: %w", i, err)
			}
		} else if img, err := mediaJPEG(s.media); err != nil {
			return fmt.Errorf("corpus vault: %w", err)
		} else if err := os.WriteFile(dst, img, 0o644); err != nil {
			return fmt.Errorf("corpus vault: %w", err)
		}
	}
	ids, err := age.ParseIdentities(strings.NewReader(keyText))
	if err != nil {
		return fmt.Errorf("corpus vault: %w", err)
	}
	if _, err := identity.SealRegistry(filepath.Join(dir, "registry.age"), []byte(reg.String()), ids); err != nil {
		return fmt.Errorf("corpus vault: %w", err)
	}
	return nil
}

// mediaJPEG is the small JPEG (64x48, quality 80) of media id: a gradient
// whose first row encodes the id, so that no two stories share an
// original (a withdrawal refuses every other story placing a photo with
// the withdrawn one's SHA-256: check's withdrawn-content-reused).
// GenerateVault writes it under the id, and Generate pins its digest in
// review.approved_media_sha256. image/jpeg's output for the same image
// and quality is the same bytes on every run.
func mediaJPEG(id string) ([]byte, error) {
	var img bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			m.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	for i := 0; i < len(id) && i < 8; i++ {
		for x := i * 8; x < i*8+8; x++ {
			for y := range 8 {
				m.Set(x, y, color.RGBA{id[i] * 37, id[i] * 91, id[i] * 13, 255})
			}
		}
	}
	if err := jpeg.Encode(&img, m, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return img.Bytes(), nil
}

// place makes dst a hard link to src (replacing dst), or a copy of it
// across file systems.
func place(src, dst string) error {
	os.Remove(dst)
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
