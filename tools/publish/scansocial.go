package publish

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// shareImage finds the share preview image of a page: Open Graph's
// og:image (and og:image:url, og:image:secure_url) and twitter:image, in
// either attribute order.
var (
	shareImage   = regexp.MustCompile(`(?i)<meta\s[^>]*(?:property|name)=["']?(?:og:image(?::url|:secure_url)?|twitter:image)["'\s][^>]*>`)
	metaContent  = regexp.MustCompile(`(?i)\scontent=["']([^"']*)["']`)
	htmlLang     = regexp.MustCompile(`(?i)<html\b[^>]*\slang=["']?([a-zA-Z-]+)`)
	storyMediaID = regexp.MustCompile(`/media/(st-[a-z0-9]+)/[0-9a-f]{64}\.[a-z]+$`)
)

type socialFinding struct {
	off int
	msg string
}

// socialImages returns a finding for each share preview image in data
// that is not a photo of a story whose consent includes the social
// channel in the page's language (<html lang>). URLs are never printed.
func (o OutputScan) socialImages(data []byte) []socialFinding {
	var out []socialFinding
	for _, loc := range shareImage.FindAllIndex(data, -1) {
		m := metaContent.FindSubmatch(data[loc[0]:loc[1]])
		if m == nil {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(string(m[1])))
		id := []string(nil)
		if err == nil {
			id = storyMediaID.FindStringSubmatch(u.Path)
		}
		if id == nil {
			out = append(out, socialFinding{loc[0], "share preview image that is not a story photo; only a story whose consent includes the social channel may have one"})
			continue
		}
		lang := ""
		if l := htmlLang.FindSubmatch(data); l != nil {
			lang = strings.ToLower(strings.SplitN(string(l[1]), "-", 2)[0])
		}
		if !slices.Contains(o.Social[id[1]], lang) {
			out = append(out, socialFinding{loc[0], fmt.Sprintf("share preview image of story %s, whose consent does not include the social channel in this page's language", id[1])})
		}
	}
	return out
}
