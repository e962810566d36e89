package content

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gohugoio/hugo/parser/metadecoders"
)

// scanFields indexes the front-matter text Raw[start:end] of format f: the
// offset of every key and list item, by lowercased path. It is a line
// scanner over the text, not a second parser: it understands block YAML
// (indentation, "- " items, one-line flow lists and maps, block scalars),
// TOML (tables, arrays of tables, dotted keys) and JSON (objects and
// arrays). Values themselves come from metadecoders. For JSON it also
// returns the keys written twice in one object, which encoding/json accepts
// silently (the last one wins) but which Storyguard refuses.
func scanFields(raw []byte, start, end int, f metadecoders.Format) (map[string]Field, []dupKey) {
	fields := make(map[string]Field, 48)
	switch f {
	case metadecoders.YAML:
		return fields, scanYAML(raw, start, end, fields)
	case metadecoders.TOML:
		return fields, scanTOML(raw, start, end, fields)
	case metadecoders.JSON:
		return fields, scanJSON(raw, start, end, fields)
	}
	return fields, nil
}

// dupKey is a key written twice in one mapping, comparing keys
// case-insensitively as Hugo does (YAML and TOML decoders accept "Title"
// beside "title"; Hugo then keeps one of them).
type dupKey struct {
	path   string
	offset int
}

type yframe struct {
	indent int
	path   string
	item   bool // a "- " list item
	count  int  // items seen when this frame owns a sequence
	key    int  // offset of the key in raw
}

func scanYAML(raw []byte, start, end int, fields map[string]Field) []dupKey {
	var dups []dupKey
	var stack []*yframe
	blockIndent := -1 // > -1 while inside a block scalar: lines indented more are content
	closeTo := func(off int) {
		for _, fr := range stack {
			if f, ok := fields[fr.path]; ok && off > f.End {
				f.End = off
				fields[fr.path] = f
			}
		}
	}
	for pos := start; pos < end; {
		nl := bytes.IndexByte(raw[pos:end], '\n')
		lineEnd := end
		next := end
		if nl >= 0 {
			lineEnd = pos + nl
			next = lineEnd + 1
		}
		line := raw[pos:lineEnd]
		line = bytes.TrimRight(line, "\r")
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := line[indent:]
		if len(rest) == 0 || rest[0] == '#' {
			pos = next
			continue
		}
		if blockIndent >= 0 {
			if indent > blockIndent {
				closeTo(next)
				pos = next
				continue
			}
			blockIndent = -1
		}
		if bytes.HasPrefix(rest, []byte("---")) || bytes.HasPrefix(rest, []byte("...")) {
			pos = next
			continue
		}
		col := indent
		isItem := false
		if rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ' || rest[1] == '\t') {
			isItem = true
			// Close frames deeper than this item.
			for len(stack) > 0 && stack[len(stack)-1].indent > indent {
				stack = stack[:len(stack)-1]
			}
			if len(stack) > 0 {
				if top := stack[len(stack)-1]; top.item && top.indent == indent {
					stack = stack[:len(stack)-1]
				}
			}
			owner := ""
			var ownerFrame *yframe
			if len(stack) > 0 {
				ownerFrame = stack[len(stack)-1]
				owner = ownerFrame.path
			}
			n := 0
			if ownerFrame != nil {
				n = ownerFrame.count
				ownerFrame.count++
			}
			p := owner + "[" + strconv.Itoa(n) + "]"
			fr := &yframe{indent: indent, path: p, item: true, key: pos + indent}
			stack = append(stack, fr)
			j := 1
			for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t') {
				j++
			}
			valOff := pos + indent + j
			vEnd := valueEnd(raw, valOff, pos+len(line))
			fields[p] = Field{Key: pos + indent, Value: valOff, ValueEnd: vEnd, End: next, Indent: indent}
			closeTo(next)
			rest = rest[j:]
			col = indent + j
			if len(rest) == 0 {
				pos = next
				continue
			}
		}
		key, afterKey, ok := yamlKey(rest)
		if !ok {
			closeTo(next)
			pos = next
			continue
		}
		if !isItem {
			for len(stack) > 0 && stack[len(stack)-1].indent >= col {
				stack = stack[:len(stack)-1]
			}
		}
		parent := ""
		if len(stack) > 0 {
			parent = stack[len(stack)-1].path
		}
		p := strings.ToLower(key)
		if parent != "" {
			p = parent + "." + p
		}
		valStart := pos + col + afterKey
		for valStart < pos+len(line) && (raw[valStart] == ' ' || raw[valStart] == '\t') {
			valStart++
		}
		vEnd := valueEnd(raw, valStart, pos+len(line))
		if _, seen := fields[p]; seen {
			dups = append(dups, dupKey{path: p, offset: pos + col})
		}
		fields[p] = Field{Key: pos + col, Value: valStart, ValueEnd: vEnd, End: next, Indent: col}
		closeTo(next)
		stack = append(stack, &yframe{indent: col, path: p, key: pos + col})
		if vEnd > valStart {
			v := raw[valStart:vEnd]
			switch v[0] {
			case '|', '>':
				blockIndent = col
			case '[', '{':
				scanFlow(raw, valStart, vEnd, p, fields, next)
			}
		}
		pos = next
	}
	return dups
}

// yamlKey splits "key: value" and returns the key without quotes and the
// offset just past the colon; ok is false for a line that is no mapping
// entry (a continuation line, a plain scalar).
func yamlKey(rest []byte) (key string, after int, ok bool) {
	if len(rest) == 0 {
		return "", 0, false
	}
	if rest[0] == '"' || rest[0] == '\'' {
		q := rest[0]
		i := bytes.IndexByte(rest[1:], q)
		if i < 0 {
			return "", 0, false
		}
		k := string(rest[1 : 1+i])
		j := 2 + i
		for j < len(rest) && rest[j] == ' ' {
			j++
		}
		if j < len(rest) && rest[j] == ':' {
			return k, j + 1, true
		}
		return "", 0, false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c == ':' && (i+1 == len(rest) || rest[i+1] == ' ' || rest[i+1] == '\t' || rest[i+1] == '\r') {
			return strings.TrimRight(string(rest[:i]), " \t"), i + 1, i > 0
		}
		if c == '#' && i > 0 && rest[i-1] == ' ' {
			return "", 0, false
		}
		if c == '[' || c == '{' || c == '"' || c == '\'' {
			if i == 0 {
				return "", 0, false
			}
		}
	}
	return "", 0, false
}

// valueEnd returns the end of the scalar value starting at from on a line
// ending at lineEnd: before a " #" comment outside quotes, trailing blanks
// trimmed.
func valueEnd(raw []byte, from, lineEnd int) int {
	var q byte
	e := lineEnd
	for i := from; i < lineEnd; i++ {
		c := raw[i]
		switch {
		case q != 0:
			if c == '\\' && q == '"' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '#' && (i == from || raw[i-1] == ' ' || raw[i-1] == '\t'):
			e = i
			i = lineEnd
		}
	}
	for e > from && (raw[e-1] == ' ' || raw[e-1] == '\t' || raw[e-1] == '\r') {
		e--
	}
	if e < from {
		e = from
	}
	return e
}

// scanFlow records the items of a one-line flow list "[a, b]" (as p[0],
// p[1]) or the keys of a flow map "{k: v}" (as p.k). Nested flow
// collections are recorded only at their start.
func scanFlow(raw []byte, from, to int, p string, fields map[string]Field, next int) {
	open := raw[from]
	depth := 0
	var q byte
	n := 0
	itemStart := from + 1
	emit := func(s, e int) {
		for s < e && (raw[s] == ' ' || raw[s] == '\t') {
			s++
		}
		t := e
		for t > s && (raw[t-1] == ' ' || raw[t-1] == '\t') {
			t--
		}
		if s >= t {
			return
		}
		if open == '[' {
			fields[p+"["+strconv.Itoa(n)+"]"] = Field{Key: s, Value: s, ValueEnd: t, End: next}
			n++
			return
		}
		k, after, ok := yamlKey(raw[s:t])
		if !ok {
			// JSON-style "k": v or k:v without a space.
			i := bytes.IndexByte(raw[s:t], ':')
			if i <= 0 {
				return
			}
			k = strings.Trim(strings.TrimSpace(string(raw[s:s+i])), `"'`)
			after = i + 1
		}
		vs := s + after
		for vs < t && raw[vs] == ' ' {
			vs++
		}
		fields[p+"."+strings.ToLower(k)] = Field{Key: s, Value: vs, ValueEnd: t, End: next}
	}
	for i := from; i < to; i++ {
		c := raw[i]
		switch {
		case q != 0:
			if c == '\\' && q == '"' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				emit(itemStart, i)
				return
			}
		case c == ',' && depth == 1:
			emit(itemStart, i)
			itemStart = i + 1
		}
	}
}

func scanTOML(raw []byte, start, end int, fields map[string]Field) []dupKey {
	var dups []dupKey
	table := ""
	counts := map[string]int{}
	inMulti := ""
	var lastTable string
	for pos := start; pos < end; {
		nl := bytes.IndexByte(raw[pos:end], '\n')
		lineEnd, next := end, end
		if nl >= 0 {
			lineEnd, next = pos+nl, pos+nl+1
		}
		line := bytes.TrimRight(raw[pos:lineEnd], "\r")
		if inMulti != "" {
			if bytes.Contains(line, []byte(inMulti)) {
				inMulti = ""
			}
			pos = next
			continue
		}
		indent := 0
		for indent < len(line) && (line[indent] == ' ' || line[indent] == '\t') {
			indent++
		}
		rest := line[indent:]
		if len(rest) == 0 || rest[0] == '#' {
			pos = next
			continue
		}
		if rest[0] == '[' {
			arr := bytes.HasPrefix(rest, []byte("[["))
			name := rest[1:]
			if arr {
				name = rest[2:]
			}
			i := bytes.IndexByte(name, ']')
			if i < 0 {
				pos = next
				continue
			}
			t := tomlPath(string(name[:i]))
			if arr {
				n := counts[t]
				counts[t] = n + 1
				fields[t] = Field{Key: pos + indent, Value: pos + indent, ValueEnd: pos + indent, End: next}
				t = t + "[" + strconv.Itoa(n) + "]"
			}
			table = t
			lastTable = t
			fields[t] = Field{Key: pos + indent, Value: pos + indent, ValueEnd: pos + indent, End: next}
			pos = next
			continue
		}
		eq := tomlEq(rest)
		if eq < 0 {
			pos = next
			continue
		}
		k := tomlPath(string(rest[:eq]))
		p := k
		if table != "" {
			p = table + "." + k
		}
		vs := pos + indent + eq + 1
		for vs < pos+len(line) && (raw[vs] == ' ' || raw[vs] == '\t') {
			vs++
		}
		ve := valueEnd(raw, vs, pos+len(line))
		if _, seen := fields[p]; seen {
			dups = append(dups, dupKey{path: p, offset: pos + indent})
		}
		fields[p] = Field{Key: pos + indent, Value: vs, ValueEnd: ve, End: next}
		if lastTable != "" {
			if f, ok := fields[lastTable]; ok {
				f.End = next
				fields[lastTable] = f
			}
		}
		if ve > vs {
			v := raw[vs:ve]
			switch {
			case bytes.HasPrefix(v, []byte(`"""`)) && (len(v) < 6 || !bytes.HasSuffix(v, []byte(`"""`))):
				inMulti = `"""`
			case bytes.HasPrefix(v, []byte(`'''`)) && (len(v) < 6 || !bytes.HasSuffix(v, []byte(`'''`))):
				inMulti = `'''`
			case v[0] == '[' || v[0] == '{':
				scanFlow(raw, vs, ve, p, fields, next)
			}
		}
		pos = next
	}
	return dups
}

// tomlEq returns the index of the "=" of a key/value line, outside quotes.
func tomlEq(rest []byte) int {
	return outsideQuotes(rest, 0, func(i int) bool { return rest[i] == '=' })
}

// outsideQuotes returns the first index i >= from of b, outside single or
// double quotes, for which stop(i) holds, or -1.
func outsideQuotes(b []byte, from int, stop func(i int) bool) int {
	var q byte
	for i := from; i < len(b); i++ {
		c := b[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case stop(i):
			return i
		}
	}
	return -1
}

// tomlPath turns a TOML key (bare, quoted or dotted) into a lowercased path.
func tomlPath(k string) string {
	parts := strings.Split(k, ".")
	for i, s := range parts {
		parts[i] = strings.ToLower(strings.Trim(strings.TrimSpace(s), `"'`))
	}
	return strings.Join(parts, ".")
}

type jframe struct {
	path  string
	arr   bool
	n     int
	seen  map[string]bool
	start int
}

func scanJSON(raw []byte, start, end int, fields map[string]Field) []dupKey {
	var dups []dupKey
	var stack []*jframe
	pendingKey := ""
	pendingOff := -1
	valuePath := func() (string, int) {
		if len(stack) == 0 {
			return "", start
		}
		top := stack[len(stack)-1]
		if top.arr {
			p := top.path + "[" + strconv.Itoa(top.n) + "]"
			top.n++
			return p, -1
		}
		if pendingKey == "" {
			return "", -1
		}
		p := pendingKey
		if top.path != "" {
			p = top.path + "." + pendingKey
		}
		return p, pendingOff
	}
	record := func(p string, keyOff, vs, ve int) {
		if p == "" {
			return
		}
		if keyOff < 0 {
			keyOff = vs
		}
		fields[p] = Field{Key: keyOff, Value: vs, ValueEnd: ve, End: ve}
	}
	for i := start; i < end; i++ {
		c := raw[i]
		switch c {
		case '{', '[':
			p, ko := valuePath()
			if len(stack) > 0 {
				record(p, ko, i, i)
			}
			pendingKey = ""
			stack = append(stack, &jframe{path: p, arr: c == '[', seen: map[string]bool{}, start: i})
		case '}', ']':
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				if f, ok := fields[top.path]; ok {
					f.End = i + 1
					fields[top.path] = f
				}
				stack = stack[:len(stack)-1]
			}
		case '"':
			j := i + 1
			for j < end && raw[j] != '"' {
				if raw[j] == '\\' {
					j++
				}
				j++
			}
			s := string(raw[i+1 : min(j, end)])
			k := j + 1
			for k < end && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\r' || raw[k] == '\n') {
				k++
			}
			if len(stack) > 0 && !stack[len(stack)-1].arr && k < end && raw[k] == ':' && pendingKey == "" {
				if uq, err := strconv.Unquote(`"` + s + `"`); err == nil {
					s = uq
				}
				lk := strings.ToLower(s)
				top := stack[len(stack)-1]
				if top.seen[lk] {
					p := lk
					if top.path != "" {
						p = top.path + "." + lk
					}
					dups = append(dups, dupKey{path: p, offset: i})
				}
				top.seen[lk] = true
				pendingKey, pendingOff = lk, i
				i = k
				continue
			}
			p, ko := valuePath()
			record(p, ko, i, min(j+1, end))
			pendingKey = ""
			i = j
		case ' ', '\t', '\r', '\n', ',', ':':
		default:
			j := i
			for j < end && !bytes.ContainsRune([]byte(" \t\r\n,}]"), rune(raw[j])) {
				j++
			}
			p, ko := valuePath()
			record(p, ko, i, j)
			pendingKey = ""
			i = j - 1
		}
	}
	return dups
}
