package media

import (
	"strings"
	"testing"
)

const xmpHead = `<?xpacket begin="` + "\xEF\xBB\xBF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`
const xmpTail = `</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`

func TestXMPOrientation(t *testing.T) {
	tests := []struct {
		name   string
		packet string
		want   int
	}{
		{"attribute", xmpHead + `<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>` + xmpTail, 6},
		{"element", xmpHead + `<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Orientation> 8 </tiff:Orientation></rdf:Description>` + xmpTail, 8},
		{"other prefix", xmpHead + `<rdf:Description xmlns:t="http://ns.adobe.com/tiff/1.0/" t:Orientation="3"/>` + xmpTail, 3},
		{"second description", xmpHead + `<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"/><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="2"/>` + xmpTail, 2},
		{"wrong namespace", xmpHead + `<rdf:Description xmlns:tiff="http://example.com/tiff/" tiff:Orientation="6"/>` + xmpTail, 0},
		{"exif namespace", xmpHead + `<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:Orientation="6"/>` + xmpTail, 0},
		{"out of range", xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="9"/>` + xmpTail, 0},
		{"not a number", xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="right"/>` + xmpTail, 0},
		{"element with children", xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Orientation><rdf:Seq/></tiff:Orientation></rdf:Description>` + xmpTail, 0},
		{"no orientation", xmpHead + `<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"/>` + xmpTail, 0},
		{"malformed", xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Orientation>6</tiff:Orient>` + xmpTail, 0},
		{"undefined entity", xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Orientation>&six;</tiff:Orientation></rdf:Description>` + xmpTail, 0},
		{"internal entity not expanded", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY six "6">]>` + xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Orientation>&six;</tiff:Orientation></rdf:Description>` + xmpTail, 0},
		{"utf-16 declared", `<?xml version="1.0" encoding="UTF-16"?>` + xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>` + xmpTail, 0},
		{"too deep", xmpHead + strings.Repeat("<a>", 100) + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>` + strings.Repeat("</a>", 100) + xmpTail, 0},
		{"too large", xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>` + strings.Repeat(" ", maxXMP) + xmpTail, 0},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		if got := xmpOrientation([]byte(tt.packet)); got != tt.want {
			t.Errorf("%s: xmpOrientation = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func FuzzXMPOrientation(f *testing.F) {
	f.Add([]byte(xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>` + xmpTail))
	f.Add([]byte(xmpHead + `<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Orientation>8</tiff:Orientation></rdf:Description>` + xmpTail))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "Orientation">]><x>&a;</x>`))
	f.Fuzz(func(t *testing.T, packet []byte) {
		if v := xmpOrientation(packet); v < 0 || v > 8 {
			t.Fatalf("orientation %d", v)
		}
	})
}
