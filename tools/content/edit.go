package content

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gohugoio/hugo/parser/metadecoders"
)

// Assignment sets one front-matter field: Path is "table.key" (one level of
// nesting, for example "review.approved"); Value is a string (written
// quoted) or a time.Time (written as a bare YYYY-MM-DD date, or a quoted
// one in JSON).
type Assignment struct {
	Path  string
	Value any
}

// ErrCannotEdit is wrapped by SetFields when the front matter is written in
// a shape it will not edit in place (an inline table, no front matter).
var ErrCannotEdit = errors.New("cannot edit front matter in place")

// SetFields returns a copy of p.Raw with each assignment written into the
// front matter, touching nothing else: comments, key order, quoting and
// line endings of every other line stay as they were. An existing key has
// its value replaced on its line (a trailing comment is kept); a missing
// key is added at the end of its table, and a missing table at the end of
// the front matter. The result is parsed again and each assigned value is
// read back; any difference is an error, so a write never silently
// produces front matter Hugo would read otherwise.
func SetFields(p *Page, as []Assignment) ([]byte, error) {
	if p.Invalid || p.Format == "" {
		return nil, fmt.Errorf("%s: %w: the page has no readable front matter", p.Path, ErrCannotEdit)
	}
	raw := append([]byte(nil), p.Raw...)
	cur := &Page{Path: p.Path, Lang: p.Lang, Raw: raw, Format: p.Format, FrontMatterStart: p.FrontMatterStart, FrontMatterEnd: p.FrontMatterEnd, fields: p.fields}
	eol := "\n"
	if bytes.Contains(p.Raw[p.FrontMatterStart:p.FrontMatterEnd], []byte("\r\n")) {
		eol = "\r\n"
	}
	for _, a := range as {
		table, key, ok := strings.Cut(a.Path, ".")
		if !ok || strings.Contains(key, ".") {
			return nil, fmt.Errorf("%s: field %s: want table.key", p.Path, a.Path)
		}
		val := render(a.Value, cur.Format)
		var edited []byte
		if f, ok := cur.Field(a.Path); ok {
			if f.ValueEnd <= f.Value && cur.Format != metadecoders.JSON {
				// "key:" with its value on later lines: refuse rather than guess.
				if f.End > f.Key && bytes.Count(cur.Raw[f.Key:f.End], []byte("\n")) > 1 {
					return nil, fmt.Errorf("%s: field %s: %w: its value spans several lines", p.Path, a.Path, ErrCannotEdit)
				}
			}
			start, end := f.Value, f.ValueEnd
			if start >= end {
				// "key:" with nothing after it on the line.
				start = f.Value
				for start > f.Key && (cur.Raw[start-1] == ' ' || cur.Raw[start-1] == '\t') {
					start--
				}
				val = sep(cur.Format) + val
			}
			edited = splice(cur.Raw, start, end, val)
		} else if tf, ok := cur.Field(table); ok {
			var err error
			edited, err = insertInTable(cur, tf, table, key, val, eol)
			if err != nil {
				return nil, fmt.Errorf("%s: field %s: %w", p.Path, a.Path, err)
			}
		} else {
			edited = appendTable(cur, table, key, val, eol)
		}
		np, ds := LoadPage(p.Path, p.Lang, edited)
		if len(ds) > 0 || np.Invalid {
			return nil, fmt.Errorf("%s: field %s: the edited front matter no longer parses: %s", p.Path, a.Path, ds[0].Message)
		}
		cur = np
	}
	for _, a := range as {
		got, ok := cur.Get(a.Path)
		want := a.Value
		if t, isTime := want.(time.Time); isTime {
			want = t.Format(time.DateOnly)
			if g, ok := got.(time.Time); ok {
				got = g.Format(time.DateOnly)
			} else if g, ok := got.(interface {
				AsTime(*time.Location) time.Time
			}); ok {
				got = g.AsTime(time.UTC).Format(time.DateOnly)
			}
		}
		if !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			return nil, fmt.Errorf("%s: field %s: %w: read back %v after writing %v", p.Path, a.Path, ErrCannotEdit, got, want)
		}
	}
	return cur.Raw, nil
}

func sep(f metadecoders.Format) string {
	if f == metadecoders.TOML {
		return " = "
	}
	return " "
}

func render(v any, f metadecoders.Format) string {
	switch x := v.(type) {
	case time.Time:
		if f == metadecoders.JSON {
			return strconv.Quote(x.Format(time.DateOnly))
		}
		return x.Format(time.DateOnly)
	default:
		return strconv.Quote(fmt.Sprint(x))
	}
}

func splice(raw []byte, start, end int, val string) []byte {
	out := make([]byte, 0, len(raw)+len(val))
	out = append(out, raw[:start]...)
	out = append(out, val...)
	return append(out, raw[end:]...)
}

// insertInTable adds key to an existing table field tf.
func insertInTable(p *Page, tf Field, table, key, val, eol string) ([]byte, error) {
	switch p.Format {
	case metadecoders.YAML:
		if tf.ValueEnd > tf.Value {
			v := strings.TrimSpace(string(p.Raw[tf.Value:tf.ValueEnd]))
			if v != "{}" && v != "" && v != "~" && v != "null" {
				return nil, fmt.Errorf("%w: %s is written inline; write it as an indented block", ErrCannotEdit, table)
			}
			// "review: {}" or "review:" with an empty value: replace the value with a block.
			indent := strings.Repeat(" ", tf.Indent+2)
			return splice(p.Raw, tf.Value-1, tf.ValueEnd, eol+indent+key+": "+val), nil
		}
		indent := tf.Indent + 2
		// Use the indentation of the table's first child if it has one.
		for path, f := range p.fields {
			if strings.HasPrefix(path, strings.ToLower(table)+".") && !strings.Contains(path[len(table)+1:], ".") && f.Indent > tf.Indent {
				indent = f.Indent
				break
			}
		}
		at := min(tf.End, p.FrontMatterEnd)
		line := strings.Repeat(" ", indent) + key + ": " + val + eol
		if at > 0 && p.Raw[at-1] != '\n' {
			line = eol + line
		}
		return splice(p.Raw, at, at, line), nil
	case metadecoders.TOML:
		at := min(tf.End, p.FrontMatterEnd)
		if tf.ValueEnd > tf.Value {
			return nil, fmt.Errorf("%w: %s is an inline table; write it as a [%s] table", ErrCannotEdit, table, table)
		}
		line := key + " = " + val + eol
		if at > 0 && p.Raw[at-1] != '\n' {
			line = eol + line
		}
		return splice(p.Raw, at, at, line), nil
	case metadecoders.JSON:
		// Insert right after the object's opening brace.
		open := tf.Value
		if open >= len(p.Raw) || p.Raw[open] != '{' {
			return nil, fmt.Errorf("%w: %s is not an object", ErrCannotEdit, table)
		}
		inner := bytes.TrimSpace(p.Raw[open+1 : max(open+1, tf.End-1)])
		entry := strconv.Quote(key) + ": " + val
		if len(inner) > 0 {
			entry += ","
		}
		return splice(p.Raw, open+1, open+1, " "+entry+" "), nil
	}
	return nil, ErrCannotEdit
}

// appendTable adds "table: {key: val}" at the end of the front matter.
func appendTable(p *Page, table, key, val, eol string) []byte {
	at := p.FrontMatterEnd
	switch p.Format {
	case metadecoders.YAML:
		s := table + ":" + eol + "  " + key + ": " + val + eol
		if at > p.FrontMatterStart && p.Raw[at-1] != '\n' {
			s = eol + s
		}
		return splice(p.Raw, at, at, s)
	case metadecoders.TOML:
		s := eol + "[" + table + "]" + eol + key + " = " + val + eol
		if at > p.FrontMatterStart && p.Raw[at-1] != '\n' {
			s = eol + s
		}
		return splice(p.Raw, at, at, s)
	default: // JSON: after the top-level opening brace.
		open := bytes.IndexByte(p.Raw[p.FrontMatterStart:p.FrontMatterEnd], '{') + p.FrontMatterStart
		entry := eol + "  " + strconv.Quote(table) + ": {" + strconv.Quote(key) + ": " + val + "},"
		if len(bytes.TrimSpace(p.Raw[open+1:p.FrontMatterEnd])) <= 1 {
			entry = strings.TrimSuffix(entry, ",")
		}
		return splice(p.Raw, open+1, open+1, entry)
	}
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder and a rename, keeping path's permission bits, so a reader never
// sees half a file and a crash leaves the old file whole.
func WriteFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
