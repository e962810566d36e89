package main

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"storyguard/tools/testgen/fixture"
)

// TestScriptsMediaDeep runs the `media verify --deep` scripts. Each work
// folder starts with clean.jpg (image/jpeg output, no metadata),
// hidden.jpg (the same with fixture.HiddenText inserted just before EOI,
// after the last MCU), clean.png and hidden.png (the text in a second
// IDAT after the end of the zlib stream).
func TestScriptsMediaDeep(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, fixture.Noise(48, 32, 2), nil); err != nil {
		t.Fatal(err)
	}
	clean := b.Bytes()
	pngClean := fixture.InterlacedPNG(fixture.Noise(20, 10, 2))
	types, datas := fixture.PNGChunks(pngClean)
	n := len(types)
	types = append(types[:n-1:n-1], "IDAT", types[n-1])
	datas = append(datas[:n-1:n-1], []byte(fixture.HiddenText), datas[n-1])
	files := map[string][]byte{
		"clean.jpg":  clean,
		"hidden.jpg": fixture.BeforeMarker(clean, 0xD9, 0, fixture.HiddenText),
		"clean.png":  pngClean,
		"hidden.png": fixture.RebuildPNG(types, datas),
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script", "mediadeep"),
		Setup: func(env *testscript.Env) error {
			for name, data := range files {
				if err := os.WriteFile(filepath.Join(env.WorkDir, name), data, 0o644); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
