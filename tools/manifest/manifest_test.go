package manifest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWriteReadRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "data", "media.json")
	m := &Manifest{Media: map[string]Entry{
		"m-0101": {StoryID: "st-7q2k9m", Object: Object{Key: "media/st-7q2k9m/aa.jpg", ContentType: "image/jpeg", Width: 1600, Height: 1000, Bytes: 51762, SHA256: "aa"},
			Variants: []Object{{Key: "media/st-7q2k9m/bb.jpg", Width: 480, Height: 300}}},
	}}
	if err := Write(p, m); err != nil {
		t.Fatal(err)
	}
	got, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	if keys := got.Keys(); !reflect.DeepEqual(keys, []string{"media/st-7q2k9m/aa.jpg", "media/st-7q2k9m/bb.jpg"}) {
		t.Fatalf("keys %q", keys)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	m, err := Read(filepath.Join(dir, "missing.json"))
	if err != nil || len(m.Media) != 0 {
		t.Fatalf("a missing manifest is empty, got %v %v", m, err)
	}
	for name, data := range map[string]string{
		"version": `{"version": 2, "media": {}}`,
		"json":    `{"version": 1, "media": [`,
	} {
		p := filepath.Join(dir, name+".json")
		os.WriteFile(p, []byte(data), 0o644)
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: want an error naming the file, got %v", name, err)
		}
	}
}

// FuzzRead: any bytes either decode to a manifest that writes and reads
// back the same, or give an error; never a panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"version":1,"media":{"m-1":{"story_id":"st-1","key":"media/st-1/a.jpg","variants":[{"key":"media/st-1/b.jpg"}]}}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "media.json")
		os.WriteFile(p, data, 0o644)
		m, err := Read(p)
		if err != nil {
			return
		}
		if err := Write(p, m); err != nil {
			t.Fatal(err)
		}
		back, err := Read(p)
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("write then read differs: %v", err)
		}
	})
}
