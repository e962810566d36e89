package media

import (
	"crypto/sha256"
	"encoding/hex"
)

// KnownProfiles maps the lowercase hex SHA-256 digest of a whole ICC
// profile (the bytes as embedded, after reassembling JPEG APP2 chunks or
// inflating a PNG iCCP chunk) to the colour space it describes ("sRGB" or
// "Display P3"). Only these profiles survive Scrub and Verify; any other
// profile is dropped, because an ICC profile's text tags (desc, dmnd, dmdd,
// cprt) can name a device, its serial number or a person (a calibrated
// monitor profile often carries its owner's name).
//
// Sources of the digests (computed with sha256sum on the files as shipped):
//   - 2a92d4ba…5796: Debian package icc-profiles-free 2.0.1+dfsg-1.1,
//     /usr/share/color/icc/sRGB.icc (6,922 bytes, sRGB IEC61966-2.1, lcms);
//     a copy is tools/media/testdata/srgb-icc-profiles-free.icc.
//   - c87e0492…a451: Debian package colord-data 1.4.6-2.2,
//     /usr/share/color/icc/colord/sRGB.icc (20,420 bytes, CC0).
//
// Missing: the profiles cameras and phones actually embed (HP/Microsoft
// "sRGB IEC61966-2.1" 3,144 bytes, Google's compact sRGB, Apple's "Display
// P3") are not available on this machine (no network), so their digests are
// not listed yet and such images lose their profile. Add a digest only from
// a profile file whose provenance is recorded here.
//
// Colour consequence of dropping a profile: browsers and viewers then assume
// sRGB (CSS Color 4, "untagged images are sRGB"). For an sRGB photo nothing
// changes; a Display P3 or Adobe RGB photo looks slightly less saturated,
// never wrong in hue. That is the accepted price of publishing no device
// or owner names.
var KnownProfiles = map[string]string{
	"2a92d4bae450b76d8b0aa42193df974d75f62738ecebf74f01c5e75b12a95796": "sRGB",
	"c87e049275a6729f0fb5afd533d35e4baf7e73bac68d780cfb7690bfa37ea451": "sRGB",
}

// knownProfile returns the colour space of a standard profile, or "".
func knownProfile(profile []byte) string {
	sum := sha256.Sum256(profile)
	return KnownProfiles[hex.EncodeToString(sum[:])]
}

// iccReport maps a kept profile's colour space to the Report.ICC value.
func iccReport(space string) string {
	if space == "Display P3" {
		return ICCKeptP3
	}
	return ICCKept
}
