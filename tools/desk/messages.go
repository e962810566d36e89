package desk

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

//go:embed messages/*.json
var messageFiles embed.FS

// Languages are the desk's languages, in the order of the language switch:
// the site's languages (config.toml), English first as its default.
var Languages = []string{"en", "es"}

// messages maps a language to its message table (key -> text).
type messages map[string]map[string]string

// loadMessages reads messages/<lang>.json for every language in Languages
// and fails when a file is missing, does not parse, or when the languages'
// key sets differ (a word of the desk without its translation).
func loadMessages() (messages, error) {
	m := messages{}
	for _, lang := range Languages {
		raw, err := messageFiles.ReadFile("messages/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("messages %s: %w", lang, err)
		}
		t := map[string]string{}
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("messages/%s.json: %w", lang, err)
		}
		m[lang] = t
	}
	base := m[Languages[0]]
	for _, lang := range Languages[1:] {
		for k := range base {
			if _, ok := m[lang][k]; !ok {
				return nil, fmt.Errorf("messages/%s.json: key %q missing (present in %s)", lang, k, Languages[0])
			}
		}
		for k := range m[lang] {
			if _, ok := base[k]; !ok {
				return nil, fmt.Errorf("messages/%s.json: key %q missing (present in %s)", Languages[0], k, lang)
			}
		}
	}
	return m, nil
}

// keys returns the sorted message keys.
func (m messages) keys() []string {
	return slices.Sorted(maps.Keys(m[Languages[0]]))
}

// text returns the message key in lang. A key missing from the table is a
// programming error caught by the template tests; at run time it renders
// as the key itself rather than an empty string.
func (m messages) text(lang, key string) string {
	if s, ok := m[lang][key]; ok {
		return s
	}
	return key
}

// langCookie holds the language chosen on the language switch.
const langCookie = "lang"

// pickLanguage returns the request's language: the lang cookie when it
// names one of Languages, else the first of Accept-Language's tags that
// does (by primary subtag, ignoring q-values' order beyond first-listed),
// else Languages[0].
func pickLanguage(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(Languages, c.Value) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(Languages, primary) {
			return primary
		}
	}
	return Languages[0]
}

// CodeLifetimeText is CodeLifetime in plain words of lang's message file
// ("48 hours", "48 horas"), for the CLI and the pages that promise it;
// Languages[0]'s words for a language the desk does not have. An error
// only when the message files do not load (a build defect).
func CodeLifetimeText(lang string) (string, error) {
	m, err := loadMessages()
	if err != nil {
		return "", err
	}
	if _, ok := m[lang]; !ok {
		lang = Languages[0]
	}
	return fmt.Sprintf(m.text(lang, "duration_hours"), int(CodeLifetime/time.Hour)), nil
}
