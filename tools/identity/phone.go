package identity

import (
	"bytes"
	"strings"
)

// MinPhoneDigits is the fewest digits of a registry phone number (without
// its country code) that the scanner matches by digits alone, in any
// layout. Why 7: the shortest subscriber numbers of the countries the
// registry serves are 7 digits (a NANP local number; Guatemala, Honduras
// and El Salvador use 8), and a run of 7 given digits in a given order is
// rare enough in prose (years, amounts and figures are shorter or are
// not this number) that a match is almost always the number. A registry
// number with fewer digits is matched only as written (phoneVariants).
const MinPhoneDigits = 7

// phoneSeparators are the bytes that may stand between the digits of a
// phone number as people write it: spaces (also line breaks, since
// Markdown renders them as spaces), dots, hyphens, slashes, parentheses
// and a "+" before a country code. At most maxPhoneGap of them may stand
// between two digits ("(502) 5521" has two, " - " three).
const phoneSeparators = " \t\r\n.-/()+"

const maxPhoneGap = 3

// phoneDigits returns the digits of a registry phone number without its
// country code, and the code it stripped: "+502 5521 0937" and "00502 5521 0937" give "55210937"
// and cc "502" (phoneCountryCodes, as phoneVariants knows them; any other
// code stays in the digits, which then match only numbers written with
// it); "5521-0937" gives "55210937" and no cc.
func phoneDigits(v string) (digits, cc string) {
	var b strings.Builder
	for _, c := range v {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	d := b.String()
	v = strings.TrimSpace(v)
	international := strings.HasPrefix(v, "+")
	if !international && strings.HasPrefix(d, "00") {
		international, d = true, d[2:]
	}
	if international {
		for _, c := range phoneCountryCodes {
			if strings.HasPrefix(d, c.cc) && len(d)-len(c.cc) >= MinPhoneDigits {
				return d[len(c.cc):], c.cc
			}
		}
	}
	return d, ""
}

// digitRun is a run of digits in raw data, joined across phone separators:
// digits holds them, at their raw offsets; group[k] is true where a
// separator stands before digit k (a digit group starts there).
type digitRun struct {
	digits []byte
	at     []int
	group  []bool
}

// digitRuns returns every run in data of at least MinPhoneDigits digits,
// consecutive digits separated by at most maxPhoneGap phoneSeparators
// bytes and nothing else.
func digitRuns(data []byte) []digitRun {
	var out []digitRun
	var cur digitRun
	gap := 0
	flush := func() {
		if len(cur.digits) >= MinPhoneDigits {
			out = append(out, cur)
		}
		cur = digitRun{}
		gap = 0
	}
	for i, c := range data {
		switch {
		case c >= '0' && c <= '9':
			cur.digits = append(cur.digits, c)
			cur.at = append(cur.at, i)
			cur.group = append(cur.group, gap > 0 || len(cur.digits) == 1)
			gap = 0
		case len(cur.digits) > 0 && strings.IndexByte(phoneSeparators, c) >= 0 && gap < maxPhoneGap:
			gap++
		default:
			flush()
		}
	}
	flush()
	return out
}

// phoneCountryCodes are the country codes phoneDigits strips, with the
// length of the national numbers behind them (E.164 plans of Guatemala,
// El Salvador, Honduras and the NANP).
var phoneCountryCodes = []struct {
	cc     string
	digits int
}{{"502", 8}, {"503", 8}, {"504", 8}, {"1", 10}}

// phonePrefixes returns the digits that may stand glued before a number's
// own digits d in the same digit group: nothing, a trunk 0, the 00 of
// international dialling, and the country code cc the registry wrote
// (with or without 00), or, when it wrote none, each known code whose
// national numbers have d's length.
func phonePrefixes(d, cc string) []string {
	out := []string{"", "0", "00"}
	for _, c := range phoneCountryCodes {
		if c.cc == cc || cc == "" && c.digits == len(d) {
			out = append(out, c.cc, "00"+c.cc)
		}
	}
	return out
}

// scanPhones reports every registry phone number in data written with any
// grouping or punctuation: in a run of digits (digitRuns), the number's
// digits without its country code (phoneDigits, at least MinPhoneDigits
// of them), in order, ending where a digit group ends and starting where
// one starts or after a phonePrefixes prefix within that group ("+502 55 21
// 09 37", "(502) 5521-0937", "0055210937"). Digits of a longer number
// ("4410 22334" for 4410 2233) do not match. Start and End cover the
// number's digits.
func (s *Scanner) scanPhones(data []byte) []Match {
	if len(s.phones) == 0 {
		return nil
	}
	var ms []Match
	for _, run := range digitRuns(data) {
		for _, ph := range s.phones {
			for from := 0; from < len(run.digits); {
				k := bytes.Index(run.digits[from:], ph.digits)
				if k < 0 {
					break
				}
				k += from
				from = k + 1
				if end := k + len(ph.digits); end < len(run.digits) && !run.group[end] || !prefixed(run, k, ph.prefixes) {
					continue
				}
				ms = append(ms, Match{Start: run.at[k], End: run.at[k+len(ph.digits)-1] + 1,
					PersonID: s.reg.Persons[ph.person].ID, Kind: "phone", Term: ph.term})
			}
		}
	}
	return ms
}

// phoneEntry is one registry phone number as scanPhones looks for it.
type phoneEntry struct {
	digits   []byte
	prefixes []string // phonePrefixes
	person   int
	term     int
}

// prefixed reports whether digit k of run starts a digit group, or follows
// one of prefixes from the start of its group.
func prefixed(run digitRun, k int, prefixes []string) bool {
	j := k
	for j > 0 && !run.group[j] {
		j--
	}
	for _, p := range prefixes {
		if string(run.digits[j:k]) == p {
			return true
		}
	}
	return false
}
