package publish

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTextRuns(t *testing.T) {
	bin := []byte{0xFF, 0xD8, 0x00, 0x01}
	data := bytes.Join([][]byte{
		[]byte("Quiñónez"), bin, []byte("abc"), bin, []byte("4a Calle 12-34"), {0xC3}, []byte("tail!!"),
	}, nil)
	got := string(TextRuns(data, 6))
	want := "Quiñónez\n4a Calle 12-34\ntail!!\n"
	if got != want {
		t.Errorf("TextRuns = %q, want %q", got, want)
	}
	if got := TextRuns(bytes.Repeat([]byte{0x00, 0xFF, 'x'}, 1000), 6); len(got) != 0 {
		t.Errorf("binary data gave text runs %q", got)
	}
}

// TestMediaTextLeaks: a registry match of six bytes or more inside the
// image bytes is reported, a shorter one (chance, in compressed data) is
// not, and the finding carries the person id only.
func TestMediaTextLeaks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.jpg")
	os.WriteFile(path, append([]byte{0xFF, 0xD8, 0x01, 0x02}, []byte("xx Pop xx Marisol Quiñónez xx\xff\xd9")...), 0o644)
	leaks := func(_ string, data []byte) []Finding {
		var fs []Finding
		for _, term := range []string{"Pop", "Marisol Quiñónez"} {
			if i := bytes.Index(data, []byte(term)); i >= 0 {
				fs = append(fs, Finding{Start: i, End: i + len(term), PersonID: "p-0001", Kind: "name"})
			}
		}
		return fs
	}
	fs, err := MediaTextLeaks(path, leaks)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].End-fs[0].Start != len("Marisol Quiñónez") {
		t.Fatalf("findings %+v, want only the long match", fs)
	}
	msg := mediaTextError("m-0101", "st-7q2k9m", fs[0]).Error()
	if !strings.Contains(msg, "p-0001") || strings.Contains(msg, "Marisol") {
		t.Errorf("message %q must name the person id and never the text", msg)
	}
}
