package desk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"storyguard/tools/media"
	"storyguard/tools/vault"
)

// Photo form limits.
const (
	maxAlt     = 300 // runes
	maxCaption = 600 // runes
	maxOthers  = 20  // other people shown in one photo
)

// A photo release is recorded like a consent record (DESIGN.md "The
// registry"), so its id has a consent record's shape.
var (
	mediaIDRe   = vault.MediaIDPattern
	releaseIDRe = vault.RecordIDPattern
)

// newMediaID returns "m-" and 10 random symbols: opaque, never derived
// from a file name or a person.
func newMediaID() string { return randomID("m-", 10) }

// photosData is the photo page's data.
type photosData struct {
	ID        string
	Photos    []Photo
	Available bool // a media folder is configured
	Langs     []string
	TextLang  string // the language the alt text and caption are written in
	// What passed validation after a refused form (the file must be
	// chosen again: a browser never refills a file field).
	Alt, Caption, Others string
	Shown, Face          string // "yes" | "no" | ""
}

func (s *Server) photosView(r *http.Request, q *req, d photosData) (*view, error) {
	ss, err := s.staffStore()
	if err != nil {
		return nil, err
	}
	if d.Photos, err = ss.Photos(r.Context(), q.story.ID); err != nil {
		return nil, err
	}
	d.ID, d.Available, d.Langs = q.story.ID, s.cfg.MediaDir != "", Languages
	if d.TextLang == "" {
		d.TextLang = storyLang(r, q.story, q.lang)
	}
	return &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d}, nil
}

func (s *Server) photosPage(w http.ResponseWriter, r *http.Request, q *req) {
	v, err := s.photosView(r, q, photosData{})
	if err != nil {
		s.failed(w, r, q, "photos", err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_photos", v)
}

// readPhotoForm reads the multipart photo form as a stream: the image
// into memory (at most media.DefaultMaxBytes; nothing of it touches the
// disk, unlike ParseMultipartForm, which spills large files to temporary
// files), every other field at most maxFormBytes. A field that cannot be
// read is marked in errs.
func readPhotoForm(w http.ResponseWriter, r *http.Request, errs map[string]string) (img []byte, fields map[string]string) {
	fields = map[string]string{}
	r.Body = http.MaxBytesReader(w, r.Body, media.DefaultMaxBytes+16*maxFormBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		errs["photo"] = "field_required"
		return nil, fields
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs["photo"] = "photo_too_large"
			return nil, fields
		}
		name := p.FormName()
		limit := int64(maxFormBytes)
		if name == "photo" {
			limit = media.DefaultMaxBytes
		}
		b, err := io.ReadAll(io.LimitReader(p, limit+1))
		switch {
		case err != nil:
			errs["photo"] = "photo_too_large"
			return nil, fields
		case int64(len(b)) > limit && name == "photo":
			errs["photo"] = "photo_too_large"
		case int64(len(b)) > limit:
			errs[name] = "field_too_long"
		case name == "photo":
			img = b
		default:
			if _, dup := fields[name]; !dup {
				fields[name] = string(b)
			}
		}
	}
	return img, fields
}

// uploadPhoto attaches a photo to a story (issue #16, "Photos") and
// suggests it to the storyteller for the page in text_lang (the language
// of its alt text and caption), as a Suggestion with Media that she
// accepts or rejects like any change: only then is it in the page's media
// list, her preview and her approval digest. The
// upload is scrubbed and verified at once (media.ScrubVerify) and only the
// scrubbed bytes are stored, as <media id>.<ext> in the media folder; the
// original, its metadata and its file name are never stored or logged.
// Alt text and caption are required; the form says whether the
// storyteller is shown and whether faces are visible, and names every
// other person shown by registry id with the id of their photo release.
// A HEIC/HEIF photo is refused with a hint. On any refusal nothing is
// stored, the field is named in the page's language, and no value that
// failed is shown again.
func (s *Server) uploadPhoto(w http.ResponseWriter, r *http.Request, q *req) {
	if q.story.Withdrawal != nil {
		// Any level: a photo is a new use of her story.
		s.refusedWithdrawn(w, r, q)
		return
	}
	errs := map[string]string{}
	d := photosData{}
	if s.cfg.MediaDir == "" {
		v, err := s.photosView(r, q, d)
		if err != nil {
			s.failed(w, r, q, "photos", err)
			return
		}
		v.Notice = "photos_unavailable"
		s.render(w, r, http.StatusServiceUnavailable, "staff_photos", v)
		return
	}
	img, f := readPhotoForm(w, r, errs)
	defer clear(img)
	text := func(name string, max int, multiline bool, dst *string) string {
		if _, bad := errs[name]; bad {
			return ""
		}
		v := strings.TrimSpace(f[name])
		if key := checkText(v, true, multiline, max, false); key != "" {
			errs[name] = key
			return ""
		}
		if q.sess.phraseFP.containedIn(v) {
			errs[name] = "field_has_phrase"
			return ""
		}
		*dst = v
		return v
	}
	p := Photo{By: q.acct.ID, At: s.now(), Releases: map[string]string{}}
	// The photo goes into the page of one language, whose words the alt
	// text and caption are in; that page must exist.
	lang := f["text_lang"]
	if !slices.Contains(Languages, lang) {
		errs["text_lang"] = "field_bad_choice"
	} else if _, ok := q.story.Current[lang]; !ok {
		errs["text_lang"] = "photo_no_text"
	} else {
		d.TextLang = lang
	}
	p.Alt = text("alt", maxAlt, false, &d.Alt)
	p.Caption = text("caption", maxCaption, false, &d.Caption)
	yesNo := func(name string, dst *string) bool {
		v := f[name]
		if v != "yes" && v != "no" {
			errs[name] = "field_bad_choice"
			return false
		}
		*dst = v
		return v == "yes"
	}
	p.Storyteller = yesNo("shown", &d.Shown)
	p.FaceVisible = yesNo("face", &d.Face)
	person, err := s.person(r, q.story)
	if err != nil {
		s.failed(w, r, q, "photos", err)
		return
	}
	if _, bad := errs["others"]; !bad {
		others, key := parseOthers(f["others"], person)
		if key != "" {
			errs["others"] = key
		} else {
			d.Others = strings.TrimSpace(f["others"])
			for _, o := range others {
				p.Others = append(p.Others, o[0])
				p.Releases[o[0]] = o[1]
			}
		}
	}
	var clean bytes.Buffer
	if _, bad := errs["photo"]; !bad {
		switch format := media.Sniff(img[:min(len(img), 512)]); {
		case len(img) == 0:
			errs["photo"] = "field_required"
		case format == "heif" || format == "avif":
			errs["photo"] = "photo_heic"
		default:
			rep, _, err := media.ScrubVerify(bytes.NewReader(img), &clean, media.Options{})
			switch {
			case errors.Is(err, media.ErrUnsupportedFormat):
				errs["photo"] = "photo_unsupported"
			case err != nil:
				errs["photo"] = "photo_bad"
			default:
				p.Ext = rep.Ext
			}
		}
	}
	if len(errs) > 0 {
		s.logf("story %s: photo refused (%d fields)", q.story.ID, len(errs))
		v, err := s.photosView(r, q, d)
		if err != nil {
			s.failed(w, r, q, "photos", err)
			return
		}
		v.Errors = errs
		s.render(w, r, http.StatusUnprocessableEntity, "staff_photos", v)
		return
	}
	p.ID = newMediaID()
	sum := sha256.Sum256(clean.Bytes())
	p.SHA256 = hex.EncodeToString(sum[:])
	dst, err := writeMedia(s.cfg.MediaDir, p.ID+p.Ext, clean.Bytes())
	if err != nil {
		s.failed(w, r, q, "photos", err)
		return
	}
	ss, _ := s.staffStore()
	if err := ss.AddPhoto(r.Context(), q.story.ID, p); err != nil {
		os.Remove(dst) // nothing half-stored
		if errors.Is(err, ErrWithdrawn) {
			s.refusedWithdrawn(w, r, q)
			return
		}
		s.failed(w, r, q, "photos", err)
		return
	}
	// Into her page only as a suggestion she accepts, like any change.
	item := MediaItem{ID: p.ID, Alt: p.Alt, Caption: p.Caption, FaceVisible: p.FaceVisible}
	if p.Storyteller && person != "" {
		item.Depicts = append(item.Depicts, person)
	}
	item.Depicts = append(item.Depicts, p.Others...)
	sg := Suggestion{Lang: lang, Base: TextBase(q.story.Current[lang]), Media: &item, By: q.acct.ID, At: p.At}
	if _, err := ss.AddSuggestion(r.Context(), q.story.ID, sg); err != nil {
		s.failed(w, r, q, "photos", err)
		return
	}
	s.logf("story %s: photo %s attached by %s, suggested in %s", q.story.ID, p.ID, q.acct.ID, lang)
	http.Redirect(w, r, "/stories/"+q.story.ID+"/photos?n=photo", http.StatusSeeOther)
}

// parseOthers reads the "other people shown" field: one person a line,
// "<registry person id> <photo release id>". It returns the pairs, or a
// message key. Her own person id does not belong here (she is "shown").
func parseOthers(v, storyteller string) ([][2]string, string) {
	var out [][2]string
	for _, line := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Fields(line)
		switch {
		case !personRe.MatchString(parts[0]):
			return nil, "photo_others_format"
		case len(parts) < 2:
			return nil, "photo_release_missing"
		case len(parts) > 2 || !releaseIDRe.MatchString(parts[1]):
			return nil, "photo_others_format"
		case parts[0] == storyteller:
			return nil, "photo_others_self"
		case slices.ContainsFunc(out, func(o [2]string) bool { return o[0] == parts[0] }):
			return nil, "photo_others_twice"
		}
		out = append(out, [2]string{parts[0], parts[1]})
	}
	if len(out) > maxOthers {
		return nil, "field_too_long"
	}
	return out, ""
}

// writeMedia writes data as dir/name (0600) through a temporary file and
// a rename, so a half-written photo is never there under its name.
func writeMedia(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, name)
	return dst, os.Rename(tmp.Name(), dst)
}

// photoFile serves a story's scrubbed photo, from the media folder, when
// its id is one of the story's photos: to staff on the photo page, and to
// her (GET /stories/{id}/media/{mid}) on a photo suggestion.
func (s *Server) photoFile(w http.ResponseWriter, r *http.Request, q *req) {
	mid := r.PathValue("mid")
	s.servePhoto(w, r, q, mediaIDRe.MatchString(mid), func(p Photo) bool { return p.ID == mid })
}

// previewMedia serves a photo of the story under the key a publish would
// give it (previewMediaKey), where the preview's pages place it.
func (s *Server) previewMedia(w http.ResponseWriter, r *http.Request, q *req) {
	key := "media/" + q.story.ID + "/" + r.PathValue("key")
	s.servePhoto(w, r, q, true, func(p Photo) bool { return previewMediaKey(q.story.ID, p) == key })
}

// servePhoto serves the first of the story's photos that match accepts;
// 404 when ok is false, none matches, or the file is not there.
func (s *Server) servePhoto(w http.ResponseWriter, r *http.Request, q *req, ok bool, match func(Photo) bool) {
	ss, err := s.staffStore()
	if err != nil || !ok || s.cfg.MediaDir == "" {
		s.notFound(w, r, q)
		return
	}
	all, err := ss.Photos(r.Context(), q.story.ID)
	if err != nil {
		s.failed(w, r, q, "photos", err)
		return
	}
	i := slices.IndexFunc(all, match)
	if i < 0 || !mediaIDRe.MatchString(all[i].ID) {
		s.notFound(w, r, q)
		return
	}
	data, err := os.ReadFile(filepath.Join(s.cfg.MediaDir, all[i].ID+all[i].Ext))
	if err != nil {
		s.notFound(w, r, q)
		return
	}
	w.Header().Set("Content-Type", media.Sniff(data[:min(len(data), 512)]).ContentType())
	w.Write(data)
}
