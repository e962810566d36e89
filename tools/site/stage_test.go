package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	xdraw "golang.org/x/image/draw"

	"storyguard/tools/manifest"
)

// repoRoot is the repository root, two folders above this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// copyTree copies the folder src to dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// demoMedia maps each demo media id to its story and original file.
var demoMedia = []struct{ id, story, file string }{
	{"m-0101", "st-7q2k9m", "m-0101.jpg"},
	{"m-0201", "st-3h8d1x", "m-0201.jpg"},
	{"m-0202", "st-3h8d1x", "m-0202.png"},
	{"m-9101", "org", "m-9101.jpg"}, // the home page's illustration
}

// fixtureMedia builds the published media objects of the demo vault the way
// the pipeline would (re-encoded, so no metadata; one 800px variant each,
// content-addressed keys) and returns the manifest and the objects by key.
// It is built once per test binary.
func fixtureMedia(t testing.TB) (*manifest.Manifest, map[string][]byte) {
	t.Helper()
	fixtureOnce.Do(func() { fixtureM, fixtureObjs, fixtureErr = buildFixtureMedia(repoRoot(t)) })
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureM, fixtureObjs
}

func buildFixtureMedia(root string) (*manifest.Manifest, map[string][]byte, error) {
	m := &manifest.Manifest{Version: manifest.Version, Media: map[string]manifest.Entry{}}
	objs := map[string][]byte{}
	for _, dm := range demoMedia {
		raw, err := os.ReadFile(filepath.Join(root, "examples", "vault", "media", dm.file))
		if err != nil {
			return nil, nil, err
		}
		img, format, err := image.Decode(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, err
		}
		encode := func(img image.Image) (manifest.Object, error) {
			var buf bytes.Buffer
			ext, ct := "jpg", "image/jpeg"
			if format == "png" {
				ext, ct = "png", "image/png"
				err = png.Encode(&buf, img)
			} else {
				err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
			}
			if err != nil {
				return manifest.Object{}, err
			}
			sum := sha256.Sum256(buf.Bytes())
			o := manifest.Object{
				Key:         "media/" + dm.story + "/" + hex.EncodeToString(sum[:]) + "." + ext,
				ContentType: ct,
				Width:       img.Bounds().Dx(),
				Height:      img.Bounds().Dy(),
				Bytes:       int64(buf.Len()),
				SHA256:      hex.EncodeToString(sum[:]),
			}
			objs[o.Key] = buf.Bytes()
			return o, nil
		}
		orig, err := encode(img)
		if err != nil {
			return nil, nil, err
		}
		b := img.Bounds()
		small := image.NewRGBA(image.Rect(0, 0, 800, b.Dy()*800/b.Dx()))
		xdraw.ApproxBiLinear.Scale(small, small.Bounds(), img, b, xdraw.Src, nil)
		variant, err := encode(small)
		if err != nil {
			return nil, nil, err
		}
		m.Media[dm.id] = manifest.Entry{StoryID: dm.story, Object: orig, Variants: []manifest.Object{variant}}
	}
	return m, objs, nil
}

// stage writes a build folder the way the pipeline does: config.toml,
// themes/, static/ and content/ from the repository (or the given content
// files instead, when content is non-nil), and data/media.json from the
// fixture media. edit, if non-nil, rewrites config.toml.
func stage(t testing.TB, content map[string]string, edit func(string) string) string {
	t.Helper()
	root := repoRoot(t)
	dir := filepath.Join(t.TempDir(), "stage")
	for _, d := range []string{"themes", "static"} {
		copyTree(t, filepath.Join(root, d), filepath.Join(dir, d))
	}
	if content == nil {
		copyTree(t, filepath.Join(root, "content"), filepath.Join(dir, "content"))
	} else {
		for name, body := range content {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg, err := os.ReadFile(filepath.Join(root, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(cfg)
	if edit != nil {
		s = edit(s)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := fixtureMedia(t)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "media.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// publishMedia writes the fixture media objects under dst, where the default
// media_base_url "/" finds them.
func publishMedia(t testing.TB, dst string) {
	t.Helper()
	_, objs := fixtureMedia(t)
	for key, data := range objs {
		p := filepath.Join(dst, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// setQuickExit points params.storyguard.quick_exit_url at url.
func setQuickExit(url string) func(string) string {
	return func(cfg string) string {
		const def = `quick_exit_url = "https://www.bbc.com/weather"`
		if !strings.Contains(cfg, def) {
			panic("config.toml: quick_exit_url line not found")
		}
		return strings.Replace(cfg, def, `quick_exit_url = "`+url+`"`, 1)
	}
}

var (
	fixtureOnce sync.Once
	fixtureM    *manifest.Manifest
	fixtureObjs map[string][]byte
	fixtureErr  error
)
