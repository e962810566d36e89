package identity

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// either side of each '@' (e-mail). Offsets where start may hold are
	// listed once for all recognisers by candidates.
	start  func(s []byte, i int) bool
	maxLen int
	// pre, when set, is a necessary condition for re to match anchored at
	// s[i], read off the pattern's first few bytes; it only saves running
	// the regexp where it cannot match and never changes what is found.
	pre func(s []byte, i int) bool
}

func atDigitRun(s []byte, i int) bool {
	return isDigitByte(s[i]) && (i == 0 || !isDigitByte(s[i-1]))
}
func atNumber(s []byte, i int) bool {
	return atDigitRun(s, i) || ((s[i] == '(' || s[i] == '-') && i+1 < len(s) && isDigitByte(s[i+1]))
}
func atPlus(s []byte, i int) bool {
	return s[i] == '+' || (s[i] == '0' && i+1 < len(s) && s[i+1] == '0' && (i == 0 || !isDigitByte(s[i-1])))
}

// atStreet: a number (ordinal "3a") or a word starting like a street word.
func atStreet(s []byte, i int) bool {
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

// digitsAt returns the length of the run of ASCII digits at s[i:].
func digitsAt(s []byte, i int) int {
	j := i
	for j < len(s) && isDigitByte(s[j]) {
		j++
	}
	return j - i
}

// byteAt returns s[i], or 0 past the end.
func byteAt(s []byte, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// isReSpace is RE2's \s: [\t\n\f\r ].
func isReSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// preNANP: "(" and 2-9, or 2-9, two digits and "-" or ".".
func preNANP(s []byte, i int) bool {
	if s[i] == '(' {
		c := byteAt(s, i+1)
		return c >= '2' && c <= '9'
	}
	return s[i] >= '2' && s[i] <= '9' && digitsAt(s, i) == 3 && (byteAt(s, i+3) == '-' || byteAt(s, i+3) == '.')
}

// preLocal: 2-7 and three digits, then "-" or " ".
func preLocal(s []byte, i int) bool {
	return s[i] >= '2' && s[i] <= '7' && digitsAt(s, i) == 4 && (byteAt(s, i+4) == '-' || byteAt(s, i+4) == ' ')
}

// preDPI: four digits.
func preDPI(s []byte, i int) bool { return digitsAt(s, i) >= 4 }

// preDecimal: an optional "-", one or two digits and "." then a digit.
func preDecimal(s []byte, i int) bool {
	if s[i] == '-' {
		i++
	}
	n := digitsAt(s, i)
	return n >= 1 && n <= 2 && byteAt(s, i+n) == '.' && isDigitByte(byteAt(s, i+n+1))
}

// preDMS: one to three digits, then white space or the first byte of "°".
func preDMS(s []byte, i int) bool {
	n := digitsAt(s, i)
	c := byteAt(s, i+n)
	return n <= 3 && (isReSpace(c) || c == 0xC2)
}

// preStreetES: a street word's first two letters (avenida, av., calle,
// calzada, callejón, diagonal, boulevard, bulevar; none of their letters
// has a case fold outside ASCII), or one or two digits, an optional white
// space and an ordinal (a, o, ª, º).
func preStreetES(s []byte, i int) bool {
	if n := digitsAt(s, i); n > 0 {
		if n > 2 {
			return false
		}
		j := i + n
		if isReSpace(byteAt(s, j)) {
			j++
		}
		switch byteAt(s, j) {
		case 'a', 'A', 'o', 'O', 0xC2:
			return true
		}
		return false
	}
	c2 := byteAt(s, i+1) | 0x20
	switch s[i] | 0x20 {
	case 'a':
		return c2 == 'v'
	case 'b':
		return c2 == 'o' || c2 == 'u'
	case 'c':
		return c2 == 'a'
	case 'd':
		return c2 == 'i'
	}
	return false
}

// preStreetEN: one to five digits, then white space.
func preStreetEN(s []byte, i int) bool {
	n := digitsAt(s, i)
	return n <= 5 && isReSpace(byteAt(s, i+n))
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
	{kind: "phone", start: atNumber, pre: preNANP, maxLen: 48, re: anchored(`(?:\([2-9][0-9]{2}\) ?|\b[2-9][0-9]{2}[\-.])[2-9][0-9]{2}[\-.][0-9]{4}`)},
	// Central American local 8-digit numbers written 4-4 with a hyphen or
	// space; the first digit 2-7 (Guatemala: 2, 3, 4, 5, 6, 7; El Salvador
	// 2, 6, 7; Honduras 2, 3, 8, 9 are covered by the + form). Year ranges
	// like "2024-2026" are excluded by check.
	{kind: "phone", start: atDigitRun, pre: preLocal, maxLen: 48, re: anchored(`\b[2-7][0-9]{3}[\- ][0-9]{4}\b`), check: notYearRange},
	// Guatemalan DPI/CUI: 13 digits, often grouped 4-5-4; check digit and
	// department/municipality codes validated by validCUI.
	{kind: "dpi", start: atDigitRun, pre: preDPI, maxLen: 18, re: anchored(`\b[0-9]{4}[ \-]?[0-9]{5}[ \-]?[0-9]{4}\b`), check: validCUI},
	// GPS decimal degrees "14.6349, -90.5069": both parts with at least
	// four decimals (about 11 m), latitude within ±90 and longitude ±180.
	{kind: "gps", start: atNumber, pre: preDecimal, maxLen: 64, re: anchored(`-?[0-9]{1,2}\.[0-9]{4,}°?(?: ?[NS]\b)?\s*,\s*-?[0-9]{1,3}\.[0-9]{4,}°?(?: ?[EWO]\b)?`), check: latLon},
	// GPS degrees, minutes, seconds: 14°38'05.6"N 90°30'25.0"W.
	{kind: "gps", start: atDigitRun, pre: preDMS, maxLen: 64, re: anchored(`[0-9]{1,3}\s*°\s*[0-9]{1,2}\s*['′]\s*(?:[0-9]{1,2}(?:[.,][0-9]+)?\s*(?:"|″|''|&quot;)\s*)?[NSEWO]\b`)},
	// Spanish (Guatemalan) street addresses: "3a Avenida 12-45 Zona 1",
	// "Calle Real 4-20", "6a. calle 5-31, zona 10": a street word and a
	// house number of the form N-NN.
	{kind: "address", start: atStreet, pre: preStreetES, maxLen: 120, re: anchored(`(?i)\b(?:[0-9]{1,2}\s?(?:a|o|ª|º)\.?\s+)?(?:avenida|av\.|calle|calzada|diagonal|boulevard|bulevar|callej[oó]n)\s+(?:[\p{L}]+\s+){0,3}[0-9]{1,3}\s?-\s?[0-9]{1,3}(?:\s*,?\s*zona\s+[0-9]{1,2})?`)},
	// English street addresses: "123 Main Street", "45 King St. W".
	{kind: "address", start: atDigitRun, pre: preStreetEN, maxLen: 120, re: anchored(`\b[0-9]{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Lane|Ln\.|Drive|Dr\.|Court|Ct\.|Crescent|Place|Pl\.|Way|Terrace)`)},
}

// candidates returns, in order, every offset of s where some recogniser's
// start may hold (digit-run starts, "(" or "-" before a digit, "+", a
// letter a-d at a word start) or that holds an '@', found in one pass.
func candidates(s []byte, buf []int) []int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigitByte(c):
			if i == 0 || !isDigitByte(s[i-1]) {
				buf = append(buf, i)
			}
		case c == '(' || c == '-':
			if i+1 < len(s) && isDigitByte(s[i+1]) {
				buf = append(buf, i)
			}
		case c == '+' || c == '@':
			buf = append(buf, i)
		default:
			switch c | 0x20 {
			case 'a', 'b', 'c', 'd':
				if i == 0 || !isAlpha(s[i-1]) {
					buf = append(buf, i)
				}
			}
		}
	}
	return buf
}

var candPool = sync.Pool{New: func() any { return new([]int) }}

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
	bp := candPool.Get().(*[]int)
	cand := candidates(data, (*bp)[:0])
	defer func() { *bp = cand[:0]; candPool.Put(bp) }()
	var locs [][2]int
	for _, rc := range recognisers {
		locs = locs[:0]
		if rc.start == nil {
			for _, i := range cand {
				if data[i] != '@' {
					continue
				}
				lo, hi := max(0, i-rc.maxLen), min(len(data), i+rc.maxLen)
				for _, loc := range rc.re.FindAllIndex(data[lo:hi], -1) {
					if lo+loc[0] <= i && i < lo+loc[1] {
						locs = append(locs, [2]int{lo + loc[0], lo + loc[1]})
					}
				}
			}
		} else {
			next := 0
			for _, i := range cand {
				if i < next || !rc.start(data, i) || (rc.pre != nil && !rc.pre(data, i)) {
					continue
				}
				if loc := rc.re.FindIndex(data[i:min(len(data), i+rc.maxLen)]); loc != nil {
					locs = append(locs, [2]int{i, i + loc[1]})
					next = i + loc[1]
				}
			}
		}
		out = appendFound(out, data, rc, locs, allow)
	}
	slices.SortFunc(out, func(x, y Match) int { return x.Start - y.Start })
	return out
}

// appendFound appends to out the matches of rc at locs that pass its
// boundary, check and allow rules and overlap no earlier match.
func appendFound(out []Match, data []byte, rc recogniser, locs [][2]int, allow []string) []Match {
	for _, loc := range locs {
		a, b := loc[0], loc[1]
		if !boundary(data, a, b) {
			continue
		}
		text := string(data[a:b])
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
	return out
}

// boundary requires that the match is not glued to a letter or digit (or
// to a decimal point followed by a digit, as in "1.234.567.890").
func boundary(s []byte, a, b int) bool {
	if a > 0 {
		r, _ := utf8.DecodeLastRune(s[:a])
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
		r, _ := utf8.DecodeRune(s[b:])
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
