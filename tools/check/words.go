package check

import (
	"regexp"
	"strings"

	"storyguard/tools/consent"
	"storyguard/tools/diag"
)

// Word lists per language. Each entry is a lowercase word or phrase; a
// match ignores case and needs word boundaries on both sides. Phrases match
// across any run of spaces or line breaks. The first entry of a line is
// the canonical term printed in findings. Sources: DESIGN.md "Checks"
// (content warnings, preferred term, sensational or rescue framing) and the
// trauma-informed storytelling guidance the organisation follows; extend
// the lists here, in one place.
var (
	// sensitiveTopics need a content warning when a story names them.
	sensitiveTopics = map[string][]string{
		"en": {"rape", "raped", "sexual violence", "sexual abuse", "sexual assault", "sexually abused", "incest",
			"trafficking", "trafficked", "suicide", "suicidal", "self-harm", "murder", "murdered", "femicide",
			"kidnapped", "kidnapping", "abducted", "torture", "tortured", "domestic violence", "child abuse", "beaten"},
		"es": {"violación", "violada", "violaron", "violencia sexual", "abuso sexual", "agresión sexual", "abusada",
			"incesto", "trata", "suicidio", "autolesión", "asesinato", "asesinada", "feminicidio", "femicidio",
			"secuestro", "secuestrada", "tortura", "torturada", "violencia doméstica", "violencia intrafamiliar",
			"maltrato infantil", "golpeada"},
	}
	// victimWords conflict with a preferred_term of survivor or survivor leader.
	victimWords = map[string][]string{
		"en": {"victim", "victims", "victimised", "victimized"},
		"es": {"víctima", "víctimas", "victima", "victimas"},
	}
	// sensationalWords are sensational or rescue framing.
	sensationalWords = map[string][]string{
		"en": {"rescued", "we saved", "saved her", "helpless", "voiceless", "give a voice to", "gave her a voice",
			"tragic", "broken woman", "broken girl", "damaged", "plight", "innocent victim", "horrific"},
		"es": {"rescatada", "rescatadas", "rescatamos", "indefensa", "indefensas", "sin voz", "darle voz",
			"trágica", "trágico", "mujer rota", "niña rota", "dañada", "horrible", "víctima inocente"},
	}
)

type wordMode int

const (
	wordAlways        wordMode = iota
	wordCWNeeded               // only on stories without content_warnings
	wordPreferredTerm          // only on stories whose storyteller prefers another term
)

type wordRule struct {
	id    string
	sev   diag.Severity
	mode  wordMode
	msg   string
	res   map[string]*regexp.Regexp
	canon map[string]map[string]string // lang -> lowercase match -> listed term
}

// newWordRule compiles one case-insensitive regexp per language from
// lists; it panics on a bad list, which is a programming error caught by
// the package tests.
func newWordRule(id string, sev diag.Severity, lists map[string][]string, mode wordMode, msg string) *wordRule {
	r := &wordRule{id: id, sev: sev, mode: mode, msg: msg, res: map[string]*regexp.Regexp{}, canon: map[string]map[string]string{}}
	for lang, words := range lists {
		alts := make([]string, len(words))
		r.canon[lang] = map[string]string{}
		for i, w := range words {
			parts := strings.Fields(w)
			for j, p := range parts {
				parts[j] = regexp.QuoteMeta(p)
			}
			alts[i] = strings.Join(parts, `\s+`)
			r.canon[lang][w] = w
		}
		// Word boundaries that understand accented letters: no letter or
		// digit right before or after the match.
		r.res[lang] = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(` + strings.Join(alts, "|") + `)(?:$|[^\p{L}\p{N}])`)
	}
	return r
}

func (r *wordRule) ID() string              { return r.id }
func (r *wordRule) Severity() diag.Severity { return r.sev }

func (r *wordRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	switch r.mode {
	case wordCWNeeded:
		if !s.IsStory || len(s.ContentWarnings) > 0 {
			return nil
		}
	case wordPreferredTerm:
		if s.Storyteller == nil || s.Storyteller.PreferredTerm == "" || s.Storyteller.PreferredTerm == "victim" {
			return nil
		}
	}
	re := r.res[s.Page.Lang]
	if re == nil {
		return nil
	}
	pr := c.Prose(s)
	var ds []diag.Diagnostic
	for _, m := range re.FindAllSubmatchIndex(pr.Text, -1) {
		word := strings.Join(strings.Fields(strings.ToLower(string(pr.Text[m[2]:m[3]]))), " ")
		term := r.canon[s.Page.Lang][word]
		if term == "" {
			term = word
		}
		if r.mode == wordPreferredTerm {
			ds = append(ds, finding(r, s, pr.Offset(m[2]), r.msg, term, s.Storyteller.PreferredTerm))
		} else {
			ds = append(ds, finding(r, s, pr.Offset(m[2]), r.msg, term))
		}
		if r.mode == wordCWNeeded {
			break // one finding says what to do
		}
	}
	return ds
}
