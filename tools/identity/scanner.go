package identity

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Match is one place where a registry term (or, from Recognise, an
// identifying pattern) occurs.
//
// Start and End are byte offsets into the scanned data, End exclusive: the
// raw bytes data[Start:End] fold (Normalise) to the term. When InPath is
// true they are offsets into the path string instead. A Match never holds
// the term's text: print PersonID, Kind and Term, never data[Start:End].
type Match struct {
	Start, End int
	// PersonID is the registry id ("p-0001"); empty for Recognise findings.
	PersonID string
	// Kind is what matched: "name", "given_name", "family_name",
	// "nickname", a detail kind (village, school, employer, phone, email,
	// address, other), "public_name" (only when ScanOptions restricts public
	// names), "pseudonym" (only from PseudonymMentions), or for Recognise:
	// "phone", "email", "dpi", "gps", "address" with an empty PersonID.
	Kind string
	// Term is the index of the term in the person's list for Kind (Names,
	// GivenNames, FamilyNames, Nicknames) or in Details; 0 for public_name
	// and pseudonym; -1 for Recognise findings.
	Term int
	// InPath reports that the match is in the path, not in the data.
	InPath bool
}

// String renders the match without any real name: "p-0001 family_name[1]
// at 120-128".
func (m Match) String() string {
	where := ""
	if m.InPath {
		where = " in path"
	}
	who := m.PersonID
	if who == "" {
		who = "unregistered"
	}
	return fmt.Sprintf("%s %s[%d] at %d-%d%s", who, m.Kind, m.Term, m.Start, m.End, where)
}

// ScanOptions adjusts one scan.
//
// Public names: a person's public_name is the name they consented to show
// (first name "Rosa"), so by default it is never a leak anywhere, and any of
// that person's own terms inside an occurrence of their public name are not
// reported either (public full name "Tomasa Mendoza" does not report family name
// "Mendoza" where it is part of "Tomasa Mendoza"; "Tomasa Ixchel Mendoza" is still
// reported). A pseudonym is never a leak.
type ScanOptions struct {
	// RestrictPublicNames makes every public_name a leak (Kind
	// "public_name"), except those of the persons in AllowPublicNames. Use
	// it where consent no longer covers a public name (after withdrawal).
	RestrictPublicNames bool
	// AllowPublicNames lists person ids whose public_name is allowed when
	// RestrictPublicNames is set (the storyteller of the page scanned).
	AllowPublicNames []string
}

type patEntry struct {
	person int
	kind   string
	term   int
}

// Scanner finds registry terms in raw bytes. It is built once from a
// Registry (NewScanner) and is safe for concurrent use; each Scan allocates
// only its results.
//
// Algorithm: the input is normalised (see Normalise: case, diacritics,
// whitespace and hyphens, Markdown emphasis, HTML tags, entities, percent-
// and JSON escapes) in a single pass and each folded byte is fed straight
// into an Aho–Corasick DFA of all terms (see automaton.go for which and
// why). Running time is linear in the input, independent of the number of
// terms.
type Scanner struct {
	reg    *Registry
	deny   *dfa
	pats   [][]patEntry // pattern id -> what it stands for
	pseudo *dfa
	ppats  [][]patEntry
	// phones are the registry phone numbers with at least
	// MinPhoneDigits digits, for scanPhones.
	phones []phoneEntry
	pool   sync.Pool
}

var kindNames = map[string]string{
	"names": "name", "given_names": "given_name", "family_names": "family_name", "nicknames": "nickname",
	"name_parts": "name part",
}

// NewScanner builds the scanner for reg, which must be valid (ParseRegistry
// or Validate). Deny terms are every name, given name, family name,
// nickname and detail value; a phone detail also matches as its digits
// only, and without its country code (+502, +503, +504, +1) as the local
// number grouped 4-4 (Central America) or 3-3-4 (NANP) or ungrouped; and
// a phone number of at least MinPhoneDigits digits (without its country
// code) matches by its digits in any layout: other grouping, dots,
// hyphens, parentheses, pairs of digits, with or without +country code
// or 00 (see scanPhones).
// A full name also matches written without spaces ("#AnaPerezQuinorez"),
// and a family name also glued to each of the person's given names
// ("anaperez@...", reported as the family name). Public names are added as
// allow patterns (see ScanOptions).
func NewScanner(reg *Registry) (*Scanner, error) {
	if err := reg.Validate(); err != nil {
		return nil, err
	}
	initFold()
	s := &Scanner{reg: reg}
	index := map[string]int{}
	var pats []string
	add := func(folded string, e patEntry, into *[][]patEntry, list *[]string, idx map[string]int) {
		p := " " + folded + " "
		id, ok := idx[p]
		if !ok {
			id = len(*list)
			idx[p] = id
			*list = append(*list, p)
			*into = append(*into, nil)
		}
		if !slices.Contains((*into)[id], e) {
			(*into)[id] = append((*into)[id], e)
		}
	}
	pindex := map[string]int{}
	var ppats []string
	for pi := range reg.Persons {
		per := &reg.Persons[pi]
		for _, t := range per.terms() {
			kind := t.kind
			if k, ok := kindNames[kind]; ok {
				kind = k
			}
			e := patEntry{person: pi, kind: kind, term: t.index}
			switch kind {
			case "pseudonym":
				add(t.folded, e, &s.ppats, &ppats, pindex)
				continue
			case "phone":
				for _, v := range phoneVariants(t.text) {
					add(v, e, &s.pats, &pats, index)
				}
				if d, cc := phoneDigits(t.text); len(d) >= MinPhoneDigits {
					s.phones = append(s.phones, phoneEntry{digits: []byte(d), prefixes: phonePrefixes(d, cc), person: pi, term: t.index})
				}
			case "name":
				// Written without spaces: hashtags, user names, slugs.
				if j := strings.ReplaceAll(t.folded, " ", ""); j != t.folded {
					add(j, e, &s.pats, &pats, index)
				}
			case "family_name":
				// Given name glued to the family name: #AnaPerez,
				// anaperez@..., /anaperez/.
				for _, g := range per.GivenNames {
					add(strings.ReplaceAll(Normalise(g)+t.folded, " ", ""), e, &s.pats, &pats, index)
				}
			}
			add(t.folded, e, &s.pats, &pats, index)
		}
	}
	s.deny = buildDFA(pats)
	s.pseudo = buildDFA(ppats)
	return s, nil
}

// phoneVariants returns the folded spellings a phone number may take.
func phoneVariants(v string) []string {
	var digits strings.Builder
	for _, c := range v {
		if c >= '0' && c <= '9' {
			digits.WriteRune(c)
		}
	}
	d := digits.String()
	out := []string{d}
	local := ""
	if strings.HasPrefix(strings.TrimSpace(v), "+") {
		for _, cc := range []string{"502", "503", "504", "1"} {
			if strings.HasPrefix(d, cc) {
				local = d[len(cc):]
				break
			}
		}
	} else {
		local = d
	}
	switch len(local) {
	case 8:
		out = append(out, local, local[:4]+" "+local[4:])
		if local != d {
			out = append(out, d[:len(d)-8]+" "+local[:4]+" "+local[4:])
		}
	case 10:
		out = append(out, local, local[:3]+" "+local[3:6]+" "+local[6:])
	}
	var res []string
	for _, o := range out {
		if len(o) >= 7 && !slices.Contains(res, o) {
			res = append(res, o)
		}
	}
	return res
}

type streams struct{ main, aside stream }

func (s *Scanner) get(d *dfa) *streams {
	ss, _ := s.pool.Get().(*streams)
	if ss == nil {
		ss = &streams{}
	}
	ss.main.d, ss.aside.d = d, d
	ss.main.reset()
	ss.aside.reset()
	return ss
}

// Scan reports every registry term in data and in path (InPath matches),
// with default ScanOptions. path is the slash-separated path of the file
// (content/stories/<slug>/index.md, or public/<path> for built output); its
// slug and file name are scanned like text. data may be Markdown with front
// matter, HTML, XML, JSON or plain text; all are handled the same way.
// Matches are sorted by InPath (data first), Start, PersonID, Kind, Term.
// A name spelt out with single spaces between four or more single letters
// ("M a r i s o l") is joined and matched too, from its first letter to its
// last (see minSpacedLetters for the rule and its limits); paths are not
// searched for spaced-out names.
func (s *Scanner) Scan(path string, data []byte) []Match {
	return s.ScanPage(path, data, ScanOptions{})
}

// ScanPage is Scan with options: the function `storyguard check` and the
// built-output scan call for each file.
func (s *Scanner) ScanPage(path string, data []byte, opts ScanOptions) []Match {
	ms := s.scan(s.deny, s.pats, data, false, opts)
	if spaced := s.scanSpaced(data, opts); len(spaced) > 0 {
		ms = append(ms, spaced...)
		sortMatches(ms)
		ms = slices.Compact(ms)
	}
	if phones := s.scanPhones(data); len(phones) > 0 {
		ms = append(ms, phones...)
		sortMatches(ms)
		ms = dropContained(slices.Compact(ms))
	}
	if path != "" {
		ms = append(ms, s.scan(s.deny, s.pats, []byte(path), true, opts)...)
	}
	return ms
}

// ScanPath reports registry terms in a path alone (slug, folder and file
// names; percent-escapes decoded); every match has InPath set and offsets
// into path.
func (s *Scanner) ScanPath(path string, opts ScanOptions) []Match {
	return s.scan(s.deny, s.pats, []byte(path), true, opts)
}

// PseudonymMentions reports every occurrence of a registry pseudonym in
// data, matched without its "*" marker (Kind "pseudonym", Term 0). End is
// the offset just after the pseudonym's last letter, so data[End] is the
// marker when present.
func (s *Scanner) PseudonymMentions(data []byte) []Match {
	return s.scan(s.pseudo, s.ppats, data, false, ScanOptions{})
}

func (s *Scanner) scan(d *dfa, pats [][]patEntry, data []byte, inPath bool, opts ScanOptions) []Match {
	ss := s.get(d)
	defer s.pool.Put(ss)
	f := folder{data: data, main: &ss.main, aside: &ss.aside}
	f.run(0, len(data), &ss.main, true)
	ss.main.finish(len(data))
	ss.aside.finish(len(data))
	hits := append(ss.main.hits, ss.aside.hits...)
	ss.main.hits = hits[:0]
	if len(hits) == 0 {
		return nil
	}
	var ms []Match
	for _, h := range hits {
		for _, e := range pats[h.pat] {
			ms = append(ms, Match{Start: h.start, End: h.end, PersonID: s.reg.Persons[e.person].ID, Kind: e.kind, Term: e.term, InPath: inPath})
		}
	}
	// Public names: suppress the same person's terms inside them, then
	// drop them unless restricted.
	var pub []Match
	for _, m := range ms {
		if m.Kind == "public_name" {
			pub = append(pub, m)
		}
	}
	if len(pub) > 0 {
		ms = slices.DeleteFunc(ms, func(m Match) bool {
			if m.Kind == "public_name" {
				return !opts.RestrictPublicNames || slices.Contains(opts.AllowPublicNames, m.PersonID)
			}
			for _, p := range pub {
				if p.PersonID == m.PersonID && p.Start <= m.Start && m.End <= p.End {
					return true
				}
			}
			return false
		})
	}
	// A phone detail matches as several variants; keep the widest.
	var phones []Match
	for _, m := range ms {
		if m.Kind == "phone" {
			phones = append(phones, m)
		}
	}
	if len(phones) > 1 {
		ms = slices.DeleteFunc(ms, func(m Match) bool {
			if m.Kind != "phone" {
				return false
			}
			for _, o := range phones {
				if o.PersonID == m.PersonID && o.Term == m.Term &&
					o.Start <= m.Start && m.End <= o.End && (o.End-o.Start) > (m.End-m.Start) {
					return true
				}
			}
			return false
		})
	}
	sortMatches(ms)
	return dropContained(slices.Compact(ms))
}

// dropContained removes a match that lies inside another match of the
// same person, kind and term: a detail's distinctive part ("Pachalí")
// inside the whole detail ("Aldea Pachalí") is one finding, not two. ms
// is sorted by start, then end.
func dropContained(ms []Match) []Match {
	if len(ms) < 2 {
		return ms
	}
	out := make([]Match, 0, len(ms))
	for i, m := range ms {
		inside := false
		for j := range ms {
			o := ms[j]
			if j != i && o.PersonID == m.PersonID && o.Kind == m.Kind && o.Term == m.Term &&
				o.Start <= m.Start && m.End <= o.End && (o.Start != m.Start || o.End != m.End) {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, m)
		}
	}
	return out
}

func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End),
			strings.Compare(a.PersonID, b.PersonID), strings.Compare(a.Kind, b.Kind), cmp.Compare(a.Term, b.Term))
	})
}

// LineCol converts a byte offset in data to a 1-based line and a 1-based
// byte column, as diag.Diagnostic wants them. Offsets outside data clamp.
func LineCol(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	line, col = 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
