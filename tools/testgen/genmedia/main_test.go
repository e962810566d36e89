package main

import (
	"bytes"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const vault = "../../../examples/vault/media"

// TestCommittedMediaAreReproducible regenerates the demo media and compares
// them byte for byte with the committed files, so the generator and the
// vault never drift apart.
func TestCommittedMediaAreReproducible(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Fatalf("generated %d files, want 4", len(files))
	}
	for name, data := range files {
		committed, err := os.ReadFile(filepath.Join(vault, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, data) {
			t.Errorf("%s: committed file differs from the generator's output; run go run ./tools/testgen/genmedia", name)
		}
		if len(data) > 400<<10 {
			t.Errorf("%s: %d bytes, over 400 KB", name, len(data))
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Width != Width || cfg.Height != Height {
			t.Errorf("%s: %dx%d, want %dx%d", name, cfg.Width, cfg.Height, Width, Height)
		}
		if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
			t.Errorf("%s: does not decode: %v", name, err)
		}
	}
}

// TestPlantedMetadataSeenByExiftool asks exiftool, an independent reader,
// whether the planted GPS position, serial number and comment are there.
func TestPlantedMetadataSeenByExiftool(t *testing.T) {
	if _, err := exec.LookPath("exiftool"); err != nil {
		if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatal("exiftool not found: run scripts/install-test-deps.sh")
		}
		t.Skip("exiftool not found")
	}
	for _, name := range []string{"m-0101.jpg", "m-0201.jpg", "m-0202.png", "m-9101.jpg"} {
		out, err := exec.Command("exiftool", "-a", "-G1", "-s", filepath.Join(vault, name)).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: exiftool: %v\n%s", name, err, out)
		}
		for _, want := range []string{"GPSLatitude", "GPSLongitude", "SerialNumber", demoSerial, "Comment", demoArtist} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: exiftool does not show %q", name, want)
			}
		}
		if strings.Contains(string(out), "Warning") {
			t.Errorf("%s: exiftool warns:\n%s", name, out)
		}
	}
}
