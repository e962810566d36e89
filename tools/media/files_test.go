package media_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// TestScrubFiles: each input gets a clean copy named after it with the
// real format's extension; a rerun is accepted, another image under an
// existing output name is refused unless forced, two inputs with one
// output name are refused, and a cancelled run scrubs nothing.
func TestScrubFiles(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	photo := write("photo.jpg", fixture.JPEG(fixture.JPEGOptions{}))
	shot := write("shot.png", fixture.PNG(fixture.PNGOptions{}))
	ctx := context.Background()
	rs := media.ScrubFiles(ctx, []string{photo, shot}, out, media.Options{}, false, true)
	for i, want := range []string{filepath.Join(out, "photo.jpg"), filepath.Join(out, "shot.png")} {
		if rs[i].Err != nil || rs[i].Out != want {
			t.Fatalf("result %d: %q, %v; want %s", i, rs[i].Out, rs[i].Err, want)
		}
		if _, err := media.VerifyFile(want, media.Options{}, true); err != nil {
			t.Errorf("%s is not clean: %v", want, err)
		}
	}
	if rs := media.ScrubFiles(ctx, []string{photo}, out, media.Options{}, false, true); rs[0].Err != nil {
		t.Errorf("rerun refused: %v", rs[0].Err)
	}
	other := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(other, fixture.JPEG(fixture.JPEGOptions{Image: fixture.Noise(64, 48, 3)}), 0o644); err != nil {
		t.Fatal(err)
	}
	if rs := media.ScrubFiles(ctx, []string{other}, out, media.Options{}, false, false); rs[0].Err == nil {
		t.Error("another image replaced photo.jpg without --force")
	}
	if rs := media.ScrubFiles(ctx, []string{other}, out, media.Options{}, true, false); rs[0].Err != nil {
		t.Errorf("forced replacement refused: %v", rs[0].Err)
	}
	if rs := media.ScrubFiles(ctx, []string{photo, other}, t.TempDir(), media.Options{}, false, false); rs[1].Err == nil {
		t.Error("two inputs with one output name both scrubbed")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	empty := t.TempDir()
	if rs := media.ScrubFiles(cancelled, []string{photo}, empty, media.Options{}, false, false); !errors.Is(rs[0].Err, media.ErrInterrupted) {
		t.Errorf("cancelled run: %v, want ErrInterrupted", rs[0].Err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("cancelled run left %d files", len(entries))
	}
}
