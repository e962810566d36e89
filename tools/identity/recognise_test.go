package identity

import (
	"slices"
	"strings"
	"testing"
)

func TestRecognise(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string // kind=text
	}{
		{"Guatemala mobile, international", "call +502 5530 1847 today", []string{"phone=+502 5530 1847"}},
		{"Guatemala, no spaces", "tel:+50255301847", []string{"phone=+50255301847"}},
		{"Honduras", "Honduras: +504 9876-5432.", []string{"phone=+504 9876-5432"}},
		{"El Salvador", "(+503) 2222 3333", []string{"phone=+503) 2222 3333"}},
		{"Canada NANP", "Toronto office (416) 555-0199", []string{"phone=(416) 555-0199"}},
		{"NANP with +1", "+1 604 555 0123", []string{"phone=+1 604 555 0123"}},
		{"NANP dotted", "604.555.0123", []string{"phone=604.555.0123"}},
		{"international E.164", "+44 20 7946 0958", []string{"phone=+44 20 7946 0958"}},
		{"00 prefix", "0050255301847", []string{"phone=0050255301847"}},
		{"local 4-4", "llame al 5530-1847", []string{"phone=5530-1847"}},
		{"e-mail", "write to a.b-c@mail.example.org.", []string{"email=a.b-c@mail.example.org"}},
		{"DPI grouped 4-5-4", "DPI 1234 56789 0101", []string{"dpi=1234 56789 0101"}},
		{"DPI ungrouped", "CUI: 1234567890101", []string{"dpi=1234567890101"}},
		{"GPS decimal", "at 14.6349, -90.5069 there", []string{"gps=14.6349, -90.5069"}},
		{"GPS DMS", `14°38'05.6"N 90°30'25.0"W`, []string{`gps=14°38'05.6"N`, `gps=90°30'25.0"W`}},
		{"address, Guatemala", "en la 3a Avenida 12-45 Zona 1, ciudad", []string{"address=3a Avenida 12-45 Zona 1"}},
		{"address, calle", "6a. calle 5-31, zona 10", []string{"address=6a. calle 5-31, zona 10"}},
		{"address, English", "at 123 Main Street in", []string{"address=123 Main Street"}},
		// Ordinary prose stays quiet.
		{"years and figures", "In 2026, 9.2M people; 6,486 cases and 372 convictions (2024-2026), 45% up.", nil},
		{"dates", "2026-11-29 and 29/11/2026 and 1990 2000", nil},
		{"large figure", "1,234,567,890 and 1.234.567.890 quetzales", nil},
		{"DPI with a bad check digit", "1234 56785 0101", nil},
		{"DPI with a bad department", "1234 56789 2301", nil},
		{"money and decimals", "Q 3.50 and 12.5 km, 14.6 percent", nil},
		{"version numbers", "hugo v0.165.0, go 1.26", nil},
		{"not an e-mail", "@handle and a@b", nil},
		{"short +number", "+1 more", nil},
		{"avenida without number", "la Avenida Reforma es larga", nil},
		{"ids", "st-7q2k9m m-0101 cr-2026-0011 p-0001", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range Recognise([]byte(tt.data), nil) {
			got = append(got, m.Kind+"="+tt.data[m.Start:m.End])
			if m.PersonID != "" || m.Term != -1 {
				t.Errorf("%s: %+v", tt.name, m)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: Recognise(%q)\n got %q\nwant %q", tt.name, tt.data, got, tt.want)
		}
	}
}

func TestRecogniseAllow(t *testing.T) {
	data := []byte("Call us: +502 2222-3333, 2222 3333 or info@org.example; victims 5530-1847")
	allow := []string{"+502 2222 3333", "INFO@org.example"}
	var got []string
	for _, m := range Recognise(data, allow) {
		got = append(got, string(data[m.Start:m.End]))
	}
	if strings.Join(got, "|") != "5530-1847" {
		t.Errorf("allow-list: got %q", got)
	}
}

// recogniseRef is Recognise as it was before candidate offsets and
// prefilters (every byte tried by every recogniser's start function): the
// reference the faster Recognise must agree with exactly.
func recogniseRef(data []byte, allow []string) []Match {
	initFold()
	var out []Match
	for _, rc := range recognisers {
		var locs [][2]int
		for i := 0; i < len(data); i++ {
			if rc.start == nil {
				if data[i] != '@' {
					continue
				}
				lo, hi := max(0, i-rc.maxLen), min(len(data), i+rc.maxLen)
				for _, loc := range rc.re.FindAllIndex(data[lo:hi], -1) {
					if lo+loc[0] <= i && i < lo+loc[1] {
						locs = append(locs, [2]int{lo + loc[0], lo + loc[1]})
					}
				}
				continue
			}
			if !rc.start(data, i) {
				continue
			}
			if loc := rc.re.FindIndex(data[i:min(len(data), i+rc.maxLen)]); loc != nil {
				locs = append(locs, [2]int{i, i + loc[1]})
				i += loc[1] - 1
			}
		}
		out = appendFound(out, data, rc, locs, allow)
	}
	slices.SortFunc(out, func(x, y Match) int { return x.Start - y.Start })
	return out
}

// recogniseSamples are inputs near every recogniser's edges: each
// prefilter's first bytes with one byte changed.
var recogniseSamples = []string{
	"call +502 5530 1847 today", "(416) 555-0199", "(116) 555-0199", "416.555.0199", "4165-555-0199", "-416-555-0199",
	"5530-1847", "5530 1847", "8530-1847", "55301-847", "1234 56789 0101", "123 456789 0101", "12345678 90101",
	"14.6349, -90.5069", "-14.6349, -90.5069", "114.6349, -90.5069", "(14.6349, -90.5069)", "1.6349,2.5069",
	`14°38'05.6"N 90°30'25.0"W`, `14 ° 38 ' N`, `1400°38'N`, "14\t°38′N",
	"3a Avenida 12-45 Zona 1", "3 a avenida 1-2", "3º Calle 4-5", "3ª calle 4-5", "123a avenida 1-2", "3\ta. AVENIDA 1-1",
	"Calle Real 4-20", "CALLEJÓN x 1-2", "Diagonal 6 1-1", "boulevard los proceres 3-45", "Bulevar 3 4-5", "av. 5 1-2", "Av.  Reforma 10-21",
	"123 Main Street", "12345  King St. W", "123456 Main Street", "1\nMain Street",
	"a.b-c@mail.example.org", "x@y.zz @ @a.b", "+1 604 555 0123", "0050255301847", "00 50 2553 01847",
	"2024-2026 1990 2000 2026-11-29", "st-7q2k9m cr-2026-0011", "é1234 56789 0101é", "",
}

func TestRecogniseMatchesReference(t *testing.T) {
	_, corpus := benchCorpus(50, 64<<10)
	inputs := append([]string{string(corpus)}, recogniseSamples...)
	for _, s := range recogniseSamples {
		inputs = append(inputs, "x "+s+" y", s+s, strings.ToUpper(s), strings.ToLower(s))
	}
	allow := []string{"+502 2222 3333", "info@org.example"}
	for _, s := range inputs {
		got, want := Recognise([]byte(s), allow), recogniseRef([]byte(s), allow)
		if !slices.Equal(got, want) {
			t.Errorf("Recognise(%.80q) = %v, reference %v", s, got, want)
		}
	}
}

// FuzzRecogniseReference checks that Recognise finds exactly what the
// byte-by-byte reference finds.
func FuzzRecogniseReference(f *testing.F) {
	for _, s := range recogniseSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		allow := []string{"+502 2222 3333"}
		got, want := Recognise([]byte(s), allow), recogniseRef([]byte(s), allow)
		if !slices.Equal(got, want) {
			t.Errorf("Recognise(%q) = %v, reference %v", s, got, want)
		}
	})
}
