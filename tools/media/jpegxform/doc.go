// Package jpegxform applies the eight EXIF orientations to a JPEG image
// losslessly, by rearranging its quantised DCT coefficients instead of
// decoding, transforming and re-encoding pixels, as jpegtran -perfect does.
//
// Three steps, each usable on its own:
//
//   - Decode reads a Huffman-coded JPEG (ITU-T T.81 | ISO/IEC 10918-1):
//     baseline and extended sequential (SOF0, SOF1; Annex F.2.2, decoding
//     of the DC and AC coefficients) and progressive (SOF2; Annex G.1.2,
//     spectral selection and successive approximation, with EOB runs), 8-bit
//     precision, 1 or 3 components with sampling factors 1-4, interleaved
//     and non-interleaved scans, any number of scans, restart intervals (DRI,
//     RSTn; B.2.4.4, F.2.2.5). The result is an Image: per component, the
//     quantised coefficients of every block, in natural (row-major) order.
//     Arithmetic coding, 12-bit precision, lossless and hierarchical
//     processes, DNL and 2 or 4 components fail with ErrUnsupported.
//   - Image.Transform maps orientation 2-8 (CIPA DC-008-2023 "Exif 3.0",
//     tag 0x0112: 2 mirror horizontal, 3 rotate 180, 4 mirror vertical,
//     5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 270
//     clockwise) onto the block grid. Inside a block, mirroring a pixel axis
//     negates the coefficients of odd frequency along it, and transposing
//     pixels transposes coefficients; transposing orientations also
//     transpose the quantisation tables and swap each component's sampling
//     factors and the image's width and height. Only "perfect" transforms
//     are done: when a partial MCU at the right or bottom edge would have to
//     move to the left or top, Transform returns ErrNotPerfect (the rules of
//     jpegtran -perfect, libjpeg transupp.c: horizontal mirror needs the
//     width to be a multiple of the MCU width, vertical mirror the height a
//     multiple of the MCU height, rotate 180 and transverse both, rotate 90
//     the height, rotate 270 the width; transpose is always perfect).
//   - Encode writes an Image as a single interleaved sequential scan with
//     optimal Huffman tables (Annex K.2, code lengths limited to 16 by the
//     procedure of Figure K.3), F.1.2 coding: SOI, DQT, SOF0 (SOF1 when a
//     quantisation table needs 16-bit entries), DHT, optionally DRI, SOS,
//     the entropy-coded data and EOI. No APPn segment is written: the caller
//     adds JFIF, Adobe and ICC segments.
//
// Decode never allocates from a header value before checking it against
// Limits, and never panics on bad input (FuzzDecode).
//
// # Oracle
//
// The tests compare with jpegtran from libjpeg-turbo (Debian package
// libjpeg-turbo-progs, installed by scripts/install-test-deps.sh). For
// every orientation and for 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1 and greyscale fixtures
// whose sizes are multiples of the MCU, `jpegtran -copy none -perfect`
// with the matching -flip, -rotate, -transpose or -transverse must give
// the very coefficients this package gives, and Go's image/jpeg must
// decode both files to identical pixels. Fixtures with restart markers
// (`cjpeg -restart 1` and Encode's RestartInterval) and progressive ones
// (`jpegtran -progressive`) are transformed the same way. The tests fail
// when STORYGUARD_REQUIRE_TOOLS=1 and jpegtran or cjpeg is missing, and
// skip otherwise.
package jpegxform
