package identity

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// minSpacedLetters is the fewest single letters, each separated from the
// next by one space ("M a r i s o l"), that the scanner joins into a word.
//
// Why 4: a run of four or more one-letter words separated by single spaces
// does not occur in ordinary English or Spanish prose (the one-letter words
// "a", "I", "y", "o", "e", "u" never stand four in a row), so joining such a
// run and matching it as one whole word finds names spelt out letter by
// letter, and matches nothing else unless a registry term equals the joined
// run. Runs of two or three ("y a", "a y o") do occur and are left alone,
// which also keeps two- and three-letter names (Li, Oh, Ana) spelt out
// unmatched: a known gap. Only single ASCII spaces join letters; "M-a-r",
// "M  a  r", "M&nbsp;a" or letters split by tags are not joined.
const minSpacedLetters = 4

// spacedRuns returns the raw [start, end) spans of runs of at least
// minSpacedLetters single letters (Unicode L, each optionally followed by
// combining marks) separated by exactly one ASCII space, with no letter,
// digit or mark touching either end of the run.
func spacedRuns(data []byte) [][2]int {
	var out [][2]int
	i := 0
	for i < len(data) {
		p := bytes.IndexByte(data[i:], ' ')
		if p < 0 {
			break
		}
		p += i
		start, ok := singleLetterBefore(data, p)
		if !ok {
			i = p + 1
			continue
		}
		count, end := 1, p
		for end < len(data) && data[end] == ' ' {
			next, ok := singleLetterAfter(data, end+1)
			if !ok {
				break
			}
			count++
			end = next
		}
		if count >= minSpacedLetters {
			out = append(out, [2]int{start, end})
			i = end
		} else {
			i = p + 1
		}
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)
}

// singleLetterBefore reports whether data[:p] ends in a letter (with its
// marks) that no other letter or digit precedes, and where it starts.
func singleLetterBefore(data []byte, p int) (int, bool) {
	// Fast path, the common case: ASCII before the space.
	if p >= 2 && data[p-1] < utf8.RuneSelf && data[p-2] < utf8.RuneSelf {
		if !isAlpha(data[p-1]) || isAlnum(data[p-2]) {
			return 0, false
		}
		return p - 1, true
	}
	if p == 1 && data[0] < utf8.RuneSelf {
		return 0, isAlpha(data[0])
	}
	s := p
	for s > 0 {
		r, n := utf8.DecodeLastRune(data[:s])
		if !unicode.Is(unicode.M, r) {
			break
		}
		s -= n
	}
	r, n := utf8.DecodeLastRune(data[:s])
	if n == 0 || !unicode.IsLetter(r) {
		return 0, false
	}
	s -= n
	if s > 0 {
		if pr, _ := utf8.DecodeLastRune(data[:s]); isWordRune(pr) {
			return 0, false
		}
	}
	return s, true
}

// singleLetterAfter reports whether data[i:] starts with a letter (with its
// marks) that no letter or digit follows, and where it ends.
func singleLetterAfter(data []byte, i int) (int, bool) {
	if i+1 < len(data) && data[i] < utf8.RuneSelf && data[i+1] < utf8.RuneSelf {
		if !isAlpha(data[i]) || isAlnum(data[i+1]) {
			return 0, false
		}
		return i + 1, true
	}
	r, n := utf8.DecodeRune(data[i:])
	if n == 0 || !unicode.IsLetter(r) {
		return 0, false
	}
	j := i + n
	for j < len(data) {
		r, n := utf8.DecodeRune(data[j:])
		if !unicode.Is(unicode.M, r) {
			break
		}
		j += n
	}
	if j < len(data) {
		if r, _ := utf8.DecodeRune(data[j:]); isWordRune(r) {
			return 0, false
		}
	}
	return j, true
}

// scanSpaced joins each spaced-out run in data ("M a r i s o l" becomes
// "Marisol") and scans it as one word; the matches' offsets are mapped back
// to the run's raw bytes (first letter to last letter).
func (s *Scanner) scanSpaced(data []byte, opts ScanOptions) []Match {
	var ms []Match
	for _, run := range spacedRuns(data) {
		var joined []byte
		var rawStart, rawEnd []int
		for k := run[0]; k < run[1]; {
			_, n := utf8.DecodeRune(data[k:])
			if data[k] != ' ' {
				for b := 0; b < n; b++ {
					joined = append(joined, data[k+b])
					rawStart = append(rawStart, k)
					rawEnd = append(rawEnd, k+n)
				}
			}
			k += n
		}
		for _, m := range s.scan(s.deny, s.pats, joined, false, opts) {
			m.Start, m.End = rawStart[m.Start], rawEnd[m.End-1]
			ms = append(ms, m)
		}
	}
	return ms
}
