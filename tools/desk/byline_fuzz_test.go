package desk

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzBylineField: the name she types for her byline is outside input.
// Whatever it holds, bylineField returns either a message key or a name
// of one line, at most maxChosenName runes, without a "*" (for a
// pseudonym the desk adds the only one) or a sign that breaks out of the
// byline, and never both; the byline then ends in exactly one "*" for a
// chosen name and none for her own.
func FuzzBylineField(f *testing.F) {
	for _, s := range []string{"Luz", "Luz*", "  Luz * ", "Lu*z", "**", "", "<b>x</b>", "Ana\nPérez", "Nita", strings.Repeat("a", 41)} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, v string, pseudonym bool) {
		errs := map[string]string{}
		got := bylineField(v, pseudonym, nil, "name", errs)
		if (got == "") == (errs["name"] == "") {
			t.Fatalf("value %q and error %q", got, errs["name"])
		}
		if got == "" {
			return
		}
		if strings.ContainsAny(got, "*<>{}[]\"`\\\n\r") || utf8.RuneCountInString(got) > maxChosenName || strings.TrimSpace(got) != got {
			t.Fatalf("bad byline %q", got)
		}
		a := Answers{Danger: "no", Name: "first", ShownName: got}
		if pseudonym {
			a = Answers{Danger: "no", Name: "chosen", ChosenName: got}
		}
		display, _ := a.byline()
		if n := strings.Count(display, "*"); pseudonym && (n != 1 || !strings.HasSuffix(display, "*")) || !pseudonym && n != 0 {
			t.Fatalf("byline %q for %q", display, got)
		}
	})
}

// FuzzDecodeSession: a stored session's data comes back from the store.
// Whatever it holds, decodeSession either refuses it or returns a session
// whose enrolment code (for an enrolling one) is a well-formed code; a
// sealed code opens only with its own token.
func FuzzDecodeSession(f *testing.F) {
	tok := strings.Repeat("ab", 32)
	f.Add([]byte{1, 0})
	f.Add(sessionData(nil, sealCode(tok, "7KQ2MX9D4R")))
	f.Add(sessionData(newPhraseFingerprint(tok, "luna sobre el río"), nil))
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		sess, err := decodeSession(tok, Session{Account: "a-x", Data: data})
		if err != nil {
			return
		}
		if sess.enrolling {
			if _, err := ParseCode(sess.code); err != nil {
				t.Fatalf("enrolling session with code %q", sess.code)
			}
		} else if sess.code != "" {
			t.Fatal("a code in a sign-in session")
		}
	})
}

func TestSealedCodeOpensOnlyWithItsToken(t *testing.T) {
	code, _ := NewCode()
	canon, _ := ParseCode(code)
	tok, other := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	sealed := sealCode(tok, canon)
	if strings.Contains(string(sealed), canon) {
		t.Fatal("the sealed code holds the code")
	}
	if got, err := openCode(tok, sealed); err != nil || got != canon {
		t.Fatalf("open with its token: %q, %v", got, err)
	}
	if got, err := openCode(other, sealed); err == nil && got == canon {
		t.Fatal("another token opens the code")
	}
}
