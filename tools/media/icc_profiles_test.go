package media_test

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"storyguard/tools/media"
	"storyguard/tools/testgen/fixture"
)

// knownProfileFiles are the profiles of media.KnownProfiles whose bytes
// are in testdata (their provenance and licence: testdata/README.md), with
// the colour space and every text they may carry.
var knownProfileFiles = []struct {
	file  string
	space string
	texts []string // every string of every text tag, in any order
}{
	{"srgb-icc-profiles-free.icc", "sRGB", []string{"desc=sRGB", "dmdd=sRGB", "dmnd=lcms generated ", "cprt=no copyright, use freely"}},
	{"icc-google-srgb-parametric.icc", "sRGB", []string{"desc=sRGB IEC61966-2.1", "cprt=Copyright (c) 2016 Google Inc."}},
	{"icc-google-srgb-lut.icc", "sRGB", []string{"desc=sRGB ICE61966-2.1", "cprt=Copyright (c) 2016 Google Inc."}},
	{"icc-cc0-srgb-v4.icc", "sRGB", []string{"desc=sRGB", "cprt=CC0"}},
	{"icc-google-display-p3-parametric.icc", "Display P3", []string{"desc=Display P3", "cprt=Copyright (c) 2017 Google Inc."}},
	{"icc-google-display-p3-lut.icc", "Display P3", []string{"desc=Display P3", "cprt=Copyright (c) 2017 Google Inc."}},
	{"icc-cc0-display-p3-v4.icc", "Display P3", []string{"desc=sP3", "cprt=CC0"}},
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// p3Profile is a Display P3 profile on the known list (CC0).
func p3Profile(t testing.TB) []byte { return readTestdata(t, "icc-cc0-display-p3-v4.icc") }

// TestKnownProfilesAreWhatTheySay parses every listed profile in testdata
// and checks that it is the colour space KnownProfiles claims and that its
// text tags carry only the vendor's standard strings.
func TestKnownProfilesAreWhatTheySay(t *testing.T) {
	primaries := map[string][3][2]float64{
		// IEC 61966-2-1:1999 (sRGB): ITU-R BT.709 primaries.
		"sRGB": {{0.640, 0.330}, {0.300, 0.600}, {0.150, 0.060}},
		// SMPTE EG 432-1 (DCI-P3 primaries); Display P3 uses them with
		// the D65 white and the sRGB transfer function.
		"Display P3": {{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}},
	}
	files, _ := filepath.Glob("testdata/*.icc")
	listed := map[string]bool{}
	for _, p := range knownProfileFiles {
		listed[p.file] = true
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		sum := sha256.Sum256(b)
		if space := media.KnownProfiles[hex.EncodeToString(sum[:])]; space != "" && !listed[filepath.Base(f)] {
			t.Errorf("%s is on KnownProfiles (%s) but not checked here", f, space)
		}
	}
	for _, kp := range knownProfileFiles {
		t.Run(kp.file, func(t *testing.T) {
			b := readTestdata(t, kp.file)
			sum := sha256.Sum256(b)
			if got := media.KnownProfiles[hex.EncodeToString(sum[:])]; got != kp.space {
				t.Fatalf("KnownProfiles says %q, want %q", got, kp.space)
			}
			p, err := parseICC(b)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := slices.Sorted(slices.Values(p.texts)), slices.Sorted(slices.Values(kp.texts)); !slices.Equal(got, want) {
				t.Errorf("text tags %q, want only %q", got, want)
			}
			want := d50Colorants(primaries[kp.space])
			for i, sig := range []string{"rXYZ", "gXYZ", "bXYZ"} {
				got, ok := p.xyz[sig]
				if !ok {
					t.Fatalf("no %s tag", sig)
				}
				for k := range 3 {
					if math.Abs(got[k]-want[i][k]) > 0.003 {
						t.Errorf("%s = %.4f, want %.4f (%s primaries)", sig, got, want[i], kp.space)
						break
					}
				}
			}
			for _, sig := range []string{"rTRC", "gTRC", "bTRC"} {
				curve, ok := p.curves[sig]
				if !ok {
					t.Fatalf("no %s tag", sig)
				}
				for i := 0; i <= 255; i++ {
					x := float64(i) / 255
					if d := math.Abs(curve(x) - srgbEOTF(x)); d > 0.002 {
						t.Errorf("%s(%d/255) = %.5f, sRGB curve %.5f", sig, i, curve(x), srgbEOTF(x))
						break
					}
				}
			}
		})
	}
}

// TestParseICCRejects checks that the checker above can fail: an edited
// description, an extra text tag and text in unreferenced bytes are seen.
func TestParseICCRejects(t *testing.T) {
	p3 := p3Profile(t)
	edited := slices.Clone(p3)
	i := bytes.Index(edited, utf16BE("sP3"))
	edited[i+1] = 'x'
	if p, err := parseICC(edited); err != nil || slices.Contains(p.texts, "desc=sP3") {
		t.Errorf("edited desc: %v, texts %q", err, p.texts)
	}
	hidden := append(slices.Clone(p3), []byte("Marisol's phone")...)
	binary.BigEndian.PutUint32(hidden, uint32(len(hidden)))
	if _, err := parseICC(hidden); err == nil {
		t.Error("text after the last tag not seen")
	}
	if _, err := parseICC(p3[:200]); err == nil {
		t.Error("truncated profile accepted")
	}
	// The colorant check tells the two spaces apart.
	srgb, err := parseICC(readTestdata(t, "icc-cc0-srgb-v4.icc"))
	if err != nil {
		t.Fatal(err)
	}
	p3Red := d50Colorants([3][2]float64{{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}})[0]
	if math.Abs(srgb.xyz["rXYZ"][0]-p3Red[0]) < 0.05 {
		t.Errorf("sRGB red %.4f too close to P3 red %.4f", srgb.xyz["rXYZ"], p3Red)
	}
}

func utf16BE(s string) []byte {
	var b []byte
	for _, r := range utf16.Encode([]rune(s)) {
		b = binary.BigEndian.AppendUint16(b, r)
	}
	return b
}

type iccProfile struct {
	texts  []string // "sig=text" for every string of every text tag
	xyz    map[string][3]float64
	curves map[string]func(float64) float64
}

// parseICC reads an RGB display profile (ICC.1:2022 sections 7 and 10):
// header, tag table, XYZ, curv, para, text, desc and mluc tags. It fails
// on a tag it does not know and on more than 3 non-zero bytes no tag
// covers, so that no text can hide from the check.
func parseICC(b []byte) (iccProfile, error) {
	p := iccProfile{xyz: map[string][3]float64{}, curves: map[string]func(float64) float64{}}
	if len(b) < 132 || int(binary.BigEndian.Uint32(b)) != len(b) || string(b[36:40]) != "acsp" {
		return p, errors.New("bad header")
	}
	if string(b[12:16]) != "mntr" || string(b[16:20]) != "RGB " || string(b[20:24]) != "XYZ " {
		return p, fmt.Errorf("class %q, colour space %q, PCS %q", b[12:16], b[16:20], b[20:24])
	}
	if !allZero(b[100:128]) {
		return p, errors.New("reserved header bytes not zero")
	}
	n := int(binary.BigEndian.Uint32(b[128:]))
	if n > 64 || 132+12*n > len(b) {
		return p, errors.New("bad tag count")
	}
	covered := make([]bool, len(b))
	for i := range 132 + 12*n {
		covered[i] = true
	}
	s15 := func(d []byte) float64 { return float64(int32(binary.BigEndian.Uint32(d))) / 65536 }
	for i := range n {
		e := b[132+12*i:]
		sig := string(e[:4])
		off, size := int(binary.BigEndian.Uint32(e[4:])), int(binary.BigEndian.Uint32(e[8:]))
		if off < 132+12*n || size < 8 || off+size > len(b) {
			return p, fmt.Errorf("tag %s out of bounds", sig)
		}
		for j := off; j < off+size; j++ {
			covered[j] = true
		}
		d := b[off : off+size]
		typ := string(d[:4])
		switch sig {
		case "desc", "cprt", "dmnd", "dmdd", "vued":
			texts, err := iccTexts(d)
			if err != nil {
				return p, fmt.Errorf("tag %s: %w", sig, err)
			}
			for _, s := range texts {
				p.texts = append(p.texts, sig+"="+s)
			}
		case "rXYZ", "gXYZ", "bXYZ", "wtpt", "bkpt", "lumi":
			if typ != "XYZ " || size != 20 {
				return p, fmt.Errorf("tag %s type %q", sig, typ)
			}
			p.xyz[sig] = [3]float64{s15(d[8:]), s15(d[12:]), s15(d[16:])}
		case "rTRC", "gTRC", "bTRC":
			f, err := iccCurve(d)
			if err != nil {
				return p, fmt.Errorf("tag %s: %w", sig, err)
			}
			p.curves[sig] = f
		case "chad", "chrm", "view", "meas", "tech":
			// Numbers only: adaptation matrix, chromaticities, viewing
			// conditions, measurement, technology signature.
			if !(sig == "chad" && typ == "sf32" || sig == "chrm" && typ == "chrm" || sig == "view" && typ == "view" || sig == "meas" && typ == "meas" || sig == "tech" && typ == "sig ") {
				return p, fmt.Errorf("tag %s type %q", sig, typ)
			}
		default:
			return p, fmt.Errorf("unexpected tag %q", sig)
		}
	}
	// Bytes no tag covers must be padding. lcms ends a text tag with a
	// newline its size leaves out (testdata/srgb-icc-profiles-free.icc),
	// so up to 3 stray bytes pass: too few to name anything.
	stray := 0
	for i, c := range covered {
		if !c && b[i] != 0 {
			stray++
		}
	}
	if stray > 3 {
		return p, fmt.Errorf("%d non-zero bytes outside every tag", stray)
	}
	return p, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// iccTexts returns every string of a text, desc (ICC.1:2001-04 6.5.17:
// ASCII, Unicode and ScriptCode parts) or mluc tag, trailing NULs removed.
func iccTexts(d []byte) ([]string, error) {
	trim := func(s string) string { return strings.TrimRight(s, "\x00") }
	switch string(d[:4]) {
	case "text":
		return []string{trim(string(d[8:]))}, nil
	case "desc":
		if len(d) < 12 {
			return nil, errors.New("short desc")
		}
		n := int(binary.BigEndian.Uint32(d[8:]))
		if 12+n+8 > len(d) {
			return nil, errors.New("desc ASCII count")
		}
		out := []string{trim(string(d[12 : 12+n]))}
		r := d[12+n:]
		un := int(binary.BigEndian.Uint32(r[4:]))
		if 8+2*un+3 > len(r) {
			return nil, errors.New("desc Unicode count")
		}
		if un > 0 {
			out = append(out, trim(utf16String(r[8:8+2*un])))
		}
		r = r[8+2*un:]
		sc := int(r[2])
		if sc > 67 || len(r) < 3+67 {
			return nil, errors.New("desc ScriptCode")
		}
		if sc > 0 {
			out = append(out, trim(string(r[3:3+sc])))
		}
		if !allZero(r[3+sc:]) {
			return nil, errors.New("bytes after the ScriptCode string")
		}
		return out, nil
	case "mluc":
		if len(d) < 16 || binary.BigEndian.Uint32(d[12:]) != 12 {
			return nil, errors.New("mluc header")
		}
		var out []string
		nr := int(binary.BigEndian.Uint32(d[8:]))
		for i := range nr {
			if 16+12*i+12 > len(d) {
				return nil, errors.New("mluc records")
			}
			rec := d[16+12*i:]
			l, o := int(binary.BigEndian.Uint32(rec[4:])), int(binary.BigEndian.Uint32(rec[8:]))
			if o+l > len(d) || l%2 != 0 {
				return nil, errors.New("mluc record out of bounds")
			}
			out = append(out, trim(utf16String(d[o:o+l])))
		}
		return out, nil
	}
	return nil, fmt.Errorf("text type %q", d[:4])
}

func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// iccCurve returns a curv (ICC.1 10.6) or para (10.18) tone curve.
func iccCurve(d []byte) (func(float64) float64, error) {
	switch string(d[:4]) {
	case "curv":
		n := int(binary.BigEndian.Uint32(d[8:]))
		if n < 2 || 12+2*n > len(d) {
			return nil, fmt.Errorf("curv with %d entries", n)
		}
		return func(x float64) float64 {
			f := x * float64(n-1)
			i := min(int(f), n-2)
			a := float64(binary.BigEndian.Uint16(d[12+2*i:])) / 65535
			c := float64(binary.BigEndian.Uint16(d[12+2*i+2:])) / 65535
			return a + (c-a)*(f-float64(i))
		}, nil
	case "para":
		// Function type 3 has the parameters g a b c d, type 4 also e
		// and f (ICC.1:2022 Table 68); the offsets e and f are 0 in 3.
		fn := binary.BigEndian.Uint16(d[8:])
		n := map[uint16]int{3: 5, 4: 7}[fn]
		if n == 0 || len(d) < 12+n*4 {
			return nil, fmt.Errorf("para function %d", fn)
		}
		v := make([]float64, 7)
		for i := range n {
			v[i] = float64(int32(binary.BigEndian.Uint32(d[12+4*i:]))) / 65536
		}
		g, a, b, c, dd, e, f := v[0], v[1], v[2], v[3], v[4], v[5], v[6]
		return func(x float64) float64 {
			if x >= dd {
				return math.Pow(a*x+b, g) + e
			}
			return c*x + f
		}, nil
	}
	return nil, fmt.Errorf("curve type %q", d[:4])
}

// srgbEOTF is the sRGB transfer function, IEC 61966-2-1 section 5.2.
func srgbEOTF(x float64) float64 {
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

// d50Colorants returns the XYZ columns of the RGB-to-XYZ matrix of the
// given primaries with a D65 white (x 0.3127, y 0.3290), chromatically
// adapted to the ICC PCS white D50 (0.9642, 1, 0.8249) with the Bradford
// transform (ICC.1:2022 Annex E).
func d50Colorants(prim [3][2]float64) [3][3]float64 {
	xyz := func(x, y float64) [3]float64 { return [3]float64{x / y, 1, (1 - x - y) / y} }
	var P [3][3]float64
	for j, xy := range prim {
		c := xyz(xy[0], xy[1])
		for i := range 3 {
			P[i][j] = c[i]
		}
	}
	w := xyz(0.3127, 0.3290)
	s := mulVec(inv(P), w)
	var M [3][3]float64
	for i := range 3 {
		for j := range 3 {
			M[i][j] = P[i][j] * s[j]
		}
	}
	brad := [3][3]float64{{0.8951, 0.2664, -0.1614}, {-0.7502, 1.7135, 0.0367}, {0.0389, -0.0685, 1.0296}}
	src, dst := mulVec(brad, w), mulVec(brad, [3]float64{0.9642, 1, 0.8249})
	var D [3][3]float64
	for i := range 3 {
		D[i][i] = dst[i] / src[i]
	}
	A := mul(inv(brad), mul(D, brad))
	M50 := mul(A, M)
	var cols [3][3]float64
	for j := range 3 {
		for i := range 3 {
			cols[j][i] = M50[i][j]
		}
	}
	return cols
}

func mul(a, b [3][3]float64) (c [3][3]float64) {
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				c[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return c
}

func mulVec(a [3][3]float64, v [3]float64) (r [3]float64) {
	for i := range 3 {
		for k := range 3 {
			r[i] += a[i][k] * v[k]
		}
	}
	return r
}

func inv(m [3][3]float64) (r [3][3]float64) {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	for i := range 3 {
		for j := range 3 {
			a, b := (j+1)%3, (j+2)%3
			c, d := (i+1)%3, (i+2)%3
			r[i][j] = (m[a][c]*m[b][d] - m[a][d]*m[b][c]) / det
		}
	}
	return r
}

// embeddedICC extracts the profile of a scrubbed JPEG (APP2 chunks
// reassembled) or PNG (iCCP inflated); nil if there is none.
func embeddedICC(t *testing.T, f media.Format, b []byte) []byte {
	t.Helper()
	var out []byte
	switch f {
	case media.JPEG:
		for i := 2; i+4 <= len(b) && b[i] == 0xFF && b[i+1] != 0xDA; {
			n := int(binary.BigEndian.Uint16(b[i+2:]))
			seg := b[i+4 : i+2+n]
			if b[i+1] == 0xE2 && bytes.HasPrefix(seg, []byte("ICC_PROFILE\x00")) {
				out = append(out, seg[14:]...)
			}
			i += 2 + n
		}
	case media.PNG:
		for i := 8; i+12 <= len(b); {
			n := int(binary.BigEndian.Uint32(b[i:]))
			if string(b[i+4:i+8]) == "iCCP" {
				d := b[i+8 : i+8+n]
				z := bytes.IndexByte(d, 0)
				zr, err := zlib.NewReader(bytes.NewReader(d[z+2:]))
				if err != nil {
					t.Fatal(err)
				}
				out, err = io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
			}
			i += 12 + n
		}
	}
	return out
}

// TestDisplayP3Kept: a JPEG and a PNG carrying a known Display P3 profile
// keep it byte for byte; an edited copy (one byte of its description
// changed) is dropped.
func TestDisplayP3Kept(t *testing.T) {
	p3 := p3Profile(t)
	edited := slices.Clone(p3)
	edited[bytes.Index(edited, utf16BE("sP3"))+1] = 'x'
	for _, tt := range []struct {
		name string
		make func(icc []byte) []byte
	}{
		{"p3.jpg", func(icc []byte) []byte { return fixture.JPEG(fixture.JPEGOptions{ICC: icc}) }},
		{"p3.png", func(icc []byte) []byte { return fixture.PNG(fixture.PNGOptions{ICC: icc}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, rep := scrub(t, tt.make(p3), media.Options{Name: tt.name})
			if rep.ICC != media.ICCKeptP3 {
				t.Errorf("ICC %q, want %q", rep.ICC, media.ICCKeptP3)
			}
			if got := embeddedICC(t, rep.Format, out); !bytes.Equal(got, p3) {
				t.Errorf("profile in output (%d bytes) differs from the input profile (%d bytes)", len(got), len(p3))
			}
			if _, err := media.Verify(bytes.NewReader(out), media.Options{Name: tt.name}); err != nil {
				t.Errorf("verify: %v", err)
			}
			out, rep = scrub(t, tt.make(edited), media.Options{Name: tt.name})
			if rep.ICC != media.ICCDropped || embeddedICC(t, rep.Format, out) != nil {
				t.Errorf("edited profile: ICC %q, still embedded %v", rep.ICC, embeddedICC(t, rep.Format, out) != nil)
			}
			if _, err := media.Verify(bytes.NewReader(out), media.Options{}); err != nil {
				t.Errorf("verify without profile: %v", err)
			}
			// Verify refuses the edited profile on its own, too.
			var tampered []byte
			if rep.Format == media.JPEG {
				kept, _ := scrub(t, tt.make(p3), media.Options{})
				tampered = bytes.Replace(kept, p3, edited, 1)
				if _, err := media.Verify(bytes.NewReader(tampered), media.Options{}); !errors.Is(err, media.ErrNotClean) {
					t.Errorf("Verify(edited profile) = %v, want ErrNotClean", err)
				}
			}
		})
	}
}

// TestExiftoolDisplayP3 asks exiftool what a kept P3 profile shows: only
// the profile's header fields, colorants, curves and its two standard
// texts.
func TestExiftoolDisplayP3(t *testing.T) {
	exiftool := requireTool(t, "exiftool")
	p3 := p3Profile(t)
	dir := t.TempDir()
	for _, tt := range []struct{ name, format string }{{"p3.jpg", "jpeg"}, {"p3.png", "png"}} {
		t.Run(tt.name, func(t *testing.T) {
			src := fixture.JPEG(fixture.JPEGOptions{ICC: p3})
			if tt.format == "png" {
				src = fixture.PNG(fixture.PNGOptions{ICC: p3})
			}
			out, _ := scrub(t, src, media.Options{})
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			raw, err := exec.Command(exiftool, "-j", "-a", "-G1", path).Output()
			if err != nil {
				t.Fatalf("exiftool: %v", err)
			}
			var res []map[string]any
			if err := json.Unmarshal(raw, &res); err != nil || len(res) != 1 {
				t.Fatalf("exiftool output: %v", err)
			}
			got := res[0]
			if got["ICC_Profile:ProfileDescription"] != "sP3" || got["ICC_Profile:ProfileCopyright"] != "CC0" {
				t.Errorf("exiftool does not see the kept profile: %v", got)
			}
			allowedGroups := map[string]bool{"ExifTool": true, "System": true, "File": true, "JFIF": true, "Composite": true, "PNG": true, "PNG-pHYs": true, "ICC-header": true, "ICC_Profile": true}
			for key, v := range got {
				if key == "SourceFile" {
					continue
				}
				group, tag, _ := strings.Cut(key, ":")
				if !allowedGroups[group] {
					t.Errorf("exiftool reports %s", key)
				}
				s, isText := v.(string)
				if group == "ICC_Profile" && isText && tag != "ProfileDescription" && tag != "ProfileCopyright" && !strings.HasPrefix(s, "(Binary data") && strings.Trim(s, "0123456789.- ") != "" {
					t.Errorf("exiftool reports profile text %s = %q", key, s)
				}
				if isText && strings.Contains(s, "SGSENTINEL") {
					t.Errorf("sentinel in %s", key)
				}
			}
		})
	}
}

// requireTool returns the path of an external tool; a missing tool fails
// the test when STORYGUARD_REQUIRE_TOOLS=1 and skips it otherwise.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("STORYGUARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s not installed (run scripts/install-test-deps.sh)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

// TestKnownProfilesProvenance checks that the digest list and its
// provenance stay together: every KnownProfiles digest is quoted in the
// doc comment of KnownProfiles (as "first 8 hex…last 4 hex") under the
// heading of its colour space, and every digest quoted there is listed,
// so that no profile is kept without a recorded source.
func TestKnownProfilesProvenance(t *testing.T) {
	src, err := os.ReadFile("icc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, _, ok := strings.Cut(string(src), "var KnownProfiles")
	if !ok {
		t.Fatal("no KnownProfiles in icc.go")
	}
	// The doc comment's sections: "// sRGB:" then "// Display P3:".
	section := map[string]string{}
	var cur string
	for _, line := range strings.Split(doc, "\n") {
		switch strings.TrimSpace(line) {
		case "// sRGB:":
			cur = "sRGB"
			continue
		case "// Display P3:":
			cur = "Display P3"
			continue
		case "//":
			cur = ""
		}
		section[cur] += line + "\n"
	}
	quoted := regexp.MustCompile(`([0-9a-f]{8})…([0-9a-f]{4}):`)
	short := map[string]string{}
	for space, text := range section {
		for _, m := range quoted.FindAllStringSubmatch(text, -1) {
			if space == "" {
				t.Errorf("digest %s…%s quoted outside the sRGB and Display P3 lists", m[1], m[2])
			}
			short[m[1]+"…"+m[2]] = space
		}
	}
	for digest, space := range media.KnownProfiles {
		if len(digest) != 64 || strings.Trim(digest, "0123456789abcdef") != "" {
			t.Errorf("key %q is not a lowercase hex SHA-256 digest", digest)
			continue
		}
		s := digest[:8] + "…" + digest[60:]
		got, ok := short[s]
		switch {
		case !ok:
			t.Errorf("%s (%s) has no provenance in the KnownProfiles doc comment", s, space)
		case got != space:
			t.Errorf("%s is listed as %s but documented under %s", s, space, got)
		}
		delete(short, s)
	}
	for s := range short {
		t.Errorf("%s is documented but not on KnownProfiles", s)
	}
}

// TestICCCurveParaType4 checks the parametric curve of function type 4
// (ICC.1:2022 Table 68), which libultrahdr's profile uses: with the sRGB
// parameters and zero offsets it is the sRGB curve, and the offsets e and
// f are added above and below d.
func TestICCCurveParaType4(t *testing.T) {
	para := func(v ...float64) []byte {
		b := []byte("para\x00\x00\x00\x00\x00\x04\x00\x00")
		for _, x := range v {
			b = binary.BigEndian.AppendUint32(b, uint32(int32(math.Round(x*65536))))
		}
		return b
	}
	g, a, b, c, d := 2.4, 1/1.055, 0.055/1.055, 1/12.92, 0.04045
	curve, err := iccCurve(para(g, a, b, c, d, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= 255; i++ {
		x := float64(i) / 255
		if diff := math.Abs(curve(x) - srgbEOTF(x)); diff > 0.0001 {
			t.Fatalf("curve(%d/255) = %.5f, sRGB %.5f", i, curve(x), srgbEOTF(x))
		}
	}
	offset, err := iccCurve(para(g, a, b, c, d, 0.25, 0.125))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := offset(1), curve(1)+0.25; math.Abs(got-want) > 0.0001 {
		t.Errorf("with e = 0.25: curve(1) = %.5f, want %.5f", got, want)
	}
	if got, want := offset(0), 0.125; math.Abs(got-want) > 0.0001 {
		t.Errorf("with f = 0.125: curve(0) = %.5f, want %.5f", got, want)
	}
	if _, err := iccCurve(para(g, a, b, c, d)[:12+5*4]); err == nil {
		t.Error("type 4 with 5 parameters accepted")
	}
}
