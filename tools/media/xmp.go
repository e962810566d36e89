package media

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Limits of xmpOrientation. A JPEG APP1 segment holds at most 65,533
// bytes, so maxXMP only matters for callers with other sources; the token
// and depth limits bound the work on a hostile packet.
const (
	maxXMP       = 64 << 10
	maxXMPTokens = 20_000
	maxXMPDepth  = 64
)

// nsTIFF is the XMP namespace of the TIFF properties (XMP Specification
// Part 2, "TIFF namespace"), holding tiff:Orientation.
const nsTIFF = "http://ns.adobe.com/tiff/1.0/"

// xmpOrientation returns the tiff:Orientation (1-8, CIPA DC-008 tag 0x0112
// values) of an XMP packet, written as an attribute of rdf:Description
// (tiff:Orientation="6") or as an element (<tiff:Orientation>6
// </tiff:Orientation>), or 0 when the packet has none, a value outside
// 1-8, or is not well-formed XML. The first value found wins.
//
// Precedence (applied in scrubJPEG): an Exif orientation tag, whatever
// its value, wins over XMP; the XMP value is used only when Exif has no
// orientation tag or there is no Exif at all. This is the order of the
// Metadata Working Group's "Guidelines for Handling Image Metadata" 2.0
// (2010), which makes the native Exif value authoritative in a JPEG and
// XMP the fallback, of Microsoft WIC's System.Photo.Orientation read paths
// for JPEG (1: /app1/ifd/{ushort=274}, 2: /xmp/tiff:Orientation), and of
// exiftool, whose Orientation tag prefers EXIF to XMP. Browsers read only
// the Exif tag (CSS Images 3 image-orientation: from-image); photo
// applications built on those libraries show an XMP-only orientation, so
// Storyguard applies it rather than publish the photo sideways from how
// the storyteller saw it there.
//
// The packet is outside input: it is parsed with encoding/xml in strict
// mode, which expands no entities beyond the five predefined ones and
// fetches nothing (a DOCTYPE is only a token), with limits on size, token
// count and depth; it never panics.
func xmpOrientation(packet []byte) int {
	if len(packet) > maxXMP {
		return 0
	}
	if !bytes.Contains(packet, []byte("Orientation")) {
		return 0 // the common case: no need to parse
	}
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(packet, []byte("\xEF\xBB\xBF"))))
	d.Strict = true
	d.Entity = nil
	d.CharsetReader = func(string, io.Reader) (io.Reader, error) {
		return nil, errors.New("only UTF-8 XMP is read")
	}
	depth, inOrient := 0, false
	var text strings.Builder
	for n := 0; n < maxXMPTokens; n++ {
		tok, err := d.Token()
		if err != nil {
			return 0
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMPDepth {
				return 0
			}
			if inOrient {
				return 0 // tiff:Orientation holds a value, not elements
			}
			for _, a := range t.Attr {
				if a.Name.Local == "Orientation" && a.Name.Space == nsTIFF {
					return orientationValue(a.Value)
				}
			}
			if t.Name.Local == "Orientation" && t.Name.Space == nsTIFF {
				inOrient = true
				text.Reset()
			}
		case xml.CharData:
			if inOrient && text.Len() < 16 {
				text.Write(t)
			}
		case xml.EndElement:
			depth--
			if inOrient {
				return orientationValue(text.String())
			}
		}
	}
	return 0
}

// orientationValue parses an XMP orientation value, 0 if not 1-8.
func orientationValue(s string) int {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 1 || v > 8 {
		return 0
	}
	return v
}
