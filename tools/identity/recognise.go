package identity

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Recognisers find identifying details that are not in the registry, for
// warnings: phone numbers, e-mail addresses, Guatemalan DPI/CUI numbers, GPS
// coordinates and street addresses. They run on raw text (Markdown or HTML)
// and favour precision over recall on ordinary prose: years (2026), figures
// (9.2M, 6,486, 372), date ranges (2024-2026) and percentages are not
// reported. Each pattern requires a non-alphanumeric character (or the
// start or end of data) on both sides.

type recogniser struct {
	kind  string
	re    *regexp.Regexp
	check func(s string) bool
	// start reports whether a match may begin at s[i]; the pattern is then
	// tried anchored there, on at most maxLen bytes. Go's regexp has no
	// literal prefix to skip ahead with for these patterns, and unanchored
	// search ran at 2 MB/s; anchored tries at the few possible starts keep
	// Recognise fast on long prose. A nil start means: search maxLen bytes
	// either side of each '@' (e-mail).
	start  func(s string, i int) bool
	maxLen int
}

func atDigitRun(s string, i int) bool {
	return isDigitByte(s[i]) && (i == 0 || !isDigitByte(s[i-1]))
}
func atNumber(s string, i int) bool {
	return atDigitRun(s, i) || ((s[i] == '(' || s[i] == '-') && i+1 < len(s) && isDigitByte(s[i+1]))
}
func atPlus(s string, i int) bool {
	return s[i] == '+' || (s[i] == '0' && i+1 < len(s) && s[i+1] == '0' && (i == 0 || !isDigitByte(s[i-1])))
}

// atStreet: a number (ordinal "3a") or a word starting like a street word.
func atStreet(s string, i int) bool {
	if atDigitRun(s, i) {
		return true
	}
	if i > 0 && isAlpha(s[i-1]) {
		return false
	}
	switch s[i] | 0x20 {
	case 'a', 'b', 'c', 'd':
		return true
	}
	return false
}

func anchored(expr string) *regexp.Regexp { return regexp.MustCompile(`^(?:` + expr + `)`) }

var recognisers = []recogniser{
	// E-mail: a practical subset of RFC 5322 addr-spec (dot-atom local part,
	// dotted domain with an alphabetic top-level label).
	{kind: "email", maxLen: 260, re: regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}`)},
	// International format with "+" or "00" (ITU-T E.164: country code and
	// subscriber number, at most 15 digits), including +502 (Guatemala),
	// +503 (El Salvador), +504 (Honduras) 8-digit numbers and +1 (NANP).
	{kind: "phone", start: atPlus, maxLen: 48, re: anchored(`(?:\+|\b00)[1-9][0-9]{0,2}(?:[ .\-]?\(?[0-9]{1,4}\)?){2,5}`), check: e164},
	// NANP (Canada, US): (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, where
	// N is 2-9 (NANPA numbering plan).
	{kind: "phone", start: atNumber, maxLen: 48, re: anchored(`(?:\([2-9][0-9]{2}\) ?|\b[2-9][0-9]{2}[\-.])[2-9][0-9]{2}[\-.][0-9]{4}`)},
	// Central American local 8-digit numbers written 4-4 with a hyphen or
	// space; the first digit 2-7 (Guatemala: 2, 3, 4, 5, 6, 7; El Salvador
	// 2, 6, 7; Honduras 2, 3, 8, 9 are covered by the + form). Year ranges
	// like "2024-2026" are excluded by check.
	{kind: "phone", start: atDigitRun, maxLen: 48, re: anchored(`\b[2-7][0-9]{3}[\- ][0-9]{4}\b`), check: notYearRange},
	// Guatemalan DPI/CUI: 13 digits, often grouped 4-5-4; check digit and
	// department/municipality codes validated by validCUI.
	{kind: "dpi", start: atDigitRun, maxLen: 18, re: anchored(`\b[0-9]{4}[ \-]?[0-9]{5}[ \-]?[0-9]{4}\b`), check: validCUI},
	// GPS decimal degrees "14.6349, -90.5069": both parts with at least
	// four decimals (about 11 m), latitude within ±90 and longitude ±180.
	{kind: "gps", start: atNumber, maxLen: 64, re: anchored(`-?[0-9]{1,2}\.[0-9]{4,}°?(?: ?[NS]\b)?\s*,\s*-?[0-9]{1,3}\.[0-9]{4,}°?(?: ?[EWO]\b)?`), check: latLon},
	// GPS degrees, minutes, seconds: 14°38'05.6"N 90°30'25.0"W.
	{kind: "gps", start: atDigitRun, maxLen: 64, re: anchored(`[0-9]{1,3}\s*°\s*[0-9]{1,2}\s*['′]\s*(?:[0-9]{1,2}(?:[.,][0-9]+)?\s*(?:"|″|''|&quot;)\s*)?[NSEWO]\b`)},
	// Spanish (Guatemalan) street addresses: "3a Avenida 12-45 Zona 1",
	// "Calle Real 4-20", "6a. calle 5-31, zona 10": a street word and a
	// house number of the form N-NN.
	{kind: "address", start: atStreet, maxLen: 120, re: anchored(`(?i)\b(?:[0-9]{1,2}\s?(?:a|o|ª|º)\.?\s+)?(?:avenida|av\.|calle|calzada|diagonal|boulevard|bulevar|callej[oó]n)\s+(?:[\p{L}]+\s+){0,3}[0-9]{1,3}\s?-\s?[0-9]{1,3}(?:\s*,?\s*zona\s+[0-9]{1,2})?`)},
	// English street addresses: "123 Main Street", "45 King St. W".
	{kind: "address", start: atDigitRun, maxLen: 120, re: anchored(`\b[0-9]{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Lane|Ln\.|Drive|Dr\.|Court|Ct\.|Crescent|Place|Pl\.|Way|Terrace)`)},
}

// Recognise reports identifying details in data that look like a phone
// number, e-mail address, DPI/CUI, GPS coordinate or street address (Kind
// "phone", "email", "dpi", "gps", "address"; PersonID empty; Term -1).
// allow lists the organisation's own contacts (config allow_contacts):
// an allowed phone matches by its digits (one ending in the other, seven or
// more digits, so "+502 2222 3333" allows "2222-3333"), any other entry by
// Normalise. A detail matched by two recognisers is reported once, by the
// first; overlapping matches of the same kind keep the longest.
func Recognise(data []byte, allow []string) []Match {
	initFold()
	var out []Match
	s := string(data)
	for _, rc := range recognisers {
		var locs [][2]int
		if rc.start == nil {
			for i := 0; i < len(s); i++ {
				if s[i] != '@' {
					continue
				}
				lo, hi := max(0, i-rc.maxLen), min(len(s), i+rc.maxLen)
				for _, loc := range rc.re.FindAllStringIndex(s[lo:hi], -1) {
					if lo+loc[0] <= i && i < lo+loc[1] {
						locs = append(locs, [2]int{lo + loc[0], lo + loc[1]})
					}
				}
			}
		} else {
			for i := 0; i < len(s); i++ {
				if !rc.start(s, i) {
					continue
				}
				if loc := rc.re.FindStringIndex(s[i:min(len(s), i+rc.maxLen)]); loc != nil {
					locs = append(locs, [2]int{i, i + loc[1]})
					i += loc[1] - 1
				}
			}
		}
		for _, loc := range locs {
			a, b := loc[0], loc[1]
			if !boundary(s, a, b) {
				continue
			}
			text := s[a:b]
			if rc.check != nil && !rc.check(text) {
				continue
			}
			if allowed(rc.kind, text, allow) {
				continue
			}
			if slices.ContainsFunc(out, func(m Match) bool { return m.Start < b && a < m.End }) {
				continue
			}
			out = append(out, Match{Start: a, End: b, Kind: rc.kind, Term: -1})
		}
	}
	slices.SortFunc(out, func(x, y Match) int { return x.Start - y.Start })
	return out
}

// boundary requires that the match is not glued to a letter or digit (or
// to a decimal point followed by a digit, as in "1.234.567.890").
func boundary(s string, a, b int) bool {
	if a > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:a])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
		if (r == '.' || r == ',') && a > 1 && s[a-2] >= '0' && s[a-2] <= '9' {
			return false
		}
		if (r == '-' || r == '/') && a > 1 && isAlnum(s[a-2]) {
			return false // part of an id or a date: cr-2026-0011, 29/11/2026
		}
	}
	if b < len(s) {
		r, _ := utf8.DecodeRuneInString(s[b:])
		if unicode.IsDigit(r) || (unicode.IsLetter(r) && isDigitByte(s[b-1])) {
			return false
		}
		if (r == '.' || r == ',') && b+1 < len(s) && isDigitByte(s[b+1]) {
			return false
		}
		if (r == '-' || r == '/') && b+1 < len(s) && isAlnum(s[b+1]) {
			return false
		}
	}
	return true
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigitByte(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func allowed(kind, text string, allow []string) bool {
	if len(allow) == 0 {
		return false
	}
	if kind == "phone" {
		d := digitsOf(text)
		for _, a := range allow {
			ad := digitsOf(a)
			if len(ad) >= 7 && len(d) >= 7 && (strings.HasSuffix(ad, d) || strings.HasSuffix(d, ad)) {
				return true
			}
		}
		return false
	}
	n := Normalise(text)
	for _, a := range allow {
		if Normalise(a) == n {
			return true
		}
	}
	return false
}

// e164 accepts 8 to 15 digits in all (ITU-T E.164 §6.2.1 caps a number at
// 15 digits; 8 is the shortest subscriber number plus country code that
// Central American numbers reach).
func e164(s string) bool {
	n := len(digitsOf(s))
	if strings.HasPrefix(s, "00") {
		n -= 2
	}
	return n >= 8 && n <= 15
}

// notYearRange rejects "1990-2026", "2024 2025" and similar.
func notYearRange(s string) bool {
	d := digitsOf(s)
	isYear := func(y string) bool { return y[:2] == "19" || y[:2] == "20" }
	return !(isYear(d[:4]) && isYear(d[4:]))
}

// validCUI checks a Guatemalan CUI (Código Único de Identificación, the DPI
// number issued by RENAP): 8 serial digits, a check digit, a 2-digit
// department (01–22) and a 2-digit municipality (01 up to the number of
// municipalities in that department). The check digit is the sum of the
// serial digits weighted 2, 3, …, 9, modulo 11 (the "complemento 11"
// rule as RENAP-compatible validators implement it, e.g. python-stdnum's
// stdnum.gt.cui after Sayari, "Guatemala: Interpreting Guatemalan National
// ID Numbers"); a result of 10 can never match a digit, so it is invalid.
func validCUI(s string) bool {
	d := digitsOf(s)
	if len(d) != 13 {
		return false
	}
	dept, _ := strconv.Atoi(d[9:11])
	muni, _ := strconv.Atoi(d[11:13])
	if dept < 1 || dept > len(munisPerDept) || muni < 1 || muni > munisPerDept[dept-1] {
		return false
	}
	total := 0
	for i := 0; i < 8; i++ {
		total += int(d[i]-'0') * (i + 2)
	}
	return total%11 == int(d[8]-'0')
}

// munisPerDept is the number of municipalities of each of Guatemala's 22
// departments, in RENAP's department order (01 Guatemala … 22 Jutiapa).
var munisPerDept = []int{17, 8, 16, 16, 13, 14, 19, 8, 24, 21, 9, 30, 32, 21, 8, 17, 14, 5, 11, 11, 7, 17}

// latLon checks that a decimal coordinate pair is within range.
func latLon(s string) bool {
	parts := strings.SplitN(s, ",", 2)
	if len(parts) != 2 {
		return false
	}
	num := func(p string) (float64, bool) {
		p = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), "°NSEWO "))
		p = strings.TrimRight(p, "°")
		f, err := strconv.ParseFloat(p, 64)
		return f, err == nil
	}
	lat, ok1 := num(parts[0])
	lon, ok2 := num(parts[1])
	return ok1 && ok2 && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}
