package publish

import "testing"

// TestStoryNeedles: every form in which a built page links a story's page
// is caught, and a neighbouring slug is not.
func TestStoryNeedles(t *testing.T) {
	s := Story{ID: "st-7q2k9m", PagePrefixes: []string{"site/stories/año-nuevo/", "site/es/stories/año-nuevo/"}}
	needles := storyNeedles(s)
	for _, body := range []string{
		`<a href="/stories/año-nuevo/">`,
		`<link>https://stories.example.org/es/stories/a%C3%B1o-nuevo/</link>`,
		`{"url":"\/stories\/año-nuevo\/"}`,
		`<a href="../../stories/a%C3%B1o-nuevo/">`,
		`<article data-story="st-7q2k9m">`,
	} {
		if !namesAny([]byte(body), needles) {
			t.Errorf("%s: not recognised as naming the story", body)
		}
	}
	for _, body := range []string{
		`<a href="/stories/año-nuevo-2/">`,
		`<a href="/stories/">All stories</a>`,
		`<a href="/stories/otro/">`,
	} {
		if namesAny([]byte(body), needles) {
			t.Errorf("%s: taken as naming the story", body)
		}
	}
}
