package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"storyguard/tools/testgen/fixture"
)

// TestScriptsMedia runs the media scrub and verify scripts. Each script's
// work folder starts with generated fixtures: phone.jpg (every metadata
// location planted), rotated.jpg (EXIF orientation 6, 96x64: whole MCUs,
// so rotated losslessly), odd.jpg (orientation 6, 90x60: a partial MCU
// would move, so re-encoded), screenshot.png,
// sticker.webp, animated.webp, fake.jpg (a PNG), page.jpg (HTML),
// clip.heic (an ISO-BMFF HEIF header) and empty.jpg (zero bytes).
func TestScriptsMedia(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script", "media"),
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"plantbeforeeoi": cmdPlantBeforeEOI,
		},
		Setup: func(env *testscript.Env) error {
			files := map[string][]byte{
				"phone.jpg":      fixture.JPEG(fixture.JPEGOptions{}),
				"rotated.jpg":    fixture.JPEG(fixture.JPEGOptions{Orientation: 6}),
				"odd.jpg":        fixture.JPEG(fixture.JPEGOptions{Orientation: 6, Image: fixture.Noise(90, 60, 3)}),
				"hidden.jpg":     fixture.JPEG(fixture.JPEGOptions{Bare: true, Image: fixture.Noise(64, 48, 5)}),
				"screenshot.png": fixture.PNG(fixture.PNGOptions{}),
				"sticker.webp":   fixture.WebP(fixture.WebPOptions{}),
				"animated.webp":  fixture.WebP(fixture.WebPOptions{Animated: true}),
				"fake.jpg":       fixture.PNG(fixture.PNGOptions{}),
				"page.jpg":       []byte("<!DOCTYPE html>\n<html><body>not a photo</body></html>\n"),
				"clip.heic":      []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"),
				"empty.jpg":      nil,
			}
			for name, b := range files {
				if err := os.WriteFile(filepath.Join(env.WorkDir, name), b, 0o644); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
