package check

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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
	// Survivors often name violence indirectly ("the man who hurt me",
	// "me pegaba"), so the lists hold those phrasings too; words that are
	// not a sensitive topic by themselves (court, trial, juicio, sentencia)
	// are left out, and so is a bare Spanish "trata", which mostly means
	// "se trata de" (it is about).
	sensitiveTopics = map[string][]string{
		"en": {"rape", "raped", "rapist", "sexual violence", "sexual abuse", "sexual assault", "sexually abused",
			"sexually assaulted", "sexual exploitation", "sexual harassment", "incest", "molested", "molestation",
			"abuse", "abused", "abuser", "abusers", "abusive", "assault", "assaulted",
			"violence", "violent", "violently", "domestic violence", "child abuse",
			"harassment", "harassed", "trafficking", "trafficked", "trafficker", "traffickers",
			"suicide", "suicidal", "self-harm", "self harm",
			"murder", "murdered", "killed", "femicide", "kidnapped", "kidnapping", "abducted", "torture", "tortured",
			"beaten", "hurt me", "hurt her", "hurt us", "hit me", "hit her", "hit us", "beat me", "beat her", "beat us",
			"forced marriage", "child marriage"},
		"es": {"violación", "violaciones", "violada", "violado", "violaron", "violó", "violador", "violencia sexual",
			"abuso sexual", "agresión sexual", "explotación sexual", "acoso sexual", "incesto",
			"abuso", "abusos", "abusó", "abusaron", "abusada", "abusado", "abusador", "abusadores",
			"agresión", "agresiones", "agredida", "agredido", "agresor", "agresores",
			"violencia", "violento", "violenta", "violentos", "violentas", "violencia doméstica",
			"violencia intrafamiliar", "maltrato", "maltratada", "maltrato infantil",
			"acoso", "acosada", "acosadas", "acosaban", "trata de personas", "trata de mujeres", "víctimas de trata",
			"tratante", "tratantes", "suicidio", "suicida", "autolesión", "autolesiones",
			"asesinato", "asesinada", "asesinado", "asesinaron", "feminicidio", "femicidio",
			"secuestro", "secuestrada", "secuestraron", "tortura", "torturada", "golpeada", "golpeado",
			"me hizo daño", "le hizo daño", "nos hizo daño", "me lastimó", "la lastimó", "me golpeó", "la golpeó",
			"me golpeaba", "me pegaba", "me pegó", "le pegaba", "nos pegaba", "matrimonio forzado", "matrimonio infantil"},
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
	terms map[string][][]byte // lang -> lowercase terms
}

// newWordRule builds a rule over lists: lowercase terms, matched in
// Prose.Fold (case-folded, whitespace as single spaces) with letter-aware
// word boundaries.
func newWordRule(id string, sev diag.Severity, lists map[string][]string, mode wordMode, msg string) *wordRule {
	r := &wordRule{id: id, sev: sev, mode: mode, msg: msg, terms: map[string][][]byte{}}
	for lang, words := range lists {
		for _, w := range words {
			r.terms[lang] = append(r.terms[lang], []byte(strings.Join(strings.Fields(strings.ToLower(w)), " ")))
		}
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
	terms := r.terms[s.Page.Lang]
	if len(terms) == 0 {
		return nil
	}
	pr := c.Prose(s)
	fold := pr.Fold()
	type hit struct {
		at   int
		term []byte
	}
	var hits []hit
	for _, t := range terms {
		for from := 0; from < len(fold); {
			i := bytes.Index(fold[from:], t)
			if i < 0 {
				break
			}
			at := from + i
			if boundaryBefore(fold, at) && boundaryAfter(fold, at+len(t)) {
				hits = append(hits, hit{at, t})
			}
			from = at + len(t)
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return a.at - b.at })
	var ds []diag.Diagnostic
	for _, h := range hits {
		if r.mode == wordPreferredTerm {
			ds = append(ds, finding(r, s, pr.Offset(h.at), r.msg, string(h.term), s.Storyteller.PreferredTerm))
		} else {
			ds = append(ds, finding(r, s, pr.Offset(h.at), r.msg, string(h.term)))
		}
		if r.mode == wordCWNeeded {
			break // one finding says what to do
		}
	}
	return ds
}

func boundaryBefore(b []byte, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRune(b[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

func boundaryAfter(b []byte, i int) bool {
	if i >= len(b) {
		return true
	}
	r, _ := utf8.DecodeRune(b[i:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}
