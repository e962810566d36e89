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
// monitor profile often carries its owner's name). A digest matches the
// whole profile, so a profile that differs from a listed one in a single
// byte (an edited description, a different creation date) is dropped too.
//
// A digest is listed only if its file's provenance is recorded below and
// its text tags carry nothing but the vendor's standard description,
// copyright and (for the HP profile) the IEC reference texts. Each was
// checked as the colour space it is listed as: RGB display profile,
// XYZ PCS, rXYZ/gXYZ/bXYZ equal (within 0.003) to the Bradford-adapted
// D50 colorants of the sRGB primaries (IEC 61966-2-1) or of the DCI-P3
// primaries with a D65 white (Display P3), and tone curves equal to the
// sRGB curve. TestKnownProfilesAreWhatTheySay repeats that check on every
// listed profile whose bytes are in tools/media/testdata; for the others
// (licence does not allow a copy) the figures are quoted below.
//
// sRGB:
//   - 2a92d4ba…5796: Debian package icc-profiles-free 2.0.1+dfsg-1.1,
//     /usr/share/color/icc/sRGB.icc (6,922 bytes, desc "sRGB", lcms;
//     Zlib licence); copy: testdata/srgb-icc-profiles-free.icc.
//   - c87e0492…a451: Debian package colord-data 1.4.6-2.2,
//     /usr/share/color/icc/colord/sRGB.icc (20,420 bytes, CC0).
//   - 2b3aa164…af7e: HP/Microsoft "sRGB IEC61966-2.1" (3,144 bytes, cprt
//     "Copyright (c) 1998 Hewlett-Packard Company", dmnd "IEC
//     http://www.iec.ch", dmdd "IEC 61966-2.1 Default RGB colour space -
//     sRGB", vued "Reference Viewing Condition in IEC61966-2.1"), embedded
//     by most cameras, Photoshop and macOS. Source: github.com/jbeich/skcms
//     (mirror of skia.googlesource.com/skcms) profiles/misc/sRGB_HP.icc,
//     added in commit 481c6e1bcfef7c2ccd3a56c0d83809c6d20eb6ba; the same
//     bytes are github.com/nico/jpegfiles iccfiles/sRGB-apple.icc (macOS
//     13.2) and iccfiles/sRGB-Adobe.icc (Photoshop), commit
//     d65e11d1aab1c56ccd20bae06cdab27bfa3fbb73. HP copyright, no open
//     licence: digest only. Checked: rXYZ 0.4361 0.2225 0.0139, gXYZ
//     0.3851 0.7169 0.0971, bXYZ 0.1431 0.0606 0.7141, 1024-entry curves.
//   - 33c34ecf…76f2: Google "sRGB IEC61966-2.1" (596 bytes, v4, cprt
//     "Copyright (c) 2016 Google Inc.", parametric curve), embedded by
//     Android camera apps (the same bytes are nico/jpegfiles
//     iccfiles/sRGB-pixel.icc, from a Pixel 7 Pro on Android 13). Source:
//     jbeich/skcms profiles/mobile/sRGB_parametric.icc, commit
//     808657785ec1fc25bf215516bd72f2b687f23999 (BSD-3-Clause, skcms
//     LICENSE); copy: testdata/icc-google-srgb-parametric.icc.
//   - acfbdca2…a1e6: Google "sRGB ICE61966-2.1" [sic] (2,624 bytes, v4, 1024-entry
//     curves, cprt "Copyright (c) 2016 Google Inc."), Android camera apps.
//     Source: jbeich/skcms profiles/mobile/sRGB_LUT.icc, commit 80865778
//     (as above); copy: testdata/icc-google-srgb-lut.icc.
//   - 3f6d6741…8301: the HP/Microsoft profile above with one header byte
//     changed: rendering intent (ICC.1 7.2.15, bytes 64-67) 1,
//     media-relative colorimetric, instead of 0; 3,144 bytes, the same
//     texts, colorants and curves. Embedded by phones (Apple iPhone 4 on
//     iOS 4.1, HTC Desire) and by Photoshop. Source:
//     github.com/drewnoakes/metadata-extractor-images
//     "jpg/HTC Desire.jpg" (also "jpg/Apple iPhone 4.jpg"), commit
//     4beba640487802442bc9931fb01274e908102d3a. HP copyright: digest only.
//   - 2e2fd04e…8c6b: Google "sRGB IEC61966-2.1" (596 bytes, v4, cprt
//     "Copyright (c) 2023 Google Inc.", parametric curve), embedded by
//     Pixel cameras (a Pixel 6 Ultra HDR photo): the 2016 profile below
//     with a new date, copyright year and profile ID. Source:
//     github.com/python-pillow/Pillow Tests/images/ultrahdr.jpg, commit
//     4e5f09f533dbd0d87d39951f48b62f4d1a421cba. Google copyright, no
//     licence stated for the profile: digest only. Checked: rXYZ 0.4360
//     0.2225 0.0139, gXYZ 0.3851 0.7169 0.0971, bXYZ 0.1431 0.0606 0.7139,
//     curve within 0.00001 of the sRGB curve.
//   - be1eccdf…5a6c: Google "sRGB Gamut with sRGB Transfer" (588 bytes,
//     v4.3, mluc desc, cprt "Google Inc. 2022", para function type 4, no
//     date, manufacturer or model in the header), written by libultrahdr,
//     the encoder of Android's Ultra HDR JPEGs (Android 14 on). Source:
//     github.com/libvips/libvips test/test-suite/images/ultra-hdr.jpg,
//     commit 29fd12021b279dee0d22223e11686f7d61dcd541. Digest only.
//     Checked: rXYZ 0.4361 0.2225 0.0139, gXYZ 0.3852 0.7169 0.0971,
//     bXYZ 0.1431 0.0606 0.7141, curve within 0.00001 of the sRGB curve.
//   - 12afb4d9…37bc: "sRGB" (456 bytes, v4.3, desc "sRGB", cprt "Google
//     Inc. 2016", para curve, date 2016-01-01, no manufacturer or model:
//     the profile Skia's SkICC writes), embedded by a Pixel 8 Pro (HDR+)
//     photo. Source: github.com/nico/jpegfiles
//     "PXL_20240119_003210701~2.jpg", commit
//     d65e11d1aab1c56ccd20bae06cdab27bfa3fbb73. Digest only. Checked:
//     rXYZ 0.4361 0.2225 0.0139, gXYZ 0.3852 0.7169 0.0971, bXYZ 0.1431
//     0.0606 0.7141, curve within 0.00001 of the sRGB curve.
//   - c56e1685…8353: Compact ICC Profiles "sRGB" v4 (480 bytes, cprt
//     "CC0"). Source: github.com/saucecontrol/Compact-ICC-Profiles
//     profiles/sRGB-v4.icc, commit bdd84663061bc4ae95ca70decff54f581e27f702
//     (CC0 1.0); copy: testdata/icc-cc0-srgb-v4.icc.
//
// Display P3:
//   - 7e1c7ec5…acbd: Apple "Display P3" (548 bytes, v4, cprt "Copyright
//     Apple Inc., 2015"), embedded by iPhone cameras (iPhone 7 Plus).
//     Source: jbeich/skcms profiles/mobile/iPhone7p.icc, commit 80865778
//     (as above). Apple copyright: digest only. Checked: rXYZ 0.5151
//     0.2412 -0.0011, gXYZ 0.2920 0.6922 0.0419, bXYZ 0.1571 0.0666
//     0.7841, parametric curve g 2.4 a 0.948 b 0.052 c 0.077 d 0.039.
//   - ae333404…5404: the Apple 2015 profile above with rendering intent
//     1 (media-relative colorimetric) instead of 0 in the header; 548
//     bytes, the same texts, colorants, curves and profile ID. Source:
//     github.com/lovell/sharp test/fixtures/p3.png, commit
//     ea5bef24c187b2c7ee3fe3cad3b45c8cb67a46fd (a PNG, not a camera
//     photo). Apple copyright: digest only.
//   - 20789fdb…f0ab: Apple "Display P3" (536 bytes, v4, mluc desc, cprt
//     "Copyright Apple Inc., 2022"), embedded by current iPhones. Source:
//     github.com/nico/jpegfiles iccfiles/p3-v4.icc (from an iPhone photo),
//     commit 5c73e051566dd0dba560b33fff90e7e668d95d06. Apple copyright
//     (the repository states no licence): digest only. Checked: the same
//     colorants as above, parametric curve g 2.4 a 0.94786 b 0.05214
//     c 0.07739 d 0.04045.
//   - e1e0082a…f7bc: Google "Display P3" (584 bytes, v4, parametric curve,
//     cprt "Copyright (c) 2017 Google Inc."), Android camera apps. Source:
//     jbeich/skcms profiles/mobile/Display_P3_parametric.icc, commit
//     80865778 (BSD-3-Clause); copy:
//     testdata/icc-google-display-p3-parametric.icc.
//   - af72701d…cdbf: Google "Display P3" (2,612 bytes, 1024-entry curves).
//     Source: jbeich/skcms profiles/mobile/Display_P3_LUT.icc, commit
//     80865778 (BSD-3-Clause); copy: testdata/icc-google-display-p3-lut.icc.
//   - cb51de38…3a3d: Compact ICC Profiles "sP3" v4 (480 bytes, cprt
//     "CC0"). Source: saucecontrol/Compact-ICC-Profiles
//     profiles/DisplayP3-v4.icc, commit bdd84663 (CC0 1.0); copy:
//     testdata/icc-cc0-display-p3-v4.icc.
//
// Missing: Apple's 2017 "Display P3" (548 bytes, "Copyright Apple Inc.,
// 2017"), embedded by iPhones from iOS 11 on, was not found as a file in
// any repository searched, nor in the real-photo sweep of
// bench/realphotos.md (no JPEG there from an iPhone 7 or later on iOS
// 11-15 kept its profile), so such photos lose their profile (see below).
// No Samsung phone JPEG in that sweep carried a profile of its own (the
// one that had a profile had been through Photoshop: HP sRGB). Newer
// Android versions may write other Skia-generated profiles.
//
// Colour consequence of dropping a profile: browsers and viewers then
// assume sRGB (CSS Color 4 section 12, "untagged images are sRGB"). For an
// sRGB photo nothing changes. A Display P3 photo whose profile is dropped
// (an unlisted P3 variant, or an edited one) is shown with its P3 values
// read as sRGB: colours look duller, saturated reds and greens most,
// though hues stay close; an Adobe RGB photo is affected the same way, more
// strongly. A kept Display P3 profile makes a wide-gamut screen show the
// photo as taken and an sRGB screen map it into sRGB. Dropping is the
// accepted price of publishing no device or owner names.
var KnownProfiles = map[string]string{
	"2a92d4bae450b76d8b0aa42193df974d75f62738ecebf74f01c5e75b12a95796": "sRGB",
	"c87e049275a6729f0fb5afd533d35e4baf7e73bac68d780cfb7690bfa37ea451": "sRGB",
	"2b3aa1645779a9e634744faf9b01e9102b0c9b88fd6deced7934df86b949af7e": "sRGB",
	"33c34ecfeb998459e0075ba26a0f1ea5042e20e2419c5962e495eba3208576f2": "sRGB",
	"acfbdca2071cd0164b4a3ae1ea5071d5ae6aa224191880484a194dde7989a1e6": "sRGB",
	"3f6d674174f3804eb0dabdac90ae17486e898c5063a66f861c116ea033da8301": "sRGB",
	"2e2fd04e0c28295bdd854a04a640a2c95b9950e73d25b48d157f7e27fb6e8c6b": "sRGB",
	"be1eccdf7ba1b4c2b13dae337d96b87040fc9206d2d388f7fbed8187cf2c5a6c": "sRGB",
	"12afb4d9953adee0607d347daee5b78b18d6b3cab2d572b88970703f5edb37bc": "sRGB",
	"c56e1685d888f5edb92fe07f2750f387f8fe8e91b32ff8fb0b56bfbbb9458353": "sRGB",
	"7e1c7ec53e8ea35fed3e169dee62115ac045f26c7bc256fab16a5c26c29eacbd": "Display P3",
	"ae333404b2162270c292a4ed6aab27a89d87dc38fb84ac4dbf20017fcf4f5404": "Display P3",
	"20789fdbea9835251a4f0796c8bf45cbd964896044886540da21ffc7457af0ab": "Display P3",
	"e1e0082a3010efdabde8ceaa791aa8c5bbfd4a237c036aec24b2a2d69981f7bc": "Display P3",
	"af72701d2636766dcdc42d595bfee1dac948bfb4df112107947f9c51f932cdbf": "Display P3",
	"cb51de38e482ee974c0c76b9689e16aad04bad16e226fed2f30c842d15ff3a3d": "Display P3",
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
