package identity

import "unicode/utf8"

// The matcher is a classic Aho–Corasick automaton (Aho and Corasick,
// "Efficient string matching: an aid to bibliographic search", CACM 18(6),
// 1975) compiled into a dense DFA: every state has a transition for every
// byte class, so the scan loop is one table load per folded byte with no
// failure-link walks. Bytes are first mapped to classes (space, a–z, 0–9,
// each other byte that occurs in some pattern, and one class for all the
// rest), which keeps the table at a few dozen columns: 5,000 names of about
// 15 folded bytes make some 60,000 states × ~40 classes × 4 bytes ≈ 10 MB.
//
// Why our own and not a module: the scanner feeds the automaton one folded
// byte at a time while it normalises (case, diacritics, entities, tags) and
// has to map each match back to raw byte offsets through a ring of spans;
// that needs a step function over a stream, which general-purpose modules
// (github.com/coregx/ahocorasick among them) do not expose: they search a
// finished []byte. A separate normalised copy plus an offset array would
// cost 5 bytes of memory traffic per input byte. The automaton is small and
// tested here against a naive matcher by a fuzz target.
//
// Patterns are folded terms wrapped in spaces (" tomasa mendoza "), and the
// folded stream starts and ends with a space, so a match is always a run of
// whole words: the word-boundary rule ("Ana" never inside "Mariana").

type dfa struct {
	classes [256]uint8
	ncls    int
	next    []int32   // state*ncls + class
	out     [][]int32 // per state: pattern ids ending here (own and via suffix links)
	plen    []int     // per pattern: length in bytes
}

func buildDFA(patterns []string) *dfa {
	d := &dfa{}
	// Byte classes: 0 is "any byte in no pattern".
	var used [256]bool
	for _, p := range patterns {
		for k := 0; k < len(p); k++ {
			used[p[k]] = true
		}
	}
	n := 1
	for b := 0; b < 256; b++ {
		if used[b] {
			d.classes[b] = uint8(n)
			n++
		}
	}
	d.ncls = n
	// Trie.
	type node struct {
		child map[uint8]int32
	}
	trie := []node{{child: map[uint8]int32{}}}
	var term [][]int32
	term = append(term, nil)
	d.plen = make([]int, len(patterns))
	for id, p := range patterns {
		d.plen[id] = len(p)
		s := int32(0)
		for k := 0; k < len(p); k++ {
			c := d.classes[p[k]]
			t, ok := trie[s].child[c]
			if !ok {
				t = int32(len(trie))
				trie = append(trie, node{child: map[uint8]int32{}})
				term = append(term, nil)
				trie[s].child[c] = t
			}
			s = t
		}
		term[s] = append(term[s], int32(id))
	}
	ns := len(trie)
	d.next = make([]int32, ns*n)
	d.out = make([][]int32, ns)
	fail := make([]int32, ns)
	// Breadth-first: fill the dense table and the failure links.
	queue := make([]int32, 0, ns)
	for c := 0; c < n; c++ {
		if t, ok := trie[0].child[uint8(c)]; ok {
			d.next[c] = t
			fail[t] = 0
			queue = append(queue, t)
		}
	}
	d.out[0] = term[0]
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := fail[s]
		if len(term[s]) > 0 || len(d.out[f]) > 0 {
			o := make([]int32, 0, len(term[s])+len(d.out[f]))
			o = append(o, term[s]...)
			o = append(o, d.out[f]...)
			d.out[s] = o
		}
		for c := 0; c < n; c++ {
			if t, ok := trie[s].child[uint8(c)]; ok {
				d.next[int(s)*n+c] = t
				fail[t] = d.next[int(f)*n+c]
				queue = append(queue, t)
			} else {
				d.next[int(s)*n+c] = d.next[int(f)*n+c]
			}
		}
	}
	return d
}

// ringSize bounds the folded length of a pattern (maxTermBytes plus the two
// spaces around it); a power of two.
const ringSize = 512

// stream is one folded byte stream being matched: the automaton state, and
// the raw span of the last ringSize folded bytes.
type stream struct {
	d         *dfa
	state     int32
	n         int // folded bytes emitted, including the leading space
	lastSpace bool
	starts    [ringSize]int
	ends      [ringSize]int
	collect   bool
	out       []byte
	hits      []rawHit
}

// rawHit is a pattern match on the stream, in raw offsets.
type rawHit struct {
	pat        int32
	start, end int
}

func (st *stream) reset() {
	st.state = 0
	st.n = 0
	st.lastSpace = false
	st.hits = st.hits[:0]
	st.out = st.out[:0]
	st.sep(0, 0)
}

// emit appends one folded byte spanning raw [s, e).
func (st *stream) emit(b byte, s, e int) {
	st.lastSpace = false
	st.n++
	k := st.n & (ringSize - 1)
	st.starts[k] = s
	st.ends[k] = e
	if st.collect {
		st.out = append(st.out, b)
	}
	if d := st.d; d != nil {
		st.state = d.next[int(st.state)*d.ncls+int(d.classes[b])]
		if d.out[st.state] != nil {
			st.report()
		}
	}
}

// sep appends a separator unless the last folded byte already was one.
func (st *stream) sep(s, e int) {
	if st.lastSpace {
		return
	}
	st.emit(' ', s, e)
	st.lastSpace = true
}

func (st *stream) finish(end int) { st.sep(end, end) }

func (st *stream) report() {
	for _, p := range st.d.out[st.state] {
		l := st.d.plen[p]
		// The pattern occupies folded bytes n-l+1 .. n: a space, the term,
		// a space. The term is n-l+2 .. n-1.
		first := (st.n - l + 2) & (ringSize - 1)
		last := (st.n - 1) & (ringSize - 1)
		st.hits = append(st.hits, rawHit{pat: p, start: st.starts[first], end: st.ends[last]})
	}
}

func (st *stream) foldRune(r rune, s, e int) {
	if r < utf8.RuneSelf {
		switch b := asciiFold[r]; b {
		case 0:
		case ' ', 1:
			st.sep(s, e)
		default:
			st.emit(b, s, e)
		}
		return
	}
	fe := lookupFold(r)
	switch fe.kind {
	case foldIgnore:
	case foldSep:
		st.sep(s, e)
	default:
		for k := 0; k < len(fe.s); k++ {
			st.emit(fe.s[k], s, e)
		}
	}
}
