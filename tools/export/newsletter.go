// Package export writes a checked, approved story for channels other than
// the website: an e-mail-safe HTML fragment for the newsletter tool.
//
// It never decides on its own whether a story may go out: the caller passes
// the page only when storyguard check found it publishable, and the
// consent's channels and languages are checked here again.
package export

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/yuin/goldmark/text"

	"storyguard/tools/consent"
	"storyguard/tools/content"
	"storyguard/tools/manifest"
)

// ErrNotConsented is returned, wrapped, when the story's consent does not
// include the channel and the language asked for.
var ErrNotConsented = errors.New("not covered by the story's consent")

// ErrNotPublished is returned, wrapped, when a photo of the story has no
// public object yet (not in data/media.json for this story).
var ErrNotPublished = errors.New("not published yet")

// ErrLeak is returned, wrapped, when the finished fragment matches the
// registry: nothing is written.
var ErrLeak = errors.New("the fragment matches the registry")

// Leak is one registry match in the fragment: the person id and the kind
// of term, never the term.
type Leak struct {
	PersonID, Kind string
}

// Newsletter is what NewsletterHTML needs.
type Newsletter struct {
	// Story is the parsed language file of the story; the caller has
	// checked that storyguard check finds this file publishable.
	Story *consent.Story
	// Manifest is data/media.json as the last publish wrote it: every
	// medium the story places must be in it, owned by the story (its
	// object is then public).
	Manifest *manifest.Manifest
	// PageURL is the absolute URL of the story's page on the site.
	PageURL string
	// MediaBaseURL is the absolute URL media keys are served under, ending
	// in "/" ("https://stories.example.org/" for key "media/...").
	MediaBaseURL string
	// BaseURL is the site's absolute base URL: relative links in the body
	// are made absolute against it.
	BaseURL string
	// Words are the interface texts of the fragment's language (the
	// theme's i18n/<lang>.toml): content_warning, content_warning_intro,
	// told_by, pseudonym_note, newsletter_read_online.
	Words map[string]string
	// Leaks scans the finished fragment against the registry (the same
	// scanner as publish's output scan). Required.
	Leaks func(data []byte) []Leak
}

// Inline styles of the fragment: e-mail clients drop <style> and
// stylesheets, so every element carries its own.
const (
	styleWrap    = "font-family:Georgia,'Times New Roman',serif;font-size:17px;line-height:1.55;color:#1c2630;max-width:600px;"
	styleWarning = "margin:0 0 20px;padding:12px 16px;border-left:4px solid #8a5a00;background:#fff6e0;font-family:Arial,Helvetica,sans-serif;font-size:15px;"
	styleH1      = "margin:0 0 8px;font-size:26px;line-height:1.25;"
	styleLede    = "margin:0 0 12px;font-size:19px;color:#3d4a57;"
	styleByline  = "margin:0 0 20px;font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#3d4a57;"
	styleP       = "margin:0 0 16px;"
	styleH2      = "margin:24px 0 8px;font-size:21px;line-height:1.3;"
	styleList    = "margin:0 0 16px;padding-left:24px;"
	styleQuote   = "margin:0 0 16px;padding-left:16px;border-left:3px solid #c5ccd3;color:#3d4a57;"
	styleLink    = "color:#1d5c96;text-decoration:underline;"
	styleImg     = "display:block;max-width:100%;height:auto;border:0;"
	styleCaption = "margin:6px 0 20px;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#3d4a57;"
	styleNote    = "margin:16px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#3d4a57;"
)

// tagStyles are the inline styles added to the tags goldmark writes
// without attributes.
var tagStyles = []struct{ tag, style string }{
	{"<p>", styleP}, {"<h2>", styleH2}, {"<h3>", styleH2}, {"<h4>", styleH2},
	{"<ul>", styleList}, {"<ol>", styleList}, {"<blockquote>", styleQuote},
}

// NewsletterHTML renders the story as an e-mail-safe HTML fragment (no
// <html>, <head>, <style> or <script>; inline styles only; every URL
// absolute): its content warnings first, title, description, byline,
// body with each photo by the absolute public URL of its scrubbed object,
// the pseudonym note, and a link to the page on the site.
//
// It refuses with an error wrapping ErrNotConsented when the consent is
// not given or renewed or does not include the newsletter channel and the
// page's language; with ErrNotPublished when a medium is not in the
// manifest or belongs to another story; when the body holds a shortcode
// other than media (it could not be rendered as checked); and with
// ErrLeak when the finished fragment matches the registry, naming person
// ids only. Nothing is returned on an error.
func NewsletterHTML(n Newsletter) ([]byte, error) {
	s := n.Story
	if s == nil || !s.IsStory || s.Consent == nil {
		return nil, fmt.Errorf("not a story with a consent record: %w", ErrNotConsented)
	}
	lang := s.Page.Lang
	if !s.Consent.Status.Publishable() {
		return nil, fmt.Errorf("story %s: consent %s has status %s: %w", s.ID, s.Consent.SafeRecord(), s.Consent.Status, ErrNotConsented)
	}
	if !s.Consent.Covers("newsletter", lang) {
		return nil, fmt.Errorf("story %s: consent %s does not include the newsletter channel in %s: %w", s.ID, s.Consent.SafeRecord(), lang, ErrNotConsented)
	}
	base, err := url.Parse(n.BaseURL)
	if err != nil || !base.IsAbs() {
		return nil, fmt.Errorf("base URL: want an absolute URL")
	}
	body, err := n.body(base)
	if err != nil {
		return nil, fmt.Errorf("story %s (%s): %w", s.ID, lang, err)
	}
	var b bytes.Buffer
	e := html.EscapeString
	fmt.Fprintf(&b, "<div style=\"%s\" lang=\"%s\">\n", styleWrap, e(lang))
	if len(s.ContentWarnings) > 0 {
		fmt.Fprintf(&b, "<p style=\"%s\"><strong>%s</strong><br>%s %s.</p>\n", styleWarning,
			e(n.Words["content_warning"]), e(n.Words["content_warning_intro"]), e(strings.Join(s.ContentWarnings, ", ")))
	}
	fmt.Fprintf(&b, "<h1 style=\"%s\">%s</h1>\n", styleH1, e(s.Title))
	if s.Description != "" {
		fmt.Fprintf(&b, "<p style=\"%s\">%s</p>\n", styleLede, e(s.Description))
	}
	if st := s.Storyteller; st != nil && st.NameKind != "anonymous" && st.DisplayName != "" {
		fmt.Fprintf(&b, "<p style=\"%s\">%s %s</p>\n", styleByline, e(n.Words["told_by"]), e(st.DisplayName))
	}
	// Media the body does not place come first, as on the site's page
	// (single.html).
	for _, m := range s.Media {
		if slices.ContainsFunc(s.Page.Shortcodes, func(sc content.Shortcode) bool {
			return sc.Name == "media" && slices.ContainsFunc(sc.Params, func(a content.ShortcodeParam) bool { return a.Name == "id" && a.Value == m.ID })
		}) {
			continue
		}
		fig, err := n.figure(m.ID)
		if err != nil {
			return nil, fmt.Errorf("story %s (%s): %w", s.ID, lang, err)
		}
		b.WriteString(fig)
	}
	b.Write(body)
	if st := s.Storyteller; st != nil && st.NameKind == "pseudonym" {
		fmt.Fprintf(&b, "<p style=\"%s\">%s</p>\n", styleNote, e(n.Words["pseudonym_note"]))
	}
	fmt.Fprintf(&b, "<p style=\"%s\"><a href=\"%s\" style=\"%s\">%s</a></p>\n</div>\n", styleNote, e(n.PageURL), styleLink, e(n.Words["newsletter_read_online"]))
	out := b.Bytes()
	if fs := n.Leaks(out); len(fs) > 0 {
		return nil, fmt.Errorf("story %s (%s): matches registry person %s (%s): %w", s.ID, lang, fs[0].PersonID, fs[0].Kind, ErrLeak)
	}
	return out, nil
}

// mediaPlaceholder stands for the n-th photo while the body is rendered.
func mediaPlaceholder(i int) string { return fmt.Sprintf("SGMEDIAPLACEHOLDER%dX", i) }

var hrefAttr = regexp.MustCompile(`<a href="([^"]*)"`)

// body renders the Markdown body with goldmark as Hugo's defaults do (raw
// HTML omitted), each media shortcode replaced by its photo, inline
// styles added and links made absolute.
func (n Newsletter) body(base *url.URL) ([]byte, error) {
	p := n.Story.Page
	src := append([]byte(nil), p.Raw[p.BodyOffset:]...)
	var figures []string
	// Replace shortcodes from the last, so earlier offsets stay valid.
	for i := len(p.Shortcodes) - 1; i >= 0; i-- {
		sc := p.Shortcodes[i]
		if sc.Name != "media" {
			return nil, fmt.Errorf("body: shortcode %q cannot be rendered for e-mail; only media is", sc.Name)
		}
		start := sc.Offset - p.BodyOffset
		if start < 0 || start >= len(src) {
			return nil, errors.New("body: a media shortcode outside the body")
		}
		// The offset may point into the call; it starts at its "{{".
		start = bytes.LastIndex(src[:min(start+2, len(src))], []byte("{{"))
		end := -1
		if start >= 0 {
			end = bytes.Index(src[start:], []byte("}}"))
		}
		if start < 0 || end < 0 {
			return nil, errors.New("body: a media shortcode without its delimiters")
		}
		end += start + 2
		var id string
		for _, a := range sc.Params {
			if a.Name == "id" {
				id = a.Value
			}
		}
		fig, err := n.figure(id)
		if err != nil {
			return nil, err
		}
		figures = append(figures, fig)
		ph := "\n\n" + mediaPlaceholder(len(figures)-1) + "\n\n"
		src = append(src[:start], append([]byte(ph), src[end:]...)...)
	}
	var out bytes.Buffer
	md := content.Markdown
	if err := md.Renderer().Render(&out, src, md.Parser().Parse(text.NewReader(src))); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	h := out.String()
	for i, fig := range figures {
		h = strings.Replace(h, "<p>"+mediaPlaceholder(i)+"</p>", fig, 1)
	}
	if strings.Contains(h, "SGMEDIAPLACEHOLDER") {
		return nil, errors.New("body: a media shortcode inside other markup; place photos on a line of their own")
	}
	for _, t := range tagStyles {
		h = strings.ReplaceAll(h, t.tag, strings.TrimSuffix(t.tag, ">")+` style="`+t.style+`">`)
	}
	h = hrefAttr.ReplaceAllStringFunc(h, func(m string) string {
		ref := html.UnescapeString(hrefAttr.FindStringSubmatch(m)[1])
		u, err := url.Parse(ref)
		if err != nil {
			return `<a style="` + styleLink + `"`
		}
		return `<a href="` + html.EscapeString(base.ResolveReference(u).String()) + `" style="` + styleLink + `"`
	})
	return []byte(h), nil
}

// figure is the e-mail markup of the photo media id: the story's media
// entry (alt, caption) and its published object by absolute URL, at most
// 600 px wide.
func (n Newsletter) figure(id string) (string, error) {
	s := n.Story
	var item *consent.Media
	for i := range s.Media {
		if s.Media[i].ID == id {
			item = &s.Media[i]
		}
	}
	if item == nil {
		return "", fmt.Errorf("body: a media shortcode names no media entry of the story")
	}
	var e manifest.Entry
	ok := false
	if n.Manifest != nil {
		e, ok = n.Manifest.Media[id]
	}
	if !ok || e.StoryID != s.ID || e.Key == "" || e.Width <= 0 || e.Height <= 0 {
		return "", fmt.Errorf("media %s: %w for this story (data/media.json); run storyguard publish first, so that its scrubbed object is public", id, ErrNotPublished)
	}
	w, h := e.Width, e.Height
	if w > 600 {
		w, h = 600, e.Height*600/e.Width
	}
	esc := html.EscapeString
	fig := fmt.Sprintf("<img src=\"%s%s\" width=\"%d\" height=\"%d\" alt=\"%s\" style=\"%s\">\n", esc(n.MediaBaseURL), esc(e.Key), w, h, esc(item.Alt), styleImg)
	if item.Caption != "" {
		var c bytes.Buffer
		if err := content.Markdown.Convert([]byte(item.Caption), &c); err != nil {
			return "", fmt.Errorf("media %s: caption: %w", id, err)
		}
		capt := strings.TrimSpace(c.String())
		capt = strings.TrimSuffix(strings.TrimPrefix(capt, "<p>"), "</p>")
		fig += fmt.Sprintf("<p style=\"%s\">%s</p>\n", styleCaption, capt)
	}
	return fig, nil
}
