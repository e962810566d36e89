package desk

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// FuzzParseOthers: the "other people shown" field of the photo form is
// outside input. Whatever it holds, parseOthers returns pairs of a
// well-formed person id (never the storyteller's, never twice) and
// release id, or a message key, and never both.
func FuzzParseOthers(f *testing.F) {
	for _, s := range []string{"", "p-0007 cr-2026-014", "p-0007", "p-0007 cr-1x\np-0007 cr-2x", "p-ana cr-1x", " \r\n p-00a1  cr-1-x \n", "p-0007 cr 2x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		pairs, key := parseOthers(v, "p-ana")
		if key != "" && pairs != nil {
			t.Fatalf("both pairs and %s", key)
		}
		seen := map[string]bool{}
		for _, p := range pairs {
			if !personRe.MatchString(p[0]) || !releaseIDRe.MatchString(p[1]) || p[0] == "p-ana" || seen[p[0]] {
				t.Fatalf("bad pair %q", p)
			}
			seen[p[0]] = true
		}
	})
}

// FuzzLineDiff: the comparison she reads is built from outside text (the
// story and the suggestion). Its "same" and "del" lines are the text
// before, its "same" and "add" lines the text after, in order.
func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "x")
	f.Add("x\r\ny", "x\ny\n")
	f.Fuzz(func(t *testing.T, before, after string) {
		if len(before) > 4096 || len(after) > 4096 {
			return
		}
		var b, a []string
		for _, l := range lineDiff(before, after) {
			if l.Op != "add" {
				b = append(b, l.Text)
			}
			if l.Op != "del" {
				a = append(a, l.Text)
			}
		}
		norm := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
		if strings.Join(b, "\n") != norm(before) || strings.Join(a, "\n") != norm(after) {
			t.Fatalf("the comparison does not rebuild both texts")
		}
	})
}

// FuzzUploadPhoto posts arbitrary bytes as the photo, with valid fields:
// the desk answers 303 (a photo it could scrub and verify) or 422, never
// a server error, and stores exactly one file for each photo it records.
func FuzzUploadPhoto(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'})
	d, _, ed, _, id := staffDesk(f)
	f.Fuzz(func(t *testing.T, photo []byte) {
		d.t = t // the clients report to this input's test
		r := ed.upload("/stories/"+id+"/photos", photoFields(), "x.jpg", photo)
		if r.status != http.StatusSeeOther && r.status != http.StatusUnprocessableEntity {
			t.Fatalf("upload: %d", r.status)
		}
		files, _ := os.ReadDir(d.srv.cfg.MediaDir)
		photos, _ := d.ss().Photos(t.Context(), id)
		if len(files) != len(photos) {
			t.Fatalf("%d files for %d photos", len(files), len(photos))
		}
	})
}
