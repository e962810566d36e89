package desk

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPhraseRoundTripAtRealParameters(t *testing.T) {
	start := time.Now()
	v, err := HashPhrase("luna sobre el río", PhraseParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("verifier %q: not argon2id at OWASP's parameters", v)
	}
	// The same phrase typed with a combining accent still matches.
	for phrase, want := range map[string]bool{"luna sobre el río": true, "luna sobre el ri\u0301o": true, "luna sobre el rio": false, "Luna sobre el río": false} {
		ok, err := VerifyPhrase(phrase, v)
		if err != nil || ok != want {
			t.Errorf("VerifyPhrase(%q) = %t, %v; want %t", phrase, ok, err, want)
		}
	}
	if el := time.Since(start) / 5; el > 300*time.Millisecond {
		t.Logf("one hash took %v, over the 300 ms sign-in budget on this machine", el)
	}
	v2, _ := HashPhrase("luna sobre el río", PhraseParams)
	if v2 == v {
		t.Error("two verifiers of one phrase are equal: no salt")
	}
}

func TestCheckPhrase(t *testing.T) {
	for p, want := range map[string]error{
		"short":                       ErrPhraseShort,
		"twelve chars":                nil,
		strings.Repeat("a", 201):      ErrPhraseLong,
		"bad \xff utf-8 phrase":       ErrPhraseNotText,
		"nul \x00 inside this phrase": ErrPhraseNotText,
		"ñandú ñandú ñandú":           nil,
	} {
		if err := CheckPhrase(p); !errors.Is(err, want) {
			t.Errorf("CheckPhrase(%q) = %v, want %v", p, err, want)
		}
	}
}

func TestParseVerifierRefusesOutOfBounds(t *testing.T) {
	good, _ := HashPhrase("a good long phrase", testPhrase)
	if _, err := ParseVerifier(good); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=4194304,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + parts[4] + "$" + parts[5],
	} {
		if _, err := ParseVerifier(bad); !errors.Is(err, ErrBadVerifier) {
			t.Errorf("ParseVerifier(%q) = %v, want ErrBadVerifier", bad, err)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("the error echoes the verifier")
		}
	}
}

func FuzzParseVerifier(f *testing.F) {
	good, _ := HashPhrase("a good long phrase", testPhrase)
	f.Add(good)
	f.Add("$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVerifier(s)
		if err != nil {
			return
		}
		if v.p.MemoryKiB > maxMemoryKiB || v.p.Time > maxTime || v.p.Threads == 0 || len(v.salt) < 8 || len(v.key) < 16 {
			t.Fatalf("accepted out-of-bounds verifier %+v", v.p)
		}
	})
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 11 || c[5] != '-' || strings.ContainsAny(c, "ILOU") {
			t.Fatalf("code %q: want XXXXX-XXXXX in Crockford base32", c)
		}
		canon, err := ParseCode(c)
		if err != nil || len(canon) != CodeLen {
			t.Fatalf("ParseCode(%q) = %q, %v", c, canon, err)
		}
		if seen[canon] {
			t.Fatalf("code %q repeated in 200", c)
		}
		seen[canon] = true
	}
	// Read aloud and typed back: case, spaces, O for 0, I or L for 1.
	for typed, want := range map[string]string{"7kq2m-x9d4r": "7KQ2MX9D4R", " 7KQ2M X9D4R ": "7KQ2MX9D4R", "O1I1L-00000": "01111" + "00000"} {
		if got, err := ParseCode(typed); err != nil || got != want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", typed, got, err, want)
		}
	}
	for _, bad := range []string{"", "7KQ2M", "7KQ2M-X9D4R-1", "7KQ2M-X9D4U", "7KQ2M·X9D4R", "ＡＢＣＤＥ１２３４５"} {
		if _, err := ParseCode(bad); !errors.Is(err, ErrCodeFormat) {
			t.Errorf("ParseCode(%q) = %v, want ErrCodeFormat", bad, err)
		}
	}
	if CodeHash("7KQ2MX9D4R") == CodeHash("7KQ2MX9D4S") || len(CodeHash("7KQ2MX9D4R")) != 64 {
		t.Error("CodeHash")
	}
}

func FuzzParseCode(f *testing.F) {
	f.Add("7kq2m-x9d4r")
	f.Add("O1I1L 00000")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		if err != nil {
			return
		}
		if len(c) != CodeLen || strings.Trim(c, crockford) != "" {
			t.Fatalf("ParseCode(%q) = %q", s, c)
		}
		if again, err := ParseCode(c); err != nil || again != c {
			t.Fatalf("canonical form %q does not parse to itself", c)
		}
	})
}

func TestPhraseFingerprintFindsHerPhrase(t *testing.T) {
	tok := strings.Repeat("ab", 32)
	made := newPhraseFingerprint(tok, "Luna sobre el río")
	// What a request decodes from the stored session must find it as
	// well as the one made at sign-in.
	fp, err := decodePhraseFingerprint(tok, made.encode())
	if err != nil {
		t.Fatal(err)
	}
	if fp.n != made.n {
		t.Fatalf("decoded length %d, want %d", fp.n, made.n)
	}
	// The stored bytes are useless without the token: under another
	// token they do not find the phrase (or do not decode at all).
	if other, err := decodePhraseFingerprint(strings.Repeat("cd", 32), made.encode()); err == nil && other.containedIn("luna sobre el río") {
		t.Error("the stored fingerprint finds the phrase under another token")
	}
	if bytes.Contains(made.encode(), []byte{0, 0, 0, byte(made.n)}) {
		t.Error("the stored fingerprint shows the phrase's length")
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, make([]byte, 37)} {
		if _, err := decodePhraseFingerprint(tok, bad); err == nil {
			t.Errorf("decoded %d bytes that are not a fingerprint", len(bad))
		}
	}
	for text, want := range map[string]bool{
		"Mi clave: luna  sobre\nel RÍO, no la digas": true,
		"luna sobre el ri\u0301o":                    true,
		"luna sobre el rí":                           false,
		"una historia sin la frase":                  false,
		"":                                           false,
	} {
		if got := fp.containedIn(text); got != want {
			t.Errorf("containedIn(%q) = %t, want %t", text, got, want)
		}
	}
	var none *phraseFingerprint
	if none.containedIn("anything") {
		t.Error("a nil fingerprint matches")
	}
}

func TestMaterialiseConsentRecord(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	st := Story{StoryMeta: StoryMeta{ID: "st-abcd123456", Storyteller: "a-ana"},
		Current: map[string]Revision{"es": {Lang: "es", Title: "Título \"con\" comillas", Body: "Texto.\n", At: at}}}
	raw, ok := Materialise(st, "es", "p-0004")
	if !ok || !strings.Contains(string(raw), "status: pending") || !strings.Contains(string(raw), "draft: true") {
		t.Fatalf("no answers: want pending and draft:\n%s", raw)
	}
	st.Answers = &Answers{Share: "yes", Name: "chosen", ChosenName: "Luna", Danger: "no", Channels: []string{"website"},
		Languages: []string{"es"}, TermYears: 3, Search: "no", At: at}
	raw, _ = Materialise(st, "es", "p-0004")
	for _, want := range []string{"status: given", "draft: false", `given: "2026-12-01"`, `expires: "2029-12-01"`, `expiryDate: "2029-12-01"`,
		`display_name: "Luna*"`, "name_kind: pseudonym", `person: "p-0004"`, `channels: ["website"]`, "search_engines: false",
		`title: "Título \"con\" comillas"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("given: missing %q in\n%s", want, raw)
		}
	}
	st.Answers.Danger = "unsure"
	raw, _ = Materialise(st, "es", "p-0004")
	if !strings.Contains(string(raw), "status: pending") || !strings.Contains(string(raw), "name_kind: anonymous") {
		t.Errorf("danger unsure: want pending and no name:\n%s", raw)
	}
	st.Answers.Share = "no"
	if raw, _ = Materialise(st, "es", "p-0004"); !strings.Contains(string(raw), "status: refused") {
		t.Errorf("share no: want refused")
	}
	if _, ok := Materialise(st, "en", "p-0004"); ok {
		t.Error("materialised a language with no text")
	}
}
