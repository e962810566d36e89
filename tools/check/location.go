package check

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"storyguard/tools/consent"
	"storyguard/tools/diag"
)

// RuleLocation is the id of the location-level rule.
const RuleLocation = "location-too-precise"

// places is the gazetteer of the location-level rule, by level: the
// countries of the Northern Triangle and Canada (where the source document's
// visitors came from), the departments of Guatemala (22), Honduras (18) and
// El Salvador (14) as regions, and the cities and municipalities most likely
// to be named in the stories of the source material. Names are written as
// usually capitalised; matching ignores case and diacritics but needs whole
// words. A name that is both a department and its capital ("Huehuetenango")
// counts as a region, the coarser level; "Guatemala" alone is the country.
// Sources: the departments as listed by each country's national statistics
// institute (INE Guatemala, INE Honduras, DIGESTYC El Salvador).
var places = map[string][]string{
	"country": {"Guatemala", "Honduras", "El Salvador", "Canada", "Canadá", "Mexico", "México", "Belize", "Belice", "Nicaragua", "Costa Rica"},
	"region": {
		// Guatemala's departments.
		"Alta Verapaz", "Baja Verapaz", "Chimaltenango", "Chiquimula", "El Progreso", "Escuintla",
		"Huehuetenango", "Izabal", "Jalapa", "Jutiapa", "Petén", "Quetzaltenango", "Quiché", "El Quiché",
		"Retalhuleu", "Sacatepéquez", "San Marcos", "Santa Rosa", "Sololá", "Suchitepéquez",
		"Totonicapán", "Zacapa",
		// Honduras's departments.
		"Atlántida", "Choluteca", "Colón", "Comayagua", "Copán", "Cortés", "El Paraíso", "Francisco Morazán",
		"Gracias a Dios", "Intibucá", "Islas de la Bahía", "Lempira", "Ocotepeque", "Olancho", "Santa Bárbara", "Yoro",
		// El Salvador's departments.
		"Ahuachapán", "Cabañas", "Chalatenango", "Cuscatlán", "La Libertad", "La Unión", "Morazán",
		"San Miguel", "San Vicente", "Santa Ana", "Sonsonate", "Usulután",
		// Regions spoken of as such.
		"Western Highlands", "Altiplano", "Occidente", "Oriente", "Northern Triangle", "Triángulo Norte", "Verapaces",
	},
	"city": {
		"Guatemala City", "Ciudad de Guatemala", "Antigua", "Antigua Guatemala", "Xela", "Cobán", "Mixco",
		"Villa Nueva", "Chichicastenango", "Panajachel", "Flores", "Puerto Barrios", "Mazatenango", "Salamá",
		"Santa Cruz del Quiché", "Nebaj", "San Juan Sacatepéquez", "Amatitlán", "Santa Catarina Pinula",
		"Tegucigalpa", "San Pedro Sula", "La Ceiba", "Danlí", "Juticalpa",
		"San Salvador", "Soyapango", "Mejicanos", "Apopa", "Santa Tecla",
		"Zona 1", "Zona 3", "Zona 6", "Zona 7", "Zona 18", "Zona 21",
	},
}

// placeLevel maps each folded place name to its level's rank in
// consent.LocationLevels; placeFirst holds the first word of every name, so
// that most words of a text are passed over at once; maxPlaceWords is the
// longest name in words.
var placeLevel, placeFirst, maxPlaceWords = func() (map[string]int, map[string]bool, int) {
	m, first, longest := map[string]int{}, map[string]bool{}, 0
	for level, names := range places {
		rank := slices.Index(consent.LocationLevels, level)
		for _, n := range names {
			words := foldWords(n)
			key := strings.Join(words, " ")
			if old, ok := m[key]; !ok || rank < old {
				m[key] = rank
			}
			first[words[0]] = true
			longest = max(longest, len(words))
		}
	}
	return m, first, longest
}()

// latinFold maps the accented Latin-1 letters of Spanish and French text to
// their folded base letter, so most words fold without Unicode
// normalisation.
var latinFold = func() map[rune]byte {
	m := map[rune]byte{}
	for base, accented := range map[byte]string{
		'a': "ÀÁÂÃÄÅàáâãäå", 'e': "ÈÉÊËèéêë", 'i': "ÌÍÎÏìíîï", 'o': "ÒÓÔÕÖòóôõö",
		'u': "ÙÚÛÜùúûü", 'n': "Ññ", 'c': "Çç", 'y': "Ýýÿ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// appendFold appends b folded as foldWords folds one word (lowercase, no
// diacritics) to buf. ok is false when b holds a letter outside ASCII and
// latinFold; the caller then uses foldWords.
func appendFold(buf, b []byte) (out []byte, ok bool) {
	for i := 0; i < len(b); {
		c := b[i]
		if c == '*' || c == '~' {
			i++ // emphasis inside a word: "Quetzal**tenango**"
			continue
		}
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		f, known := latinFold[r]
		if !known {
			return buf, false
		}
		buf = append(buf, f)
		i += size
	}
	return buf, true
}

// foldToken folds one word as foldWords does, quickly for ASCII and
// Latin-1 letters.
func foldToken(b []byte) string {
	if out, ok := appendFold(nil, b); ok {
		return string(out)
	}
	return strings.Join(foldWords(string(b)), "")
}

// foldWords splits s into words of letters and digits, lowercased and
// without diacritics (NFD, combining marks dropped).
func foldWords(s string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '*', r == '~':
			// Combining marks, and emphasis or strikethrough inside a
			// word, are no word boundary.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return words
}

// span is a word's byte range in a text.
type span struct{ start, end int }

// spanPool reuses the word-span buffers of locationRule across pages.
var spanPool = sync.Pool{New: func() any { s := make([]span, 0, 1024); return &s }}

// locationRule reports place names finer than consent.identifiers.location
// allows in what a reader reads of a story (title, description, body text)
// and in its countries taxonomy. Level "none" allows no place at all.
type locationRule struct{}

func (locationRule) ID() string              { return RuleLocation }
func (locationRule) Severity() diag.Severity { return diag.Error }
func (r locationRule) Check(c *Context, s *consent.Story) []diag.Diagnostic {
	if !story(s) {
		return nil
	}
	allowed := slices.Index(consent.LocationLevels, s.Consent.Identifiers.Location)
	if allowed < 0 {
		return nil // an invalid level is reported by the consent parser
	}
	if allowed == len(consent.LocationLevels)-1 {
		return nil // city: every place in the gazetteer is allowed
	}
	var ds []diag.Diagnostic
	report := func(off, rank int) {
		ds = append(ds, finding(r, s, off, "names a place at %s level; the storyteller's consent allows location %q",
			consent.LocationLevels[rank], s.Consent.Identifiers.Location))
	}
	pr := c.Prose(s)
	findPlaces(pr.Text, func(at, rank int) {
		if rank > allowed {
			report(pr.Offset(at), rank)
		}
	})
	// Every other front-matter text the theme prints: taxonomy terms (a
	// term page is named after it), the byline, content warnings, alt
	// text and captions, decoded as Hugo decodes them.
	countryRank := slices.Index(consent.LocationLevels, "country")
	for _, f := range publicStrings(c.Site, s.Page) {
		if f.Prose {
			continue
		}
		worst := -1
		findPlaces([]byte(f.Value), func(_, rank int) { worst = max(worst, rank) })
		if f.Taxonomy == "countries" {
			// A countries term names a country whatever the gazetteer
			// knows of it.
			worst = max(worst, countryRank)
		}
		if worst > allowed {
			report(s.Page.ValueOffset(f.Path), worst)
		}
	}
	return ds
}

// findPlaces calls fn with the byte offset in text and the level rank of
// every gazetteer place named in text, longest name first (whole words,
// case and diacritics ignored).
func findPlaces(text []byte, fn func(at, rank int)) {
	// Tokenise once into word spans; fold a word only when it is looked
	// at, and test ASCII words (most of them) against placeFirst through a
	// reused buffer, without allocating. Linear in the text.
	sp := spanPool.Get().(*[]span)
	defer spanPool.Put(sp)
	spans := (*sp)[:0]
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRune(text[j:])
				if r2 == '*' || r2 == '~' {
					// Emphasis inside a word ("Quetzal**tenango**")
					// joins it; at a word's end it is left out.
					k := j
					for k < len(text) && (text[k] == '*' || text[k] == '~') {
						k++
					}
					if r3, _ := utf8.DecodeRune(text[k:]); k < len(text) && (unicode.IsLetter(r3) || unicode.IsDigit(r3)) {
						j = k
						continue
					}
					break
				}
				if !(unicode.IsLetter(r2) || unicode.IsDigit(r2) || unicode.Is(unicode.Mn, r2)) {
					break
				}
				j += s2
			}
			spans = append(spans, span{i, j})
			i = j
			continue
		}
		i += size
	}
	*sp = spans
	// Folding for the n-gram lookup happens only after a word that starts
	// a place name, which is rare: no cache.
	fold := func(k int) string { return foldToken(text[spans[k].start:spans[k].end]) }
	var buf []byte
	startsPlace := func(k int) bool {
		var ok bool
		if buf, ok = appendFold(buf[:0], text[spans[k].start:spans[k].end]); ok {
			return placeFirst[string(buf)]
		}
		return placeFirst[fold(k)]
	}
	for i := 0; i < len(spans); i++ {
		if !startsPlace(i) {
			continue
		}
		best, bestLen := -1, 0
		for n := min(maxPlaceWords, len(spans)-i); n >= 1; n-- {
			parts := make([]string, n)
			for k := range n {
				parts[k] = fold(i + k)
			}
			if rank, ok := placeLevel[strings.Join(parts, " ")]; ok {
				best, bestLen = rank, n
				break
			}
		}
		if best >= 0 {
			fn(spans[i].start, best)
		}
		if bestLen > 1 {
			i += bestLen - 1
		}
	}
}
